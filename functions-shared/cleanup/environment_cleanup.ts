/**
 * @module Cleans up after failed and canceled builds: once a session has been failed or
 * canceled for longer than the TTL, its environment is removed through MCP — `delete_branch`
 * for a branch, `pause_project` for a project (the MCP server offers no project deletion) — and
 * the session records it (`environment_deleted_at`, `environment.deletedAt`) with one
 * `environment_deleted` event carrying the tool calls. A succeeded build's environment is never
 * touched: every statement re-checks the status, under the session's row lock. An environment
 * the session never recorded (the build failed while provisioning it) is found by the session's
 * environment name; the parent project and default branches are never candidates.
 */
import type pg from "../db/pg.ts";
import { inTransaction } from "../db/pool.ts";
import { firstRow, rows } from "../db/query.ts";
import type { PendingEvent } from "../events/build_event.ts";
import { environmentName } from "../graph/nodes/provision_environment.ts";
import { type McpToolClient, ToolCallError, type ToolCallRecord } from "../mcp/types.ts";
import { redact } from "../redact.ts";
import {
  appendCleanupEvents,
  lockCleanupTarget,
  markEnvironmentDeleted,
  recordCleanupFailure,
  selectCleanupCandidates,
} from "./sql.ts";

/** How the cleanup behaves. */
export interface CleanupSettings {
  /** Seconds a failed or canceled build's environment is kept before it is removed. */
  readonly ttlSeconds: number;
  /** Sessions one pass handles at most. */
  readonly batchSize: number;
  /** Failed attempts after which a session is left alone (its error stays on the session). */
  readonly maxAttempts: number;
  /** The project branches are made from (never itself removed). */
  readonly parentProjectRef: string;
  /** Values to keep out of errors and events. */
  readonly secrets: readonly string[];
}

/** What a cleanup pass needs. */
export interface CleanupDeps {
  readonly pool: pg.Pool;
  /** Opens a (writable) MCP connection; called once per pass, only when there is work. */
  readonly connect: () => Promise<McpToolClient>;
  readonly settings: CleanupSettings;
}

/** What happened to one session's environment. */
export interface CleanedSession {
  readonly sessionId: string;
  readonly ok: true;
  /** `none`: the build never created an environment (or it was already gone). */
  readonly outcome: "branch_deleted" | "project_paused" | "none";
  readonly ref?: string;
}

/** A session whose cleanup failed this time (retried by the next pass, up to maxAttempts). */
export interface CleanupFailure {
  readonly sessionId: string;
  readonly ok: false;
  readonly error: string;
  readonly attempts: number;
}

/** One pass. */
export interface CleanupPass {
  readonly candidates: number;
  readonly cleaned: readonly CleanedSession[];
  readonly failed: readonly CleanupFailure[];
  readonly durationMs: number;
}

/** The session row the cleanup reads. */
interface TargetRow {
  id: string;
  status: "failed" | "canceled";
  options: { environmentMode?: string } | null;
  environment: StoredEnvironment | null;
  finished_at: Date;
}

/** The environment as the pipeline stored it on the session (when it got that far). */
interface StoredEnvironment {
  kind?: string;
  ref?: string;
  branchId?: string;
  parentRef?: string;
  name?: string;
}

interface Branch {
  id: string;
  name: string;
  project_ref: string;
  is_default?: boolean;
}

interface Project {
  ref: string;
  name: string;
  status: string;
}

type Located =
  | { kind: "branch"; branchId: string; ref: string; name: string }
  | { kind: "project"; ref: string; name: string; status: string };

type Call = <T>(tool: string, args: Record<string, unknown>) => Promise<T>;

/** Finds the session's environment through MCP; null when there is none (any more). */
async function locate(
  call: Call,
  row: TargetRow,
  settings: CleanupSettings,
): Promise<Located | null> {
  const stored = row.environment ?? {};
  const kind = stored.kind ?? row.options?.environmentMode ?? "branch";
  const name = stored.name ?? environmentName(row.id);
  if (stored.ref === settings.parentProjectRef) {
    throw new Error(`Refusing to remove ${stored.ref}: it is the parent project`);
  }
  if (kind === "branch") {
    const parent = stored.parentRef ?? settings.parentProjectRef;
    const { branches } = await call<{ branches: Branch[] }>("list_branches", {
      project_id: parent,
    });
    const branch = branches.find((b) =>
      !b.is_default && b.name === name && (stored.branchId ? b.id === stored.branchId : true)
    );
    if (!branch) return null;
    if (stored.ref && branch.project_ref !== stored.ref) {
      throw new Error(
        `Refusing to delete branch ${branch.id}: its ref ${branch.project_ref} is not the ` +
          `session's environment ${stored.ref}`,
      );
    }
    return { kind: "branch", branchId: branch.id, ref: branch.project_ref, name: branch.name };
  }
  const { projects } = await call<{ projects: Project[] }>("list_projects", {});
  const project = projects.find((p) =>
    p.name === name && p.status !== "REMOVED" && (stored.ref ? p.ref === stored.ref : true)
  );
  if (!project || project.ref === settings.parentProjectRef) return null;
  return { kind: "project", ref: project.ref, name: project.name, status: project.status };
}

