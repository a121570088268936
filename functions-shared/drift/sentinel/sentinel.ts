/**
 * @module The drift sentinel: checks provisioned environments against their contracts. Each
 * environment is read through MCP `execute_sql` with the single-statement introspection (so no
 * environment database password is stored), verified against `build_sessions.contract`, and
 * the findings are recorded (alerts, resolutions, spec-chunk links, `drift_detected` events).
 * One environment's failure (unreachable, dropped) never stops the others: it is reported.
 */
import type pg from "../../db/pg.ts";
import { firstRow, rows } from "../../db/query.ts";
import { mcpSqlRunner } from "../../graph/contract_snapshot.ts";
import type { Provisioner } from "../../mcp/provisioner.ts";
import { toolCallAudit } from "../../mcp/tool_call_audit.ts";
import type { ToolCallRecord } from "../../mcp/types.ts";
import { redact } from "../../redact.ts";
import { introspect } from "../introspect.ts";
import { modelFromJson } from "../model.ts";
import { verify } from "../verify.ts";
import { type DriftRecorderDeps, type NewAlert, recordDrift } from "./record_drift.ts";
import { markDriftChecked, selectSessionContract, selectWatchedSessions } from "./sql.ts";

/** An MCP connection for one sentinel pass. */
export interface SentinelConnection {
  readonly provisioner: Provisioner;
  close(): Promise<void>;
}

/** What the sentinel needs. */
export interface SentinelDeps extends DriftRecorderDeps {
  /** Opens the MCP connection (once per pass, on first use). */
  readonly connect: () => Promise<SentinelConnection>;
  /** Environments checked at the same time (default 4). */
  readonly concurrency?: number;
  /** Environments one scheduled pass checks at most, least recently checked first (default 50). */
  readonly batchSize?: number;
}

/** The outcome for one environment that could be checked. */
export interface EnvironmentCheck {
  readonly sessionId: string;
  readonly environmentRef: string;
  readonly ok: true;
  /** Findings that count as drift. */
  readonly drift: number;
  readonly inherited: number;
  readonly acknowledged: number;
  readonly newAlerts: readonly NewAlert[];
  readonly resolved: number;
  /** Environment-reported alerts this check confirmed and took over. */
  readonly overridden: number;
  readonly open: number;
  readonly events: number;
  readonly catalogQueries: number;
  readonly linking: { readonly embedder: string | null; readonly skipped?: string };
  readonly durationMs: number;
}

/** An environment that could not be checked, and why. */
export interface EnvironmentCheckError {
  readonly sessionId: string;
  readonly environmentRef: string;
  readonly ok: false;
  readonly error: string;
  readonly durationMs: number;
}

/** One sentinel pass. */
export interface SentinelPass {
  readonly checked: number;
  readonly failed: number;
  readonly newAlerts: number;
  readonly resolved: number;
  readonly environments: readonly EnvironmentCheck[];
  readonly errors: readonly EnvironmentCheckError[];
  readonly durationMs: number;
}

/** Thrown when one asked-for session cannot be checked; `reason` says which way. */
export class SessionNotCheckableError extends Error {
  override name = "SessionNotCheckableError";
  constructor(readonly reason: "not_found" | "not_ready", message: string) {
    super(message);
  }
}

