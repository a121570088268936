/**
 * @module The drift test fixture: a scratch database (with the compatibility layer) holding
 * the multi-table marketplace of tests/fixtures/drift/migrations, and its contract built from
 * the same folder; plus running scenario SQL inside a transaction that is always rolled back.
 */
import pg from "../../functions-shared/db/pg.ts";
import { adminClient } from "../../stack/cluster.ts";
import { applyMigrations, listMigrationFiles } from "../../stack/migrate.ts";
import { readSettings } from "../../stack/settings.ts";
import { contractFromMigrationFolder } from "../../stack/contract/scratch_database.ts";
import type { Model } from "../../functions-shared/drift/model.ts";
import { pgRunner, type SqlRunner } from "../../functions-shared/drift/sql_runner.ts";
import { connect, scratchDatabase } from "../support/stack.ts";

/** The fixture's migrations folder. */
export const FIXTURE_MIGRATIONS = new URL("../fixtures/drift/migrations", import.meta.url).pathname;

/** A database built from the fixture and its contract. */
export interface DriftFixture {
  readonly database: string;
  readonly contract: Model;
  /** A connection as `postgres`. */
  readonly client: pg.Client;
  readonly runner: SqlRunner;
  /** A connection as the superuser `supabase_admin`, for drift only the platform can cause. */
  readonly admin: pg.Client;
  readonly adminRunner: SqlRunner;
  close(): Promise<void>;
}

/** Creates the fixture database and builds the contract from the same migrations. */
export async function openFixture(prefix = "drift_fx"): Promise<DriftFixture> {
  const scratch = await scratchDatabase(prefix);
  try {
    const files = listMigrationFiles(
      FIXTURE_MIGRATIONS as Parameters<typeof listMigrationFiles>[0],
    );
    await applyMigrations(readSettings().dbPort, scratch.name, files);
    const contract = (await contractFromMigrationFolder(FIXTURE_MIGRATIONS)).model;
    const client = await connect(scratch.name);
    const admin = await adminClient(readSettings().dbPort, scratch.name);
    return {
      database: scratch.name,
      contract,
      client,
      runner: pgRunner(client),
      admin,
      adminRunner: pgRunner(admin),
      close: async () => {
        await client.end().catch(() => {});
        await admin.end().catch(() => {});
        await scratch.drop();
      },
    };
  } catch (e) {
    await scratch.drop();
    throw e;
  }
}

/** Runs `fn` inside a transaction that is rolled back whatever happens. */
export async function inRollback<T>(client: pg.Client, fn: () => Promise<T>): Promise<T> {
  await client.query("begin");
  try {
    return await fn();
  } finally {
    await client.query("rollback");
  }
}
