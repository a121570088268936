/**
 * @module The drift sentinel's control-plane SQL, built by pure functions: which sessions to
 * watch, their open alerts, the nearest spec chunk of each new alert (pgvector HNSW, cosine),
 * inserting and resolving alerts, the `drift_detected` events, and environment tokens.
 */
import type { Query } from "../../db/query.ts";
import { vectorLiteral } from "../../graph/sql.ts";
import type { PendingEvent } from "../../events/build_event.ts";

/**
 * Sessions the sentinel checks on its schedule — built, opted in, with a contract — the least
 * recently checked first, at most `limit` of them.
 */
export function selectWatchedSessions(limit: number): Query {
  return {
    text: `select id, environment ->> 'ref' as environment_ref
             from public.build_sessions
            where status = 'succeeded'
              and contract is not null
              and environment ->> 'ref' is not null
              and coalesce((options ->> 'enableDriftSentinel')::boolean, false)
            order by drift_checked_at nulls first, created_at, id
            limit $1`,
    values: [limit],
  };
}

/** Records that the sentinel read this session's environment (whether or not it succeeded). */
export function markDriftChecked(sessionId: string): Query {
  return {
    text: "update public.build_sessions set drift_checked_at = now() where id = $1",
    values: [sessionId],
  };
}

/** One session with what deciding whether it can be checked needs (contract as JSON text). */
export function selectSessionContract(sessionId: string): Query {
  return {
    text: `select id, status, environment ->> 'ref' as environment_ref,
                  coalesce((options ->> 'enableDriftSentinel')::boolean, false) as sentinel,
                  contract::text as contract
             from public.build_sessions
            where id = $1`,
    values: [sessionId],
  };
}

/** Serialises drift processing of one session for the rest of the transaction. */
export function lockSessionDrift(sessionId: string): Query {
  return {
    text: "select pg_advisory_xact_lock(hashtextextended('vibe-drift:' || $1, 0))",
    values: [sessionId],
  };
}

/** The session's open alerts, with who reported each (`sentinel` or `environment`). */
export function selectOpenAlerts(sessionId: string): Query {
  return {
    text: `select id, fingerprint, details ->> 'source' as source from public.drift_alerts
            where session_id = $1 and resolved_at is null`,
    values: [sessionId],
  };
}

/** The embedder most of the session's chunks were embedded with (`metadata.embedder`). */
export function selectChunkEmbedder(sessionId: string): Query {
  return {
    text: `select metadata ->> 'embedder' as embedder, count(*)::int as chunks
             from public.spec_chunks
            where session_id = $1 and embedding is not null and metadata ? 'embedder'
            group by 1
            order by 2 desc, 1
            limit 1`,
    values: [sessionId],
  };
}

/**
 * Lets HNSW index scans filtered by session keep scanning until they find a row (pgvector
 * 0.8's iterative scans, exact order), for the rest of the transaction; a no-op before 0.8.
 */
export function useIterativeIndexScans(): Query {
  return {
    text: `select pg_catalog.set_config('hnsw.iterative_scan', 'strict_order', true)
             from pg_catalog.pg_extension
            where extname = 'vector'
              and string_to_array(split_part(extversion, '-', 1), '.')::int[] >= array[0, 8]`,
    values: [],
  };
}

/**
 * For each query vector (in order; `index` counts from 0), the session's most similar chunk
 * embedded by `embedder`: ordered by cosine distance (`<=>`, the HNSW index's operator class),
 * with `similarity = 1 - distance`. Vectors without any chunk yield no row.
 */
export function nearestSpecChunks(
  sessionId: string,
  embedder: string,
  vectors: readonly (readonly number[])[],
): Query {
  return {
    text: `select (q.ord - 1)::int as index, c.id, c.chunk_index, c.content, c.similarity
             from unnest($3::text[]) with ordinality as q(vector, ord)
             cross join lateral (
               select s.id, s.chunk_index, s.content,
                      (1 - (s.embedding operator(extensions.<=>) q.vector::extensions.vector))::real
                        as similarity
                 from public.spec_chunks s
                where s.session_id = $1
                  and s.metadata ->> 'embedder' = $2
                  and s.embedding is not null
                order by s.embedding operator(extensions.<=>) q.vector::extensions.vector
                limit 1
             ) c
            order by q.ord`,
    values: [sessionId, embedder, vectors.map(vectorLiteral)],
  };
}

