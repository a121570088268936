/**
 * @module The build graph: eight nodes in order, each followed by finalize when a step failed
 * for good. provision_environment loops on itself while its environment is pending (each pass
 * a bounded check in its own invocation). Compiled to stop after every node, so one worker
 * invocation runs one node.
 */
import { END, START, StateGraph } from "@langchain/langgraph";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { applyMigrations } from "./nodes/apply_migrations.ts";
import { configureAnalytics } from "./nodes/configure_analytics.ts";
import { configureRls } from "./nodes/configure_rls.ts";
import { deployEdgeFunctions } from "./nodes/deploy_edge_functions.ts";
import { finalize } from "./nodes/finalize.ts";
import { generatePlan } from "./nodes/generate_plan.ts";
import { ingestVibe } from "./nodes/ingest_vibe.ts";
import { provisionEnvironment } from "./nodes/provision_environment.ts";
import { BuildState, type BuildStateType } from "./state.ts";

/** The nodes in build order. */
export const NODES = [
  "ingest_vibe",
  "generate_plan",
  "provision_environment",
  "apply_migrations",
  "configure_rls",
  "deploy_edge_functions",
  "configure_analytics",
  "finalize",
] as const;
export type NodeName = typeof NODES[number];

const next = (to: NodeName) => (state: BuildStateType): NodeName => state.failure ? "finalize" : to;

/** Checks back on a pending environment until it is ready. */
function untilProvisioned(state: BuildStateType): NodeName {
  if (state.failure) return "finalize";
  return state.environment ? "apply_migrations" : "provision_environment";
}

function graphBuilder() {
  return new StateGraph(BuildState)
    .addNode("ingest_vibe", ingestVibe)
    .addNode("generate_plan", generatePlan)
    .addNode("provision_environment", provisionEnvironment)
    .addNode("apply_migrations", applyMigrations)
    .addNode("configure_rls", configureRls)
    .addNode("deploy_edge_functions", deployEdgeFunctions)
    .addNode("configure_analytics", configureAnalytics)
    .addNode("finalize", finalize)
    .addEdge(START, "ingest_vibe")
    .addConditionalEdges("ingest_vibe", next("generate_plan"), ["generate_plan", "finalize"])
    .addConditionalEdges("generate_plan", next("provision_environment"), [
      "provision_environment",
      "finalize",
    ])
    .addConditionalEdges("provision_environment", untilProvisioned, [
      "apply_migrations",
      "provision_environment",
      "finalize",
    ])
    .addConditionalEdges("apply_migrations", next("configure_rls"), ["configure_rls", "finalize"])
    .addConditionalEdges("configure_rls", next("deploy_edge_functions"), [
      "deploy_edge_functions",
      "finalize",
    ])
    .addConditionalEdges("deploy_edge_functions", next("configure_analytics"), [
      "configure_analytics",
      "finalize",
    ])
    .addConditionalEdges("configure_analytics", next("finalize"), ["finalize"])
    .addEdge("finalize", END);
}

/** The compiled graph, stopping after every node, checkpointing with `checkpointer`. */
export type BuildGraph = ReturnType<ReturnType<typeof graphBuilder>["compile"]>;

/** The graph's shape is built once; each step compiles it with its transaction's saver. */
const builder = graphBuilder();

export function buildGraph(checkpointer: BaseCheckpointSaver): BuildGraph {
  return builder.compile({ checkpointer, interruptAfter: "*" });
}
