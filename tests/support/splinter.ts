/**
 * @module Running Supabase's advisors (splinter) from a splinter checkout's `lints/` folder
 * (SPLINTER_DIR): its SQL is not in this repository (tests/fixtures/splinter/README.md).
 */
import assert from "node:assert/strict";
import type pg from "../../functions-shared/db/pg.ts";

/** A splinter result row. */
export interface AdvisorRow {
  name: string;
  level: string;
  cache_key: string;
  metadata: Record<string, unknown> | null;
}

/** The lint files of a splinter `lints/` folder, in order. */
export function splinterFiles(dir: string): string[] {
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".sql"))
    .sort();
  assert.ok(files.length >= 20, `${dir} holds splinter's lint files`);
  return files;
}

/**
 * Runs every lint of a splinter checkout's `lints/` folder as splinter does (each file creates
 * a view in schema `lint`); always rolled back. `timed` receives the time spent selecting from
 * the views (not creating them), in milliseconds.
 */
export async function runSplinter(
  admin: pg.Client,
  dir: string,
  timed?: (ms: number) => void,
): Promise<AdvisorRow[]> {
  const files = splinterFiles(dir);
  const rows: AdvisorRow[] = [];
  await admin.query("begin");
  try {
    await admin.query("create schema lint");
    for (const file of files) await admin.query(await Deno.readTextFile(`${dir}/${file}`));
    const started = performance.now();
    for (const file of files) {
      const view = file.replace(/\.sql$/, "");
      const r = await admin.query<AdvisorRow>(
        `select name, level, cache_key, metadata from lint."${view}"`,
      );
      rows.push(...r.rows);
    }
    timed?.(performance.now() - started);
  } finally {
    await admin.query("rollback");
  }
  return rows;
}
