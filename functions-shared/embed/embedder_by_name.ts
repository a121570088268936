/**
 * @module Finds the embedder a stored vector came from, by the name kept in
 * `spec_chunks.metadata.embedder`: only vectors of the same embedder are comparable, so text
 * compared with a session's chunks must be embedded by that same embedder.
 */

import { isOpenAIConfigured, type OpenAISettings } from "../openai/settings.ts";
import type { Embedder } from "./embedder.ts";
import { createLexicalEmbedder } from "./lexical_embedder.ts";
import { createOpenAIEmbedder } from "./openai_embedder.ts";
import { createSupabaseAiEmbedder, supabaseAi } from "./supabase_ai_embedder.ts";

/** What {@linkcode embedderNamed} may use. */
export interface EmbedderByNameConfig {
  /** OpenAI settings, for `openai:<model>` embedders (the model comes from the name). */
  readonly openai: OpenAISettings;
}

/** An embedder, or why the named one cannot run here. */
export type NamedEmbedder =
  | { readonly embedder: Embedder }
  | { readonly unavailable: string };

/**
 * The embedder called `name` (`lexical-v1`, `supabase-ai:gte-small`, `openai:<model>`), or the
 * reason it is unavailable in this runtime. `scope` is where `Supabase.ai` is looked up.
 */
export function embedderNamed(
  name: string,
  config: EmbedderByNameConfig,
  scope: object = globalThis,
): NamedEmbedder {
  if (name === "lexical-v1") return { embedder: createLexicalEmbedder() };
  if (name === "supabase-ai:gte-small") {
    const ai = supabaseAi(scope);
    return ai
      ? { embedder: createSupabaseAiEmbedder(ai) }
      : { unavailable: `${name} needs the hosted Edge Runtime's Supabase.ai` };
  }
  if (name.startsWith("openai:")) {
    if (!isOpenAIConfigured(config.openai)) {
      return {
        unavailable: `${name} needs OPENAI_API_KEY or OPENAI_BASE_URL in this function's secrets`,
      };
    }
    const model = name.slice("openai:".length);
    return { embedder: createOpenAIEmbedder({ ...config.openai, embeddingModel: model }) };
  }
  return { unavailable: `${name} is not an embedder this version knows` };
}
