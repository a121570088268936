/**
 * @module Environment logs: the cluster's log lines per database and window, and what the
 * gateway turns into `api`, `edge-function` and `edge-function-runtime` entries.
 */
import assert from "node:assert/strict";
import { environmentLogs } from "../../stack/gateway/environment_logs.ts";
import type { LogWriter } from "../../stack/gateway/log_writer.ts";
import type { LogEntry } from "../../stack/platform/logs.ts";
import { parsePostgresLog, postgresLogRows } from "../../stack/platform/postgres_log.ts";

const LOG = `2026-11-22 04:34:00.021 UTC [9822] LOG:  cron job 1 COMMAND completed: SELECT 1 1
2026-11-22 04:35:01.500 UTC [2958] postgres@proj_abc ERROR:  division by zero
2026-11-22 04:35:01.500 UTC [2958] postgres@proj_abc STATEMENT:  select 1/0
	  as boom
2026-11-22 04:35:02.000 UTC [2960] postgres@proj_other ERROR:  relation "x" does not exist
2026-11-22 04:36:00.000 UTC [2961] supabase_admin@proj_abc WARNING:  password=Hunter2Hunter2 leaked
`;

Deno.test("postgres logs: one database's lines, continuation lines joined, newest first", () => {
  const entries = parsePostgresLog(LOG);
  assert.equal(entries.length, 5);
  assert.equal(entries[0]!.database, null, "a background process has no database");
  const rows = postgresLogRows(entries, "proj_abc", {});
  assert.deepEqual(rows.map((r) => r.event_message), [
    "WARNING:  password=[redacted] leaked",
    "STATEMENT:  select 1/0\nas boom",
    "ERROR:  division by zero",
  ]);
  assert.equal(rows[2]!.error_severity, "ERROR");
  assert.equal(rows[2]!.timestamp, "2026-11-22T04:35:01.500Z");
  const windowed = postgresLogRows(entries, "proj_abc", {
    start: "2026-11-22T04:35:30Z",
    end: "2026-11-22T05:00:00Z",
  });
  assert.equal(windowed.length, 1);
});

Deno.test("gateway entries: printed lines, invocations and requests, with the environment's secret", () => {
  const written: { entry: LogEntry; secrets: readonly string[] }[] = [];
  const writer: LogWriter = {
    write: (entry, secrets = []) => void written.push({ entry, secrets }),
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  const ts = new Date("2026-11-22T00:00:00Z");
  const logs = environmentLogs({
    writer,
    now: () => ts,
    environments: {
      describe: (key) =>
        key === "env/abc/hello"
          ? { ref: "abc", slug: "hello", version: 3, jwtSecret: "s3cr3t-s3cr3t" }
          : undefined,
    },
  });
  assert.equal(logs.output("sessions", "stdout", "control plane"), false);
  assert.equal(logs.output("env/abc/hello", "stderr", "oops"), true);
  logs.request({
    ref: "abc",
    slug: "hello",
    method: "POST",
    path: "/env/abc/functions/v1/hello",
    status: 201,
    durationMs: 12,
    version: 3,
  });
  logs.request({
    ref: "abc",
    slug: "nope",
    method: "GET",
    path: "/env/abc/functions/v1/nope",
    status: 404,
    durationMs: 1,
  });
  assert.deepEqual(written.map((w) => [w.entry.service, w.entry.message]), [
    ["edge-function-runtime", "oops"],
    ["api", "POST | 201 | /env/abc/functions/v1/hello"],
    ["edge-function", "POST | 201 | /env/abc/functions/v1/hello"],
    ["api", "GET | 404 | /env/abc/functions/v1/nope"],
  ]);
  assert.deepEqual(written[0]!.entry.metadata, {
    level: "error",
    event_type: "Log",
    function_id: "hello",
    version: 3,
    deployment_id: "abc_hello_3",
  });
  assert.deepEqual(written[0]!.secrets, ["s3cr3t-s3cr3t"]);
  assert.equal(written[2]!.entry.metadata.execution_time_ms, 12);
});
