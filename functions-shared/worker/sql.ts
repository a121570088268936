/** @module The worker's control-plane SQL, built by pure functions. */
import type { Query } from "../db/query.ts";
import type { PendingEvent } from "../events/build_event.ts";

/** Holds the build's lock for the rest of the transaction; false when another step holds it. */
export function tryLockSession(sessionId: string): Query {
  return {
    text: "select pg_try_advisory_xact_lock(hashtextextended('vibe-build:' || $1, 0)) as locked",
    values: [sessionId],
  };
}

export function selectSessionForStep(sessionId: string): Query {
  return {
    text: `select id, status, template, vibe_text, options, cancel_requested_at
             from public.build_sessions where id = $1`,
    values: [sessionId],
  };
}

export function appendEvents(sessionId: string, events: readonly PendingEvent[]): Query {
  return {
    text: "select seq from private.append_build_events($1, $2::jsonb)",
    values: [sessionId, JSON.stringify(events)],
  };
}

export function setPresence(sessionId: string, presence: unknown): Query {
  return {
    text: "select private.set_presence($1, $2::jsonb)",
    values: [sessionId, JSON.stringify(presence)],
  };
}

/** What a step changes on the session row. */
export interface SessionUpdate {
  status: "running" | "succeeded" | "failed" | "canceled";
  plan: unknown;
  environment: unknown;
  outputs: unknown;
  contract: unknown;
  error: string | null;
}

/** `finished_at` follows the status: set once the build reaches a terminal one. */
const FINISHED_AT =
  "finished_at = case when $2 in ('succeeded', 'failed', 'canceled') then coalesce(finished_at, now()) end";

export function updateSession(sessionId: string, u: SessionUpdate): Query {
  return {
    text: `update public.build_sessions
              set status = $2, plan = $3::jsonb, environment = $4::jsonb, outputs = $5::jsonb,
                  error = $6, ${FINISHED_AT}, contract = $7::jsonb, updated_at = now()
            where id = $1`,
    values: [
      sessionId,
      u.status,
      JSON.stringify(u.plan ?? null),
      JSON.stringify(u.environment ?? null),
      JSON.stringify(u.outputs ?? null),
      u.error,
      JSON.stringify(u.contract ?? null),
    ],
  };
}

/** Ends a build without running finalize (canceled, or finalize itself failing). */
export function finishSession(
  sessionId: string,
  status: "failed" | "canceled",
  error: string,
): Query {
  return {
    text: `update public.build_sessions
              set status = $2, error = $3, ${FINISHED_AT}, updated_at = now()
            where id = $1`,
    values: [sessionId, status, error],
  };
}

export function heartbeat(sessionId: string | null, node: string | null, outcome: string): Query {
  return {
    text: `insert into private.worker_heartbeat (id, at, session_id, node, outcome)
           values (true, now(), $1, $2, $3)
           on conflict (id) do update
             set at = now(), session_id = excluded.session_id, node = excluded.node,
                 outcome = excluded.outcome`,
    values: [sessionId, node, outcome],
  };
}
