/**
 * @module ingest_vibe: splits the vibe into sections and chunks, embeds them and stores them
 * as spec_chunks (re-running replaces the same chunk indexes), then emits the draft plan.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { rows } from "../../db/query.ts";
import { chunkVibe } from "../../embed/chunk.ts";
import { baselinePlan } from "../../plan/baseline.ts";
import { stepContext } from "../context.ts";
import type { BuildStateType, BuildUpdate } from "../state.ts";
import { upsertSpecChunks } from "../sql.ts";

export async function ingestVibe(
  state: BuildStateType,
  config: LangGraphRunnableConfig,
): Promise<BuildUpdate> {
  const ctx = stepContext(config, "ingest_vibe", state.sessionId);
  ctx.present({ type: "table", name: "spec_chunks" }, 0.05);
  const chunks = chunkVibe(state.vibeText);
  const vectors = await ctx.deps.embedder.embed(chunks.map((c) => c.content));
  await rows(ctx.db, upsertSpecChunks(state.sessionId, chunks, vectors, ctx.deps.embedder.name));
  const baseline = baselinePlan(state.template);
  ctx.emit("plan_created", `Drafted a ${state.template} plan from ${chunks.length} spec chunks`, {
    key: "draft",
    payload: {
      draft: true,
      template: state.template,
      tables: baseline.tables.map((t) => t.name),
      chunks: chunks.length,
      embedder: ctx.deps.embedder.name,
    },
  });
  ctx.present({ type: "table", name: baseline.tables[0]?.name ?? "spec_chunks" }, 0.1);
  return { chunkCount: chunks.length };
}
