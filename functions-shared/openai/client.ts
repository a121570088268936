/**
 * @module A small client for OpenAI's HTTP API and compatible servers (`OPENAI_BASE_URL`):
 * JSON POSTs with the key as bearer, a timeout per attempt, and retries with backoff on
 * network errors, 408, 409, 429 and 5xx, as the official SDK retries. Errors name the status
 * and the server's message, never the key.
 */
import type { OpenAISettings } from "./settings.ts";

/** Options of {@link createOpenAIClient}. */
export interface OpenAIClientOptions {
  /** Per-attempt timeout in milliseconds (default 60 000). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 2). */
  maxRetries?: number;
  /** The first retry's delay in milliseconds, doubled each retry (default 500). */
  backoffMs?: number;
  fetch?: typeof fetch;
}

/** Thrown when the API answers with an error status or cannot be reached. */
export class OpenAIRequestError extends Error {
  override name = "OpenAIRequestError";
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

export interface OpenAIClient {
  post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T>;
}

const DEFAULT_BASE_URL = "https://api.openai.com/v1";

function retryable(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

export function createOpenAIClient(
  settings: OpenAISettings,
  opts: OpenAIClientOptions = {},
): OpenAIClient {
  const base = (settings.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
  const doFetch = opts.fetch ?? fetch;
  const maxRetries = opts.maxRetries ?? 2;
  return {
    async post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
      const url = `${base}${path}`;
      for (let attempt = 0;; attempt++) {
        const timeout = AbortSignal.timeout(opts.timeoutMs ?? 60_000);
        let res: Response;
        try {
          res = await doFetch(url, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              // Keyless local servers (Ollama, llama.cpp) ignore it.
              authorization: `Bearer ${settings.apiKey ?? "not-needed"}`,
            },
            body: JSON.stringify(body),
            signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
          });
        } catch (e) {
          if (signal?.aborted) throw e;
          if (attempt < maxRetries) {
            await delay(opts.backoffMs ?? 500, attempt);
            continue;
          }
          throw new OpenAIRequestError(
            `Cannot reach the OpenAI-compatible API at ${base}: ${(e as Error).message}`,
          );
        }
        if (res.ok) return await res.json() as T;
        const text = await res.text();
        if (retryable(res.status) && attempt < maxRetries) {
          await delay(opts.backoffMs ?? 500, attempt);
          continue;
        }
        let message = text.slice(0, 500);
        try {
          message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ??
            message;
        } catch { /* not JSON */ }
        throw new OpenAIRequestError(
          `The OpenAI-compatible API answered ${res.status} to POST ${path}: ${message}`,
          res.status,
        );
      }
    },
  };
}

function delay(backoffMs: number, attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** attempt));
}
