/**
 * @module SQL of reads, as PostgREST writes it: the read tree becomes one SELECT with a LATERAL
 * subquery per embedded resource (`row_to_json` for to-one, `json_agg` for to-many, INNER for
 * `!inner`), wrapped in `pgrst_source` with the page count, the optional exact total and the
 * JSON body built in Postgres. Pure: returns `{ text, values }`.
 */
import type { Query } from "../../functions-shared/db/query.ts";
import type { FieldRef } from "./query_params.ts";
import type { ReadEmbed, ReadNode } from "./read_plan.ts";
import {
  fieldSql,
  filterSql,
  ident,
  logicSql,
  orderSql,
  Params,
  qualifiedName,
} from "./sql_text.ts";
import type { FilterTarget } from "./sql_text.ts";

/** How the body is shaped. */
export interface BodyShape {
  /** `object`: the first row (application/vnd.pgrst.object+json); `array`: every row. */
  readonly shape: "array" | "object";
  /** `nulls=stripped`: keys with null values are left out. */
  readonly stripNulls: boolean;
}

/** What the outer query of every statement returns. */
export interface ResultRow {
  total_result_set: string | null;
  page_total: string;
  body: string | null;
  response_inserted?: string | null;
}

function targetOf(node: ReadNode) {
  return (field: FieldRef, params: Params): FilterTarget => {
    const column = node.table.columns.find((c) => c.name === field.name);
    return {
      sql: fieldSql(node.alias, field, params),
      isTsvector: column?.type === "tsvector" && field.jsonPath.length === 0,
    };
  };
}

function embedSelect(embed: ReadEmbed): string[] {
  const alias = ident(embed.node.alias);
  if (embed.spread) {
    const names = embed.node.star
      ? embed.node.table.columns.map((c) => c.name)
      : [...embed.node.fields.map((f) => f.output), ...embed.node.embeds.map((e) => e.output)];
    return names.map((n) => `${alias}.${ident(n)} AS ${ident(n)}`);
  }
  if (embed.cardinality === "one") {
    return [`row_to_json(${alias}.*)::jsonb AS ${ident(embed.output)}`];
  }
  return [`COALESCE(${alias}.${alias}, '[]') AS ${ident(embed.output)}`];
}

function selectList(node: ReadNode, params: Params): string {
  const items: string[] = [];
  if (node.star) items.push(`${ident(node.alias)}.*`);
  for (const f of node.fields) {
    const expr = fieldSql(node.alias, f.field, params);
    items.push(`${f.cast === null ? expr : `(${expr})::${f.cast}`} AS ${ident(f.output)}`);
  }
  for (const e of node.embeds) items.push(...embedSelect(e));
  return items.join(", ");
}

function embedJoin(parent: ReadNode, embed: ReadEmbed, params: Params): string {
  const alias = ident(embed.node.alias);
  const on = embed.join.map((j) =>
    `${alias}.${ident(j.child)} = ${ident(parent.alias)}.${ident(j.parent)}`
  );
  const inner = nodeQuery(embed.node, params, { extra: on });
  const kind = embed.joinType === "inner" ? "INNER" : "LEFT";
  if (embed.cardinality === "one") return `${kind} JOIN LATERAL (${inner}) AS ${alias} ON TRUE`;
  const condition = embed.joinType === "inner" ? `${alias}.${alias} IS NOT NULL` : "TRUE";
  return `${kind} JOIN LATERAL (SELECT json_agg(${alias})::jsonb AS ${alias} FROM (${inner}) AS ${alias}) AS ${alias} ON ${condition}`;
}

function conditions(node: ReadNode, params: Params, extra: readonly string[]): string[] {
  const target = targetOf(node);
  const out = [...extra];
  for (const f of node.filters) out.push(filterSql(target(f.field, params), f, params));
  for (const tree of node.logic) out.push(logicSql(tree, target, params));
  for (const n of node.nullEmbedFilters) {
    const alias = ident(n.embed.node.alias);
    const value = n.embed.cardinality === "one" ? `row_to_json(${alias}.*)` : `${alias}.${alias}`;
    out.push(`${value} IS ${n.isNull ? "" : "NOT "}NULL`);
  }
  return out;
}

