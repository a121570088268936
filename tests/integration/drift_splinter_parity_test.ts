/**
 * @module Parity of the drift engine's lints with Supabase's advisors (splinter): on one
 * database built to trigger (and not trigger) every lint the engine computes, the engine's
 * lints equal splinter's results, lint by lint and cache key by cache key. Splinter's SQL is
 * not in this repository (see tests/fixtures/splinter/README.md): its results on the parity
 * database are recorded in tests/fixtures/splinter/expected.json, and with SPLINTER_DIR set to
 * the `lints/` folder of a splinter checkout the test runs splinter's own SQL on the same
 * database and compares live (SPLINTER_RECORD=1 rewrites the recording).
 */
import assert from "node:assert/strict";
import { introspect } from "../../functions-shared/drift/introspect.ts";
import { lint, LINT_NAMES } from "../../functions-shared/drift/lints.ts";
import { isPlatformSchema } from "../../functions-shared/drift/platform.ts";
import { pgRunner } from "../../functions-shared/drift/sql_runner.ts";
import { adminClient } from "../../stack/cluster.ts";
import { readSettings } from "../../stack/settings.ts";
import { type AdvisorRow, runSplinter } from "../support/splinter.ts";
import { connect, scratchDatabase } from "../support/stack.ts";

const FIXTURES = new URL("../fixtures/splinter/", import.meta.url);
const API_SCHEMAS = "public, api, pgmq_public";

interface Recording {
  readonly source: string;
  readonly apiSchemas: string;
  /** `name|cache_key|level`, sorted. */
  readonly lints: readonly string[];
}

/** Splinter results the engine is comparable on: its lints, on user schemas. */
function comparable(rows: readonly AdvisorRow[]): string[] {
  const names = new Set<string>(LINT_NAMES);
  return rows
    .filter((r) => names.has(r.name))
    .filter((r) => {
      const schema = r.metadata?.schema;
      if (r.name === "insecure_queue_exposed_in_api" || r.name === "public_bucket_allows_listing") {
        return true;
      }
      return typeof schema !== "string" || !isPlatformSchema(schema);
    })
    .map((r) => `${r.name}|${r.cache_key}|${r.level}`)
    .sort();
}

Deno.test("lint parity with splinter on the parity database", async () => {
  let recording = JSON.parse(
    await Deno.readTextFile(new URL("expected.json", FIXTURES)),
  ) as Recording;
  assert.equal(recording.apiSchemas, API_SCHEMAS);
  const scratch = await scratchDatabase("splinter_parity");
  try {
    const setup = await adminClient(readSettings().dbPort, scratch.name);
    try {
      await setup.query(await Deno.readTextFile(new URL("parity.sql", FIXTURES)));
      await setup.query(`alter database "${scratch.name}" set pgrst.db_schemas = '${API_SCHEMAS}'`);
    } finally {
      await setup.end();
    }
    // New sessions see pgrst.db_schemas, as PostgREST and the advisors do.
    const client = await connect(scratch.name);
    const admin = await adminClient(readSettings().dbPort, scratch.name);
    try {
      const { model } = await introspect(pgRunner(client));
      assert.deepEqual(model.platform.apiSchemas, ["public", "api", "pgmq_public"]);
      const ours = lint(model).map((l) => `${l.name}|${l.cache_key}|${l.level}`).sort();

      const dir = Deno.env.get("SPLINTER_DIR");
      if (dir) {
        const live = comparable(await runSplinter(admin, dir));
        if (Deno.env.get("SPLINTER_RECORD") === "1") {
          recording = { ...recording, lints: live };
          await Deno.writeTextFile(
            new URL("expected.json", FIXTURES),
            `${JSON.stringify(recording, null, 2)}\n`,
          );
        } else {
          assert.deepEqual(live, [...recording.lints], "splinter's results changed: re-record");
        }
        assert.deepEqual(ours, live);
      }
      assert.deepEqual(ours, [...recording.lints]);
      // The database exercises nearly every lint (pg_graphql's need pg_graphql installed).
      const exercised = new Set(recording.lints.map((l) => l.split("|")[0]));
      assert.ok(exercised.size >= 22, `${exercised.size} lints exercised`);
    } finally {
      await client.end();
      await admin.end();
    }
  } finally {
    await scratch.drop();
  }
});
