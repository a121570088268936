/**
 * @module How the sessions function asks the drift_check function to check one session now:
 * `POST ${SUPABASE_URL}/functions/v1/drift_check` with `{ sessionId }` and the service key,
 * answering with drift_check's own status and body.
 */
import { serviceKeyHeaders, serviceKeyOf } from "../auth/service_key.ts";
import type { FunctionConfig } from "../config.ts";

/** Runs an on-demand drift check of one session. */
export interface DriftCheckClient {
  check(sessionId: string): Promise<{ status: number; body: unknown }>;
}

/** Where the drift_check function is and the key to call it with. */
export interface DriftCheckClientConfig {
  readonly url: string;
  /** The service-role key (or a secret key); null when the environment has none. */
  readonly serviceKey: string | null;
}

/** The drift_check URL and the service key, from the function's already-read configuration. */
export function driftCheckClientConfig(
  config: Pick<FunctionConfig, "supabaseUrl" | "secretKeys" | "serviceRoleKey">,
): DriftCheckClientConfig {
  return {
    url: `${config.supabaseUrl.replace(/\/$/, "")}/functions/v1/drift_check`,
    serviceKey: serviceKeyOf(config),
  };
}

/** Thrown when drift_check cannot be reached (maps to 502/503). */
export class DriftCheckUnavailableError extends Error {
  override name = "DriftCheckUnavailableError";
}

/** A client calling drift_check over HTTP. */
export function httpDriftCheckClient(
  config: DriftCheckClientConfig,
  opts: { timeoutMs?: number; fetch?: typeof fetch } = {},
): DriftCheckClient {
  const doFetch = opts.fetch ?? fetch;
  return {
    async check(sessionId) {
      if (!config.serviceKey) {
        throw new DriftCheckUnavailableError(
          "Cannot run a drift check: the sessions function has neither a secret key " +
            "(SUPABASE_SECRET_KEYS) nor the service_role key (SUPABASE_SERVICE_ROLE_KEY)",
        );
      }
      let res: Response;
      try {
        res = await doFetch(config.url, {
          method: "POST",
          headers: { ...serviceKeyHeaders(config.serviceKey), "content-type": "application/json" },
          body: JSON.stringify({ sessionId }),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 140_000),
        });
      } catch (e) {
        throw new DriftCheckUnavailableError(
          `Cannot reach the drift_check function: ${(e as Error).message}`,
        );
      }
      const text = await res.text();
      try {
        return { status: res.status, body: JSON.parse(text) };
      } catch {
        throw new DriftCheckUnavailableError(
          `The drift_check function answered ${res.status} without JSON: deploy it`,
        );
      }
    },
  };
}
