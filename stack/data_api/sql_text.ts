/**
 * @module SQL text for the Data API's builders: quoted identifiers (only names the schema cache
 * knows reach here, and quoting doubles any `"` they contain), numbered parameters (every value
 * from a request travels as a parameter, never as text), and filters, logic trees, JSON paths
 * and orderings rendered as PostgREST renders them.
 */
import { ApiError } from "./errors.ts";
import type {
  FieldRef,
  Filter,
  JsonStep,
  LogicTree,
  Operation,
  OrderTerm,
  SimpleOperator,
} from "./query_params.ts";

/** Collects parameter values; `add` returns the placeholder (`$1`, `$2`, ...). */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** A double-quoted identifier; refuses NUL (Postgres identifiers cannot hold it). */
export function ident(name: string): string {
  if (name.includes("\0")) {
    throw new ApiError(400, "PGRST100", "Identifiers cannot contain a NUL character");
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."name"`. */
export function qualifiedName(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

/**
 * A Postgres array literal (`{"a","b"}`) of text values, each element quoted with `"` and `\`
 * escaped; sent as one parameter, so its content never becomes SQL.
 */
export function arrayLiteral(values: readonly string[]): string {
  return `{${
    values.map((v) => `"${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`).join(",")
  }}`;
}

/** Renders JSON path steps; keys and indexes are parameters. */
export function jsonPathSql(steps: readonly JsonStep[], params: Params): string {
  return steps.map((s) => `${s.arrow}${params.add(s.key)}${s.index ? "::int" : ""}`).join("");
}

/** `"alias"."column"` followed by its JSON path. */
export function fieldSql(alias: string, field: FieldRef, params: Params): string {
  return `${ident(alias)}.${ident(field.name)}${jsonPathSql(field.jsonPath, params)}`;
}

const OPERATORS: Record<Exclude<SimpleOperator, "isdistinct">, string> = {
  eq: "=",
  neq: "<>",
  gt: ">",
  gte: ">=",
  lt: "<",
  lte: "<=",
  like: "LIKE",
  ilike: "ILIKE",
  match: "~",
  imatch: "~*",
  cs: "@>",
  cd: "<@",
  ov: "&&",
  sl: "<<",
  sr: ">>",
  nxr: "&<",
  nxl: "&>",
  adj: "-|-",
};

const FTS_FUNCTIONS = {
  fts: "to_tsquery",
  plfts: "plainto_tsquery",
  phfts: "phraseto_tsquery",
  wfts: "websearch_to_tsquery",
} as const;

/** How one column is filtered: its SQL and whether it is a tsvector (fts applies directly). */
export interface FilterTarget {
  readonly sql: string;
  readonly isTsvector: boolean;
}

/** `like`/`ilike` patterns use `*` for `%`, as in PostgREST (a URL cannot easily carry `%`). */
function likePattern(value: string): string {
  return value.replaceAll("*", "%");
}

/** The SQL of one operation on a target (without negation). */
export function operationSql(target: FilterTarget, operation: Operation, params: Params): string {
  const col = target.sql;
  switch (operation.kind) {
    case "is": {
      const keyword = {
        null: "NULL",
        not_null: "NOT NULL",
        true: "TRUE",
        false: "FALSE",
        unknown: "UNKNOWN",
      }[operation.value];
      return `${col} IS ${keyword}`;
    }
    case "in":
      if (operation.values.length === 1 && operation.values[0] === "") {
        return `${col} = ANY('{}')`;
      }
      return `${col} = ANY(${params.add(arrayLiteral(operation.values))})`;
    case "fts": {
      const fn = FTS_FUNCTIONS[operation.op];
      const config = operation.config === null
        ? ""
        : `${params.add(operation.config)}::regconfig, `;
      const vector = target.isTsvector ? col : `to_tsvector(${config}${col})`;
      return `${vector} @@ ${fn}(${config}${params.add(operation.value)})`;
    }
    case "simple": {
      if (operation.op === "isdistinct") {
        return `${col} IS DISTINCT FROM ${params.add(operation.value)}`;
      }
      const op = OPERATORS[operation.op];
      const isLike = operation.op === "like" || operation.op === "ilike";
      if (operation.quantifier !== null) {
        const raw = operation.value;
        // `like(any).{a*,b*}`: the list is a Postgres array literal; stars become %.
        const value = isLike ? likePattern(raw) : raw;
        return `${col} ${op} ${operation.quantifier.toUpperCase()}(${params.add(value)})`;
      }
      const value = isLike ? likePattern(operation.value) : operation.value;
      return `${col} ${op} ${params.add(value)}`;
    }
  }
}

/** `[NOT] <operation>`. */
export function filterSql(target: FilterTarget, filter: Filter, params: Params): string {
  const sql = operationSql(target, filter.expr.operation, params);
  return filter.expr.negate ? `NOT (${sql})` : sql;
}

/** Resolves a filter's field to its target SQL (checking the column exists). */
export type TargetOf = (field: FieldRef, params: Params) => FilterTarget;

/** A logic tree: `(a OR b)`, `NOT (a AND b)`, nested. */
export function logicSql(tree: LogicTree, targetOf: TargetOf, params: Params): string {
  if (tree.kind === "filter") {
    return filterSql(targetOf(tree.filter.field, params), tree.filter, params);
  }
  const parts = tree.children.map((child) => logicSql(child, targetOf, params));
  const joined = `(${parts.join(tree.op === "and" ? " AND " : " OR ")})`;
  return tree.negate ? `NOT ${joined}` : joined;
}

/** `ORDER BY` terms. */
export function orderSql(terms: readonly OrderTerm[], targetOf: TargetOf, params: Params): string {
  return terms.map((t) => {
    const direction = t.direction === null ? "" : ` ${t.direction.toUpperCase()}`;
    const nulls = t.nulls === null ? "" : ` NULLS ${t.nulls.toUpperCase()}`;
    return `${targetOf(t.field, params).sql}${direction}${nulls}`;
  }).join(", ");
}
