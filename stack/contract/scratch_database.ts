/**
 * @module Scratch databases for {@linkcode contractFromMigrations}, and reading a migrations
 * folder: local tooling (the local stack's cluster and the filesystem), used by the contract
 * CLI and the tests, never by anything deployed.
 *
 * Two providers: the local stack's cluster (default; created with the compatibility layer as
 * `supabase_admin`, migrations applied as `postgres`), or any server given by URL
 * (`--scratch-db`) whose user may create databases and that already has the Supabase roles.
 */
import pg from "../../functions-shared/db/pg.ts";
import { createDatabase, dropDatabase, prepareDatabase } from "../compat.ts";
import { listMigrationFiles, postgresClient } from "../migrate.ts";
import { readSettings } from "../settings.ts";
import {
  contractFromMigrations,
  type ContractIntrospection,
  type MigrationSource,
  type ScratchDatabase,
  type ScratchProvider,
} from "../../functions-shared/drift/contract_from_migrations.ts";
import type { IntrospectOptions } from "../../functions-shared/drift/introspect.ts";
import { quoteName } from "../../functions-shared/drift/names.ts";
import { pgRunner } from "../../functions-shared/drift/sql_runner.ts";

/** Reads `<version>_<name>.sql` files of a folder, in version order. */
export async function readMigrationFolder(dir: string): Promise<MigrationSource[]> {
  // listMigrationFiles' parameter type is inferred from its `as const` default path.
  const files = listMigrationFiles(dir as Parameters<typeof listMigrationFiles>[0]);
  return await Promise.all(
    files.map(async (f) => ({
      version: f.version,
      name: f.name,
      sql: await Deno.readTextFile(f.path),
    })),
  );
}

function scratchName(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
}

/** Scratch databases in the local stack's cluster (the stack must be up). */
export function localScratch(prefix = "drift_scratch"): ScratchProvider {
  return async (): Promise<ScratchDatabase> => {
    const port = readSettings().dbPort;
    const name = scratchName(prefix);
    await createDatabase(port, name);
    let client: pg.Client;
    try {
      client = await postgresClient(port, name);
    } catch (e) {
      await dropDatabase(port, name);
      throw e;
    }
    return {
      name,
      runner: pgRunner(client),
      drop: async () => {
        await client.end().catch(() => {});
        await dropDatabase(port, name);
      },
    };
  };
}

/**
 * Scratch databases on the server of `url`: a new database is created with the URL's user
 * (which needs CREATEDB and, to install the compatibility layer, superuser rights), prepared,
 * and migrations run as `postgres` (via SET ROLE) when the URL's user is a superuser.
 */
export function urlScratch(url: string, prefix = "drift_scratch"): ScratchProvider {
  return async (): Promise<ScratchDatabase> => {
    const name = scratchName(prefix);
    const maintenance = new pg.Client({ connectionString: url });
    await maintenance.connect();
    const dropIt = async () => {
      await maintenance.query(`drop database if exists ${quoteName(name)} with (force)`);
    };
    try {
      const roles = await maintenance.query<{ missing: string[]; superuser: boolean }>(
        `select array(select r from unnest(array['anon', 'authenticated', 'service_role', 'postgres']) r
           where not exists (select 1 from pg_catalog.pg_roles where rolname = r)) as missing,
         (select rolsuper from pg_catalog.pg_roles where rolname = current_user) as superuser`,
      );
      const missing = roles.rows[0]?.missing ?? [];
      if (missing.length > 0) {
        throw new Error(
          `Cannot use ${new URL(url).host} as scratch server: roles ${
            missing.join(", ")
          } do not exist. ` +
            "Point --scratch-db at a Supabase-compatible server (or omit it to use the local stack).",
        );
      }
      await maintenance.query(`create database ${quoteName(name)}`);
      const target = new URL(url);
      target.pathname = `/${name}`;
      const client = new pg.Client({ connectionString: target.toString() });
      try {
        await client.connect();
        await prepareDatabase(client);
        if (roles.rows[0]?.superuser) await client.query("set role postgres");
      } catch (e) {
        await client.end().catch(() => {});
        await dropIt();
        throw new Error(`Cannot prepare scratch database ${name}: ${(e as Error).message}`, {
          cause: e,
        });
      }
      return {
        name,
        runner: pgRunner(client),
        drop: async () => {
          await client.end().catch(() => {});
          try {
            await dropIt();
          } finally {
            await maintenance.end();
          }
        },
      };
    } catch (e) {
      await maintenance.end().catch(() => {});
      throw e;
    }
  };
}

/** Options of {@linkcode contractFromMigrationFolder}. */
export interface FolderContractOptions extends IntrospectOptions {
  /** A server URL to create the scratch database on instead of the local stack. */
  readonly scratchDbUrl?: string;
}

/** The contract of a migrations folder (see {@linkcode contractFromMigrations}). */
export async function contractFromMigrationFolder(
  dir: string,
  options: FolderContractOptions = {},
): Promise<ContractIntrospection> {
  const { scratchDbUrl, ...introspectOptions } = options;
  const migrations = await readMigrationFolder(dir);
  const provider = scratchDbUrl ? urlScratch(scratchDbUrl) : localScratch();
  return await contractFromMigrations(migrations, provider, introspectOptions);
}
