/**
 * @module The drift test fixture: a scratch database (with the compatibility layer, or a plain
 * PostgreSQL database with only the prelude migrations need) holding the multi-table
 * marketplace of tests/fixtures/drift/migrations, and its contract and platform baseline built
 * from the same folder; plus running scenario SQL inside a transaction that is always rolled
 * back.
 */
import pg from "../../functions-shared/db/pg.ts";
import { adminClient } from "../../stack/cluster.ts";
import { applyMigrations, listMigrationFiles } from "../../stack/migrate.ts";
import { readSettings } from "../../stack/settings.ts";
import {
  contractFromMigrationFolder,
  readMigrationFolder,
} from "../../stack/contract/scratch_database.ts";
import { applyMigrationSources } from "../../functions-shared/drift/contract_from_migrations.ts";
import { plainDatabase } from "../support/plain_database.ts";
import type { Model } from "../../functions-shared/drift/model.ts";
import { pgRunner, type SqlRunner } from "../../functions-shared/drift/sql_runner.ts";
import { connect, scratchDatabase } from "../support/stack.ts";

/** The fixture's migrations folder. */
export const FIXTURE_MIGRATIONS = new URL("../fixtures/drift/migrations", import.meta.url).pathname;

/** A database built from the fixture and its contract. */
export interface DriftFixture {
  readonly database: string;
  readonly contract: Model;
  /** The scratch database before the migrations: the platform baseline. */
  readonly baseline: Model;
  /** Built on a plain PostgreSQL database rather than one with the compatibility layer. */
  readonly plain: boolean;
  /** A connection as `postgres`. */
  readonly client: pg.Client;
  readonly runner: SqlRunner;
  /** A connection as the superuser `supabase_admin`, for drift only the platform can cause. */
  readonly admin: pg.Client;
  readonly adminRunner: SqlRunner;
  close(): Promise<void>;
}

/** Options of {@linkcode openFixture}. */
export interface FixtureOptions {
  /** Build it on a plain PostgreSQL database (default: with the compatibility layer). */
  readonly plain?: boolean;
}

/** Creates the fixture database and builds the contract from the same migrations. */
export async function openFixture(
  prefix = "drift_fx",
  options: FixtureOptions = {},
): Promise<DriftFixture> {
  const plain = options.plain ?? false;
  const scratch = plain ? await plainDatabase(prefix) : await scratchDatabase(prefix);
  try {
    if (plain) {
      const migrator = await connect(scratch.name);
      try {
        await applyMigrationSources(
          pgRunner(migrator),
          await readMigrationFolder(FIXTURE_MIGRATIONS),
        );
      } finally {
        await migrator.end();
      }
    } else {
      const files = listMigrationFiles(
        FIXTURE_MIGRATIONS as Parameters<typeof listMigrationFiles>[0],
      );
      await applyMigrations(readSettings().dbPort, scratch.name, files);
    }
    const built = await contractFromMigrationFolder(FIXTURE_MIGRATIONS);
    const contract = built.model;
    const client = await connect(scratch.name);
    const admin = await adminClient(readSettings().dbPort, scratch.name);
    return {
      database: scratch.name,
      contract,
      baseline: built.baseline,
      plain,
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

export { inRollback } from "../support/drift_runner.ts";
