/**
 * @module What a plan's SQL expressions may say, checked on their parse trees: column defaults
 * are constants or one of a few known calls; checks read only their own row through an
 * allowlist of pure functions; policies read only plan tables, call only `(select auth.uid())`,
 * the plan's membership helpers and pure functions, and every operand that grants writes — or
 * mentions the user at all — must tie the row to the signed-in user in one of the forms
 * {@linkcode bindsRow} recognises. Reasons complete "Cannot ...: <reason>".
 */

import {
  childExpressions,
  conjuncts,
  disjuncts,
  expressionNodes,
  type FromItem,
  isCurrentUserId,
  parseExpression,
  renderExpression,
  type SelectQuery,
  type SqlExpression,
} from "../sql/expression_parser.ts";
import type { Column, DbFunction, Plan, Policy, Table } from "./schema.ts";

/** Pure functions checks and policies may call, by name (no schema). */
export const SCALAR_FUNCTIONS: ReadonlySet<string> = new Set([
  "char_length",
  "character_length",
  "length",
  "lower",
  "upper",
  "btrim",
  "ltrim",
  "rtrim",
  "abs",
  "round",
  "floor",
  "ceil",
  "ceiling",
  "array_length",
  "cardinality",
  "coalesce",
  "nullif",
  "greatest",
  "least",
  "jsonb_typeof",
  "jsonb_array_length",
  "starts_with",
]);

/** Calls that are time-dependent: fine in policies and defaults, not in checks. */
const TIME_FUNCTIONS = new Set(["now"]);

/** What a column default may be, for messages. */
export const DEFAULT_FORMS =
  "a constant (optionally cast), now(), current_date, current_timestamp, gen_random_uuid(), " +
  "auth.uid() on a uuid column, an empty array, or now()/current_date plus or minus an interval";

function isConstant(expression: SqlExpression): boolean {
  switch (expression.kind) {
    case "literal":
    case "typed_literal":
      return true;
    case "unary":
      return expression.arg.kind === "literal" && expression.arg.type === "number";
    case "cast":
      return isConstant(expression.arg);
    case "array":
      return expression.items.every(isConstant);
    default:
      return false;
  }
}

function isClock(expression: SqlExpression): boolean {
  return expression.kind === "keyword_value" ||
    (expression.kind === "call" && expression.schema === null && expression.name === "now" &&
      expression.args.length === 0);
}

/** Why `column.default` is not an allowed default, or null. */
export function defaultProblem(column: Column): string | null {
  if (column.default === null) return null;
  const parsed = parseExpression(column.default);
  if (!parsed.ok) return parsed.reason;
  const e = parsed.expression;
  const call = e.kind === "call" && e.args.length === 0 ? `${e.schema ?? ""}.${e.name}` : null;
  const allowed = isConstant(e) || isClock(e) || call === ".gen_random_uuid" ||
    (call === "auth.uid" && column.type === "uuid") ||
    (e.kind === "binary" && (e.op === "+" || e.op === "-") && isClock(e.left) &&
      isConstant(e.right));
  return allowed ? null : `a default may only be ${DEFAULT_FORMS}; set other values in the app`;
}

function calls(expression: SqlExpression): Extract<SqlExpression, { kind: "call" }>[] {
  return [...expressionNodes(expression)].filter(
    (node): node is Extract<SqlExpression, { kind: "call" }> => node.kind === "call",
  );
}

/** Why `column.check` is not an allowed check on `table`, or the empty list. */
export function checkProblems(table: Table, column: Column): string[] {
  if (column.check === null) return [];
  const parsed = parseExpression(column.check);
  if (!parsed.ok) return [parsed.reason];
  const problems: string[] = [];
  for (const node of expressionNodes(parsed.expression)) {
    if (node.kind === "exists" || node.kind === "scalar_select" || node.kind === "in_select") {
      problems.push("a check cannot read other rows or tables; use a policy");
      break;
    }
  }
  for (const call of calls(parsed.expression)) {
    const name = `${call.schema === null ? "" : `${call.schema}.`}${call.name}`;
    if (call.schema !== null || !SCALAR_FUNCTIONS.has(call.name)) {
      problems.push(
        `it calls ${name}(), which checks may not call; use comparisons and ${
          [...SCALAR_FUNCTIONS].slice(0, 6).join(", ")
        }, ...`,
      );
    }
  }
  for (const node of expressionNodes(parsed.expression)) {
    if (node.kind === "keyword_value") {
      problems.push(`a check cannot depend on the clock (${node.name}); compare columns instead`);
    }
    if (node.kind !== "column") continue;
    const known = (node.qualifier === null || node.qualifier === table.name) &&
      table.columns.some((c) => c.name === node.name);
    if (!known) problems.push(`table "${table.name}" has no column "${node.name}"`);
  }
  return [...new Set(problems)];
}

