/** @module The sessions API's SQL, built by pure functions. */
import type { Query } from "../db/query.ts";
import type { CreateSession } from "./body.ts";

const SESSION_COLUMNS =
  "id, status, template, vibe_text, options, environment, outputs, error, presence, owner_id";

/** Inserts a queued session; returns nothing when this owner already used the key. */
export function insertSession(
  ownerId: string,
  body: CreateSession,
  idempotencyKey: string | null,
): Query {
  return {
    text:
      `insert into public.build_sessions (owner_id, template, vibe_text, options, idempotency_key)
           values ($1, $2, $3, $4::jsonb, $5)
           on conflict (owner_id, idempotency_key) do nothing
           returning id`,
    values: [ownerId, body.template, body.vibeText, JSON.stringify(body.options), idempotencyKey],
  };
}

/** The session an owner created with an idempotency key, to answer a retry. */
export function sessionByIdempotencyKey(ownerId: string, key: string): Query {
  return {
    text: `select id, template, vibe_text, options from public.build_sessions
            where owner_id = $1 and idempotency_key = $2`,
    values: [ownerId, key],
  };
}

export function selectSession(id: string): Query {
  return {
    text: `select ${SESSION_COLUMNS} from public.build_sessions where id = $1`,
    values: [id],
  };
}

/** One row when the session exists and the caller may see it (RLS decides for users). */
export function selectSessionVisible(id: string): Query {
  return { text: "select 1 from public.build_sessions where id = $1", values: [id] };
}

export function selectEvents(sessionId: string, afterSeq: number, limit: number): Query {
  return {
    text: `select id, session_id, seq, type, message, payload, ts from public.build_events
            where session_id = $1 and seq > $2 order by seq limit $3`,
    values: [sessionId, afterSeq, limit],
  };
}

/** Asks a running or queued build to stop; the worker honours it between steps. */
export function requestCancel(id: string): Query {
  return {
    text: `update public.build_sessions
              set cancel_requested_at = coalesce(cancel_requested_at, now()), updated_at = now()
            where id = $1 and status in ('queued', 'running')
            returning id, status`,
    values: [id],
  };
}

/**
 * {@link requestCancel} and whether the session exists, in one statement (run as the owner):
 * one row `{ found, requested }`; found without requested means it has already finished.
 */
export function cancelIfUnfinished(id: string): Query {
  const cancel = requestCancel(id);
  return {
    text: `with canceled as (${cancel.text})
           select exists (select 1 from public.build_sessions where id = $1) as found,
                  exists (select 1 from canceled) as requested`,
    values: cancel.values,
  };
}

/** A session's open drift alerts, most severe first, each with its linked spec chunk. */
export function selectOpenDriftAlerts(sessionId: string): Query {
  return {
    text: `select a.id, a.ts, a.severity, a.type, a.resource, a.recommendation, a.fingerprint,
                  a.details, a.similarity, c.id as chunk_id, c.chunk_index,
                  c.content as chunk_content
             from public.drift_alerts a
             left join public.spec_chunks c on c.id = a.spec_chunk_id
            where a.session_id = $1 and a.resolved_at is null
            order by case a.severity when 'critical' then 0 when 'high' then 1
                       when 'medium' then 2 else 3 end,
                     a.ts, a.resource, a.id`,
    values: [sessionId],
  };
}
