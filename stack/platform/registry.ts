/**
 * @module The local platform's registry database `_supabase` (schema `platform`): created by
 * `stack up`, reachable only by the cluster's superuser, never the control plane's database.
 */
import pg from "../../functions-shared/db/pg.ts";
import { SUPERUSER, withAdmin } from "../cluster.ts";
import { paths } from "../settings.ts";

/** The registry's database. */
export const REGISTRY_DATABASE = "_supabase";

/** The organization every local project belongs to unless another one is created. */
export const DEFAULT_ORGANIZATION = {
  id: "local",
  slug: "local",
  name: "Local organization",
  plan: "free",
} as const;

const registrySql = () =>
  Deno.readTextFileSync(new URL("./registry.sql", import.meta.url).pathname);

/** Creates the registry database and its tables if missing. Idempotent and safe to race. */
export async function ensureRegistry(port: number): Promise<void> {
  await withAdmin(port, "postgres", async (c) => {
    const found = await c.query("select 1 from pg_database where datname = $1", [
      REGISTRY_DATABASE,
    ]);
    if (found.rowCount === 0) {
      try {
        await c.query(`create database "${REGISTRY_DATABASE}" owner ${SUPERUSER}`);
      } catch (e) {
        if ((e as { code?: string }).code !== "42P04") throw e; // created concurrently
      }
    }
    await c.query(`revoke all on database "${REGISTRY_DATABASE}" from public`);
  });
  await withAdmin(port, REGISTRY_DATABASE, async (c) => {
    await c.query("select pg_advisory_lock(hashtext('vibe.platform.registry'))");
    try {
      await c.query(registrySql());
      await c.query(
        `insert into platform.organizations (id, slug, name, plan) values ($1, $2, $3, $4)
         on conflict (id) do nothing`,
        [
          DEFAULT_ORGANIZATION.id,
          DEFAULT_ORGANIZATION.slug,
          DEFAULT_ORGANIZATION.name,
          DEFAULT_ORGANIZATION.plan,
        ],
      );
    } finally {
      await c.query("select pg_advisory_unlock(hashtext('vibe.platform.registry'))");
    }
  });
}

/** A small pool of superuser connections to the registry over the cluster socket. */
export function registryPool(port: number): pg.Pool {
  const pool = new pg.Pool({
    host: paths.socketDir,
    port,
    user: SUPERUSER,
    database: REGISTRY_DATABASE,
    max: 4,
    idleTimeoutMillis: 10_000,
  });
  pool.on("error", (e) => console.error(`Local platform registry: ${e.message}`));
  return pool;
}

/** A dedicated superuser connection to the registry (long jobs hold their locks on one). */
export async function registryClient(port: number): Promise<pg.Client> {
  const client = new pg.Client({
    host: paths.socketDir,
    port,
    user: SUPERUSER,
    database: REGISTRY_DATABASE,
  });
  await client.connect();
  return client;
}