/** One level of name resolution: the policy's table, or a subquery's tables. */
interface Scope {
  readonly tables: readonly { readonly names: readonly string[]; readonly table: Table }[];
  readonly parent: Scope | null;
}

/** Everything a policy expression is checked against. */
export interface PolicyScope {
  readonly plan: Plan;
  readonly tables: ReadonlyMap<string, Table>;
  readonly table: Table;
  readonly policy: Policy;
}

/** How a policy expression was read. */
export interface PolicyAnalysis {
  /** Why the expression is not allowed; empty when it is. */
  readonly problems: readonly string[];
  /** Plan tables the expression reads (subqueries). */
  readonly reads: readonly string[];
  /** Per `or` operand: whether it ties rows to the user, and its text. */
  readonly operands: readonly {
    readonly text: string;
    readonly binds: boolean;
    readonly mentionsUser: boolean;
  }[];
}

function rootScope(table: Table): Scope {
  return { tables: [{ names: [table.name], table }], parent: null };
}

function queryScope(query: SelectQuery, tables: ReadonlyMap<string, Table>, parent: Scope): Scope {
  return {
    parent,
    tables: query.from.flatMap((item) => {
      const table = item.schema === "public" ? tables.get(item.name) : undefined;
      return table === undefined ? [] : [{ names: [item.alias ?? item.name], table }];
    }),
  };
}

/** The table and column a column reference resolves to, innermost scope first. */
function resolve(
  column: Extract<SqlExpression, { kind: "column" }>,
  scope: Scope | null,
): { table: Table; column: Column; scope: Scope } | null {
  for (let s = scope; s !== null; s = s.parent) {
    for (const entry of s.tables) {
      if (column.qualifier !== null && !entry.names.includes(column.qualifier)) continue;
      const found = entry.table.columns.find((c) => c.name === column.name);
      if (found) return { table: entry.table, column: found, scope: s };
      if (column.qualifier !== null) return null;
    }
  }
  return null;
}

/** Whether `column` holds a user's id: the owner column, or a reference to auth.users(id). */
function isUserColumn(table: Table, column: Column): boolean {
  return table.ownerColumn === column.name ||
    (column.references?.schema === "auth" && column.references.table === "users");
}

function helperFunctions(plan: Plan): Map<string, DbFunction> {
  return new Map(
    plan.functions.filter((f) => f.schema === "private" && f.returns === "boolean").map((f) => [
      f.name,
      f,
    ]),
  );
}

/** Whether a node calls something that identifies the user: auth.*, or a private helper. */
function mentionsUser(expression: SqlExpression): boolean {
  return calls(expression).some((call) => call.schema === "auth" || call.schema === "private");
}

/** The column reference `e`, resolved in `scope` to `table`, or null. */
function columnOf(
  e: SqlExpression,
  scope: Scope,
  table: Table,
): Column | null {
  if (e.kind !== "column") return null;
  const found = resolve(e, scope);
  return found !== null && found.table === table && found.scope === scope ? found.column : null;
}

