/** @module The hosted platform's migrations fallback: its exact SQL and its refusal test. */
import assert from "node:assert/strict";
import { isPartnerOnlyRefusal } from "../../functions-shared/mcp/hosted_platform.ts";
import {
  applyWithHistorySql,
  historyPresentSql,
  listHistorySql,
  nextVersion,
  sortHistory,
} from "../../functions-shared/mcp/migration_history_sql.ts";

Deno.test("applyWithHistorySql: the migration and its row in one multi-statement query", () => {
  assert.equal(
    applyWithHistorySql("20261122093000", "add_o'clock", "create table t (x text default 'a');"),
    [
      "create schema if not exists supabase_migrations;",
      "create table if not exists supabase_migrations.schema_migrations (version text not null primary key);",
      "alter table supabase_migrations.schema_migrations add column if not exists statements text[];",
      "alter table supabase_migrations.schema_migrations add column if not exists name text;",
      "create table t (x text default 'a');",
      ";",
      "insert into supabase_migrations.schema_migrations (version, name, statements)",
      "values ('20261122093000', 'add_o''clock', array['create table t (x text default ''a'');']);",
    ].join("\n"),
  );
  assert.throws(() => applyWithHistorySql("1; drop", "x", "select 1"), /must be digits/);
});

Deno.test("history queries", () => {
  assert.equal(
    historyPresentSql(),
    "select to_regclass('supabase_migrations.schema_migrations') is not null as present",
  );
  assert.equal(
    listHistorySql(),
    "select version, name from supabase_migrations.schema_migrations order by version",
  );
});

Deno.test("nextVersion: a CLI timestamp, or one past the newest", () => {
  const now = new Date("2026-11-22T09:30:00.123Z");
  assert.equal(nextVersion([], now), "20261122093000");
  assert.equal(nextVersion(["20261122093000"], now), "20261122093001");
  assert.equal(nextVersion(["20250101000000", "init"], now), "20261122093000");
  assert.deepEqual(
    sortHistory([{ version: "100" }, { version: "20" }, { version: "a" }]).map((m) => m.version),
    ["20", "100", "a"],
  );
});

Deno.test("isPartnerOnlyRefusal: the partner restriction, not any failure", () => {
  const yes = [
    { status: 401, message: "Migrations endpoint is not generally available yet" },
    { status: 403, message: "Only available to selected partner OAuth apps" },
  ];
  const no = [
    { status: 401, message: "Invalid access token" },
    { status: 401 },
    { status: 403, message: "Forbidden resource" },
    { status: 400, message: "Failed to run sql query: ERROR: 42P01" },
    { status: 500, message: "partner service unavailable" },
  ];
  for (const r of yes) assert.ok(isPartnerOnlyRefusal(r), JSON.stringify(r));
  for (const r of no) assert.ok(!isPartnerOnlyRefusal(r), JSON.stringify(r));
});
