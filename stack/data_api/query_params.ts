/**
 * @module The query string of a Data API request, parsed the way PostgREST parses it: `select`
 * (columns, renames, casts, JSON paths, embedded resources with hints and join types), filters
 * (`col=op.value`, `not.`, `(any)`/`(all)`, `in.(…)`, `is.`, full-text search), logic trees
 * (`or=(…)`, `and=(…)`, nested), `order`, `limit`/`offset` (also on embedded resources),
 * `columns` and `on_conflict`. Pure: names are checked against the schema cache later.
 */
import { queryParamError } from "./errors.ts";

/** `->` (JSON) or `->>` (text) with a key or an array index. */
export interface JsonStep {
  readonly arrow: "->" | "->>";
  readonly key: string;
  readonly index: boolean;
}

/** A column, possibly followed by JSON path steps. */
export interface FieldRef {
  readonly name: string;
  readonly jsonPath: readonly JsonStep[];
}

/** One item of `select`. */
export type SelectItem =
  | { readonly kind: "star" }
  | {
    readonly kind: "field";
    readonly field: FieldRef;
    readonly alias: string | null;
    readonly cast: string | null;
  }
  | {
    readonly kind: "embed";
    readonly name: string;
    readonly alias: string | null;
    readonly hint: string | null;
    readonly joinType: "inner" | "left" | null;
    readonly spread: boolean;
    readonly children: readonly SelectItem[];
  };

/** Operators taking one value. */
export type SimpleOperator =
  | "eq"
  | "neq"
  | "gt"
  | "gte"
  | "lt"
  | "lte"
  | "like"
  | "ilike"
  | "match"
  | "imatch"
  | "cs"
  | "cd"
  | "ov"
  | "sl"
  | "sr"
  | "nxr"
  | "nxl"
  | "adj"
  | "isdistinct";

/** What a filter tests. */
export type Operation =
  | {
    readonly kind: "simple";
    readonly op: SimpleOperator;
    readonly quantifier: "any" | "all" | null;
    readonly value: string;
  }
  | { readonly kind: "in"; readonly values: readonly string[] }
  | { readonly kind: "is"; readonly value: "null" | "not_null" | "true" | "false" | "unknown" }
  | {
    readonly kind: "fts";
    readonly op: "fts" | "plfts" | "phfts" | "wfts";
    readonly config: string | null;
    readonly value: string;
  };

/** `[not.]<operation>`. */
export interface OpExpr {
  readonly negate: boolean;
  readonly operation: Operation;
}

/** A filter on one field. */
export interface Filter {
  readonly field: FieldRef;
  readonly expr: OpExpr;
}

/** A boolean combination of filters (`or=(…)`). */
export type LogicTree =
  | {
    readonly kind: "expr";
    readonly negate: boolean;
    readonly op: "and" | "or";
    readonly children: readonly LogicTree[];
  }
  | { readonly kind: "filter"; readonly filter: Filter };

/** One `order` term. */
export interface OrderTerm {
  readonly field: FieldRef;
  readonly direction: "asc" | "desc" | null;
  readonly nulls: "first" | "last" | null;
}

/** `limit`/`offset` of one level (root or an embedded resource). */
export interface RangeParams {
  readonly limit: number | null;
  readonly offset: number;
}

/** The path of embedded resource names a parameter applies to; empty for the root. */
export type EmbedPath = readonly string[];

/** A parsed query string. */
export interface QueryParams {
  readonly select: readonly SelectItem[];
  readonly filters: readonly { readonly path: EmbedPath; readonly filter: Filter }[];
  readonly logic: readonly { readonly path: EmbedPath; readonly tree: LogicTree }[];
  readonly order: readonly { readonly path: EmbedPath; readonly terms: readonly OrderTerm[] }[];
  readonly ranges: readonly { readonly path: EmbedPath; readonly range: RangeParams }[];
  readonly columns: readonly string[] | null;
  readonly onConflict: readonly string[] | null;
  /** RPC reads: parameters without an operator, in order (function arguments). */
  readonly rpcArgs: readonly (readonly [string, string])[];
}

const RESERVED = new Set(["select", "columns", "on_conflict"]);
const RESERVED_EMBEDDABLE = new Set(["order", "limit", "offset", "and", "or"]);