/** Whether `conjunct` links the subquery's `inner` table to the `outer` row by a foreign key. */
function linksRows(
  conjunct: SqlExpression,
  innerScope: Scope,
  inner: Table,
  outerScope: Scope,
  outer: Table,
): boolean {
  if (conjunct.kind !== "binary" || conjunct.op !== "=") return false;
  for (const [a, b] of [[conjunct.left, conjunct.right], [conjunct.right, conjunct.left]]) {
    if (a === undefined || b === undefined) continue;
    const innerColumn = columnOf(a, innerScope, inner);
    const outerColumn = b.kind === "column" ? resolve(b, outerScope) : null;
    if (innerColumn === null || outerColumn === null || outerColumn.table !== outer) continue;
    if (outerColumn.scope !== outerScope) continue;
    const outerRef = outerColumn.column.references;
    const innerRef = innerColumn.references;
    if (outerRef?.schema === "public" && outerRef.table === inner.name) {
      if (outerRef.column === innerColumn.name) return true;
    }
    if (innerRef?.schema === "public" && innerRef.table === outer.name) {
      if (innerRef.column === outerColumn.column.name) return true;
    }
  }
  return false;
}

/** Whether two columns reference the same table, or one references the other. */
function sameEntity(outer: Column, outerTable: Table, inner: Column, innerTable: Table): boolean {
  const o = outer.references;
  const i = inner.references;
  if (o?.schema === "public" && o.table === innerTable.name && o.column === inner.name) return true;
  if (i?.schema === "public" && i.table === outerTable.name && i.column === outer.name) return true;
  return o !== null && i !== null && o.schema === i.schema && o.table === i.table &&
    o.column === i.column;
}

const MAX_LINK_DEPTH = 3;

/**
 * Whether `e`, one `and` operand, ties rows of `table` (in `scope`) to the signed-in user:
 * - `<owner or user column> = (select auth.uid())` (either side);
 * - a plan helper in schema `private` called with a column of the row first, e.g.
 *   `private.is_org_member(org_id)`;
 * - `exists (select 1 from public.<t> a where a.<key> = <table>.<fk> and <a binding term on a>)`,
 *   the two rows linked by a foreign key;
 * - `<fk> in (select a.<key> from public.<t> a where <a binding term on a>)`, likewise linked.
 */
export function bindsRow(
  e: SqlExpression,
  scope: Scope,
  table: Table,
  ctx: PolicyScope,
  depth = 0,
): boolean {
  if (e.kind === "binary" && e.op === "=") {
    for (const [a, b] of [[e.left, e.right], [e.right, e.left]]) {
      if (a === undefined || b === undefined || !isCurrentUserId(b)) continue;
      const column = columnOf(a, scope, table);
      if (column !== null && isUserColumn(table, column)) return true;
    }
    return false;
  }
  if (e.kind === "call" && e.schema === "private") {
    const [first] = e.args;
    return helperFunctions(ctx.plan).has(e.name) && first !== undefined &&
      columnOf(first, scope, table) !== null;
  }
  if (depth >= MAX_LINK_DEPTH) return false;
  if (e.kind === "exists" && e.query.from.length === 1) {
    const [from] = e.query.from;
    const inner = from?.schema === "public" ? ctx.tables.get(from.name) : undefined;
    if (inner === undefined || e.query.where === null) return false;
    const innerScope = queryScope(e.query, ctx.tables, scope);
    const parts = conjuncts(e.query.where);
    return parts.some((part) => linksRows(part, innerScope, inner, scope, table)) &&
      parts.some((part) => bindsRow(part, innerScope, inner, ctx, depth + 1));
  }
  if (e.kind === "in_select" && !e.negated && e.query.from.length === 1) {
    const [from] = e.query.from;
    const [item] = e.query.items;
    const inner = from?.schema === "public" ? ctx.tables.get(from.name) : undefined;
    if (inner === undefined || item === undefined || e.query.items.length !== 1) return false;
    if (e.query.where === null) return false;
    const innerScope = queryScope(e.query, ctx.tables, scope);
    const outerColumn = columnOf(e.arg, scope, table);
    const innerColumn = columnOf(item, innerScope, inner);
    if (outerColumn === null || innerColumn === null) return false;
    return sameEntity(outerColumn, table, innerColumn, inner) &&
      conjuncts(e.query.where).some((part) => bindsRow(part, innerScope, inner, ctx, depth + 1));
  }
  return false;
}

