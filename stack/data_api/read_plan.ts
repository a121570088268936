/**
 * @module The read plan: a parsed query resolved against the schema cache into a tree of
 * relations, each with checked columns, its filters, logic, order and row window, and its
 * embedded resources joined through foreign keys (many-to-one and one-to-one as objects,
 * one-to-many as arrays), the way PostgREST resolves them (PGRST200/201/108 otherwise).
 */
import { ApiError, undefinedColumn } from "./errors.ts";
import type {
  EmbedPath,
  FieldRef,
  Filter,
  LogicTree,
  OrderTerm,
  QueryParams,
  SelectItem,
} from "./query_params.ts";
import { ALL_ROWS, type RowRange } from "./range.ts";
import {
  type CachedForeignKey,
  type CachedTable,
  cacheKey,
  findTable,
  type SchemaCache,
} from "./schema_cache.ts";

/** A selected column, checked, with its output name. */
export interface ReadField {
  readonly field: FieldRef;
  readonly cast: string | null;
  readonly output: string;
}

/** A test that an embedded resource is (or is not) empty: `embed=is.null`. */
export interface NullEmbedFilter {
  readonly embed: ReadEmbed;
  readonly isNull: boolean;
}

/** One relation of the read tree. */
export interface ReadNode {
  readonly table: CachedTable;
  readonly alias: string;
  readonly star: boolean;
  readonly fields: readonly ReadField[];
  readonly embeds: readonly ReadEmbed[];
  readonly filters: readonly Filter[];
  readonly nullEmbedFilters: readonly NullEmbedFilter[];
  readonly logic: readonly LogicTree[];
  readonly order: readonly OrderTerm[];
  readonly range: RowRange;
}

/** An embedded resource and how it joins its parent. */
export interface ReadEmbed {
  /** The name filters use: the alias when there is one, else the requested name. */
  readonly name: string;
  readonly output: string;
  readonly cardinality: "one" | "many";
  readonly joinType: "left" | "inner";
  /** `...embed(cols)`: its columns are lifted into the parent (to-one only). */
  readonly spread: boolean;
  /** `child.column = parent.column` pairs. */
  readonly join: readonly { readonly child: string; readonly parent: string }[];
  readonly node: ReadNode;
}

/** Allocates the SQL aliases of embedded relations. */
export class AliasCounter {
  private n = 0;
  next(): string {
    return `pgrst_e${++this.n}`;
  }
}

interface Candidate {
  fk: CachedForeignKey;
  direction: "m2o" | "o2m";
  target: CachedTable;
}

function describeFk(fk: CachedForeignKey, direction: "m2o" | "o2m", oneToOne: boolean) {
  const cardinality = oneToOne ? "one-to-one" : direction === "m2o" ? "many-to-one" : "one-to-many";
  const [from, to] = direction === "m2o"
    ? [fk.table, fk.foreignTable]
    : [fk.foreignTable, fk.table];
  return {
    cardinality,
    embedding: `${from} with ${to}`,
    relationship: `${fk.constraint} using ${fk.table}(${fk.columns.join(", ")}) and ` +
      `${fk.foreignTable}(${fk.foreignColumns.join(", ")})`,
  };
}

