/**
 * @module A real marketplace environment for drift tests: built by the pipeline through the
 * sessions API as a signed-in user (the worker played as the cron would when no kick arrives),
 * with connections to its database (as `postgres`, and as the superuser for drift only the
 * platform can cause) and to the control plane, and calls of the drift_check functions.
 */
import assert from "node:assert/strict";
import type pg from "../../functions-shared/db/pg.ts";
import { adminClient } from "../../stack/cluster.ts";
import { readSettings } from "../../stack/settings.ts";
import type { SignedInUser } from "../../stack/token.ts";
import {
  driveBuild,
  environmentDb,
  environmentServiceKey,
  type SessionView,
  submitBuild,
} from "./builds.ts";
import { callFunction, connect, newUser, stack } from "./stack.ts";

/** A provisioned marketplace environment and its session. */
export interface DriftEnvironment {
  readonly user: SignedInUser;
  readonly sessionId: string;
  readonly session: SessionView;
  readonly ref: string;
  /** The environment's database as `postgres`. */
  readonly db: pg.Client;
  /** The environment's database as the superuser. */
  readonly admin: pg.Client;
  /** The control plane's database as `postgres`. */
  readonly control: pg.Client;
  close(): Promise<void>;
}

/** Builds a marketplace environment (drift sentinel on) and opens its connections. */
export async function provisionMarketplace(label = "drift"): Promise<DriftEnvironment> {
  const user = await newUser(label);
  const sessionId = await submitBuild(user, { template: "marketplace", mode: "branch" });
  const { session } = await driveBuild(sessionId, user.token, { idleMs: 3000 });
  assert.equal(session.status, "succeeded", session.error ?? "the build did not succeed");
  const ref = session.environment!.ref;
  const db = await environmentDb(ref);
  const admin = await adminClient(readSettings().dbPort, `proj_${ref}`);
  const control = await connect();
  return {
    user,
    sessionId,
    session,
    ref,
    db,
    admin,
    control,
    close: async () => {
      await db.end().catch(() => {});
      await admin.end().catch(() => {});
      await control.end().catch(() => {});
    },
  };
}

/** Calls the control plane's drift_check; returns status and JSON body. */
export async function callDriftCheck(
  path: string,
  body: unknown,
  token?: string | null,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const s = await stack();
  const res = await callFunction(`drift_check${path}`, {
    method: "POST",
    token: token === undefined ? s.SERVICE_ROLE_KEY : token,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Runs the sentinel for one session and returns its result (asserting 200). */
export async function sentinelCheck(sessionId: string): Promise<SentinelResult> {
  const { status, body } = await callDriftCheck("", { sessionId });
  assert.equal(status, 200, JSON.stringify(body));
  return body as unknown as SentinelResult;
}

/** What `POST /drift_check { sessionId }` answers. */
export interface SentinelResult {
  sessionId: string;
  drift: number;
  newAlerts: {
    id: string;
    fingerprint: string;
    category: string;
    check: string;
    resource: string;
    severity: string;
    specChunkId: string | null;
    similarity: number | null;
  }[];
  resolved: number;
  open: number;
  events: number;
  catalogQueries: number;
}

/** Calls the drift_check deployed inside the environment, with its service key. */
export async function environmentDriftCheck(
  env: DriftEnvironment,
): Promise<{ drift: number; reported: number | string }> {
  const key = await environmentServiceKey(env.ref);
  const res = await fetch(`${env.session.environment!.url}/functions/v1/drift_check`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

/** A drift_alerts row. */
export interface AlertRow {
  id: string;
  fingerprint: string;
  type: string;
  resource: string;
  severity: string;
  spec_chunk_id: string | null;
  similarity: number | null;
  recommendation: string;
  details: Record<string, unknown>;
  resolved_at: Date | null;
}

/** The session's alerts (all, or only open ones). */
export async function alerts(
  env: DriftEnvironment,
  opts: { open?: boolean; ids?: readonly string[] } = {},
): Promise<AlertRow[]> {
  const r = await env.control.query<AlertRow>(
    `select id, fingerprint, type, resource, severity, spec_chunk_id, similarity, recommendation,
            details, resolved_at
       from public.drift_alerts
      where session_id = $1 and ($2::boolean is not true or resolved_at is null)
        and ($3::uuid[] is null or id = any($3::uuid[]))
      order by ts, id`,
    [env.sessionId, opts.open ?? false, opts.ids ? [...opts.ids] : null],
  );
  return r.rows;
}

/** The session's drift_detected events after `afterSeq`. */
export async function driftEvents(
  env: DriftEnvironment,
  afterSeq = 0,
): Promise<{ seq: number; payload: Record<string, unknown> }[]> {
  const r = await env.control.query<{ seq: number; payload: Record<string, unknown> }>(
    `select seq, payload from public.build_events
      where session_id = $1 and type = 'drift_detected' and seq > $2 order by seq`,
    [env.sessionId, afterSeq],
  );
  return r.rows;
}

/** The session's last event seq. */
export async function lastSeq(env: DriftEnvironment): Promise<number> {
  const r = await env.control.query<{ last_seq: number }>(
    "select last_seq from public.build_sessions where id = $1",
    [env.sessionId],
  );
  return r.rows[0]!.last_seq;
}

/**
 * Applies the fix SQL the alerts recommend, as a person would: each distinct statement block
 * once, in rounds, so a fix that depends on another (a policy on a table being recreated) runs
 * after it. Destructive fixes are left out. Returns the fixes that never applied.
 */
export async function applyRecommendedFixes(
  db: pg.Client,
  rows: readonly AlertRow[],
): Promise<string[]> {
  let pending = [
    ...new Set(
      rows.filter((r) => r.details.destructive !== true)
        .map((r) => String(r.details.fixSql ?? ""))
        .filter((sql) => sql.trim() !== ""),
    ),
  ];
  for (let round = 0; round < 4 && pending.length > 0; round++) {
    const failed: string[] = [];
    for (const sql of pending) {
      await db.query("begin");
      try {
        await db.query(sql);
        await db.query("commit");
      } catch {
        await db.query("rollback");
        failed.push(sql);
      }
    }
    if (failed.length === pending.length) break;
    pending = failed;
  }
  return pending;
}
