/** @module The environment cleanup's control-plane SQL, built by pure functions. */
import type { Query } from "../db/query.ts";
import type { PendingEvent } from "../events/build_event.ts";

/** Statuses whose environments are cleaned up; a succeeded build's never is. */
export const CLEANED_STATUSES = ["failed", "canceled"] as const;

/**
 * Sessions whose environment is due: failed or canceled more than `ttlSeconds` ago, not yet
 * cleaned up, with fewer than `maxAttempts` failed attempts; the longest finished first.
 */
export function selectCleanupCandidates(
  ttlSeconds: number,
  limit: number,
  maxAttempts: number,
): Query {
  return {
    text: `select id from public.build_sessions
            where status in ('failed', 'canceled')
              and environment_deleted_at is null
              and finished_at < now() - make_interval(secs => $1)
              and cleanup_attempts < $3
            order by finished_at, id
            limit $2`,
    values: [ttlSeconds, limit, maxAttempts],
  };
}

/**
 * Locks one session for its cleanup (skipping one another pass holds) and returns what the
 * cleanup needs, if it is still due: failed or canceled, not cleaned up, past the TTL.
 */
export function lockCleanupTarget(sessionId: string, ttlSeconds: number): Query {
  return {
    text: `select id, status, options, environment, finished_at
             from public.build_sessions
            where id = $1
              and status in ('failed', 'canceled')
              and environment_deleted_at is null
              and finished_at < now() - make_interval(secs => $2)
              for update skip locked`,
    values: [sessionId, ttlSeconds],
  };
}

/**
 * Records the cleanup on the session: when, and (when there was one) what happened to the
 * environment, merged into `environment` so the API shows it. Never a succeeded session.
 */
export function markEnvironmentDeleted(
  sessionId: string,
  environmentPatch: Record<string, unknown> | null,
): Query {
  return {
    text: `update public.build_sessions
              set environment_deleted_at = now(), cleanup_error = null, updated_at = now(),
                  environment = case when $2::jsonb is null then environment
                                     else coalesce(environment, '{}'::jsonb) || $2::jsonb end
            where id = $1 and status in ('failed', 'canceled')
            returning environment_deleted_at`,
    values: [sessionId, environmentPatch === null ? null : JSON.stringify(environmentPatch)],
  };
}

/** Counts a failed cleanup attempt and keeps its (redacted) reason. */
export function recordCleanupFailure(sessionId: string, error: string): Query {
  return {
    text: `update public.build_sessions
              set cleanup_attempts = cleanup_attempts + 1, cleanup_error = $2, updated_at = now()
            where id = $1 and status in ('failed', 'canceled')
            returning cleanup_attempts`,
    values: [sessionId, error],
  };
}

/** Appends the cleanup's event to the session's timeline (and broadcasts it). */
export function appendCleanupEvents(sessionId: string, events: readonly PendingEvent[]): Query {
  return {
    text: "select seq from private.append_build_events($1, $2::jsonb)",
    values: [sessionId, JSON.stringify(events)],
  };
}
