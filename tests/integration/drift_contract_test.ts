/**
 * @module The contract from a migrations folder: built on a scratch database with the
 * compatibility layer (local stack by default, or a server given by URL), equal to a database
 * migrated from the same folder, and the scratch database is always dropped.
 */
import assert from "node:assert/strict";
import {
  applyMigrationSources,
  contractFromMigrations,
  MigrationFailedError,
} from "../../functions-shared/drift/contract_from_migrations.ts";
import { introspect } from "../../functions-shared/drift/introspect.ts";
import {
  contractFromMigrationFolder,
  localScratch,
  readMigrationFolder,
  urlScratch,
} from "../../stack/contract/scratch_database.ts";
import { verify } from "../../functions-shared/drift/verify.ts";
import { FIXTURE_MIGRATIONS, openFixture } from "./drift_fixture.ts";
import { dbUrl, withClient } from "../support/stack.ts";

async function scratchDatabases(): Promise<string[]> {
  return await withClient(async (c) =>
    (await c.query<{ datname: string }>(
      "select datname from pg_database where datname like 'drift_scratch%'",
    ))
      .rows.map((r) => r.datname)
  );
}

Deno.test("contract from migrations: equal to a migrated database, scratch dropped", async () => {
  const before = await scratchDatabases();
  const fx = await openFixture("drift_ct");
  try {
    const actual = await introspect(fx.runner);
    const contract = await contractFromMigrationFolder(FIXTURE_MIGRATIONS);
    // The scratch database is read twice: the platform baseline, then the contract.
    assert.equal(contract.catalogQueries, 2 * actual.catalogQueries);
    assert.deepEqual(verify(contract.model, actual.model).findings, []);
    assert.deepEqual(contract.model, actual.model);
  } finally {
    await fx.close();
  }
  assert.deepEqual(await scratchDatabases(), before);
});

Deno.test("contract from migrations: a failing migration names its file and drops the scratch database", async () => {
  const before = await scratchDatabases();
  const migrations = [
    ...(await readMigrationFolder(FIXTURE_MIGRATIONS)),
    {
      version: "20260101000400",
      name: "broken",
      sql: "alter table public.nope enable row level security;",
    },
  ];
  await assert.rejects(
    () => contractFromMigrations(migrations, localScratch()),
    (e: unknown) => {
      assert.ok(e instanceof MigrationFailedError);
      assert.match(
        e.message,
        /^Cannot apply migration 20260101000400_broken\.sql to the scratch database: .*"public\.nope"/,
      );
      return true;
    },
  );
  assert.deepEqual(await scratchDatabases(), before);
});

Deno.test("contract from migrations: migrations run as postgres, not as a superuser", async () => {
  const db = await localScratch()();
  try {
    await assert.rejects(
      () =>
        applyMigrationSources(db.runner, [{
          version: "1",
          name: "su",
          sql: "create event trigger x on ddl_command_end execute function pg_catalog.now()",
        }]),
      /permission denied|must be superuser/,
    );
    const who = await db.runner.query<{ u: string }>("select current_user as u");
    assert.equal(who[0]?.u, "postgres");
  } finally {
    await db.drop();
  }
});

Deno.test("contract from migrations: --scratch-db creates the scratch database on the given server", async () => {
  const before = await scratchDatabases();
  const url = new URL(await dbUrl("postgres"));
  url.username = "supabase_admin"; // the local cluster's superuser shares the stack's password
  const fromUrl = await contractFromMigrations(
    await readMigrationFolder(FIXTURE_MIGRATIONS),
    urlScratch(url.toString()),
  );
  const local = await contractFromMigrationFolder(FIXTURE_MIGRATIONS);
  assert.deepEqual(fromUrl.model, local.model);
  assert.deepEqual(await scratchDatabases(), before);
});
