/** @module Reading and writing sessions: the SQL of sql.ts run on behalf of a caller. */
import type { Identity } from "../auth/identity.ts";
import { firstRow, rows } from "../db/query.ts";
import { asCaller } from "../db/scope.ts";
import { inTransaction } from "../db/pool.ts";
import type pg from "../db/pg.ts";
import { type BuildEvent, type BuildEventRow, toBuildEvent } from "../events/build_event.ts";
import { kickWorker, sendStep } from "../queue/messages.ts";
import type { CreateSession, SessionOptions } from "./body.ts";
import { type OwnerUsage, quotaRefusal, type SessionLimits } from "./quota.ts";
import { lockOwnerQuota, selectOwnerUsage } from "./quota_sql.ts";
import {
  cancelIfUnfinished,
  insertSession,
  selectEvents,
  selectOpenDriftAlerts,
  selectSession,
  selectSessionVisible,
  sessionByIdempotencyKey,
} from "./sql.ts";

/** The session as `GET /sessions/:id` returns it (a frozen shape). */
export interface SessionView {
  id: string;
  status: "queued" | "running" | "succeeded" | "failed" | "canceled";
  template: "marketplace" | "saas";
  vibeText: string;
  options: SessionOptions;
  environment: Record<string, unknown> | null;
  outputs: Record<string, unknown> | null;
  error?: string;
  /** Additive: the architect's latest presence (`architect_presence`), null before the first. */
  presence: Record<string, unknown> | null;
}

interface SessionRow {
  id: string;
  status: SessionView["status"];
  template: SessionView["template"];
  vibe_text: string;
  options: SessionOptions;
  environment: Record<string, unknown> | null;
  outputs: Record<string, unknown> | null;
  error: string | null;
  presence: Record<string, unknown> | null;
}

function toView(r: SessionRow): SessionView {
  return {
    id: r.id,
    status: r.status,
    template: r.template,
    vibeText: r.vibe_text,
    options: r.options,
    environment: r.environment,
    outputs: r.outputs,
    ...(r.error === null ? {} : { error: r.error }),
    presence: r.presence,
  };
}

/** jsonb reorders keys, so options compare field by field. */
function sameOptions(a: SessionOptions, b: SessionOptions): boolean {
  return a.enableAnalytics === b.enableAnalytics &&
    a.enableDriftSentinel === b.enableDriftSentinel &&
    a.environmentMode === b.environmentMode;
}

/** The first graph node: every build starts by ingesting the vibe. */
export const FIRST_NODE = "ingest_vibe";

/**
 * Thrown when a verified token names a user that no longer exists (deleted after the token was
 * issued): the session row's foreign key to auth.users refuses it.
 */
export class UnknownUserError extends Error {
  override name = "UnknownUserError";
}

/** Postgres' foreign_key_violation on the session's owner. */
function isUnknownOwner(e: unknown): boolean {
  const err = e as { code?: string; constraint?: string };
  return err?.code === "23503" && err.constraint === "build_sessions_owner_id_fkey";
}

export type CreateResult =
  | { kind: "created"; id: string }
  | { kind: "replayed"; id: string }
  | { kind: "key_reused"; id: string }
  | { kind: "over_quota"; message: string; retryAfterSeconds: number };

type PriorSession = { id: string; template: string; vibe_text: string; options: SessionOptions };

function replayOf(prior: PriorSession, body: CreateSession): CreateResult {
  const same = prior.template === body.template && prior.vibe_text === body.vibeText &&
    sameOptions(prior.options, body.options);
  return { kind: same ? "replayed" : "key_reused", id: prior.id };
}

/**
 * Creates a queued session, its first queue message and a kick of the worker in one
 * transaction, if the owner's quota has room (checked under a per-owner lock, so simultaneous
 * requests cannot both take the last slot). With an idempotency key, a retry returns the first
 * session's id, whatever the quota says now.
 */
export function createSession(
  pool: pg.Pool,
  ownerId: string,
  body: CreateSession,
  idempotencyKey: string | null,
  limits?: SessionLimits,
): Promise<CreateResult> {
  return inTransaction(pool, async (db) => {
    if (limits) {
      await rows(db, lockOwnerQuota(ownerId));
      if (idempotencyKey !== null) {
        const prior = await firstRow<PriorSession>(
          db,
          sessionByIdempotencyKey(ownerId, idempotencyKey),
        );
        if (prior) return replayOf(prior, body);
      }
      const usage = await firstRow<
        { active: number; last_day: number; day_frees_in: number | null }
      >(db, selectOwnerUsage(ownerId));
      const owner: OwnerUsage = {
        active: usage?.active ?? 0,
        lastDay: usage?.last_day ?? 0,
        dayFreesIn: usage?.day_frees_in ?? null,
      };
      const refusal = quotaRefusal(limits, owner);
      if (refusal) return { kind: "over_quota", ...refusal };
    }
    let inserted: { id: string } | undefined;
    try {
      inserted = await firstRow<{ id: string }>(db, insertSession(ownerId, body, idempotencyKey));
    } catch (e) {
      if (isUnknownOwner(e)) throw new UnknownUserError("The token's user no longer exists");
      throw e;
    }
    if (inserted) {
      await rows(db, sendStep({ sessionId: inserted.id, node: FIRST_NODE }));
      await rows(db, kickWorker(inserted.id));
      return { kind: "created", id: inserted.id };
    }
    const prior = await firstRow<PriorSession>(
      db,
      sessionByIdempotencyKey(ownerId, idempotencyKey!),
    );
    if (!prior) throw new Error("Idempotent insert found no prior session");
    return replayOf(prior, body);
  });
}

