/** @module Chooses the embedder: Supabase.ai, else OpenAI when configured, else lexical. */

import { isOpenAIConfigured, type OpenAISettings } from "../openai/settings.ts";
import type { Embedder } from "./embedder.ts";
import { createLexicalEmbedder } from "./lexical_embedder.ts";
import { createOpenAIEmbedder } from "./openai_embedder.ts";
import { createSupabaseAiEmbedder, supabaseAi } from "./supabase_ai_embedder.ts";

/** Configuration of {@linkcode selectEmbedder}. */
export interface EmbedderConfig {
  /** OpenAI settings; used when a key or base URL is set and Supabase.ai is absent. */
  readonly openai: OpenAISettings;
}

/**
 * gte-small through `Supabase.ai` on the hosted Edge Runtime; otherwise OpenAI embeddings when
 * configured; otherwise the deterministic lexical embedder. `scope` is where `Supabase` is
 * looked up (the global object unless a test passes another).
 */
export function selectEmbedder(config: EmbedderConfig, scope: object = globalThis): Embedder {
  const ai = supabaseAi(scope);
  if (ai !== undefined) return createSupabaseAiEmbedder(ai);
  if (isOpenAIConfigured(config.openai)) return createOpenAIEmbedder(config.openai);
  return createLexicalEmbedder();
}