const SIMPLE_OPERATORS: readonly SimpleOperator[] = [
  "neq",
  "cs",
  "cd",
  "ov",
  "sl",
  "sr",
  "nxr",
  "nxl",
  "adj",
];
const QUANT_OPERATORS: readonly SimpleOperator[] = [
  "eq",
  "gte",
  "gt",
  "lte",
  "lt",
  "like",
  "ilike",
  "match",
  "imatch",
];

/** A cursor over one parameter's text; errors name the parameter and the position. */
class Cursor {
  pos = 0;
  constructor(readonly text: string, readonly what: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(n = 1): string {
    return this.text.slice(this.pos, this.pos + n);
  }
  startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }
  eat(s: string): boolean {
    if (!this.startsWith(s)) return false;
    this.pos += s.length;
    return true;
  }
  expect(s: string, expecting: string): void {
    if (!this.eat(s)) this.fail(expecting);
  }
  skipSpaces(): void {
    while (this.peek() === " " || this.peek() === "\t") this.pos++;
  }
  fail(expecting: string): never {
    const found = this.done ? "end of input" : `"${this.peek()}"`;
    throw queryParamError(
      `"failed to parse ${this.what} (${this.text})" (line 1, column ${this.pos + 1})`,
      `unexpected ${found} expecting ${expecting}`,
    );
  }
}

const IDENT_CHAR = /[\p{L}\p{N}_$ ]/u;

/** `"quoted"` (backslash escapes) or identifier characters, dashes allowed unless `->`. */
function fieldName(c: Cursor): string {
  c.skipSpaces();
  if (c.peek() === '"') return quoted(c);
  let out = "";
  for (;;) {
    const ch = c.peek();
    if (ch !== "" && IDENT_CHAR.test(ch)) {
      out += ch;
      c.pos++;
    } else if (ch === "-" && c.peek(2) !== "->" && out.length > 0) {
      out += ch;
      c.pos++;
    } else break;
  }
  out = out.trim();
  if (out === "") c.fail("field name (* or [a..z0..9_$])");
  return out;
}

function quoted(c: Cursor): string {
  c.expect('"', '"');
  let out = "";
  for (;;) {
    if (c.done) c.fail('closing "');
    const ch = c.peek();
    c.pos++;
    if (ch === '"') return out;
    if (ch === "\\") {
      if (c.done) c.fail("escaped character");
      out += c.peek();
      c.pos++;
    } else out += ch;
  }
}

function jsonPath(c: Cursor): JsonStep[] {
  const steps: JsonStep[] = [];
  for (;;) {
    let arrow: "->" | "->>";
    if (c.eat("->>")) arrow = "->>";
    else if (c.eat("->")) arrow = "->";
    else return steps;
    const index = /^-?[0-9]+(?=->|::|\.|,|\)|$)/.exec(c.text.slice(c.pos));
    if (index) {
      c.pos += index[0].length;
      steps.push({ arrow, key: index[0], index: true });
      continue;
    }
    let key = "";
    if (c.peek() === '"') key = quoted(c);
    else {
      while (!c.done && !"(-:.,>)".includes(c.peek())) key += c.text[c.pos++];
      key = key.trim();
    }
    if (key === "") c.fail("JSON key or array index");
    steps.push({ arrow, key, index: false });
  }
}

function field(c: Cursor): FieldRef {
  const name = fieldName(c);
  const path = jsonPath(c);
  c.skipSpaces();
  return { name, jsonPath: path };
}

/** A cast's type name: identifier characters only, so it can never leave its position. */
function castType(c: Cursor): string {
  let out = "";
  while (!c.done && /[A-Za-z0-9_ ]/.test(c.peek())) out += c.text[c.pos++];
  out = out.trim();
  if (!/^[A-Za-z_][A-Za-z0-9_ ]*$/.test(out)) c.fail("type name");
  return out;
}

function aliasPrefix(c: Cursor): string | null {
  const start = c.pos;
  try {
    const name = fieldName(c);
    if (c.peek() === ":" && c.peek(2) !== "::") {
      c.pos++;
      return name;
    }
  } catch {
    // not an alias
  }
  c.pos = start;
  return null;
}

