/**
 * @module finalize: the build's verdict. On success the outputs are the preview configuration
 * (environment URL, anon key, tables, policies, functions, buckets, TypeScript types); on
 * failure, the reason.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { stepContext } from "../context.ts";
import { ProvisioningError } from "../../mcp/provisioner.ts";
import { planStorage } from "../../plan/schema.ts";
import type { BuildOutputs, BuildStateType, BuildUpdate } from "../state.ts";

export async function finalize(
  state: BuildStateType,
  config: LangGraphRunnableConfig,
): Promise<BuildUpdate> {
  const ctx = stepContext(config, "finalize", state.sessionId);
  if (state.failure) {
    ctx.present({ type: "table", name: state.failure.node }, 1);
    ctx.emit("build_failed", `Build failed at ${state.failure.node}: ${state.failure.message}`, {
      payload: { node: state.failure.node, error: state.failure.message },
    });
    return { finished: true, outputs: null };
  }
  const plan = state.plan;
  const env = state.environment;
  if (!plan || !env) {
    const message = "Build finished without a plan or an environment";
    ctx.emit("build_failed", message, { payload: { node: "finalize", error: message } });
    return { finished: true, failure: { node: "finalize", message } };
  }
  // The types are a convenience: when they cannot be generated the backend is still ready.
  const types = await ctx.deps.provisioner.generateTypes(env.ref).catch((e: unknown) => ({
    value: null,
    records: e instanceof ProvisioningError ? e.records : [],
  }));
  const outputs: BuildOutputs = {
    environmentUrl: env.url,
    anonKey: env.anonKey,
    tables: plan.tables.map((t) => t.name),
    policies: plan.policies.map((p) => `${p.table}.${p.name}`),
    functions: state.functions.map((f) => ({ ...f, url: `${env.url}/functions/v1/${f.slug}` })),
    analytics: state.analytics,
    notApplied: plan.requirements.filter((r) => r.status === "not_applied").map((r) => r.sentence),
    buckets: planStorage(plan).buckets.map((b) => b.id),
    types: types.value,
  };
  ctx.present({ type: "table", name: outputs.tables.at(-1) ?? "done" }, 1);
  ctx.emit("build_succeeded", `Backend ready at ${env.url}`, {
    payload: {
      environmentUrl: env.url,
      tables: outputs.tables.length,
      functions: outputs.functions,
    },
    toolCalls: ctx.recordCalls(types.records),
  });
  return { finished: true, outputs };
}
