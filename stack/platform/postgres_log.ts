/**
 * @module `get_logs` for `postgres`: the cluster's log file (`.stack/logs/postgres.log`), whose
 * lines carry the database (`log_line_prefix = '%m [%p] %q%u@%d '`, set by the stack), read
 * from its tail and filtered to one environment's database. Lines written before that prefix
 * (no database) belong to no environment and are skipped.
 */
import { redact } from "../../functions-shared/redact.ts";
import type { LogRow, LogWindow } from "./logs.ts";

/** What is read from the end of the file at most. */
const TAIL_BYTES = 2 * 1024 * 1024;

/** `2026-11-22 04:34:28.817 UTC [29586] postgres@proj_x ERROR:  message`. */
const LINE =
  /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) UTC \[(\d+)\] (?:([^@\s]*)@(\S+) )?([A-Z]+):\s+(.*)$/;

/** A parsed entry of the log file. */
export interface PostgresLogEntry {
  ts: Date;
  pid: number;
  user: string | null;
  database: string | null;
  severity: string;
  message: string;
}

/** Parses log text; lines without a prefix continue the entry before them. */
export function parsePostgresLog(text: string): PostgresLogEntry[] {
  const entries: PostgresLogEntry[] = [];
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    if (m) {
      entries.push({
        ts: new Date(`${m[1]!.replace(" ", "T")}Z`),
        pid: Number(m[2]),
        user: m[3] || null,
        database: m[4] ?? null,
        severity: m[5]!,
        message: m[6]!,
      });
    } else if (entries.length && line.trim()) {
      entries.at(-1)!.message += `\n${line.trim()}`;
    }
  }
  return entries;
}

/** The entries of one database in the window, newest first, as hosted `postgres` rows. */
export function postgresLogRows(
  entries: PostgresLogEntry[],
  database: string,
  window: LogWindow,
  opts: { limit?: number; secrets?: readonly string[] } = {},
): LogRow[] {
  const start = window.start ? Date.parse(window.start) : -Infinity;
  const end = window.end ? Date.parse(window.end) : Infinity;
  return entries
    .filter((e) => e.database === database && e.ts.getTime() >= start && e.ts.getTime() <= end)
    .reverse()
    .slice(0, opts.limit ?? 100)
    .map((e, i) => ({
      id: `${e.ts.getTime()}-${e.pid}-${i}`,
      identifier: database,
      timestamp: e.ts.toISOString(),
      event_message: redact(`${e.severity}:  ${e.message}`, { secrets: opts.secrets ?? [] }),
      error_severity: e.severity,
    }));
}

/** The last part of the log file (whole lines only); empty when there is no file. */
export async function readLogTail(path: string, bytes = TAIL_BYTES): Promise<string> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "";
    throw e;
  }
  try {
    const size = (await file.stat()).size;
    const from = Math.max(0, size - bytes);
    await file.seek(from, Deno.SeekMode.Start);
    const buf = new Uint8Array(size - from);
    let read = 0;
    while (read < buf.length) {
      const n = await file.read(buf.subarray(read));
      if (n === null) break;
      read += n;
    }
    const text = new TextDecoder().decode(buf.subarray(0, read));
    return from > 0 ? text.slice(text.indexOf("\n") + 1) : text;
  } finally {
    file.close();
  }
}
