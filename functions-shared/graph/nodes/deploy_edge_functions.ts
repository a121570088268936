/**
 * @module deploy_edge_functions: deploys `drift_check` and `spec_gate` into the environment,
 * each one bundled file with the session's contract embedded. drift_check reports back with
 * the environment's reporting token, whose hash the control plane keeps (and can revoke).
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { EnvironmentFunctionSlug } from "../../env_functions/source.ts";
import { deployedReportToken } from "../../env_functions/report_token_store.ts";
import { snapshotContract } from "../contract_snapshot.ts";
import { stepContext } from "../context.ts";
import { environmentContract } from "../environment_contract.ts";
import { requireEnvironment, requirePlan } from "../require.ts";
import type { BuildStateType, BuildUpdate } from "../state.ts";

export async function deployEdgeFunctions(
  state: BuildStateType,
  config: LangGraphRunnableConfig,
): Promise<BuildUpdate> {
  const ctx = stepContext(config, "deploy_edge_functions", state.sessionId);
  const plan = requirePlan(state);
  const environment = requireEnvironment(state);
  const { settings } = ctx.deps;
  // Derived, not random: a re-run deploys the same token the control plane already knows.
  const token = await deployedReportToken(
    ctx.db,
    settings.reportTokenKey,
    state.sessionId,
    environment.ref,
  );
  // The contract is the environment as the pipeline built it, read before anything else runs.
  const snapshot = await snapshotContract(ctx.deps.provisioner, environment.ref);
  const snapshotCalls = ctx.recordCalls(snapshot.records);
  const contract = environmentContract(settings, state.sessionId, plan, snapshot.model, token);
  const deployed: { slug: string; version: number }[] = [];
  const slugs = plan.edgeFunctions.map((f) => f.name) as EnvironmentFunctionSlug[];
  for (const [i, slug] of slugs.entries()) {
    ctx.present({ type: "function", name: slug }, 0.7 + 0.1 * (i / Math.max(1, slugs.length)));
    const fn = ctx.deps.environmentFunctions.files(slug, contract);
    const { value, records } = await ctx.deps.provisioner.deployFunction(environment.ref, {
      slug,
      files: fn.files,
      entrypoint: fn.entrypoint,
      verifyJwt: fn.verifyJwt,
    });
    deployed.push({ slug, version: value.version });
    ctx.emit(
      "edge_function_deployed",
      `Deployed Edge Function ${slug} (version ${value.version})`,
      {
        key: `function:${slug}`,
        payload: {
          slug,
          version: value.version,
          verifyJwt: fn.verifyJwt,
          url: `${environment.url}/functions/v1/${slug}`,
        },
        // The contract snapshot's calls travel with the first deployment.
        toolCalls: [...(i === 0 ? snapshotCalls : []), ...ctx.recordCalls(records)],
      },
    );
  }
  ctx.present({ type: "function", name: slugs.at(-1) ?? "functions" }, 0.8);
  return { functions: deployed, contract: snapshot.model };
}
