/**
 * @module Applies supabase/migrations in order as the non-superuser `postgres`, each in one
 * transaction, recording it in supabase_migrations.schema_migrations as the Supabase CLI does.
 */
import pg from "../functions-shared/db/pg.ts";
import { paths } from "./settings.ts";

export interface MigrationFile {
  version: string;
  name: string;
  path: string;
}

/** Lists `<version>_<name>.sql` files in version order. */
export function listMigrationFiles(dir: string = paths.migrationsDir): MigrationFile[] {
  const files: MigrationFile[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const m = entry.name.match(/^(\d+)_(.+)\.sql$/);
    if (!entry.isFile || !m) continue;
    files.push({ version: m[1]!, name: m[2]!, path: `${dir}/${entry.name}` });
  }
  return files.sort((a, b) => a.version.localeCompare(b.version));
}

/** Connects as `postgres` over the cluster socket. */
export async function postgresClient(port: number, database: string): Promise<pg.Client> {
  const client = new pg.Client({ host: paths.socketDir, port, user: "postgres", database });
  await client.connect();
  return client;
}

/**
 * Applies the migrations not yet recorded; returns the versions applied. A failing migration
 * rolls back completely and stops the run with the file name in the error.
 */
export async function applyMigrations(
  port: number,
  database: string,
  files = listMigrationFiles(),
): Promise<string[]> {
  const client = await postgresClient(port, database);
  const applied: string[] = [];
  try {
    const done = new Set(
      (await client.query<{ version: string }>(
        "select version from supabase_migrations.schema_migrations",
      )).rows.map((r) => r.version),
    );
    for (const file of files) {
      if (done.has(file.version)) continue;
      const text = await Deno.readTextFile(file.path);
      try {
        await client.query("begin");
        await client.query(text);
        await client.query(
          "insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)",
          [file.version, file.name, [text]],
        );
        await client.query("commit");
      } catch (e) {
        await client.query("rollback").catch(() => {});
        throw new Error(
          `Cannot apply migration ${file.version}_${file.name}.sql: ${(e as Error).message}`,
        );
      }
      applied.push(file.version);
    }
  } finally {
    await client.end();
  }
  return applied;
}
