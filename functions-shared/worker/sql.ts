/** @module The worker's control-plane SQL, built by pure functions. */
import type { Query } from "../db/query.ts";
import type { PendingEvent } from "../events/build_event.ts";
import type { SessionOptions } from "../sessions/body.ts";

/** The session as a step reads it. */
export interface StepSessionRow {
  id: string;
  status: string;
  template: "marketplace" | "saas";
  vibe_text: string;
  options: SessionOptions;
  cancel_requested_at: Date | null;
}

const STEP_SESSION_COLUMNS = "id, status, template, vibe_text, options, cancel_requested_at";

/**
 * Takes the build's lease for `holder` when it is free (never taken, released, or expired) and
 * reads the session in the same statement: one row when taken. Fails with 23503 when the
 * session does not exist.
 */
export function acquireLease(sessionId: string, holder: string, seconds: number): Query {
  return {
    text: `with lease as (
             insert into private.build_leases as l (session_id, holder, expires_at, acquired_at)
             values ($1, $2, now() + make_interval(secs => $3), now())
             on conflict (session_id) do update
               set holder = excluded.holder, expires_at = excluded.expires_at,
                   acquired_at = excluded.acquired_at
             where l.holder is null or l.expires_at <= now()
             returning session_id
           )
           select ${STEP_SESSION_COLUMNS} from public.build_sessions
            where id = (select session_id from lease)`,
    values: [sessionId, holder, seconds],
  };
}

/** Extends a lease this holder still has; no row when it was lost. */
export function renewLease(sessionId: string, holder: string, seconds: number): Query {
  return {
    text: `update private.build_leases set expires_at = now() + make_interval(secs => $3)
            where session_id = $1 and holder = $2
            returning expires_at`,
    values: [sessionId, holder, seconds],
  };
}

/**
 * Counts a start of the message's node (autocommit, before the node runs): `starts` is 1 for a
 * message's first start and grows while its starts never finish (the worker was killed). No
 * row when the lease was lost.
 */
export function startRun(sessionId: string, holder: string, msgId: string): Query {
  return {
    text: `update private.build_leases
              set starts = case when run_msg_id = $3 then starts + 1 else 1 end, run_msg_id = $3
            where session_id = $1 and holder = $2
            returning starts`,
    values: [sessionId, holder, msgId],
  };
}

/**
 * Inside the committing transaction, last: frees the lease if this holder still has it (one
 * row), which also fences the commit — no row means the lease was lost and the transaction
 * must roll back. `finished` also closes the run (its node finished or failed for good).
 */
export function releaseLease(sessionId: string, holder: string, finished: boolean): Query {
  return {
    text: `update private.build_leases
              set holder = null, expires_at = now(),
                  run_msg_id = case when $3 then null else run_msg_id end,
                  starts = case when $3 then 0 else starts end
            where session_id = $1 and holder = $2
            returning session_id`,
    values: [sessionId, holder, finished],
  };
}

export function selectSessionForStep(sessionId: string): Query {
  return {
    text: `select ${STEP_SESSION_COLUMNS} from public.build_sessions where id = $1`,
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
