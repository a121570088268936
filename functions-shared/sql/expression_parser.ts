/**
 * @module A parser for the SQL expressions a plan may carry (column DEFAULT and CHECK, policy
 * USING and WITH CHECK): a recursive-descent parser over {@linkcode tokenizeExpression}'s tokens
 * that follows PostgreSQL's operator precedence for the subset it accepts and refuses everything
 * else. What it accepts is what the plan validator reasons about, node by node, so a fragment
 * the validator passes cannot mean something else to Postgres: anything outside the subset (CASE,
 * COLLATE, typed literals of other types, unknown operators, set operations, ...) is a parse
 * error, never a guess.
 */

import { type ExpressionToken, tokenizeExpression } from "./expression.ts";

/** A table read by a subquery: `public.listings l`. */
export interface FromItem {
  readonly schema: string | null;
  readonly name: string;
  /** The alias, or null when the table is referred to by its own name. */
  readonly alias: string | null;
  /** The `on` condition when the table is joined with `join`; null after `from` or a comma. */
  readonly on: SqlExpression | null;
}

/** A `select` inside an expression: `exists (...)`, `x in (...)` or a scalar `(select ...)`. */
export interface SelectQuery {
  readonly items: readonly SqlExpression[];
  readonly from: readonly FromItem[];
  readonly where: SqlExpression | null;
}

/** A parsed expression. Names and keywords are lowercase; literals keep their source text. */
export type SqlExpression =
  | {
    readonly kind: "literal";
    readonly type: "string" | "number" | "boolean" | "null";
    readonly text: string;
  }
  | { readonly kind: "typed_literal"; readonly type: string; readonly text: string }
  | { readonly kind: "keyword_value"; readonly name: "current_date" | "current_timestamp" }
  | { readonly kind: "column"; readonly qualifier: string | null; readonly name: string }
  | {
    readonly kind: "call";
    readonly schema: string | null;
    readonly name: string;
    readonly args: readonly SqlExpression[];
  }
  | { readonly kind: "and" | "or"; readonly args: readonly SqlExpression[] }
  | { readonly kind: "not"; readonly arg: SqlExpression }
  | { readonly kind: "unary"; readonly op: "-" | "+"; readonly arg: SqlExpression }
  | {
    readonly kind: "binary";
    readonly op: string;
    readonly left: SqlExpression;
    readonly right: SqlExpression;
  }
  | {
    readonly kind: "is";
    readonly arg: SqlExpression;
    readonly negated: boolean;
    readonly test: "null" | "true" | "false";
  }
  | {
    readonly kind: "distinct";
    readonly negated: boolean;
    readonly left: SqlExpression;
    readonly right: SqlExpression;
  }
  | {
    readonly kind: "in";
    readonly negated: boolean;
    readonly arg: SqlExpression;
    readonly list: readonly SqlExpression[];
  }
  | {
    readonly kind: "in_select";
    readonly negated: boolean;
    readonly arg: SqlExpression;
    readonly query: SelectQuery;
  }
  | {
    readonly kind: "between";
    readonly negated: boolean;
    readonly arg: SqlExpression;
    readonly low: SqlExpression;
    readonly high: SqlExpression;
  }
  | {
    readonly kind: "like";
    readonly op: "like" | "ilike";
    readonly negated: boolean;
    readonly arg: SqlExpression;
    readonly pattern: SqlExpression;
  }
  | {
    readonly kind: "quantified";
    readonly op: string;
    readonly quantifier: "any" | "all";
    readonly left: SqlExpression;
    readonly right: SqlExpression;
  }
  | { readonly kind: "cast"; readonly arg: SqlExpression; readonly type: string }
  | { readonly kind: "subscript"; readonly arg: SqlExpression; readonly index: SqlExpression }
  | { readonly kind: "array"; readonly items: readonly SqlExpression[] }
  | { readonly kind: "exists"; readonly query: SelectQuery }
  | { readonly kind: "scalar_select"; readonly query: SelectQuery };

/** Outcome of {@linkcode parseExpression}. */
export type ParsedExpression =
  | { readonly ok: true; readonly expression: SqlExpression }
  | { readonly ok: false; readonly reason: string };

/** Longest expression accepted, in characters. */
export const MAX_EXPRESSION_LENGTH = 4000;
/** Deepest nesting accepted (parentheses, operators, subqueries). */
export const MAX_EXPRESSION_DEPTH = 40;