interface Target {
  sessionId: string;
  environmentRef: string;
  /** Loaded lazily per environment: contracts can be large. */
  contract?: string;
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

/** Checks one environment; never throws. */
async function checkEnvironment(
  deps: SentinelDeps,
  provisioner: () => Promise<Provisioner>,
  target: Target,
): Promise<EnvironmentCheck | EnvironmentCheckError> {
  const started = performance.now();
  try {
    const contractText = target.contract ??
      (await firstRow<{ contract: string | null }>(
        deps.pool,
        selectSessionContract(target.sessionId),
      ))?.contract;
    if (!contractText) throw new Error("Cannot check: the session no longer has a contract");
    const contract = modelFromJson(contractText);
    const records: ToolCallRecord[] = [];
    // Every read is in the tool-call log as it finishes, whether or not it opens an alert.
    const audit = toolCallAudit(deps.pool, { sessionId: target.sessionId, source: "sentinel" });
    const runner = mcpSqlRunner(await provisioner(), target.environmentRef, records, audit);
    const actual = await introspect(runner, { mode: "single-statement" });
    const verification = verify(contract, actual.model);
    const recorded = await recordDrift(deps, {
      sessionId: target.sessionId,
      environmentRef: target.environmentRef,
      source: "sentinel",
      findings: verification.findings,
      toolCalls: records,
    });
    return {
      sessionId: target.sessionId,
      environmentRef: target.environmentRef,
      ok: true,
      drift: verification.summary.drift,
      inherited: verification.summary.inherited,
      acknowledged: verification.summary.acknowledged,
      newAlerts: recorded.newAlerts,
      resolved: recorded.resolved.length,
      overridden: recorded.overridden,
      open: recorded.open,
      events: recorded.events,
      catalogQueries: actual.catalogQueries,
      linking: recorded.linking,
      durationMs: elapsed(started),
    };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      sessionId: target.sessionId,
      environmentRef: target.environmentRef,
      ok: false,
      error: redact(
        `Cannot check environment ${target.environmentRef}: ${message}`,
        { secrets: deps.secrets ?? [] },
      ),
      durationMs: elapsed(started),
    };
  }
}

/** The one session asked for, if it can be checked. */
async function requestedTarget(pool: pg.Pool, sessionId: string): Promise<Target> {
  const row = await firstRow<{
    id: string;
    status: string;
    environment_ref: string | null;
    contract: string | null;
  }>(pool, selectSessionContract(sessionId));
  if (!row) throw new SessionNotCheckableError("not_found", "Session not found");
  if (row.status !== "succeeded" || !row.environment_ref || !row.contract) {
    throw new SessionNotCheckableError(
      "not_ready",
      `Cannot check session ${sessionId} yet: it is ${row.status}` +
        (row.status === "succeeded" ? " but has no environment contract" : "") +
        "; drift is checked once a build has succeeded",
    );
  }
  return { sessionId: row.id, environmentRef: row.environment_ref, contract: row.contract };
}

/**
 * One pass: every watched session (succeeded, `enableDriftSentinel`, with a contract), or only
 * `sessionId` (which must have succeeded; the option does not matter when asked explicitly).
 */
export async function runSentinel(
  deps: SentinelDeps,
  opts: { readonly sessionId?: string } = {},
): Promise<SentinelPass> {
  const started = performance.now();
  const targets: Target[] = opts.sessionId
    ? [await requestedTarget(deps.pool, opts.sessionId)]
    : (await rows<{ id: string; environment_ref: string }>(
      deps.pool,
      selectWatchedSessions(deps.batchSize ?? 50),
    )).map((r) => ({ sessionId: r.id, environmentRef: r.environment_ref }));

  let connection: Promise<SentinelConnection> | undefined;
  const provisioner = async () => (await (connection ??= deps.connect())).provisioner;
  const results: (EnvironmentCheck | EnvironmentCheckError)[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      results[i] = await checkEnvironment(deps, provisioner, targets[i]!);
      // Checked, even if it failed: a broken environment must not starve the others.
      await rows(deps.pool, markDriftChecked(targets[i]!.sessionId));
    }
  };
  try {
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(deps.concurrency ?? 4, targets.length)) }, worker),
    );
  } finally {
    if (connection) await (await connection.catch(() => undefined))?.close().catch(() => {});
  }
  const environments = results.filter((r): r is EnvironmentCheck => r.ok);
  const errors = results.filter((r): r is EnvironmentCheckError => !r.ok);
  return {
    checked: environments.length,
    failed: errors.length,
    newAlerts: environments.reduce((n, r) => n + r.newAlerts.length, 0),
    resolved: environments.reduce((n, r) => n + r.resolved, 0),
    environments,
    errors,
    durationMs: elapsed(started),
  };
}
