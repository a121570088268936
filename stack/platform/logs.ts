/**
 * @module The local log table (`platform.logs` in `_supabase`): what the gateway writes (API
 * requests, function invocations, function output) and how `get_logs` reads it back, one row
 * per entry with the columns the hosted log query of each service returns.
 */
import type pg from "../../functions-shared/db/pg.ts";

/** The services the gateway writes; `postgres` comes from the cluster's log file. */
export const GATEWAY_LOG_SERVICES = ["api", "edge-function", "edge-function-runtime"] as const;

export type GatewayLogService = typeof GATEWAY_LOG_SERVICES[number];

/** One line of log for an environment. */
export interface LogEntry {
  ref: string;
  service: GatewayLogService;
  ts: Date;
  message: string;
  /** Service-specific fields (method, status_code, function_id, level …). */
  metadata: Record<string, unknown>;
}

/** A log row as get_logs returns it. */
export type LogRow = Record<string, unknown> & {
  id: string;
  timestamp: string;
  event_message: string;
};

/** The hosted query's columns per service, read from an entry's metadata. */
const COLUMNS: Record<GatewayLogService, readonly string[]> = {
  api: ["identifier", "method", "path", "status_code"],
  "edge-function": [
    "status_code",
    "method",
    "function_id",
    "execution_time_ms",
    "deployment_id",
    "version",
  ],
  "edge-function-runtime": [
    "level",
    "event_type",
    "function_id",
    "execution_id",
    "deployment_id",
    "version",
  ],
};

/**
 * Inserts entries in one statement. Entries of environments that no longer exist are dropped
 * (their rows would go with them anyway).
 */
export async function insertLogs(db: pg.Pool | pg.Client, entries: LogEntry[]): Promise<void> {
  if (!entries.length) return;
  await db.query(
    `insert into platform.logs (project_ref, service, ts, event_message, metadata)
     select u.ref, u.service, u.ts, u.message, u.metadata
       from unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::jsonb[])
            as u(ref, service, ts, message, metadata)
      where exists (select 1 from platform.environments e where e.ref = u.ref)`,
    [
      entries.map((e) => e.ref),
      entries.map((e) => e.service),
      entries.map((e) => e.ts.toISOString()),
      entries.map((e) => e.message),
      entries.map((e) => JSON.stringify(e.metadata)),
    ],
  );
}

/** Deletes entries older than `days`. */
export async function pruneLogs(db: pg.Pool | pg.Client, days: number): Promise<void> {
  await db.query("delete from platform.logs where ts < now() - make_interval(days => $1)", [days]);
}

/** The window get_logs asks for (the MCP tool always resolves both ends). */
export interface LogWindow {
  start?: string | undefined;
  end?: string | undefined;
}

/** The newest entries of one service in the window, newest first, as hosted rows. */
export async function readLogs(
  db: pg.Pool | pg.Client,
  ref: string,
  service: GatewayLogService,
  window: LogWindow,
  limit = 100,
): Promise<LogRow[]> {
  const r = await db.query<
    { id: string; ts: Date; event_message: string; metadata: Record<string, unknown> }
  >(
    `select id::text, ts, event_message, metadata from platform.logs
      where project_ref = $1 and service = $2
        and ($3::timestamptz is null or ts >= $3) and ($4::timestamptz is null or ts <= $4)
      order by ts desc, id desc limit $5`,
    [ref, service, window.start ?? null, window.end ?? null, limit],
  );
  return r.rows.map((row) => {
    const out: LogRow = {
      id: row.id,
      timestamp: row.ts.toISOString(),
      event_message: row.event_message,
    };
    for (const column of COLUMNS[service]) out[column] = row.metadata[column] ?? null;
    return out;
  });
}
