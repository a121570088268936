/**
 * @module The SQL of environment reporting tokens (`private.environment_tokens`: one row per
 * session with the current generation's SHA-256), built by pure functions.
 */
import type { Query } from "../db/query.ts";

/** The session's current token generation (no row: the first deployment is generation 1). */
export function selectReportTokenGeneration(sessionId: string): Query {
  return {
    text: "select generation from private.environment_tokens where session_id = $1",
    values: [sessionId],
  };
}

/**
 * Records the hash of the token the deploy step deploys; a re-run of the step writes the same
 * row again. A revocation stays in place.
 */
export function upsertReportToken(
  sessionId: string,
  ref: string,
  tokenHash: string,
  generation: number,
): Query {
  return {
    text: `insert into private.environment_tokens
             (session_id, environment_ref, token_hash, generation)
           values ($1, $2, $3, $4)
           on conflict (session_id) do update
             set environment_ref = excluded.environment_ref, token_hash = excluded.token_hash,
                 generation = excluded.generation
           returning session_id`,
    values: [sessionId, ref, tokenHash, generation],
  };
}

/**
 * Locks the session's token row for a reissue, with what redeploying drift_check needs: the
 * session's status, its environment, plan and contract (as JSON text).
 */
export function lockReportTokenForReissue(sessionId: string): Query {
  return {
    text: `select t.generation, t.environment_ref, t.revoked_at, s.status,
                  s.environment ->> 'ref' as session_environment_ref,
                  s.plan::text as plan, s.contract::text as contract
             from private.environment_tokens t
             join public.build_sessions s on s.id = t.session_id
            where t.session_id = $1
              for update of t`,
    values: [sessionId],
  };
}

/** Moves the session to the next generation's token and lifts a revocation. */
export function reissueReportToken(
  sessionId: string,
  generation: number,
  tokenHash: string,
): Query {
  return {
    text: `update private.environment_tokens
              set generation = $2, token_hash = $3, revoked_at = null, reissued_at = now()
            where session_id = $1 and generation = $2 - 1
            returning session_id, environment_ref, generation, reissued_at`,
    values: [sessionId, generation, tokenHash],
  };
}
