/**
 * @module The Supabase compatibility layer: roles, auth, vault, realtime, extensions schema and
 * the supabase_realtime publication, applied only locally and kept apart from the migrations.
 */
import type pg from "../functions-shared/db/pg.ts";
import { withAdmin } from "./cluster.ts";
import { paths } from "./settings.ts";

const sql = (file: string) => Deno.readTextFileSync(`${paths.compatDir}/${file}`);

/** Creates the cluster-wide roles and sets the TCP passwords of postgres and supabase_admin. */
export async function applyClusterRoles(port: number, password: string): Promise<void> {
  await withAdmin(port, "postgres", async (c) => {
    await c.query(sql("roles.sql"));
    const lit = await c.query<{ q: string }>("select quote_literal($1) as q", [password]);
    await c.query(`alter role postgres password ${lit.rows[0]!.q}`);
    await c.query(`alter role supabase_admin password ${lit.rows[0]!.q}`);
  });
}

/** Gives one database the surfaces every Supabase project database has. Idempotent. */
export async function prepareDatabase(client: pg.Client): Promise<void> {
  await client.query(sql("database.sql"));
}

/** Validates a database name this stack creates (environment refs and the control plane). */
export function assertDatabaseName(name: string): void {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`Cannot use "${name}" as a database name: use lowercase letters, digits and _`);
  }
}

/** Creates a database owned by postgres (if missing) and prepares it. */
export async function createDatabase(port: number, name: string): Promise<void> {
  assertDatabaseName(name);
  await withAdmin(port, "postgres", async (c) => {
    const found = await c.query("select 1 from pg_database where datname = $1", [name]);
    if (found.rowCount === 0) await c.query(`create database "${name}" owner postgres`);
  });
  await withAdmin(port, name, prepareDatabase);
}

/** Drops a database, terminating its connections first. */
export async function dropDatabase(port: number, name: string): Promise<void> {
  assertDatabaseName(name);
  if (name === "postgres") throw new Error("Refusing to drop the control-plane database");
  await withAdmin(
    port,
    "postgres",
    (c) => c.query(`drop database if exists "${name}" with (force)`),
  );
}