function limitOffset(node: ReadNode, params: Params): string {
  const parts: string[] = [];
  if (node.range.limit !== null) parts.push(`LIMIT ${params.add(String(node.range.limit))}`);
  if (node.range.offset > 0) parts.push(`OFFSET ${params.add(String(node.range.offset))}`);
  return parts.join(" ");
}

function fromClause(node: ReadNode, source: string | null): string {
  return source === null
    ? `FROM ${qualifiedName(node.table.schema, node.table.name)} AS ${ident(node.alias)}`
    : `FROM ${source} AS ${ident(node.alias)}`;
}

/** Where a node's rows come from and whether its own filters and window apply. */
export interface NodeQueryOptions {
  /** Conditions joining the node to its parent. */
  readonly extra?: readonly string[];
  /** A relation replacing the table, e.g. a mutation's `pgrst_source` or a function call. */
  readonly source?: string;
  /** Whether the node's filters, order and window apply (default: unless `source` is set). */
  readonly filtered?: boolean;
}

/**
 * The SELECT of one node: its columns and embeds, joined to its parent by `extra` conditions,
 * filtered, ordered and windowed.
 */
export function nodeQuery(node: ReadNode, params: Params, opts: NodeQueryOptions = {}): string {
  const source = opts.source ?? null;
  const filtered = opts.filtered ?? source === null;
  const select = selectList(node, params);
  const joins = node.embeds.map((e) => embedJoin(node, e, params));
  const where = filtered ? conditions(node, params, opts.extra ?? []) : [...(opts.extra ?? [])];
  const order = filtered && node.order.length > 0
    ? `ORDER BY ${orderSql(node.order, targetOf(node), params)}`
    : "";
  return [
    `SELECT ${select}`,
    fromClause(node, source),
    ...joins,
    where.length > 0 ? `WHERE ${where.join(" AND ")}` : "",
    order,
    filtered ? limitOffset(node, params) : "",
  ].filter((s) => s !== "").join(" ");
}

/** The WHERE conditions of a node's own filters and logic (a mutation's target rows). */
export function filterConditions(node: ReadNode, params: Params): string[] {
  return conditions(node, params, []);
}

/** The rows counted for `count=exact`: the filters and inner joins, no window. */
function countQuery(node: ReadNode, params: Params, source: string | null): string {
  const needsJoins = node.nullEmbedFilters.length > 0 ||
    node.embeds.some((e) => e.joinType === "inner");
  const joins = needsJoins ? node.embeds.map((e) => embedJoin(node, e, params)) : [];
  const where = conditions(node, params, []);
  return [
    "SELECT 1",
    fromClause(node, source),
    ...joins,
    where.length > 0 ? `WHERE ${where.join(" AND ")}` : "",
  ].filter((s) => s !== "").join(" ");
}

/** The body expression over `_postgrest_t`. */
export function bodySql(shape: BodyShape, row = "_postgrest_t"): string {
  const agg = shape.stripNulls ? `json_strip_nulls(json_agg(${row}))` : `json_agg(${row})`;
  return shape.shape === "object" ? `(${agg}->0)::text` : `coalesce(${agg}, '[]')::text`;
}

/** A GET/HEAD on a table or view: one statement with the page, its count and the body. */
export function readQuery(root: ReadNode, shape: BodyShape, exactCount: boolean): Query {
  const params = new Params();
  return { text: pagedQuery(root, params, shape, exactCount, null), values: params.values };
}

/**
 * The statement around a node's rows: `pgrst_source` (the page), the exact total when asked,
 * and the body. `from` replaces the node's table (an RPC's function call).
 */
export function pagedQuery(
  root: ReadNode,
  params: Params,
  shape: BodyShape,
  exactCount: boolean,
  from: string | null,
): string {
  const source = nodeQuery(root, params, from === null ? {} : { source: from, filtered: true });
  const windowed = root.range.limit !== null || root.range.offset > 0;
  let countCte = "";
  let total = "null::bigint";
  if (exactCount && windowed) {
    countCte = `, pgrst_source_count AS (${countQuery(root, params, from)})`;
    total = "(SELECT pg_catalog.count(*) FROM pgrst_source_count)";
  } else if (exactCount) {
    total = "pg_catalog.count(_postgrest_t)";
  }
  return `WITH pgrst_source AS (${source})${countCte} ` +
    `SELECT ${total} AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, ` +
    `${bodySql(shape)} AS body FROM (SELECT * FROM pgrst_source) _postgrest_t`;
}
