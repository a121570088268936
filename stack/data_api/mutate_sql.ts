/**
 * @module SQL of writes, as PostgREST writes it: INSERT (one row or many, `columns`,
 * `missing=default`, upsert with ON CONFLICT merge or ignore and the inserted count for the
 * status), UPDATE and DELETE with the request's filters, each RETURNING only what the response
 * needs and wrapped in `pgrst_source`. The body travels as one JSON parameter and is read with
 * `json_to_recordset` typed by the schema cache, so no value ever becomes SQL text. Pure.
 */
import type { Query } from "../../functions-shared/db/query.ts";
import { ApiError, columnNotFound, invalidBody } from "./errors.ts";
import type { ReadNode } from "./read_plan.ts";
import { type BodyShape, bodySql, filterConditions, nodeQuery } from "./read_sql.ts";
import type { CachedColumn, CachedTable } from "./schema_cache.ts";
import { ident, Params, qualifiedName } from "./sql_text.ts";

/** A parsed JSON request body: objects only, as PostgREST accepts for tables. */
export type JsonRows = {
  readonly rows: readonly Record<string, unknown>[];
  readonly array: boolean;
};

/** Reads a request body as one object or an array of objects (PGRST102 otherwise). */
export function parseJsonRows(text: string): JsonRows {
  let value: unknown;
  try {
    value = text.trim() === "" ? {} : JSON.parse(text);
  } catch (e) {
    throw invalidBody(`Empty or invalid json: ${(e as Error).message}`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObject(value)) return { rows: [value], array: false };
  if (Array.isArray(value) && value.every(isObject)) return { rows: value, array: true };
  throw invalidBody("All object keys must match: send a JSON object or an array of objects");
}

/**
 * The columns a write sets: `columns` when given, else the body's keys (every object must have
 * the same keys, as in PostgREST). Unknown columns are PGRST204.
 */
export function writeColumns(
  table: CachedTable,
  body: JsonRows,
  columns: readonly string[] | null,
): CachedColumn[] {
  let names: readonly string[];
  if (columns !== null) names = columns;
  else {
    const first = Object.keys(body.rows[0] ?? {});
    const key = (row: Record<string, unknown>) => Object.keys(row).sort().join("\u0000");
    if (body.rows.some((row) => key(row) !== key(body.rows[0] ?? {}))) {
      throw invalidBody("All object keys must match");
    }
    names = first;
  }
  return [...new Set(names)].map((name) => {
    const column = table.columns.find((c) => c.name === name);
    if (!column) throw columnNotFound(table.name, name);
    return column;
  });
}

/** What a write returns: `null` for no representation (`RETURNING 1`, rows counted). */
export interface Representation {
  readonly node: ReadNode;
  readonly shape: BodyShape;
}

/** The columns RETURNING must carry for a representation (never more than the select needs). */
export function returningColumns(node: ReadNode): string[] | "*" {
  if (node.star) return "*";
  const names = new Set<string>();
  for (const f of node.fields) names.add(f.field.name);
  for (const e of node.embeds) for (const j of e.join) names.add(j.parent);
  return [...names];
}

function returningSql(alias: string, representation: Representation | null): string {
  if (representation === null) return "RETURNING 1";
  const cols = returningColumns(representation.node);
  if (cols === "*") return `RETURNING ${ident(alias)}.*`;
  if (cols.length === 0) return "RETURNING 1";
  return `RETURNING ${cols.map((c) => `${ident(alias)}.${ident(c)}`).join(", ")}`;
}

function outerSql(
  representation: Representation | null,
  params: Params,
  inserted: boolean,
): string {
  const selected = representation === null
    ? "SELECT * FROM pgrst_source"
    : nodeQuery(representation.node, params, { source: "pgrst_source" });
  const body = representation === null ? "null" : bodySql(representation.shape);
  const insertedSql = inserted
    ? "nullif(current_setting('pgrst.inserted', true), '')::int"
    : "null";
  return `SELECT '' AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, ` +
    `${body} AS body, ${insertedSql} AS response_inserted FROM (${selected}) _postgrest_t`;
}

function recordsetSql(columns: readonly CachedColumn[], source: string): string {
  const names = columns.map((c) => ident(c.name)).join(", ");
  const typed = columns.map((c) => `${ident(c.name)} ${c.type}`).join(", ");
  return `LATERAL (SELECT ${names} FROM json_to_recordset(${source}) AS _(${typed})) pgrst_body`;
}

/** Options of {@linkcode insertQuery}. */
export interface InsertOptions {
  readonly table: CachedTable;
  readonly alias: string;
  readonly columns: readonly CachedColumn[];
  readonly body: JsonRows;
  /** `missing=default`: keys a row leaves out take the column default, not NULL. */
  readonly applyDefaults: boolean;
  /** Upsert: the conflict target and whether duplicates are merged or ignored. */
  readonly onConflict: { readonly columns: readonly string[]; readonly merge: boolean } | null;
  readonly representation: Representation | null;
}

const INSERTED_PLUS = "set_config('pgrst.inserted', (coalesce(nullif(current_setting(" +
  "'pgrst.inserted', true), '')::int, 0) + 1)::text, true) <> '0'";
const INSERTED_MINUS = "set_config('pgrst.inserted', (coalesce(nullif(current_setting(" +
  "'pgrst.inserted', true), '')::int, 0) - 1)::text, true) <> '-1'";

/** INSERT (and upsert) of the body's rows. */
export function insertQuery(o: InsertOptions): Query {
  const params = new Params();
  const payload = params.add(JSON.stringify(o.body.rows));
  const target = `${qualifiedName(o.table.schema, o.table.name)} AS ${ident(o.alias)}`;
  const merge = o.onConflict?.merge === true;
  let insert: string;
  if (o.columns.length === 0) {
    insert = `INSERT INTO ${target} SELECT FROM json_array_elements(${payload}::json)`;
  } else {
    const defaults = o.applyDefaults
      ? o.columns.filter((c) => c.default !== null)
        .map((c) => `${params.add(c.name)}::text, ${c.default}`)
      : [];
    const source = defaults.length > 0 ? "pgrst_json_defs.val::json" : "pgrst_payload.json_data";
    const defsLateral = defaults.length > 0
      ? `LATERAL (SELECT jsonb_agg(jsonb_build_object(${defaults.join(", ")}) || elem) AS val ` +
        "FROM jsonb_array_elements(pgrst_payload.json_data::jsonb) elem) pgrst_json_defs, "
      : "";
    const names = o.columns.map((c) => ident(c.name));
    insert = `INSERT INTO ${target} (${names.join(", ")}) ` +
      `SELECT ${names.map((n) => `pgrst_body.${n}`).join(", ")} ` +
      `FROM (SELECT ${payload}::json AS json_data) pgrst_payload, ${defsLateral}` +
      recordsetSql(o.columns, source) +
      (merge ? ` WHERE ${INSERTED_PLUS}` : "");
  }
  if (o.onConflict !== null) {
    const conflict = o.onConflict.columns.map(ident).join(", ");
    if (!merge || o.columns.length === 0) insert += ` ON CONFLICT (${conflict}) DO NOTHING`;
    else {
      const sets = o.columns.map((c) => `${ident(c.name)} = EXCLUDED.${ident(c.name)}`);
      insert += ` ON CONFLICT (${conflict}) DO UPDATE SET ${
        sets.join(", ")
      } WHERE ${INSERTED_MINUS}`;
    }
  }
  const text = `WITH pgrst_source AS (${insert} ${returningSql(o.alias, o.representation)}) ` +
    outerSql(o.representation, params, merge);
  return { text, values: params.values };
}

/** Refuses an UPDATE or DELETE without any filter, as hosted Supabase (pg-safeupdate) does. */
function requireWhere(command: "UPDATE" | "DELETE", conditions: readonly string[]): void {
  if (conditions.length === 0) {
    throw new ApiError(
      400,
      "21000",
      `${command} requires a WHERE clause`,
      null,
      "Add a filter (for example ?id=eq.<id>) to choose the rows to change.",
    );
  }
}

/** Options of {@linkcode updateQuery}. */
export interface UpdateOptions {
  readonly target: ReadNode;
  readonly columns: readonly CachedColumn[];
  readonly body: Record<string, unknown>;
  readonly applyDefaults: boolean;
  readonly representation: Representation | null;
}

/** UPDATE of the rows the filters select, with the body's values. */
export function updateQuery(o: UpdateOptions): Query {
  const params = new Params();
  const table = o.target.table;
  const alias = ident(o.target.alias);
  if (o.columns.length === 0) {
    // Nothing to set: no row changes, and the response is empty (as in PostgREST).
    const text = `WITH pgrst_source AS (SELECT ${alias}.* FROM ` +
      `${qualifiedName(table.schema, table.name)} AS ${alias} WHERE false) ` +
      outerSql(o.representation, params, false);
    return { text, values: params.values };
  }
  const payload = params.add(JSON.stringify([o.body]));
  const where = filterConditions(o.target, params);
  requireWhere("UPDATE", where);
  const sets = o.columns.map((c) =>
    o.applyDefaults && !(c.name in o.body)
      ? `${ident(c.name)} = DEFAULT`
      : `${ident(c.name)} = pgrst_body.${ident(c.name)}`
  );
  const update = `UPDATE ${qualifiedName(table.schema, table.name)} AS ${alias} ` +
    `SET ${sets.join(", ")} FROM (SELECT ${payload}::json AS json_data) pgrst_payload, ` +
    `${recordsetSql(o.columns, "pgrst_payload.json_data")} WHERE ${where.join(" AND ")}`;
  const text =
    `WITH pgrst_source AS (${update} ${returningSql(o.target.alias, o.representation)}) ` +
    outerSql(o.representation, params, false);
  return { text, values: params.values };
}

/** DELETE of the rows the filters select. */
export function deleteQuery(target: ReadNode, representation: Representation | null): Query {
  const params = new Params();
  const where = filterConditions(target, params);
  requireWhere("DELETE", where);
  const del = `DELETE FROM ${qualifiedName(target.table.schema, target.table.name)} AS ` +
    `${ident(target.alias)} WHERE ${where.join(" AND ")}`;
  const text = `WITH pgrst_source AS (${del} ${returningSql(target.alias, representation)}) ` +
    outerSql(representation, params, false);
  return { text, values: params.values };
}
