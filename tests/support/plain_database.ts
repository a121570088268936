/**
 * @module Plain PostgreSQL databases for contract tests: created in the local stack's cluster
 * without the Supabase compatibility layer (no pgcrypto, no Vault, no grants on schema public),
 * owned by `postgres`, with only what migrations need from the platform
 * (tests/fixtures/plain_postgres/prelude.sql, run as the superuser).
 */
import { adminClient, withAdmin } from "../../stack/cluster.ts";
import { dropDatabase } from "../../stack/compat.ts";
import { readSettings } from "../../stack/settings.ts";

const PRELUDE = new URL("../fixtures/plain_postgres/prelude.sql", import.meta.url);

/** A plain database and how to drop it. */
export interface PlainDatabase {
  readonly name: string;
  drop(): Promise<void>;
}

/** Creates a plain database with the prelude applied. */
export async function plainDatabase(prefix = "plain"): Promise<PlainDatabase> {
  const port = readSettings().dbPort;
  const name = `${prefix}_${crypto.randomUUID().replace(/-/g, "").slice(0, 12)}`;
  await withAdmin(port, "postgres", (c) => c.query(`create database "${name}" owner postgres`));
  try {
    const admin = await adminClient(port, name);
    try {
      await admin.query(await Deno.readTextFile(PRELUDE));
    } finally {
      await admin.end();
    }
  } catch (e) {
    await dropDatabase(port, name);
    throw e;
  }
  return { name, drop: () => dropDatabase(port, name) };
}