function embedParams(c: Cursor): { hint: string | null; joinType: "inner" | "left" | null } {
  let hint: string | null = null;
  let joinType: "inner" | "left" | null = null;
  for (let i = 0; i < 2 && c.peek() === "!"; i++) {
    c.pos++;
    if (/^inner(?=[!(])/.test(c.text.slice(c.pos))) {
      c.pos += 5;
      joinType = "inner";
    } else if (/^left(?=[!(])/.test(c.text.slice(c.pos))) {
      c.pos += 4;
      joinType = "left";
    } else hint = fieldName(c);
  }
  return { hint, joinType };
}

function selectItem(c: Cursor): SelectItem {
  c.skipSpaces();
  if (c.peek() === "*") {
    c.pos++;
    c.skipSpaces();
    return { kind: "star" };
  }
  if (c.eat("...")) {
    const name = fieldName(c);
    const { hint, joinType } = embedParams(c);
    return {
      kind: "embed",
      name,
      alias: null,
      hint,
      joinType,
      spread: true,
      children: selectForest(c, true),
    };
  }
  const alias = aliasPrefix(c);
  const start = c.pos;
  const name = fieldName(c);
  if (c.peek() === "!" || c.peek() === "(") {
    if (name === "count" && c.startsWith("()")) {
      throw new AggregateNotAllowed();
    }
    const { hint, joinType } = embedParams(c);
    if (c.peek() !== "(") c.fail('"("');
    return {
      kind: "embed",
      name,
      alias,
      hint,
      joinType,
      spread: false,
      children: selectForest(c, true),
    };
  }
  c.pos = start;
  const ref = field(c);
  let cast: string | null = null;
  if (c.eat("::")) cast = castType(c);
  if (c.peek() === "." && /^\.(sum|avg|count|max|min)\(\)/.test(c.text.slice(c.pos))) {
    throw new AggregateNotAllowed();
  }
  c.skipSpaces();
  if (!c.done && c.peek() !== "," && c.peek() !== ")") c.fail('"::", ",", ")" or end of input');
  return { kind: "field", field: ref, alias, cast };
}

/** Thrown for `count()` and `.sum()`-style items: aggregates are off, as on hosted. */
export class AggregateNotAllowed extends Error {
  override name = "AggregateNotAllowed";
}

function selectForest(c: Cursor, nested: boolean): SelectItem[] {
  if (nested) c.expect("(", '"("');
  const items: SelectItem[] = [];
  c.skipSpaces();
  if (nested && c.peek() === ")") {
    c.pos++;
    return items;
  }
  if (!nested && c.done) return items;
  for (;;) {
    items.push(selectItem(c));
    c.skipSpaces();
    if (c.eat(",")) continue;
    if (nested) {
      c.expect(")", '",", ")"');
      return items;
    }
    if (!c.done) c.fail('"," or end of input');
    return items;
  }
}

/** Parses `select`; `*` when absent. */
export function parseSelect(text: string): SelectItem[] {
  return selectForest(new Cursor(text, "select parameter"), false);
}

function listValues(c: Cursor): string[] {
  c.skipSpaces();
  c.expect("(", '"("');
  const values: string[] = [];
  for (;;) {
    if (c.peek() === '"') {
      const start = c.pos;
      const v = quoted(c);
      if (c.peek() === "," || c.peek() === ")") {
        values.push(v);
      } else {
        c.pos = start;
        values.push(unquotedElement(c));
      }
    } else values.push(unquotedElement(c));
    if (c.eat(",")) continue;
    c.expect(")", '"," or ")"');
    c.skipSpaces();
    return values;
  }
}

function unquotedElement(c: Cursor): string {
  let out = "";
  while (!c.done && c.peek() !== "," && c.peek() !== ")") out += c.text[c.pos++];
  return out;
}

/** A single value: the rest of the text, or (inside a logic tree) up to `,` or `)`. */
function singleValue(c: Cursor, inLogic: boolean): string {
  if (!inLogic) {
    const rest = c.text.slice(c.pos);
    c.pos = c.text.length;
    return rest;
  }
  if (c.peek() === '"') {
    const start = c.pos;
    const v = quoted(c);
    if (c.done || c.peek() === "," || c.peek() === ")") return v;
    c.pos = start;
  }
  if (c.peek() === "{") {
    const end = c.text.indexOf("}", c.pos);
    if (end < 0) c.fail('"}"');
    const v = c.text.slice(c.pos, end + 1);
    c.pos = end + 1;
    return v;
  }
  return unquotedElement(c);
}

function opExpr(c: Cursor, inLogic: boolean): OpExpr {
  const negate = c.eat("not.");
  const rest = c.text.slice(c.pos);
  if (rest.startsWith("in.")) {
    c.pos += 3;
    return { negate, operation: { kind: "in", values: listValues(c) } };
  }
  if (rest.startsWith("is.")) {
    c.pos += 3;
    const m = /^(null|not_null|true|false|unknown)/i.exec(c.text.slice(c.pos));
    if (!m) c.fail("isVal: (null, not_null, true, false, unknown)");
    c.pos += m[0].length;
    if (!inLogic && !c.done) c.fail("end of input");
    return {
      negate,
      operation: {
        kind: "is",
        value: m[0].toLowerCase() as "null" | "not_null" | "true" | "false" | "unknown",
      },
    };
  }
  if (rest.startsWith("isdistinct.")) {
    c.pos += 11;
    return {
      negate,
      operation: {
        kind: "simple",
        op: "isdistinct",
        quantifier: null,
        value: singleValue(c, inLogic),
      },
    };
  }
  const fts = /^(plfts|phfts|wfts|fts)(\(([A-Za-z0-9_ $]+)\))?\./.exec(rest);
  if (fts) {
    c.pos += fts[0].length;
    return {
      negate,
      operation: {
        kind: "fts",
        op: fts[1] as "fts" | "plfts" | "phfts" | "wfts",
        config: fts[3]?.trim() ?? null,
        value: singleValue(c, inLogic),
      },
    };
  }
  for (const op of SIMPLE_OPERATORS) {
    if (rest.startsWith(`${op}.`)) {
      c.pos += op.length + 1;
      return {
        negate,
        operation: { kind: "simple", op, quantifier: null, value: singleValue(c, inLogic) },
      };
    }
  }
  for (const op of QUANT_OPERATORS) {
    const m = new RegExp(`^${op}(\\((any|all)\\))?\\.`).exec(rest);
    if (m) {
      c.pos += m[0].length;
      return {
        negate,
        operation: {
          kind: "simple",
          op,
          quantifier: (m[2] as "any" | "all" | undefined) ?? null,
          value: singleValue(c, inLogic),
        },
      };
    }
  }
  c.fail('"not" or operator (eq, gt, ...)');
}

/** Parses a filter value such as `eq.5` or `not.in.(1,2)`. */
export function parseOpExpr(value: string): OpExpr {
  return opExpr(new Cursor(value, "filter"), false);
}

function logicTree(c: Cursor): LogicTree {
  c.skipSpaces();
  const start = c.pos;
  const negate = c.eat("not.");
  const op = c.eat("and(") ? "and" : c.eat("or(") ? "or" : null;
  if (op) {
    const children: LogicTree[] = [];
    for (;;) {
      children.push(logicTree(c));
      c.skipSpaces();
      if (c.eat(",")) continue;
      c.expect(")", '"," or ")"');
      return { kind: "expr", negate, op, children };
    }
  }
  c.pos = start;
  const ref = field(c);
  c.expect(".", "delimiter (.)");
  return { kind: "filter", filter: { field: ref, expr: opExpr(c, true) } };
}

/** Parses an `or`/`and` parameter's value given its operator (`or`, `not.and`, ...). */
export function parseLogic(operator: string, value: string): LogicTree {
  const c = new Cursor(`${operator}${value}`, "logic tree");
  const tree = logicTree(c);
  if (!c.done) c.fail("end of input");
  return tree;
}

/** Parses an `order` value such as `created_at.desc.nullslast,id`. */
export function parseOrder(value: string): OrderTerm[] {
  const c = new Cursor(value, "order");
  const terms: OrderTerm[] = [];
  for (;;) {
    c.skipSpaces();
    const ref = field(c);
    if (c.peek() === "(") c.fail('delimiter (.), "," or end of input');
    let direction: "asc" | "desc" | null = null;
    let nulls: "first" | "last" | null = null;
    if (c.eat(".asc")) direction = "asc";
    else if (c.eat(".desc")) direction = "desc";
    if (c.eat(".nullsfirst")) nulls = "first";
    else if (c.eat(".nullslast")) nulls = "last";
    terms.push({ field: ref, direction, nulls });
    c.skipSpaces();
    if (c.eat(",")) continue;
    if (!c.done) c.fail('"asc", "desc", "nullsfirst", "nullslast", "," or end of input');
    return terms;
  }
}

/** Parses a comma-separated list of column names (`columns`, `on_conflict`). */
export function parseColumnList(value: string, what: string): string[] {
  const c = new Cursor(value, what);
  const names: string[] = [];
  for (;;) {
    names.push(fieldName(c));
    c.skipSpaces();
    if (c.eat(",")) continue;
    if (!c.done) c.fail('"," or end of input');
    return names;
  }
}

function parseKey(key: string): { path: string[]; last: string; jsonPath: JsonStep[] } {
  const c = new Cursor(key, "tree path");
  const names = [fieldName(c)];
  let steps: JsonStep[] = [];
  for (;;) {
    if (c.startsWith("->")) {
      steps = jsonPath(c);
      break;
    }
    if (!c.eat(".")) break;
    names.push(fieldName(c));
  }
  if (!c.done) c.fail('".", "->" or end of input');
  return { path: names.slice(0, -1), last: names.at(-1)!, jsonPath: steps };
}

function nonNegativeInteger(value: string, what: string): number {
  if (!/^[0-9]+$/.test(value.trim())) {
    throw queryParamError(
      `"failed to parse ${what} (${value})"`,
      `${what} must be a non-negative integer`,
    );
  }
  return Number(value.trim());
}

/**
 * Parses a query string. `rpcArgNames`, for RPC reads, are the function's parameter names:
 * parameters with those names are arguments, never filters.
 */
export function parseQueryParams(
  search: URLSearchParams,
  options: { rpcRead?: boolean; rpcArgNames?: ReadonlySet<string> } = {},
): QueryParams {
  const filters: { path: EmbedPath; filter: Filter }[] = [];
  const logic: { path: EmbedPath; tree: LogicTree }[] = [];
  const order: { path: EmbedPath; terms: OrderTerm[] }[] = [];
  const limits = new Map<string, { path: string[]; limit: number | null; offset: number }>();
  const rpcArgs: [string, string][] = [];
  let select: SelectItem[] = [{ kind: "star" }];
  let columns: string[] | null = null;
  let onConflict: string[] | null = null;

  const rangeFor = (path: string[]) => {
    const k = JSON.stringify(path);
    let r = limits.get(k);
    if (!r) limits.set(k, r = { path, limit: null, offset: 0 });
    return r;
  };

  for (const [key, value] of search) {
    if (key === "select") {
      select = parseSelect(value);
      continue;
    }
    if (key === "columns") {
      columns = parseColumnList(value, "columns parameter");
      continue;
    }
    if (key === "on_conflict") {
      onConflict = parseColumnList(value, "on_conflict parameter");
      continue;
    }
    if (value === "" && !options.rpcRead) continue;
    if (options.rpcRead && options.rpcArgNames?.has(key)) {
      rpcArgs.push([key, value]);
      continue;
    }
    const parts = key.split(".");
    const last = parts.at(-1)!;
    if (RESERVED_EMBEDDABLE.has(last)) {
      const path = parts.slice(0, -1).filter((p) => p !== "not");
      const negated = parts.includes("not");
      if (last === "or" || last === "and") {
        logic.push({ path, tree: parseLogic(negated ? `not.${last}` : last, value) });
      } else if (last === "order") {
        order.push({ path, terms: parseOrder(value) });
      } else if (last === "limit") {
        rangeFor(path).limit = nonNegativeInteger(value, "limit");
      } else {
        rangeFor(path).offset = nonNegativeInteger(value, "offset");
      }
      continue;
    }
    if (RESERVED.has(key)) continue;
    const { path, last: column, jsonPath: steps } = parseKey(key);
    if (options.rpcRead && !/^(not\.)?[a-z]+(\((any|all|[A-Za-z0-9_ $]+)\))?\./.test(value)) {
      rpcArgs.push([key, value]);
      continue;
    }
    filters.push({
      path,
      filter: { field: { name: column, jsonPath: steps }, expr: parseOpExpr(value) },
    });
  }
  return {
    select,
    filters,
    logic,
    order,
    ranges: [...limits.values()].map((r) => ({
      path: r.path,
      range: { limit: r.limit, offset: r.offset },
    })),
    columns,
    onConflict,
    rpcArgs,
  };
}
