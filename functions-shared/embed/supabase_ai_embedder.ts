/**
 * @module gte-small embeddings through `Supabase.ai`, the inference API of the hosted Edge
 * Runtime (384 dimensions, mean-pooled and normalised). Absent everywhere else.
 */

import { checkedVectors, type Embedder, EMBEDDING_DIMENSIONS } from "./embedder.ts";

/** A `Supabase.ai` inference session. */
export interface SupabaseAiSession {
  run(input: string, options: { mean_pool: boolean; normalize: boolean }): Promise<unknown>;
}

/** The part of the Edge Runtime's `Supabase` global this module uses. */
export interface SupabaseAi {
  readonly Session: new (model: string) => SupabaseAiSession;
}

/** `globalThis.Supabase.ai` (or `scope`'s) when the runtime provides it. */
export function supabaseAi(scope: object = globalThis): SupabaseAi | undefined {
  const supabase = (scope as { Supabase?: { ai?: Partial<SupabaseAi> } }).Supabase;
  const Session = supabase?.ai?.Session;
  return typeof Session === "function" ? { Session } : undefined;
}

/** The gte-small embedder; the session is created on first use and reused. */
export function createSupabaseAiEmbedder(ai: SupabaseAi): Embedder {
  const name = "supabase-ai:gte-small";
  let session: SupabaseAiSession | undefined;
  return {
    name,
    dimensions: EMBEDDING_DIMENSIONS,
    async embed(texts) {
      session ??= new ai.Session("gte-small");
      const vectors: number[][] = [];
      for (const text of texts) {
        const output = await session.run(text, { mean_pool: true, normalize: true });
        vectors.push(Array.from(output as ArrayLike<number>));
      }
      return checkedVectors(name, texts, vectors);
    },
  };
}