/** Types a cast (`::type`) or typed literal may name, by their canonical spelling. */
export const CAST_TYPES: ReadonlyMap<string, string> = new Map([
  ["text", "text"],
  ["varchar", "text"],
  ["uuid", "uuid"],
  ["boolean", "boolean"],
  ["bool", "boolean"],
  ["smallint", "smallint"],
  ["int2", "smallint"],
  ["integer", "integer"],
  ["int", "integer"],
  ["int4", "integer"],
  ["bigint", "bigint"],
  ["int8", "bigint"],
  ["numeric", "numeric"],
  ["decimal", "numeric"],
  ["real", "real"],
  ["float4", "real"],
  ["double precision", "double precision"],
  ["float8", "double precision"],
  ["date", "date"],
  ["timestamptz", "timestamptz"],
  ["timestamp with time zone", "timestamptz"],
  ["interval", "interval"],
  ["jsonb", "jsonb"],
  ["text[]", "text[]"],
  ["uuid[]", "uuid[]"],
  ["integer[]", "integer[]"],
  ["int[]", "integer[]"],
]);

const COMPARISON = new Set(["=", "<>", "!=", "<", ">", "<=", ">="]);
/** PostgreSQL's "any other operator" precedence level, restricted to these. */
const OTHER_OPERATORS = new Set([
  "||",
  "~",
  "~*",
  "!~",
  "!~*",
  "@>",
  "<@",
  "&&",
  "->",
  "->>",
  "#>",
  "#>>",
  "?",
  "?|",
  "?&",
]);
const ADDITIVE = new Set(["+", "-"]);
const MULTIPLICATIVE = new Set(["*", "/", "%"]);
/** Words that end an operand; a name in their place is a syntax error, not a column. */
const STOP_WORDS = new Set([
  "and",
  "or",
  "not",
  "is",
  "isnull",
  "notnull",
  "in",
  "between",
  "like",
  "ilike",
  "similar",
  "from",
  "where",
  "join",
  "inner",
  "left",
  "right",
  "full",
  "cross",
  "on",
  "as",
  "then",
  "else",
  "end",
  "when",
  "case",
  "select",
  "union",
  "except",
  "intersect",
  "limit",
  "offset",
  "order",
  "group",
  "having",
  "window",
  "collate",
  "escape",
  "all",
  "any",
  "some",
  "distinct",
  "using",
  "returning",
  "into",
  "values",
  "with",
  "for",
  "to",
  "default",
  "check",
  "table",
  "grant",
  "create",
  "null",
  "true",
  "false",
  "array",
  "exists",
  "interval",
  "current_date",
  "current_timestamp",
  "current_user",
  "current_role",
  "session_user",
  "user",
  "localtime",
  "localtimestamp",
  "current_time",
  "current_catalog",
  "current_schema",
  "system_user",
]);
/** Keywords PostgreSQL parses like function calls. */
const FUNCTION_KEYWORDS = new Set(["coalesce", "nullif", "greatest", "least"]);

class ParseError extends Error {}

/** Normalises `!=` to `<>`, as PostgreSQL does. */
function comparisonOperator(op: string): string {
  return op === "!=" ? "<>" : op;
}

/**
 * PostgreSQL's lexer does not end a multi-character operator in `+` or `-` unless the operator
 * also contains one of `~ ! @ # % ^ & | ?` (so `a<-1` is `a < -1`); split tokens the same way.
 */
