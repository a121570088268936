/**
 * @module The build graph: eight nodes in order, each followed by finalize when a step failed
 * for good. provision_environment loops on itself while its environment is pending (each pass
 * a bounded check in its own invocation). Compiled to stop after every node, so one worker
 * invocation runs one node.
 */
import { END, START, StateGraph } from "../langchain/runtime.ts";
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

/**
 * The node after `node`, given the state it left: finalize once a step failed for good,
 * provision_environment again while its environment is pending, none after finalize. The
 * graph's edges and the worker's next queue message both come from here.
 */
export function nextNode(node: NodeName, state: BuildStateType): NodeName | null {
  if (node === "finalize") return null;
  if (state.failure) return "finalize";
  if (node === "provision_environment" && !state.environment) return "provision_environment";
  return NODES[NODES.indexOf(node) + 1] ?? null;
}

const route = (node: NodeName) => (state: BuildStateType): NodeName =>
  nextNode(node, state) ?? "finalize";

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
    .addConditionalEdges("ingest_vibe", route("ingest_vibe"), ["generate_plan", "finalize"])
    .addConditionalEdges("generate_plan", route("generate_plan"), [
      "provision_environment",
      "finalize",
    ])
    // Checks back on a pending environment until it is ready.
    .addConditionalEdges("provision_environment", route("provision_environment"), [
      "apply_migrations",
      "provision_environment",
      "finalize",
    ])
    .addConditionalEdges("apply_migrations", route("apply_migrations"), [
      "configure_rls",
      "finalize",
    ])
    .addConditionalEdges("configure_rls", route("configure_rls"), [
      "deploy_edge_functions",
      "finalize",
    ])
    .addConditionalEdges("deploy_edge_functions", route("deploy_edge_functions"), [
      "configure_analytics",
      "finalize",
    ])
    .addConditionalEdges("configure_analytics", route("configure_analytics"), ["finalize"])
    .addEdge("finalize", END);
}

/** The compiled graph, stopping after every node, checkpointing with `checkpointer`. */
export type BuildGraph = ReturnType<ReturnType<typeof graphBuilder>["compile"]>;

/** The graph's shape is built once; each step compiles it with its transaction's saver. */
const builder = graphBuilder();

export function buildGraph(checkpointer: BaseCheckpointSaver): BuildGraph {
  return builder.compile({ checkpointer, interruptAfter: "*" });
}
