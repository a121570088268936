/**
 * @module Migrations of an environment, recorded in `supabase_migrations.schema_migrations` as
 * the Supabase CLI records them: applied as `postgres` in one transaction together with their
 * record (a failing one leaves nothing), listed, and replayed into another environment.
 */
import type pg from "../../functions-shared/db/pg.ts";
import { nextVersion, sortHistory } from "../../functions-shared/mcp/migration_history_sql.ts";

/** The next version, as the hosted fallback picks it too: a CLI timestamp or newest + 1. */
export { nextVersion };

/** A recorded migration. */
export interface RecordedMigration {
  version: string;
  name: string | null;
  statements: string[];
}

/** The environment's recorded migrations, in version order. */
export async function recordedMigrations(client: pg.Client): Promise<RecordedMigration[]> {
  const r = await client.query<RecordedMigration>(
    `select version, name, coalesce(statements, '{}') as statements
       from supabase_migrations.schema_migrations`,
  );
  return sortHistory(r.rows);
}

/**
 * Applies a migration in one transaction and records it. Without a version, the next one is
 * taken (see {@link nextVersion}) under a transaction lock, so concurrent calls never collide.
 */
export async function applyRecorded(
  client: pg.Client,
  m: { version?: string; name: string | null; statements: string[] },
): Promise<string> {
  await client.query("begin");
  try {
    await client.query("select pg_advisory_xact_lock(hashtext('supabase_migrations'))");
    let version = m.version;
    if (!version) {
      const r = await client.query<{ version: string }>(
        "select version from supabase_migrations.schema_migrations",
      );
      version = nextVersion(r.rows.map((x) => x.version));
    }
    for (const statement of m.statements) await client.query(statement);
    await client.query(
      `insert into supabase_migrations.schema_migrations (version, name, statements)
       values ($1, $2, $3)`,
      [version, m.name, m.statements],
    );
    await client.query("commit");
    return version;
  } catch (e) {
    await client.query("rollback").catch(() => {});
    throw e;
  }
}

/** Applies, in order, the migrations whose versions the target has not recorded. */
export async function replayMissing(
  target: pg.Client,
  migrations: RecordedMigration[],
): Promise<string[]> {
  const done = new Set((await recordedMigrations(target)).map((m) => m.version));
  const applied: string[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    try {
      await applyRecorded(target, m);
    } catch (e) {
      const err = e as { code?: string; message?: string };
      throw new Error(
        `Cannot replay migration ${m.version}${m.name ? `_${m.name}` : ""}: ${
          err.code ? `ERROR: ${err.code}: ` : ""
        }${err.message}`,
        { cause: e },
      );
    }
    applied.push(m.version);
  }
  return applied;
}