/** The session if the caller may see it (RLS decides for users). */
export function findSession(
  pool: pg.Pool,
  identity: Identity,
  id: string,
): Promise<SessionView | undefined> {
  return asCaller(pool, identity, async (db) => {
    const row = await firstRow<SessionRow>(db, selectSession(id));
    return row && toView(row);
  });
}

/** Whether the session exists and the caller may see it (RLS decides for users). */
export function sessionVisible(pool: pg.Pool, identity: Identity, id: string): Promise<boolean> {
  return asCaller(pool, identity, (db) => visible(db, id));
}

async function visible(db: pg.PoolClient, id: string): Promise<boolean> {
  return (await firstRow(db, selectSessionVisible(id))) !== undefined;
}

/** The session's events after `afterSeq`, in seq order, or undefined if it is not visible. */
export function listEvents(
  pool: pg.Pool,
  identity: Identity,
  id: string,
  afterSeq: number,
  limit: number,
): Promise<BuildEvent[] | undefined> {
  return asCaller(pool, identity, async (db) => {
    if (!(await visible(db, id))) return undefined;
    return (await rows<BuildEventRow>(db, selectEvents(id, afterSeq, limit))).map(toBuildEvent);
  });
}

export type CancelResult = "not_found" | "finished" | "requested";

/**
 * Requests cancellation of a visible, unfinished session. The service role sees every session,
 * so for it this is one statement; a user's visibility is first read under RLS.
 */
export async function cancelSession(
  pool: pg.Pool,
  identity: Identity,
  id: string,
): Promise<CancelResult> {
  if (identity.role !== "service_role" && !(await sessionVisible(pool, identity, id))) {
    return "not_found";
  }
  const r = await firstRow<{ found: boolean; requested: boolean }>(pool, cancelIfUnfinished(id));
  if (!r?.found) return "not_found";
  return r.requested ? "requested" : "finished";
}

/** An open drift alert as `GET /sessions/:id/drift` returns it. */
export interface DriftAlertView {
  id: string;
  ts: string;
  severity: "critical" | "high" | "medium" | "low";
  /** The check that found it, e.g. `table.rls_disabled` or an advisor lint name. */
  type: string;
  category: string | null;
  resource: string;
  issue: string | null;
  /** Fix steps, the idempotent fix SQL included. */
  recommendation: string;
  fixSql: string | null;
  fingerprint: string;
  /** The spec chunk that explains why it matters, with its cosine similarity. */
  specChunk: { id: string; chunkIndex: number; content: string; similarity: number | null } | null;
  details: Record<string, unknown>;
}

interface DriftAlertRow {
  id: string;
  ts: Date;
  severity: DriftAlertView["severity"];
  type: string;
  resource: string;
  recommendation: string;
  fingerprint: string;
  details: Record<string, unknown>;
  similarity: number | null;
  chunk_id: string | null;
  chunk_index: number | null;
  chunk_content: string | null;
}

function toDriftAlertView(r: DriftAlertRow): DriftAlertView {
  const text = (v: unknown) => (typeof v === "string" ? v : null);
  return {
    id: r.id,
    ts: r.ts.toISOString(),
    severity: r.severity,
    type: r.type,
    category: text(r.details.category),
    resource: r.resource,
    issue: text(r.details.issue),
    recommendation: r.recommendation,
    fixSql: text(r.details.fixSql),
    fingerprint: r.fingerprint,
    specChunk: r.chunk_id === null ? null : {
      id: r.chunk_id,
      chunkIndex: r.chunk_index ?? 0,
      content: r.chunk_content ?? "",
      similarity: r.similarity === null ? null : Number(r.similarity),
    },
    details: r.details,
  };
}

/** The session's open drift alerts, or undefined if the caller may not see the session. */
export function listOpenDriftAlerts(
  pool: pg.Pool,
  identity: Identity,
  id: string,
): Promise<DriftAlertView[] | undefined> {
  return asCaller(pool, identity, async (db) => {
    if (!(await visible(db, id))) return undefined;
    return (await rows<DriftAlertRow>(db, selectOpenDriftAlerts(id))).map(toDriftAlertView);
  });
}
