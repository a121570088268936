/** @module Settings for OpenAI or any OpenAI-compatible endpoint (chat and embeddings). */

/** How to reach OpenAI or a compatible server; all optional. */
export interface OpenAISettings {
  /** `OPENAI_API_KEY`. */
  readonly apiKey?: string | undefined;
  /** `OPENAI_BASE_URL`: an OpenAI-compatible endpoint, e.g. `http://localhost:11434/v1`. */
  readonly baseUrl?: string | undefined;
  /** `OPENAI_MODEL`: the chat model for planning; default `gpt-4o-mini`. */
  readonly chatModel?: string | undefined;
  /** `OPENAI_EMBEDDING_MODEL`: must support 384 dimensions; default `text-embedding-3-small`. */
  readonly embeddingModel?: string | undefined;
}

/** Reads {@linkcode OpenAISettings} from environment variables; blank values count as unset. */
export function openAISettingsFrom(
  env: Readonly<Record<string, string | undefined>>,
): OpenAISettings {
  const value = (name: string): string | undefined => env[name]?.trim() || undefined;
  return {
    apiKey: value("OPENAI_API_KEY"),
    baseUrl: value("OPENAI_BASE_URL"),
    chatModel: value("OPENAI_MODEL"),
    embeddingModel: value("OPENAI_EMBEDDING_MODEL"),
  };
}

/** Whether an API key or a base URL is set, i.e. whether OpenAI-backed features are on. */
export function isOpenAIConfigured(settings: OpenAISettings): boolean {
  return settings.apiKey !== undefined || settings.baseUrl !== undefined;
}