function hoursSince(when: Date): string {
  const hours = (Date.now() - when.getTime()) / 3_600_000;
  return hours >= 1 ? `${Math.round(hours)} h` : `${Math.max(0, Math.round(hours * 60))} min`;
}

/** Cleans one session's environment; never throws (a failure is recorded on the session). */
async function cleanSession(
  deps: CleanupDeps,
  client: () => Promise<McpToolClient>,
  sessionId: string,
): Promise<CleanedSession | CleanupFailure | undefined> {
  const records: ToolCallRecord[] = [];
  const call: Call = async <T>(tool: string, args: Record<string, unknown>) => {
    try {
      const { data, record } = await (await client()).callTool<T>(tool, args);
      records.push(record);
      return data;
    } catch (e) {
      if (e instanceof ToolCallError) records.push(e.record);
      throw e;
    }
  };
  const { settings } = deps;
  try {
    return await inTransaction(deps.pool, async (db) => {
      const row = await firstRow<TargetRow>(db, lockCleanupTarget(sessionId, settings.ttlSeconds));
      if (!row) return undefined; // no longer due, or another pass has it
      const located = await locate(call, row, settings);
      let outcome: CleanedSession["outcome"] = "none";
      if (located?.kind === "branch") {
        await call("delete_branch", { branch_id: located.branchId });
        outcome = "branch_deleted";
      } else if (located) {
        if (located.status !== "INACTIVE") {
          await call("pause_project", { project_id: located.ref });
        }
        outcome = "project_paused";
      }
      const deletedAt = new Date().toISOString();
      const patch = row.environment || located
        ? { deletedAt, cleanup: outcome, ...(located ? { ref: located.ref } : {}) }
        : null;
      const marked = await firstRow(db, markEnvironmentDeleted(sessionId, patch));
      if (!marked) throw new Error(`Session ${sessionId} is no longer failed or canceled`);
      if (located) {
        const what = located.kind === "branch"
          ? `Deleted branch ${located.name} (${located.ref})`
          : `Paused project ${located.name} (${located.ref}); the MCP server cannot delete projects`;
        const event: PendingEvent = {
          node: "cleanup",
          key: "environment_deleted",
          type: "environment_deleted",
          message: `${what}: the build ${row.status} ${hoursSince(row.finished_at)} ago`,
          payload: redact({
            kind: located.kind,
            ref: located.ref,
            name: located.name,
            action: located.kind === "branch" ? "delete_branch" : "pause_project",
            sessionStatus: row.status,
            finishedAt: row.finished_at.toISOString(),
            ttlSeconds: settings.ttlSeconds,
            tool_calls: records,
          }, { secrets: settings.secrets }),
        };
        await rows(db, appendCleanupEvents(sessionId, [event]));
      }
      return {
        sessionId,
        ok: true as const,
        outcome,
        ...(located ? { ref: located.ref } : {}),
      };
    });
  } catch (e) {
    const error = redact(
      `Cannot clean up the environment of session ${sessionId}: ${(e as Error).message}`,
      { secrets: settings.secrets },
    );
    const counted = await firstRow<{ cleanup_attempts: number }>(
      deps.pool,
      recordCleanupFailure(sessionId, error),
    );
    return { sessionId, ok: false, error, attempts: counted?.cleanup_attempts ?? 0 };
  }
}

/**
 * One pass over the sessions whose environments are due (or only `sessionId`, if it is due).
 * The MCP connection opens only when there is a candidate and closes at the end.
 */
export async function runCleanup(
  deps: CleanupDeps,
  opts: { readonly sessionId?: string } = {},
): Promise<CleanupPass> {
  const started = performance.now();
  const { settings } = deps;
  const ids = opts.sessionId ? [opts.sessionId] : (await rows<{ id: string }>(
    deps.pool,
    selectCleanupCandidates(settings.ttlSeconds, settings.batchSize, settings.maxAttempts),
  )).map((r) => r.id);
  let connection: Promise<McpToolClient> | undefined;
  const client = () => (connection ??= deps.connect());
  const cleaned: CleanedSession[] = [];
  const failed: CleanupFailure[] = [];
  try {
    for (const id of ids) {
      const result = await cleanSession(deps, client, id);
      if (result?.ok) cleaned.push(result);
      else if (result) failed.push(result);
    }
  } finally {
    if (connection) await (await connection.catch(() => undefined))?.close().catch(() => {});
  }
  return {
    candidates: ids.length,
    cleaned,
    failed,
    durationMs: Math.round(performance.now() - started),
  };
}