/** A drift_alerts row to insert. */
export interface AlertRow {
  readonly fingerprint: string;
  readonly severity: string;
  readonly type: string;
  readonly resource: string;
  readonly recommendation: string;
  readonly spec_chunk_id: string | null;
  readonly similarity: number | null;
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * Inserts alerts; one whose fingerprint is already open for the session is skipped (the
 * unique open-fingerprint index), so only new alerts come back.
 */
export function insertAlerts(sessionId: string, alerts: readonly AlertRow[]): Query {
  return {
    text: `insert into public.drift_alerts
             (session_id, severity, type, resource, spec_chunk_id, similarity, recommendation,
              fingerprint, details)
           select $1, a.severity, a.type, a.resource, a.spec_chunk_id, a.similarity,
                  a.recommendation, a.fingerprint, coalesce(a.details, '{}'::jsonb)
             from jsonb_to_recordset($2::jsonb) as a(
                    severity text, type text, resource text, spec_chunk_id uuid, similarity real,
                    recommendation text, fingerprint text, details jsonb)
           on conflict (session_id, fingerprint) where resolved_at is null do nothing
           returning id, fingerprint`,
    values: [sessionId, JSON.stringify(alerts)],
  };
}

/**
 * Replaces open alerts an environment reported with the sentinel's own reading of the same
 * findings (same fingerprints): severity, text, fix SQL and details become the control plane's,
 * the source becomes `sentinel` — so the environment can no longer resolve them — and the spec
 * chunk link is kept unless the sentinel found one.
 */
export function overrideEnvironmentAlerts(sessionId: string, alerts: readonly AlertRow[]): Query {
  return {
    text: `update public.drift_alerts a
              set severity = r.severity, type = r.type, resource = r.resource,
                  recommendation = r.recommendation,
                  spec_chunk_id = coalesce(r.spec_chunk_id, a.spec_chunk_id),
                  similarity = case when r.spec_chunk_id is null then a.similarity
                                    else r.similarity end,
                  details = coalesce(r.details, '{}'::jsonb)
                            || jsonb_build_object('overrode', 'environment')
             from jsonb_to_recordset($2::jsonb) as r(
                    severity text, type text, resource text, spec_chunk_id uuid, similarity real,
                    recommendation text, fingerprint text, details jsonb)
            where a.session_id = $1 and a.resolved_at is null and a.fingerprint = r.fingerprint
              and a.details ->> 'source' = 'environment'
            returning a.id, a.fingerprint`,
    values: [sessionId, JSON.stringify(alerts)],
  };
}

/**
 * Resolves the session's open alerts from `source` whose fingerprint is no longer found: an
 * environment's own report can clear only what environments reported, never the sentinel's.
 */
export function resolveAlerts(
  sessionId: string,
  currentFingerprints: readonly string[],
  source: "sentinel" | "environment",
): Query {
  return {
    text: `update public.drift_alerts set resolved_at = now()
            where session_id = $1 and resolved_at is null
              and fingerprint <> all($2::text[])
              and details ->> 'source' = $3
            returning id, fingerprint`,
    values: [sessionId, [...currentFingerprints], source],
  };
}

/** Appends events to the session's timeline and broadcasts them on `build:{sessionId}`. */
export function appendDriftEvents(sessionId: string, events: readonly PendingEvent[]): Query {
  return {
    text: "select seq from private.append_build_events($1, $2::jsonb)",
    values: [sessionId, JSON.stringify(events)],
  };
}

/** The session's environment token (hash only) and whether it is revoked. */
export function selectEnvironmentToken(sessionId: string): Query {
  return {
    text: `select token_hash, environment_ref, revoked_at
             from private.environment_tokens where session_id = $1`,
    values: [sessionId],
  };
}

/** Revokes the session's environment token (the first revocation time is kept). */
export function revokeEnvironmentToken(sessionId: string): Query {
  return {
    text: `update private.environment_tokens set revoked_at = coalesce(revoked_at, now())
            where session_id = $1
            returning session_id, environment_ref, revoked_at, generation`,
    values: [sessionId],
  };
}
