/**
 * @module On-demand drift checks, throttled per session in the database (so every instance of
 * the function agrees): one check at a time (a request while one runs gets 409 and never starts
 * a second) and a cooldown after each (429 with `Retry-After`). Wraps the drift_check client.
 */
import { z } from "zod";
import type pg from "../db/pg.ts";
import { firstRow } from "../db/query.ts";
import { HttpError } from "../http/errors.ts";
import type { DriftCheckClient } from "./drift_check_client.ts";
import {
  claimDriftCheck,
  finishDriftCheck,
  selectDriftCheckState,
} from "./drift_check_throttle_sql.ts";

/** How on-demand checks are throttled. */
export interface DriftCheckThrottle {
  /** Seconds after a check finishes before the next may start. */
  readonly cooldownSeconds: number;
  /** Longest a check holds its session (a function killed mid-check frees it after this). */
  readonly leaseSeconds: number;
}

export const DEFAULT_DRIFT_CHECK_THROTTLE: DriftCheckThrottle = {
  cooldownSeconds: 60,
  leaseSeconds: 150,
};

/** Seconds a caller is told to wait while another check of the session runs. */
export const RUNNING_RETRY_AFTER_SECONDS = 5;

const envSchema = z.object({
  VIBE_DRIFT_CHECK_COOLDOWN_SECONDS: z.coerce.number().int().min(0).max(86_400)
    .default(DEFAULT_DRIFT_CHECK_THROTTLE.cooldownSeconds),
});

/** Reads the throttle's settings; throws with the variable to fix. */
export function readDriftCheckThrottle(
  env: Record<string, string | undefined>,
): DriftCheckThrottle {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`);
    throw new Error(`Cannot start sessions: fix ${problems.join("; ")}`);
  }
  return {
    ...DEFAULT_DRIFT_CHECK_THROTTLE,
    cooldownSeconds: parsed.data.VIBE_DRIFT_CHECK_COOLDOWN_SECONDS,
  };
}

/** A client that runs a session's check only when it holds the session's claim. */
export function throttledDriftCheck(
  client: DriftCheckClient,
  pool: pg.Pool,
  throttle: DriftCheckThrottle,
): DriftCheckClient {
  return {
    async check(sessionId) {
      const claimId = crypto.randomUUID();
      const claimed = await firstRow(
        pool,
        claimDriftCheck(sessionId, claimId, throttle.leaseSeconds, throttle.cooldownSeconds),
      );
      if (!claimed) {
        const state = await firstRow<{ running: boolean; cooldown_left: number }>(
          pool,
          selectDriftCheckState(sessionId, throttle.cooldownSeconds),
        );
        if (state?.running) {
          throw new HttpError(
            409,
            "A drift check of this session is already running: wait for it to finish " +
              "(GET /sessions/:id/drift lists what it found)",
            undefined,
            { "retry-after": String(RUNNING_RETRY_AFTER_SECONDS) },
          );
        }
        const wait = Math.max(1, state?.cooldown_left ?? 1);
        throw new HttpError(
          429,
          `This session's drift was checked less than ${throttle.cooldownSeconds} seconds ago: ` +
            `retry in ${wait} seconds (GET /sessions/:id/drift lists the open alerts)`,
          undefined,
          { "retry-after": String(wait) },
        );
      }
      try {
        return await client.check(sessionId);
      } finally {
        await firstRow(pool, finishDriftCheck(sessionId, claimId)).catch((e) =>
          console.error(`Cannot end the drift check claim of ${sessionId}: ${e.message}`)
        );
      }
    },
  };
}
