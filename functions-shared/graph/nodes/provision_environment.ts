/**
 * @module provision_environment: a branch of the parent project or a new project, through the
 * MCP server. The environment is named after the session, so a re-run finds it instead of
 * creating a second one.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { stepContext } from "../context.ts";
import type { BuildStateType, BuildUpdate } from "../state.ts";

/** The environment's name: unique per session, stable across re-runs. */
export function environmentName(sessionId: string): string {
  return `vibe-${sessionId.replace(/-/g, "").slice(0, 12)}`;
}

export async function provisionEnvironment(
  state: BuildStateType,
  config: LangGraphRunnableConfig,
): Promise<BuildUpdate> {
  const ctx = stepContext(config, "provision_environment", state.sessionId);
  const mode = state.options.environmentMode;
  const name = environmentName(state.sessionId);
  ctx.present({ type: "table", name }, 0.25);
  const { settings } = ctx.deps;
  const { value: environment, records } = await ctx.deps.provisioner.ensureEnvironment({
    mode,
    name,
    ...(mode === "branch" ? { parentRef: settings.parentProjectRef } : {}),
    ...(settings.organizationId ? { organizationId: settings.organizationId } : {}),
  });
  ctx.emit(
    "environment_created",
    mode === "branch"
      ? `Created branch ${name} of project ${environment.parentRef ?? settings.parentProjectRef}`
      : `Created project ${name}`,
    {
      payload: {
        kind: environment.kind,
        ref: environment.ref,
        name: environment.name,
        url: environment.url,
        ...(environment.parentRef ? { parentRef: environment.parentRef } : {}),
      },
      toolCalls: ctx.recordCalls(records),
    },
  );
  ctx.present({ type: "table", name: environment.ref }, 0.35);
  return { environment };
}
