/**
 * @module Introspection of a live database into a {@linkcode Model}, either with one catalog
 * query per kind (over a pg connection) or with one statement returning everything as JSON
 * (over MCP `execute_sql`, where each call is its own transaction). Both read the same SQL and
 * give the same model.
 */
import { assembleModel, type CatalogRows } from "./assemble_model.ts";
import {
  CATALOG_KINDS,
  type CatalogKind,
  type CatalogQueryOptions,
  kindQuery,
  modelStatement,
  restoreSearchPath,
} from "./catalog_queries.ts";
import type { Model } from "./model.ts";
import type { SqlRunner } from "./sql_runner.ts";

/** How to query the catalog. */
export type IntrospectionMode = "per-kind" | "single-statement";

/** Options of {@linkcode introspect}. */
export interface IntrospectOptions extends CatalogQueryOptions {
  /** `per-kind` (default): one query per kind; `single-statement`: one JSON statement. */
  readonly mode?: IntrospectionMode;
}

/** A model and what it cost to get. */
export interface Introspection {
  readonly model: Model;
  readonly mode: IntrospectionMode;
  /** Catalog queries sent (one per kind, or one). */
  readonly catalogQueries: number;
  /** All statements sent, including restoring the caller's `search_path`. */
  readonly statements: number;
  readonly durationMs: number;
}

/** A JSON value that a runner may hand back already parsed or as text. */
function json(value: unknown): unknown {
  return typeof value === "string" ? JSON.parse(value) : value;
}

function rowsOf(value: unknown, kind: string): Record<string, unknown>[] {
  const parsed = json(value);
  if (!Array.isArray(parsed)) {
    throw new TypeError(`Cannot read the ${kind} catalog query: expected a JSON array`);
  }
  return parsed as Record<string, unknown>[];
}

/**
 * Reads the single statement's result (the `model` column of its only row, or the row itself
 * when a runner unwraps single-column results) into rows per kind.
 */
export function catalogRowsFromStatement(rows: readonly unknown[]): CatalogRows {
  const first = rows[0];
  const value = json(
    first !== null && typeof first === "object" && "model" in first
      ? (first as { model: unknown }).model
      : first,
  );
  if (value === null || typeof value !== "object") {
    throw new TypeError("Cannot read the model statement: expected one row with a JSON `model`");
  }
  const object = value as Record<string, unknown>;
  const result = {} as Record<CatalogKind, Record<string, unknown>[]>;
  for (const kind of CATALOG_KINDS) result[kind] = rowsOf(object[kind], kind);
  return result;
}

/** Introspects the database behind `runner`. */
export async function introspect(
  runner: SqlRunner,
  options: IntrospectOptions = {},
): Promise<Introspection> {
  const started = performance.now();
  const mode = options.mode ?? "per-kind";
  if (mode === "single-statement") {
    const rows = await runner.query(modelStatement(options));
    return {
      model: assembleModel(catalogRowsFromStatement(rows)),
      mode,
      catalogQueries: 1,
      statements: 1,
      durationMs: performance.now() - started,
    };
  }
  const result = {} as Record<CatalogKind, Record<string, unknown>[]>;
  let statements = 0;
  let meta: Record<string, unknown> | undefined;
  let failed = false;
  try {
    for (const kind of CATALOG_KINDS) {
      const rows = await runner.query<{ rows: unknown }>(kindQuery(kind, options));
      statements++;
      result[kind] = rowsOf(rows[0]?.rows, kind);
      if (kind === "meta") meta = result.meta[0];
    }
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    // Each kind query sets search_path for its own transaction only; inside the caller's
    // transaction that would last until it ends, so put the caller's value back.
    if (meta?.inTransaction === true && typeof meta.sessionSearchPath === "string") {
      const restore = restoreSearchPath(meta.sessionSearchPath);
      // After a failure the transaction is aborted (and will roll the setting back anyway):
      // never let the restore hide the original error.
      const restored = runner.query(restore.text, restore.values);
      if (failed) await restored.catch(() => {});
      else await restored;
      statements++;
    }
  }
  return {
    model: assembleModel(result),
    mode,
    catalogQueries: CATALOG_KINDS.length,
    statements,
    durationMs: performance.now() - started,
  };
}
