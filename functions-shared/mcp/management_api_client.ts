/**
 * @module A minimal client for the few Supabase Management API calls the hosted platform makes
 * itself (the package's own client is not exported): JSON in, status and JSON out, the
 * personal access token as a bearer. The error message is read from `{ message }` as the API
 * words it.
 */

/** Options for {@link managementApiClient}. */
export interface ManagementApiOptions {
  /** A personal access token (`sbp_…`) or an OAuth access token. */
  accessToken: string;
  /** Default `https://api.supabase.com`. */
  apiUrl?: string;
  /** Injected for tests; default `fetch`. */
  fetch?: typeof fetch;
}

/** What the API answered. */
export interface ManagementApiResponse {
  status: number;
  ok: boolean;
  /** Parsed JSON, or the text when it is not JSON, or null for an empty body. */
  body: unknown;
  /** The API's `message`, when it sent one. */
  message?: string;
}

export interface ManagementApiClient {
  send(method: "GET" | "POST", path: string, body?: unknown): Promise<ManagementApiResponse>;
}

/** The default Management API. */
export const MANAGEMENT_API_URL = "https://api.supabase.com";

function messageOf(body: unknown): string | undefined {
  if (body && typeof body === "object" && "message" in body) {
    const m = (body as { message: unknown }).message;
    if (typeof m === "string") return m;
  }
  return undefined;
}

export function managementApiClient(opts: ManagementApiOptions): ManagementApiClient {
  const base = (opts.apiUrl ?? MANAGEMENT_API_URL).replace(/\/$/, "");
  const doFetch = opts.fetch ?? fetch;
  return {
    async send(method, path, body) {
      const headers: Record<string, string> = {
        Authorization: `Bearer ${opts.accessToken}`,
        Accept: "application/json",
      };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      const res = await doFetch(`${base}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown = null;
      if (text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      const message = messageOf(parsed);
      return { status: res.status, ok: res.ok, body: parsed, ...(message ? { message } : {}) };
    },
  };
}