function splitOperators(tokens: readonly ExpressionToken[]): ExpressionToken[] {
  const out: ExpressionToken[] = [];
  for (const token of tokens) {
    if (token.kind !== "operator" || token.text.length < 2 || /[~!@#%^&|?]/.test(token.text)) {
      out.push(token);
      continue;
    }
    let text = token.text;
    const trailing: ExpressionToken[] = [];
    while (text.length > 1 && /[+-]$/.test(text)) {
      trailing.unshift({ kind: "operator", text: text.slice(-1) });
      text = text.slice(0, -1);
    }
    out.push({ kind: "operator", text }, ...trailing);
  }
  return out;
}

class Parser {
  private position = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly ExpressionToken[]) {}

  parseAll(): SqlExpression {
    const expression = this.expression();
    const rest = this.peek();
    if (rest !== undefined) this.fail(`unexpected "${rest.text}"`);
    return expression;
  }

  private peek(offset = 0): ExpressionToken | undefined {
    return this.tokens[this.position + offset];
  }

  private isWord(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token?.kind === "word" && token.text === text;
  }

  private isText(text: string, offset = 0): boolean {
    return this.peek(offset)?.text === text && this.peek(offset)?.kind !== "string";
  }

  private next(): ExpressionToken {
    const token = this.peek();
    if (token === undefined) this.fail("it ends too early");
    this.position++;
    return token;
  }

  private expect(text: string): void {
    const token = this.peek();
    if (token === undefined || token.text !== text || token.kind === "string") {
      this.fail(token === undefined ? `expected "${text}" at the end` : `expected "${text}"`);
    }
    this.position++;
  }

  private acceptWord(text: string): boolean {
    if (!this.isWord(text)) return false;
    this.position++;
    return true;
  }

  private fail(message: string): never {
    const near = this.tokens.slice(Math.max(0, this.position - 2), this.position + 3)
      .map((t) => t.text).join(" ");
    throw new ParseError(`${message}${near ? ` near "${near}"` : ""}`);
  }

  private nested<T>(parse: () => T): T {
    this.depth++;
    if (this.depth > MAX_EXPRESSION_DEPTH) {
      this.fail(`it nests deeper than ${MAX_EXPRESSION_DEPTH} levels`);
    }
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  expression(): SqlExpression {
    return this.nested(() => this.or());
  }

  private or(): SqlExpression {
    const args = [this.and()];
    while (this.acceptWord("or")) args.push(this.and());
    return args.length === 1 ? args[0] as SqlExpression : { kind: "or", args };
  }

  private and(): SqlExpression {
    const args = [this.not()];
    while (this.acceptWord("and")) args.push(this.not());
    return args.length === 1 ? args[0] as SqlExpression : { kind: "and", args };
  }

  private not(): SqlExpression {
    if (this.acceptWord("not")) return { kind: "not", arg: this.nested(() => this.not()) };
    return this.isTest();
  }

  private isTest(): SqlExpression {
    let arg = this.comparison();
    for (;;) {
      if (this.acceptWord("isnull")) {
        arg = { kind: "is", arg, negated: false, test: "null" };
      } else if (this.acceptWord("notnull")) {
        arg = { kind: "is", arg, negated: true, test: "null" };
      } else if (this.acceptWord("is")) {
        const negated = this.acceptWord("not");
        if (this.acceptWord("distinct")) {
          if (!this.acceptWord("from")) this.fail('expected "from" after "is distinct"');
          arg = { kind: "distinct", negated, left: arg, right: this.comparison() };
          continue;
        }
        const test = this.next();
        if (test.kind !== "word" || !["null", "true", "false"].includes(test.text)) {
          this.fail('expected null, true, false or distinct from after "is"');
        }
        arg = { kind: "is", arg, negated, test: test.text as "null" | "true" | "false" };
      } else return arg;
    }
  }

  private comparison(): SqlExpression {
    const left = this.predicate();
    const token = this.peek();
    if (token?.kind !== "operator" || !COMPARISON.has(token.text)) return left;
    this.position++;
    const op = comparisonOperator(token.text);
    for (const quantifier of ["any", "all", "some"] as const) {
      if (this.isWord(quantifier) && this.isText("(", 1)) {
        this.position += 2;
        const right = this.expression();
        this.expect(")");
        return {
          kind: "quantified",
          op,
          quantifier: quantifier === "some" ? "any" : quantifier,
          left,
          right,
        };
      }
    }
    const right = this.predicate();
    const after = this.peek();
    if (after?.kind === "operator" && COMPARISON.has(after.text)) {
      this.fail("comparisons cannot be chained; join them with and");
    }
    return { kind: "binary", op, left, right };
  }

  /** `in`, `between`, `like` and `ilike`, which bind tighter than comparisons. */
  private predicate(): SqlExpression {
    const arg = this.otherOperators();
    const negated = this.isWord("not") &&
      ["in", "between", "like", "ilike"].some((w) => this.isWord(w, 1));
    if (negated) this.position++;
    if (this.acceptWord("in")) {
      this.expect("(");
      if (this.isWord("select")) {
        const query = this.nested(() => this.select());
        this.expect(")");
        return { kind: "in_select", negated, arg, query };
      }
      const list = [this.expression()];
      while (this.isText(",")) {
        this.position++;
        list.push(this.expression());
      }
      this.expect(")");
      return { kind: "in", negated, arg, list };
    }
    if (this.acceptWord("between")) {
      if (this.isWord("symmetric") || this.isWord("asymmetric")) this.fail("unsupported between");
      const low = this.otherOperators();
      if (!this.acceptWord("and")) this.fail('expected "and" in between');
      const high = this.otherOperators();
      return { kind: "between", negated, arg, low, high };
    }
    for (const op of ["like", "ilike"] as const) {
      if (this.acceptWord(op)) {
        const pattern = this.otherOperators();
        if (this.isWord("escape")) this.fail("escape clauses are not supported");
        return { kind: "like", op, negated, arg, pattern };
      }
    }
    if (negated) this.fail("unexpected not");
    return arg;
  }

  private otherOperators(): SqlExpression {
    let left = this.additive();
    for (;;) {
      const token = this.peek();
      if (token?.kind !== "operator" || !OTHER_OPERATORS.has(token.text)) return left;
      this.position++;
      left = { kind: "binary", op: token.text, left, right: this.additive() };
    }
  }

  private additive(): SqlExpression {
    let left = this.multiplicative();
    for (;;) {
      const token = this.peek();
      if (token?.kind !== "operator" || !ADDITIVE.has(token.text)) return left;
      this.position++;
      left = { kind: "binary", op: token.text, left, right: this.multiplicative() };
    }
  }

  private multiplicative(): SqlExpression {
    let left = this.unary();
    for (;;) {
      const token = this.peek();
      if (token?.kind !== "operator" || !MULTIPLICATIVE.has(token.text)) return left;
      this.position++;
      left = { kind: "binary", op: token.text, left, right: this.unary() };
    }
  }

  private unary(): SqlExpression {
    const token = this.peek();
    if (token?.kind === "operator") {
      if (token.text === "-" || token.text === "+") {
        this.position++;
        return { kind: "unary", op: token.text, arg: this.nested(() => this.unary()) };
      }
      this.fail(`unsupported operator "${token.text}"`);
    }
    return this.postfix();
  }

  private postfix(): SqlExpression {
    let arg = this.primary();
    for (;;) {
      if (this.isText("::")) {
        this.position++;
        arg = { kind: "cast", arg, type: this.typeName() };
      } else if (this.isText("[")) {
        this.position++;
        const index = this.expression();
        this.expect("]");
        arg = { kind: "subscript", arg, index };
      } else return arg;
    }
  }

  private typeName(): string {
    const first = this.next();
    if (first.kind !== "word") this.fail("expected a type name");
    let name = first.text;
    if (name === "double" && this.acceptWord("precision")) name = "double precision";
    if (
      name === "timestamp" && this.isWord("with") && this.isWord("time", 1) &&
      this.isWord("zone", 2)
    ) {
      this.position += 3;
      name = "timestamp with time zone";
    }
    if (name === "numeric" && this.isText("(")) {
      this.position++;
      const precision = this.next();
      let scale: ExpressionToken | null = null;
      if (this.isText(",")) {
        this.position++;
        scale = this.next();
      }
      this.expect(")");
      if (precision.kind !== "number" || (scale !== null && scale.kind !== "number")) {
        this.fail("expected numeric(precision, scale)");
      }
      name = "numeric";
    }
    if (this.isText("[") && this.isText("]", 1)) {
      this.position += 2;
      name = `${name}[]`;
    }
    const canonical = CAST_TYPES.get(name);
    if (canonical === undefined) this.fail(`cannot cast to type "${name}"`);
    return canonical;
  }

  private primary(): SqlExpression {
    const token = this.next();
    if (token.kind === "number") return { kind: "literal", type: "number", text: token.text };
    if (token.kind === "string") return { kind: "literal", type: "string", text: token.text };
    if (token.text === "(") {
      if (this.isWord("select")) {
        const query = this.nested(() => this.select());
        this.expect(")");
        return { kind: "scalar_select", query };
      }
      const inner = this.expression();
      this.expect(")");
      return inner;
    }
    if (token.kind !== "word") this.fail(`unexpected "${token.text}"`);
    switch (token.text) {
      case "true":
      case "false":
        return { kind: "literal", type: "boolean", text: token.text };
      case "null":
        return { kind: "literal", type: "null", text: "null" };
      case "current_date":
      case "current_timestamp":
        return { kind: "keyword_value", name: token.text };
      case "exists": {
        this.expect("(");
        if (!this.isWord("select")) this.fail('expected "select" after "exists ("');
        const query = this.nested(() => this.select());
        this.expect(")");
        return { kind: "exists", query };
      }
      case "array": {
        this.expect("[");
        const items: SqlExpression[] = [];
        if (!this.isText("]")) {
          items.push(this.expression());
          while (this.isText(",")) {
            this.position++;
            items.push(this.expression());
          }
        }
        this.expect("]");
        return { kind: "array", items };
      }
      case "interval":
      case "date":
      case "timestamptz": {
        const literal = this.peek();
        if (literal?.kind === "string") {
          this.position++;
          return { kind: "typed_literal", type: token.text, text: literal.text };
        }
        if (token.text === "interval") this.fail('expected a quoted value after "interval"');
        break;
      }
    }
    if (STOP_WORDS.has(token.text) && !FUNCTION_KEYWORDS.has(token.text)) {
      this.fail(`unexpected "${token.text}"`);
    }
    return this.nameOrCall(token.text);
  }

  private nameOrCall(first: string): SqlExpression {
    const parts = [first];
    while (this.isText(".") && this.peek(1)?.kind === "word") {
      this.position++;
      parts.push(this.next().text);
    }
    if (parts.length > 3) this.fail("names have at most three parts");
    if (this.isText("(")) {
      if (parts.length > 2) this.fail("function names have at most two parts");
      this.position++;
      const args: SqlExpression[] = [];
      if (this.isWord("distinct") || this.isText("*")) {
        this.fail("aggregate calls are not supported");
      }
      if (!this.isText(")")) {
        args.push(this.expression());
        while (this.isText(",")) {
          this.position++;
          args.push(this.expression());
        }
      }
      this.expect(")");
      if (this.isWord("over") || this.isWord("filter") || this.isWord("within")) {
        this.fail("window and aggregate clauses are not supported");
      }
      const [schema, name] = parts.length === 2 ? parts : [null, parts[0]];
      return { kind: "call", schema: schema ?? null, name: name ?? "", args };
    }
    if (parts.length === 3) this.fail("column references have at most two parts");
    const [qualifier, name] = parts.length === 2 ? parts : [null, parts[0]];
    return { kind: "column", qualifier: qualifier ?? null, name: name ?? "" };
  }

  private select(): SelectQuery {
    this.expect("select");
    if (this.isWord("distinct") || this.isWord("all")) {
      this.fail("select distinct is not supported");
    }
    const items = [this.selectItem()];
    while (this.isText(",")) {
      this.position++;
      items.push(this.selectItem());
    }
    const from: FromItem[] = [];
    if (this.acceptWord("from")) {
      from.push(this.fromItem(null));
      for (;;) {
        if (this.isText(",")) {
          this.position++;
          from.push(this.fromItem(null));
        } else if (this.isWord("join") || (this.isWord("inner") && this.isWord("join", 1))) {
          this.acceptWord("inner");
          this.expect("join");
          const item = this.fromItem(null);
          if (!this.acceptWord("on")) this.fail('expected "on" after a join');
          from.push({ ...item, on: this.expression() });
        } else break;
      }
    }
    const where = this.acceptWord("where") ? this.expression() : null;
    if (this.acceptWord("limit")) {
      const limit = this.next();
      if (limit.kind !== "number") this.fail("expected a number after limit");
    }
    return { items, from, where };
  }

  private selectItem(): SqlExpression {
    if (this.isText("*")) this.fail("select * is not supported; select 1 or a column");
    const item = this.expression();
    if (this.acceptWord("as")) {
      const alias = this.next();
      if (alias.kind !== "word" || STOP_WORDS.has(alias.text)) this.fail("expected an alias");
    }
    return item;
  }

  private fromItem(on: SqlExpression | null): FromItem {
    const first = this.next();
    if (first.kind !== "word" || STOP_WORDS.has(first.text)) this.fail("expected a table name");
    let schema: string | null = null;
    let name = first.text;
    if (this.isText(".")) {
      this.position++;
      const second = this.next();
      if (second.kind !== "word") this.fail("expected a table name after the schema");
      schema = name;
      name = second.text;
    }
    if (this.isText("(")) this.fail("set-returning functions are not supported in from");
    let alias: string | null = null;
    if (this.acceptWord("as")) {
      const token = this.next();
      if (token.kind !== "word" || STOP_WORDS.has(token.text)) this.fail("expected an alias");
      alias = token.text;
    } else if (this.peek()?.kind === "word" && !STOP_WORDS.has(this.peek()?.text ?? "")) {
      alias = this.next().text;
    }
    return { schema, name, alias, on };
  }
}

/**
 * Parses an expression fragment. Refuses what {@linkcode tokenizeExpression} refuses (anything
 * that could end the surrounding statement), fragments longer than
 * {@linkcode MAX_EXPRESSION_LENGTH}, nesting deeper than {@linkcode MAX_EXPRESSION_DEPTH}, and
 * every construct outside the supported subset, each with a reason that completes "Cannot use
 * the expression: ...".
 */
export function parseExpression(text: string): ParsedExpression {
  const cached = PARSED.get(text);
  if (cached !== undefined) return cached;
  const parsed = parseUncached(text);
  if (PARSED.size >= PARSE_CACHE_SIZE) PARSED.clear();
  PARSED.set(text, parsed);
  return parsed;
}

/** Parses are pure, and plans repeat the same policy texts: remember the latest ones. */
const PARSED = new Map<string, ParsedExpression>();
const PARSE_CACHE_SIZE = 2048;

function parseUncached(text: string): ParsedExpression {
  if (text.length > MAX_EXPRESSION_LENGTH) {
    return {
      ok: false,
      reason: `it is ${text.length} characters long; keep it under ${MAX_EXPRESSION_LENGTH}`,
    };
  }
  const tokens = tokenizeExpression(text);
  if (!tokens.ok) return tokens;
  try {
    return { ok: true, expression: new Parser(splitOperators(tokens.tokens)).parseAll() };
  } catch (error) {
    if (error instanceof ParseError) {
      return { ok: false, reason: `it is not an expression the plan supports: ${error.message}` };
    }
    throw error;
  }
}

/** Every node of an expression, outermost first, subqueries included. */
export function* expressionNodes(expression: SqlExpression): Generator<SqlExpression> {
  yield expression;
  for (const child of childExpressions(expression)) yield* expressionNodes(child);
}

/** The direct sub-expressions of a node, including those of its subqueries. */
export function childExpressions(expression: SqlExpression): readonly SqlExpression[] {
  switch (expression.kind) {
    case "literal":
    case "typed_literal":
    case "keyword_value":
    case "column":
      return [];
    case "call":
      return expression.args;
    case "and":
    case "or":
      return expression.args;
    case "not":
    case "unary":
    case "is":
    case "cast":
      return [expression.arg];
    case "binary":
    case "distinct":
    case "quantified":
      return [expression.left, expression.right];
    case "in":
      return [expression.arg, ...expression.list];
    case "in_select":
      return [expression.arg, ...queryExpressions(expression.query)];
    case "between":
      return [expression.arg, expression.low, expression.high];
    case "like":
      return [expression.arg, expression.pattern];
    case "subscript":
      return [expression.arg, expression.index];
    case "array":
      return expression.items;
    case "exists":
    case "scalar_select":
      return queryExpressions(expression.query);
  }
}

/** The expressions of a subquery: its select list, join conditions and where clause. */
export function queryExpressions(query: SelectQuery): SqlExpression[] {
  return [
    ...query.items,
    ...query.from.flatMap((item) => (item.on === null ? [] : [item.on])),
    ...(query.where === null ? [] : [query.where]),
  ];
}

/** The operands of a top-level `or` (nested ors flattened); the expression itself otherwise. */
export function disjuncts(expression: SqlExpression): SqlExpression[] {
  return expression.kind === "or" ? expression.args.flatMap(disjuncts) : [expression];
}

/** The operands of a top-level `and` (nested ands flattened); the expression itself otherwise. */
export function conjuncts(expression: SqlExpression): SqlExpression[] {
  return expression.kind === "and" ? expression.args.flatMap(conjuncts) : [expression];
}

/** Whether `expression` is exactly `(select auth.uid())`. */
export function isCurrentUserId(expression: SqlExpression): boolean {
  if (expression.kind !== "scalar_select") return false;
  const { items, from, where } = expression.query;
  const [item] = items;
  return items.length === 1 && from.length === 0 && where === null && item?.kind === "call" &&
    item.schema === "auth" &&
    item.name === "uid" && item.args.length === 0;
}

function renderQuery(query: SelectQuery): string {
  const parts = [`select ${query.items.map(renderExpression).join(", ")}`];
  query.from.forEach((f, i) => {
    const item = `${f.schema === null ? "" : `${f.schema}.`}${f.name}${
      f.alias === null ? "" : ` ${f.alias}`
    }`;
    if (f.on !== null) parts.push(`join ${item} on ${renderExpression(f.on)}`);
    else parts.push(i === 0 ? `from ${item}` : `, ${item}`);
  });
  if (query.where !== null) parts.push(`where ${renderExpression(query.where)}`);
  return parts.join(" ");
}

const COMPARISON_OPS = new Set(["=", "<>", "<", ">", "<=", ">="]);

/** Binding strength of a node, as in PostgreSQL's precedence table (higher binds tighter). */
function precedence(expression: SqlExpression): number {
  switch (expression.kind) {
    case "or":
      return 1;
    case "and":
      return 2;
    case "not":
      return 3;
    case "is":
    case "distinct":
      return 4;
    case "quantified":
      return 5;
    case "binary":
      if (COMPARISON_OPS.has(expression.op)) return 5;
      if (ADDITIVE.has(expression.op)) return 8;
      if (MULTIPLICATIVE.has(expression.op)) return 9;
      return 7;
    case "in":
    case "in_select":
    case "between":
    case "like":
      return 6;
    case "unary":
      return 10;
    case "cast":
    case "subscript":
      return 11;
    default:
      return 12;
  }
}

function render(expression: SqlExpression, minimum: number): string {
  const text = renderNode(expression);
  return precedence(expression) < minimum ? `(${text})` : text;
}

/**
 * The text of an expression in one canonical layout: lowercase keywords, single spaces, and
 * parentheses only where precedence needs them. Two fragments that parse to the same tree
 * render the same, whatever their layout, case or redundant parentheses.
 */
export function renderExpression(expression: SqlExpression): string {
  return render(expression, 0);
}

function renderNode(expression: SqlExpression): string {
  const p = precedence(expression);
  const not = (negated: boolean) => (negated ? "not " : "");
  switch (expression.kind) {
    case "literal":
      return expression.text;
    case "typed_literal":
      return `${expression.type} ${expression.text}`;
    case "keyword_value":
      return expression.name;
    case "column":
      return expression.qualifier === null
        ? expression.name
        : `${expression.qualifier}.${expression.name}`;
    case "call":
      return `${expression.schema === null ? "" : `${expression.schema}.`}${expression.name}(${
        expression.args.map((arg) => render(arg, 0)).join(", ")
      })`;
    case "and":
    case "or":
      return expression.args.map((arg) => render(arg, p + 1)).join(` ${expression.kind} `);
    case "not":
      return `not ${render(expression.arg, p)}`;
    case "unary": {
      const arg = render(expression.arg, p);
      return `${expression.op}${/^[-+]/.test(arg) ? " " : ""}${arg}`;
    }
    case "binary": {
      const left = render(expression.left, COMPARISON_OPS.has(expression.op) ? p + 1 : p);
      return `${left} ${expression.op} ${render(expression.right, p + 1)}`;
    }
    case "is":
      return `${render(expression.arg, p + 1)} is ${not(expression.negated)}${expression.test}`;
    case "distinct":
      return `${render(expression.left, p + 1)} is ${not(expression.negated)}distinct from ${
        render(expression.right, p + 1)
      }`;
    case "in":
      return `${render(expression.arg, p + 1)} ${not(expression.negated)}in (${
        expression.list.map((item) => render(item, 0)).join(", ")
      })`;
    case "in_select":
      return `${render(expression.arg, p + 1)} ${not(expression.negated)}in (${
        renderQuery(expression.query)
      })`;
    case "between":
      return `${render(expression.arg, p + 1)} ${not(expression.negated)}between ${
        render(expression.low, p + 1)
      } and ${render(expression.high, p + 1)}`;
    case "like":
      return `${render(expression.arg, p + 1)} ${not(expression.negated)}${expression.op} ${
        render(expression.pattern, p + 1)
      }`;
    case "quantified":
      return `${render(expression.left, p + 1)} ${expression.op} ${expression.quantifier} (${
        render(expression.right, 0)
      })`;
    case "cast":
      return `${render(expression.arg, p)}::${expression.type}`;
    case "subscript":
      return `${render(expression.arg, p)}[${render(expression.index, 0)}]`;
    case "array":
      return `array[${expression.items.map((item) => render(item, 0)).join(", ")}]`;
    case "exists":
      return `exists (${renderQuery(expression.query)})`;
    case "scalar_select":
      return `(${renderQuery(expression.query)})`;
  }
}
