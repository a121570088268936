/**
 * @module The intended contract from a migrations folder: apply the migrations, in version
 * order, to a scratch database that already has the Supabase surfaces a project has, introspect
 * it, drop it. This module is portable (no filesystem, no local tooling): the migrations arrive
 * as text and the scratch database through a {@linkcode ScratchProvider}; the local-stack and
 * `--scratch-db <url>` providers are local tooling (`stack/contract/scratch_database.ts`).
 */
import { introspect, type Introspection, type IntrospectOptions } from "./introspect.ts";
import type { Model } from "./model.ts";
import type { SqlRunner } from "./sql_runner.ts";

/** One migration file's content. */
export interface MigrationSource {
  /** Sortable version, e.g. `20261122000100`. */
  readonly version: string;
  readonly name: string;
  readonly sql: string;
}

/** A fresh database with the Supabase compatibility layer, used once and dropped. */
export interface ScratchDatabase {
  /** Database name, for messages. */
  readonly name: string;
  /** Runs statements as the role migrations run as (`postgres`, not a superuser). */
  readonly runner: SqlRunner;
  /** Closes connections and drops the database. */
  drop(): Promise<void>;
}

/** Creates a scratch database. */
export type ScratchProvider = () => Promise<ScratchDatabase>;

/** Thrown when a migration fails on the scratch database. */
export class MigrationFailedError extends Error {
  constructor(readonly migration: MigrationSource, cause: unknown) {
    super(
      `Cannot apply migration ${migration.version}_${migration.name}.sql to the scratch database: ` +
        (cause instanceof Error ? cause.message : String(cause)),
      { cause },
    );
    this.name = "MigrationFailedError";
  }
}

/** Applies migrations in version order, each in its own transaction. */
export async function applyMigrationSources(
  runner: SqlRunner,
  migrations: readonly MigrationSource[],
): Promise<void> {
  const ordered = [...migrations].sort((a, b) => a.version.localeCompare(b.version));
  for (const migration of ordered) {
    try {
      await runner.query("begin");
      await runner.query(migration.sql);
      await runner.query("commit");
    } catch (e) {
      await runner.query("rollback").catch(() => {});
      throw new MigrationFailedError(migration, e);
    }
  }
}

/** A contract and the platform baseline it was built on. */
export interface ContractIntrospection extends Introspection {
  /**
   * The scratch database before any migration ran: the platform baseline. The contract is
   * what the migrations create or change on top of it (see `verify`'s `baseline` option).
   */
  readonly baseline: Model;
}

/**
 * The contract of a migrations folder: a scratch database from `scratch`, introspected before
 * (the baseline) and after the migrations are applied as `postgres`, and always dropped.
 */
export async function contractFromMigrations(
  migrations: readonly MigrationSource[],
  scratch: ScratchProvider,
  options: IntrospectOptions = {},
): Promise<ContractIntrospection> {
  const db = await scratch();
  try {
    const before = await introspect(db.runner, options);
    await applyMigrationSources(db.runner, migrations);
    const after = await introspect(db.runner, options);
    return {
      ...after,
      baseline: before.model,
      catalogQueries: before.catalogQueries + after.catalogQueries,
      statements: before.statements + after.statements,
      durationMs: before.durationMs + after.durationMs,
    };
  } finally {
    await db.drop();
  }
}
