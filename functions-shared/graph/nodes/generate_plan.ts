/**
 * @module generate_plan: the template baseline plus the vibe's requirements, validated before
 * anything is built. An invalid plan fails the build with its reasons; no SQL runs.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { InvalidPlanError, validatePlan } from "../../plan/validate.ts";
import { stepContext } from "../context.ts";
import { PermanentStepError } from "../failure.ts";
import type { BuildStateType, BuildUpdate } from "../state.ts";

export async function generatePlan(
  state: BuildStateType,
  config: LangGraphRunnableConfig,
): Promise<BuildUpdate> {
  const ctx = stepContext(config, "generate_plan", state.sessionId);
  ctx.present({ type: "table", name: state.template }, 0.15);
  let candidate: unknown;
  try {
    candidate = await ctx.deps.planner.plan({
      vibeText: state.vibeText,
      template: state.template,
      options: { enableAnalytics: state.options.enableAnalytics },
    });
  } catch (e) {
    // A planner that could not produce a valid plan will not do better on a retry.
    if (e instanceof InvalidPlanError) {
      throw new PermanentStepError(`The plan is invalid, so nothing was built: ${e.message}`);
    }
    throw e;
  }
  const validation = validatePlan(candidate);
  if (!validation.ok) {
    const error = new InvalidPlanError(validation.problems);
    throw new PermanentStepError(`The plan is invalid, so nothing was built: ${error.message}`);
  }
  const plan = validation.plan;
  const notApplied = plan.requirements.filter((r) => r.status === "not_applied");
  ctx.emit(
    "plan_created",
    `Planned ${plan.tables.length} tables and ${plan.policies.length} policies` +
      (notApplied.length ? ` (${notApplied.length} sentences not applied)` : ""),
    {
      key: "final",
      payload: {
        draft: false,
        tables: plan.tables.map((t) => t.name),
        policies: plan.policies.map((p) => `${p.table}.${p.name}`),
        functions: plan.edgeFunctions.map((f) => f.name),
        requirements: plan.requirements.map((r) => ({
          sentence: r.sentence,
          status: r.status,
          reason: r.reason,
        })),
      },
    },
  );
  ctx.present({ type: "table", name: plan.tables[0]?.name ?? state.template }, 0.2);
  return { plan };
}