/** Finds the one foreign key an embed means, or PGRST200 (none) / PGRST201 (several). */
export function resolveRelationship(
  cache: SchemaCache,
  parent: CachedTable,
  name: string,
  hint: string | null,
): Candidate {
  const candidates: Candidate[] = [];
  for (const fk of cache.foreignKeys) {
    if (fk.schema === parent.schema && fk.table === parent.name) {
      const byColumn = fk.columns.length === 1 && fk.columns[0] === name;
      if (name === fk.foreignTable || name === fk.constraint || byColumn) {
        const target = cache.tables.get(cacheKey(fk.foreignSchema, fk.foreignTable));
        if (target) candidates.push({ fk, direction: "m2o", target });
      }
    }
    if (fk.foreignSchema === parent.schema && fk.foreignTable === parent.name) {
      if (name === fk.table || name === fk.constraint) {
        const target = cache.tables.get(cacheKey(fk.schema, fk.table));
        if (target) candidates.push({ fk, direction: "o2m", target });
      }
    }
  }
  const matching = hint === null
    ? candidates
    : candidates.filter((c) =>
      c.fk.constraint === hint || c.fk.columns.includes(hint) || c.fk.foreignColumns.includes(hint)
    );
  // A self-reference matches both ways by table name; the constraint or column name decides.
  const distinct = matching.filter((c, i) =>
    matching.findIndex((d) => d.fk === c.fk && d.direction === c.direction) === i
  );
  if (distinct.length === 1) return distinct[0]!;
  if (distinct.length === 0) {
    throw new ApiError(
      400,
      "PGRST200",
      `Could not find a relationship between '${parent.name}' and '${name}' in the schema cache`,
      `Searched for a foreign key relationship between '${parent.name}' and '${name}'` +
        `${hint === null ? "" : ` using the hint '${hint}'`} in the schema '${parent.schema}', ` +
        "but no matches were found.",
    );
  }
  throw new ApiError(
    300,
    "PGRST201",
    `Could not embed because more than one relationship was found for '${parent.name}' and '${name}'`,
    distinct.map((c) => describeFk(c.fk, c.direction, c.fk.oneToOne)),
    `Try changing '${name}' to one of the following: ${
      distinct.map((c) => `'${name}!${c.fk.constraint}'`).join(", ")
    }. Find the desired relationship in the 'details' key.`,
  );
}

/** Checks a column of `table` exists (42703 otherwise). */
export function checkColumn(table: CachedTable, name: string): void {
  if (!table.columns.some((c) => c.name === name)) throw undefinedColumn(table.name, name);
}

/** The output name of a selected field: its alias, else its last JSON key, else its name. */
function outputName(field: FieldRef, alias: string | null): string {
  if (alias !== null) return alias;
  const last = field.jsonPath.at(-1);
  return last ? last.key : field.name;
}

function checkLogic(table: CachedTable, tree: LogicTree): void {
  if (tree.kind === "filter") checkColumn(table, tree.filter.field.name);
  else for (const child of tree.children) checkLogic(table, child);
}

/** What the query says about one level: its select items and the parameters at its path. */
interface Level {
  readonly items: readonly SelectItem[];
  readonly path: EmbedPath;
}

