/**
 * @module The local platform's debugging and development tools through the real MCP client:
 * get_advisors returns the drift engine's lints in the advisors' shape (a table with RLS
 * disabled is flagged, and no longer once RLS is on), generate_typescript_types picks up a
 * table created a moment ago, and get_logs reads the log table per service and window.
 */
import assert from "node:assert/strict";
import { withAdmin } from "../../stack/cluster.ts";
import { insertLogs } from "../../stack/platform/logs.ts";
import { REGISTRY_DATABASE } from "../../stack/platform/registry.ts";
import { readSettings } from "../../stack/settings.ts";
import {
  assertRedactedRecords,
  createProject,
  serverSecrets,
  uniqueName,
  withLocalProject,
} from "../support/mcp.ts";

interface AdvisorGroup {
  name: string;
  level: string;
  categories: string[];
  count: number;
  findings: { detail: string; metadata: { name?: string; schema?: string } }[];
}

interface Advisors {
  result: { lints: AdvisorGroup[] };
}

Deno.test("get_advisors flags a table with RLS disabled, until RLS is on", async () => {
  await withLocalProject("mcp-advisors", async ({ client, records, ref }) => {
    await client.callTool("apply_migration", {
      project_id: ref,
      name: "create_notes",
      // New tables are not exposed without grants (as on hosted): this one is, without RLS.
      query: "create table public.notes (id bigint primary key, body text);" +
        "grant select on public.notes to anon, authenticated;" +
        "create table public.tags (id bigint primary key, note_id bigint references public.notes);" +
        "alter table public.tags enable row level security;" +
        "create policy tags_read on public.tags for select to authenticated using (true);",
    });
    const security = await client.callTool<Advisors>("get_advisors", {
      project_id: ref,
      type: "security",
    });
    const disabled = security.data.result.lints.find((l) => l.name === "rls_disabled_in_public");
    assert.ok(disabled, "rls_disabled_in_public is reported");
    assert.equal(disabled.level, "ERROR");
    assert.deepEqual(disabled.categories, ["SECURITY"]);
    assert.deepEqual(disabled.findings.map((f) => f.metadata.name), ["notes"]);
    assert.ok(
      security.data.result.lints.every((l) => l.categories.includes("SECURITY")),
      "security advisors only",
    );
    assert.match(records.at(-1)!.result_summary, /rls_disabled_in_public×1/);

    const performance = await client.callTool<Advisors>("get_advisors", {
      project_id: ref,
      type: "performance",
    });
    const unindexed = performance.data.result.lints.find((l) =>
      l.name === "unindexed_foreign_keys"
    );
    assert.deepEqual(unindexed?.findings.map((f) => f.metadata.name), ["tags"]);
    assert.ok(performance.data.result.lints.every((l) => l.categories.includes("PERFORMANCE")));

    await client.callTool("apply_migration", {
      project_id: ref,
      name: "notes_rls",
      query: "alter table public.notes enable row level security;" +
        "create policy notes_read on public.notes for select to authenticated using (true);",
    });
    const after = await client.callTool<Advisors>("get_advisors", {
      project_id: ref,
      type: "security",
    });
    assert.ok(!after.data.result.lints.some((l) => l.name === "rls_disabled_in_public"));
    assertRedactedRecords(records, await serverSecrets(ref));
  });
});

Deno.test("generate_typescript_types contains a table created a moment ago, with its columns", async () => {
  await withLocalProject("mcp-types", async ({ client, ref }) => {
    const before = await client.callTool<{ types: string }>("generate_typescript_types", {
      project_id: ref,
    });
    assert.ok(!before.data.types.includes("gadgets"));
    await client.callTool("execute_sql", {
      project_id: ref,
      query: "create table public.gadgets (id uuid primary key default gen_random_uuid()," +
        " label text not null, weight_grams integer, released_on date)",
    });
    const { data } = await client.callTool<{ types: string }>("generate_typescript_types", {
      project_id: ref,
    });
    const gadgets = data.types.slice(data.types.indexOf("gadgets: {"));
    assert.ok(data.types.includes("gadgets: {"), "the new table is typed");
    const row = gadgets.slice(gadgets.indexOf("Row: {"), gadgets.indexOf("Insert: {"));
    for (const column of ["id: string", "label: string", "weight_grams: number | null"]) {
      assert.ok(row.includes(column), `Row has ${column}`);
    }
    assert.match(row, /released_on: string \| null/);
    const insert = gadgets.slice(gadgets.indexOf("Insert: {"), gadgets.indexOf("Update: {"));
    assert.ok(insert.includes("id?: string"), "a column with a default is optional on insert");
    assert.ok(insert.includes("label: string"), "a not-null column without default is required");
  });
});

Deno.test("get_logs reads one environment's entries per service and window, newest first", async () => {
  await withLocalProject("mcp-logs", async ({ client, ref, deleteAfter }) => {
    const other = await createProject(client, uniqueName("mcp-logs-other"));
    deleteAfter(other);
    const now = Date.now();
    const at = (secondsAgo: number) => new Date(now - secondsAgo * 1000);
    await withAdmin(readSettings().dbPort, REGISTRY_DATABASE, (c) =>
      insertLogs(c, [
        {
          ref,
          service: "edge-function-runtime",
          ts: at(30),
          message: "first line",
          metadata: { level: "log", function_id: "hello", version: 1 },
        },
        {
          ref,
          service: "edge-function-runtime",
          ts: at(10),
          message: "second line",
          metadata: { level: "error", function_id: "hello", version: 1 },
        },
        {
          ref,
          service: "edge-function",
          ts: at(10),
          message: "GET | 200 | /env/x/functions/v1/hello",
          metadata: { status_code: 200, method: "GET", function_id: "hello" },
        },
        {
          ref,
          service: "edge-function-runtime",
          ts: at(2 * 24 * 3600),
          message: "two days ago",
          metadata: {},
        },
        {
          ref: other,
          service: "edge-function-runtime",
          ts: at(5),
          message: "another environment",
          metadata: {},
        },
      ]));
    const { data } = await client.callTool<{ result: Record<string, unknown>[] }>("get_logs", {
      project_id: ref,
      service: "edge-function-runtime",
    });
    assert.deepEqual(data.result.map((r) => r.event_message), ["second line", "first line"]);
    assert.equal(data.result[0]!.level, "error");
    assert.equal(data.result[0]!.function_id, "hello");
    assert.ok(!Number.isNaN(Date.parse(String(data.result[0]!.timestamp))));

    const windowed = await client.callTool<{ result: Record<string, unknown>[] }>("get_logs", {
      project_id: ref,
      service: "edge-function-runtime",
      iso_timestamp_start: at(20).toISOString(),
      iso_timestamp_end: new Date(now + 1000).toISOString(),
    });
    assert.deepEqual(windowed.data.result.map((r) => r.event_message), ["second line"]);

    const invocations = await client.callTool<{ result: Record<string, unknown>[] }>(
      "get_logs",
      { project_id: ref, service: "edge-function" },
    );
    assert.deepEqual(invocations.data.result.map((r) => r.status_code), [200]);
    const auth = await client.callTool<{ result: unknown[] }>("get_logs", {
      project_id: ref,
      service: "auth",
    });
    assert.deepEqual(auth.data.result, [], "no stand-in for auth: no entries");
  });
});
