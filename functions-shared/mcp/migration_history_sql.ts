/**
 * @module SQL for a project's migration history (`supabase_migrations.schema_migrations`, as
 * the Supabase CLI keeps it), built apart from running it: when the Management API refuses its
 * partner-only migrations endpoint, the hosted platform applies a migration through
 * `database/query` with these statements instead.
 */
import { quoteLiteral } from "../sql/identifier.ts";

/** The history table the Supabase CLI, the dashboard and branching read. */
export const HISTORY_TABLE = "supabase_migrations.schema_migrations";

/** A migration as the history lists it. */
export interface HistoryEntry {
  version: string;
  name?: string;
}

/** `YYYYMMDDHHMMSS` of now (UTC) as the CLI names versions, or one past the newest if later. */
export function nextVersion(existing: readonly string[], now = new Date()): string {
  const stamp = now.toISOString().replace(/\D/g, "").slice(0, 14);
  const newest = existing.filter((v) => /^\d+$/.test(v)).map(BigInt)
    .reduce((a, b) => (b > a ? b : a), 0n);
  return BigInt(stamp) > newest ? stamp : (newest + 1n).toString();
}

/** One row `{ present }`: whether the history table exists (reading it would fail if not). */
export function historyPresentSql(): string {
  return `select to_regclass('${HISTORY_TABLE}') is not null as present`;
}

/** The history's versions and names. */
export function listHistorySql(): string {
  return `select version, name from ${HISTORY_TABLE} order by version`;
}

/**
 * Applies a migration and records it under `version`, as ONE multi-statement query: Postgres
 * runs the statements of a simple query as one transaction, so a failing migration leaves
 * neither its changes nor its record behind. The version is the primary key, so the same
 * text sent twice records (and applies) the migration once: the second attempt fails and
 * rolls back whole. The history table is created as the CLI creates it when missing.
 */
export function applyWithHistorySql(version: string, name: string, query: string): string {
  if (!/^\d{1,32}$/.test(version)) {
    throw new Error(`Cannot record migration ${name}: version "${version}" must be digits`);
  }
  return [
    "create schema if not exists supabase_migrations;",
    `create table if not exists ${HISTORY_TABLE} (version text not null primary key);`,
    `alter table ${HISTORY_TABLE} add column if not exists statements text[];`,
    `alter table ${HISTORY_TABLE} add column if not exists name text;`,
    // The migration on lines of its own: a trailing `-- comment` ends at the newline.
    query,
    ";",
    `insert into ${HISTORY_TABLE} (version, name, statements)`,
    `values (${quoteLiteral(version)}, ${quoteLiteral(name)}, array[${quoteLiteral(query)}]);`,
  ].join("\n");
}

/** Sorts history entries by version, numerically when both versions are numbers. */
export function sortHistory<T extends { version: string }>(entries: T[]): T[] {
  const numeric = /^\d+$/;
  return entries.sort((a, b) => {
    if (numeric.test(a.version) && numeric.test(b.version)) {
      const d = BigInt(a.version) - BigInt(b.version);
      return d < 0n ? -1 : d > 0n ? 1 : 0;
    }
    return a.version.localeCompare(b.version);
  });
}