function fromProblems(
  from: readonly FromItem[],
  ctx: PolicyScope,
  reads: Set<string>,
): string[] {
  const problems: string[] = [];
  for (const item of from) {
    if (item.schema === null) {
      problems.push(`it reads table "${item.name}" without a schema; write public.${item.name}`);
    } else if (item.schema !== "public" || !ctx.tables.has(item.name)) {
      problems.push(
        `it reads ${item.schema}.${item.name}, which is not a table of the plan; policies may ` +
          "read only the plan's public tables",
      );
    } else if (item.name === ctx.table.name) {
      problems.push(
        `it reads its own table "${item.name}", which makes Postgres recurse into the same ` +
          "policies; compare the row's own columns instead",
      );
    } else reads.add(item.name);
  }
  return problems;
}

/**
 * Checks a policy expression (USING or WITH CHECK) on its table: what it may call and read,
 * that its columns exist, and how each `or` operand relates rows to the signed-in user.
 */
export function analysePolicyExpression(text: string, ctx: PolicyScope): PolicyAnalysis {
  const parsed = parseExpression(text);
  if (!parsed.ok) return { problems: [parsed.reason], reads: [], operands: [] };
  const problems: string[] = [];
  const reads = new Set<string>();
  const helpers = helperFunctions(ctx.plan);
  const root = rootScope(ctx.table);

  const visit = (e: SqlExpression, scope: Scope): void => {
    switch (e.kind) {
      case "scalar_select": {
        if (isCurrentUserId(e)) return;
        problems.push(
          `it uses the subquery "${renderExpression(e)}"; the only scalar subquery allowed is ` +
            "(select auth.uid())",
        );
        return;
      }
      case "exists":
      case "in_select": {
        problems.push(...fromProblems(e.query.from, ctx, reads));
        const inner = queryScope(e.query, ctx.tables, scope);
        if (e.kind === "in_select") visit(e.arg, scope);
        for (const item of e.query.from) if (item.on !== null) visit(item.on, inner);
        for (const item of e.query.items) visit(item, inner);
        if (e.query.where !== null) visit(e.query.where, inner);
        return;
      }
      case "call": {
        const name = `${e.schema === null ? "" : `${e.schema}.`}${e.name}`;
        if (e.schema === "auth" && e.name === "uid" && e.args.length === 0) {
          // Only reached when not written as (select auth.uid()), which is a leaf.
          problems.push(
            "wrap auth.uid() as (select auth.uid()) so Postgres evaluates it once per statement",
          );
        } else if (e.schema === "private" && helpers.has(e.name)) {
          const helper = helpers.get(e.name);
          for (const role of ctx.policy.roles) {
            if (!helper?.executeRoles.includes(role)) {
              problems.push(
                `role ${role} cannot execute ${name}(); grant it execute or drop the role from ` +
                  "the policy",
              );
            }
          }
        } else if (
          e.schema !== null || (!SCALAR_FUNCTIONS.has(e.name) && !TIME_FUNCTIONS.has(e.name))
        ) {
          const hint = e.schema === "auth"
            ? "; identify the user only with (select auth.uid()) compared to an owner column " +
              "(auth.jwt() carries user-editable metadata)"
            : "; policies may call (select auth.uid()), the plan's private helpers " +
              `(${[...helpers.keys()].map((h) => `private.${h}`).join(", ") || "none"}) and ` +
              "pure functions such as lower() and coalesce()";
          problems.push(`it calls ${name}()${hint}`);
        }
        for (const arg of e.args) visit(arg, scope);
        return;
      }
      case "column": {
        const found = resolve(e, scope);
        if (found === null) {
          problems.push(
            e.qualifier === null
              ? `column "${e.name}" does not exist on table "${ctx.table.name}"`
              : `"${e.qualifier}.${e.name}" names neither a column of "${ctx.table.name}" nor ` +
                "one of a table the expression reads",
          );
        }
        return;
      }
      default:
        for (const child of childExpressions(e)) visit(child, scope);
    }
  };

  visit(parsed.expression, root);

  const operands = disjuncts(parsed.expression).map((operand) => ({
    text: renderExpression(operand),
    binds: conjuncts(operand).some((part) => bindsRow(part, root, ctx.table, ctx)),
    mentionsUser: mentionsUser(operand),
  }));
  return { problems: [...new Set(problems)], reads: [...reads], operands };
}
