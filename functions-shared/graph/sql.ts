/** @module The control-plane SQL the graph nodes run inside the step's transaction. */
import type { Query } from "../db/query.ts";

/** A chunk of the vibe as the chunker returns it. */
export interface SpecChunkInput {
  index: number;
  content: string;
  metadata: Record<string, unknown>;
}

/** pgvector's text form of a vector. */
export function vectorLiteral(values: readonly number[]): string {
  return `[${values.map((v) => (Number.isFinite(v) ? v : 0)).join(",")}]`;
}

/** Stores a session's chunks; re-running replaces the same chunk indexes. */
export function upsertSpecChunks(
  sessionId: string,
  chunks: readonly SpecChunkInput[],
  vectors: readonly (readonly number[])[],
  embedder: string,
): Query {
  return {
    text: `insert into public.spec_chunks (session_id, chunk_index, content, embedding, metadata)
           select $1, c.idx, c.content, c.embedding::extensions.vector, c.metadata
             from unnest($2::int[], $3::text[], $4::text[], $5::jsonb[])
                  as c(idx, content, embedding, metadata)
           on conflict (session_id, chunk_index) do update
             set content = excluded.content, embedding = excluded.embedding,
                 metadata = excluded.metadata
           returning id`,
    values: [
      sessionId,
      chunks.map((c) => c.index),
      chunks.map((c) => c.content),
      vectors.map(vectorLiteral),
      chunks.map((c) => JSON.stringify({ ...c.metadata, embedder })),
    ],
  };
}