function pathEquals(a: EmbedPath, b: EmbedPath): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function planNode(
  cache: SchemaCache,
  query: QueryParams,
  table: CachedTable,
  alias: string,
  level: Level,
  aliases: AliasCounter,
  topRange: RowRange,
): ReadNode {
  const fields: ReadField[] = [];
  const embeds: ReadEmbed[] = [];
  let star = false;
  for (const item of level.items) {
    if (item.kind === "star") star = true;
    else if (item.kind === "field") {
      checkColumn(table, item.field.name);
      fields.push({
        field: item.field,
        cast: item.cast,
        output: outputName(item.field, item.alias),
      });
    } else {
      const { fk, direction, target } = resolveRelationship(cache, table, item.name, item.hint);
      const cardinality = direction === "m2o" || fk.oneToOne ? "one" : "many";
      if (item.spread && cardinality === "many") {
        throw new ApiError(
          400,
          "PGRST127",
          "Feature not implemented",
          `Spreading the to-many resource '${item.name}' is not supported by the local Data API`,
        );
      }
      const name = item.alias ?? item.name;
      const childAlias = aliases.next();
      const join = direction === "m2o"
        ? fk.columns.map((c, i) => ({ child: fk.foreignColumns[i]!, parent: c }))
        : fk.columns.map((c, i) => ({ child: c, parent: fk.foreignColumns[i]! }));
      const childItems = item.children.length === 0 ? [] : item.children;
      embeds.push({
        name,
        output: item.alias ?? item.name,
        cardinality,
        joinType: item.joinType === "inner" ? "inner" : "left",
        spread: item.spread,
        join,
        node: planNode(
          cache,
          query,
          target,
          childAlias,
          { items: childItems, path: [...level.path, name] },
          aliases,
          ALL_ROWS,
        ),
      });
    }
  }
  if (fields.length === 0 && embeds.length === 0) star = true;

  const filters: Filter[] = [];
  const nullEmbedFilters: NullEmbedFilter[] = [];
  for (const f of query.filters.filter((f) => pathEquals(f.path, level.path))) {
    const column = table.columns.some((c) => c.name === f.filter.field.name);
    const embed = embeds.find((e) => e.name === f.filter.field.name);
    if (!column && embed && f.filter.field.jsonPath.length === 0) {
      const op = f.filter.expr.operation;
      if (op.kind !== "is" || (op.value !== "null" && op.value !== "not_null")) {
        throw new ApiError(
          400,
          "PGRST120",
          `Bad operator on the '${embed.name}' embedded resource`,
          "Only is null or not is null filters are allowed on embedded resources",
        );
      }
      const isNull = (op.value === "null") !== f.filter.expr.negate;
      nullEmbedFilters.push({ embed, isNull });
      continue;
    }
    checkColumn(table, f.filter.field.name);
    filters.push(f.filter);
  }
  const logic = query.logic.filter((l) => pathEquals(l.path, level.path)).map((l) => l.tree);
  for (const tree of logic) checkLogic(table, tree);
  const order = query.order.filter((o) => pathEquals(o.path, level.path)).flatMap((o) => o.terms);
  for (const term of order) checkColumn(table, term.field.name);
  const range = level.path.length === 0
    ? topRange
    : query.ranges.find((r) => pathEquals(r.path, level.path))?.range ?? ALL_ROWS;
  return {
    table,
    alias,
    star,
    fields,
    embeds,
    filters,
    nullEmbedFilters,
    logic,
    order,
    range,
  };
}

/** Every parameter path must name an embedded resource of the request (PGRST108). */
function checkPaths(query: QueryParams, root: ReadNode): void {
  const known = new Set<string>([JSON.stringify([])]);
  const walk = (node: ReadNode, path: string[]) => {
    for (const e of node.embeds) {
      const p = [...path, e.name];
      known.add(JSON.stringify(p));
      walk(e.node, p);
    }
  };
  walk(root, []);
  const paths = [
    ...query.filters.map((f) => f.path),
    ...query.logic.map((l) => l.path),
    ...query.order.map((o) => o.path),
    ...query.ranges.map((r) => r.path),
  ];
  for (const path of paths) {
    if (!known.has(JSON.stringify(path))) {
      const resource = path.at(-1) ?? "";
      throw new ApiError(
        400,
        "PGRST108",
        `'${resource}' is not an embedded resource in this request`,
        null,
        `Verify that '${resource}' is included in the 'select' query parameter.`,
      );
    }
  }
}

/** The root relation's SQL alias: its own name, unless that could be an embed's alias. */
export function rootAlias(name: string): string {
  return /^pgrst_/.test(name) ? "pgrst_root" : name;
}

/** Resolves a query on `schema.name` into a read tree; `range` is the top level's window. */
export function planRead(
  cache: SchemaCache,
  schema: string,
  name: string,
  query: QueryParams,
  range: RowRange,
): ReadNode {
  const table = findTable(cache, schema, name);
  const root = planNode(
    cache,
    query,
    table,
    rootAlias(table.name),
    { items: query.select, path: [] },
    new AliasCounter(),
    range,
  );
  checkPaths(query, root);
  return root;
}

/**
 * Resolves a query on a relation that is not (only) a cached table, e.g. the rows a function
 * returns: `table` lists its columns, `alias` names it in SQL.
 */
export function planOnRelation(
  cache: SchemaCache,
  table: CachedTable,
  alias: string,
  query: QueryParams,
  range: RowRange,
): ReadNode {
  const root = planNode(
    cache,
    query,
    table,
    alias,
    { items: query.select, path: [] },
    new AliasCounter(),
    range,
  );
  checkPaths(query, root);
  return root;
}
