/**
 * @module Unit tests of the expression parser, and a differential test against PostgreSQL's own
 * parser (libpg_query, through @supabase/pg-parser, used only here): whatever our parser accepts,
 * Postgres must parse too, calling the same functions, reading the same tables and splitting
 * into the same `or` operands — so the validator reasons about what Postgres will run.
 */
import assert from "node:assert/strict";
import { PgParser } from "@supabase/pg-parser";
import {
  conjuncts,
  disjuncts,
  expressionNodes,
  isCurrentUserId,
  parseExpression,
  renderExpression,
  type SqlExpression,
} from "../../functions-shared/sql/expression_parser.ts";

function parsed(text: string): SqlExpression {
  const result = parseExpression(text);
  assert.ok(result.ok, `${text}: ${!result.ok && result.reason}`);
  return result.expression;
}

/** Expressions plans use, and tricky ones whose structure must match Postgres'. */
const ACCEPTED = [
  "(select auth.uid()) = owner_id",
  "status in ('active', 'it''s sold')",
  "amount > 0 and amount <= 1e6",
  "private.has_org_role(org_id, array['owner', 'admin'])",
  "metadata ->> 'kind' = 'x' and tags @> array['a']::text[]",
  "exists (select 1 from public.listings l where l.id = bids.listing_id and l.owner_id = (select auth.uid()))",
  "org_id in (select m.org_id from public.memberships m where m.user_id = (select auth.uid()))",
  "auth.jwt()->'user_metadata'->>'role' = 'admin'",
  "query_to_xml('select email from auth.users', true, true, '')",
  "a<-1",
  "a <-1 or b",
  "created_at > now() - interval '1 day'",
  "rating between 1 and 5",
  "not rating between 1 and 5",
  "x is not distinct from y",
  "not a or b and c",
  "a or (b or c) or (d and (e or f))",
  "(select pg_sleep(10)) is not null",
  "date '2024-01-01' < current_date",
  "char_length(title) between 1 and 200",
  "coalesce(price, 0) >= 0 and lower(email) like '%@%'",
  "- -1 < x",
  "x = any (array[1, 2])",
  "name ~* '^a' and not (name !~ 'b')",
  "a = b is null",
  "a::text || 'x' = 'yx'",
  "(a) in (select b.c from public.b b join public.c c on c.id = b.c_id where c.x = 1)",
  "'or' = 'and' or 'select' = x",
  "x->'a'->>'b' is not null",
];

const REFUSED: Record<string, string> = {
  "a = b = c": "comparisons cannot be chained",
  "case when a then b end": 'unexpected "case"',
  "u&'x' = 'y'": 'unexpected "&"',
  "x::regclass": 'cannot cast to type "regclass"',
  "x collate \"C\" = 'a'": "double-quoted identifier",
  "count(*) > 1": "aggregate calls are not supported",
  "exists (select * from public.t)": "select * is not supported",
  "exists (select 1 from public.t union select 1)": 'expected ")"',
  "a.b.c.d = 1": "names have at most three parts",
  "x similar to 'a'": 'unexpected "similar"',
  "(select 1 from generate_series(1, 10))": "set-returning functions are not supported",
  "interval = 1": 'expected a quoted value after "interval"',
  "-2 ^ 2 = 4": 'unexpected "^"',
};

Deno.test("parseExpression accepts the plan's subset and renders it canonically", () => {
  for (const text of ACCEPTED) {
    const expression = parsed(text);
    const again = parsed(renderExpression(expression));
    assert.equal(renderExpression(again), renderExpression(expression), `round trip of ${text}`);
  }
  assert.equal(
    renderExpression(parsed("((SELECT auth.uid())   =\n Owner_Id)")),
    renderExpression(parsed("(select auth.uid()) = owner_id")),
  );
});

Deno.test("parseExpression refuses what is outside the subset, saying what", () => {
  for (const [text, reason] of Object.entries(REFUSED)) {
    const result = parseExpression(text);
    assert.ok(!result.ok, `${text} was accepted`);
    assert.ok(result.reason.includes(reason), `${text}: ${result.reason}`);
  }
});

Deno.test("disjuncts, conjuncts and isCurrentUserId read the tree", () => {
  const e = parsed("(a = 1 or b = 2) or (c = 3 and (select auth.uid()) = d)");
  assert.deepEqual(disjuncts(e).map(renderExpression), [
    "a = 1",
    "b = 2",
    "c = 3 and (select auth.uid()) = d",
  ]);
  const last = disjuncts(e)[2];
  assert.ok(last);
  assert.deepEqual(conjuncts(last).map(renderExpression), ["c = 3", "(select auth.uid()) = d"]);
  const uid = [...expressionNodes(e)].filter(isCurrentUserId);
  assert.equal(uid.length, 1);
  assert.ok(!isCurrentUserId(parsed("(select auth.uid() from public.t)")));
});

/** Names of calls, tables read, and or-operand count, as Postgres' parse tree has them. */
function postgresShape(node: unknown, out = { calls: [] as string[], tables: [] as string[] }) {
  if (Array.isArray(node)) {
    for (const item of node) postgresShape(item, out);
    return out;
  }
  if (node === null || typeof node !== "object") return out;
  const record = node as Record<string, unknown>;
  const call = record.FuncCall as { funcname?: { String: { sval: string } }[] } | undefined;
  if (call?.funcname) {
    const name = call.funcname.map((part) => part.String.sval).join(".");
    // The parser turns operators-as-functions into these; ours keeps them as operators.
    if (name !== "pg_catalog.timezone") out.calls.push(name);
  }
  const range = record.RangeVar as { schemaname?: string; relname: string } | undefined;
  if (range) out.tables.push(`${range.schemaname ?? ""}.${range.relname}`);
  for (const value of Object.values(record)) postgresShape(value, out);
  return out;
}

function postgresOrCount(node: unknown): number {
  const bool = (node as { BoolExpr?: { boolop: string; args: unknown[] } }).BoolExpr;
  if (bool?.boolop === "OR_EXPR") {
    return bool.args.reduce<number>((n, a) => n + postgresOrCount(a), 0);
  }
  return 1;
}

function ourShape(expression: SqlExpression) {
  const calls: string[] = [];
  const tables: string[] = [];
  for (const node of expressionNodes(expression)) {
    if (node.kind === "call" && !["coalesce", "nullif", "greatest", "least"].includes(node.name)) {
      calls.push(`${node.schema === null ? "" : `${node.schema}.`}${node.name}`);
    }
    if (node.kind === "exists" || node.kind === "in_select" || node.kind === "scalar_select") {
      for (const item of node.query.from) tables.push(`${item.schema ?? ""}.${item.name}`);
    }
  }
  return { calls: calls.sort(), tables: tables.sort() };
}

Deno.test("whatever we accept, Postgres parses with the same calls, tables and or operands", async () => {
  const postgres = new PgParser({ version: 15 });
  for (const text of ACCEPTED) {
    const result = await postgres.parse(`select (${text})`);
    assert.ok(result.tree, `Postgres cannot parse what we accepted: ${text}`);
    const target = (result.tree.stmts?.[0]?.stmt as {
      SelectStmt?: { targetList: { ResTarget: { val: unknown } }[] };
    })
      ?.SelectStmt?.targetList?.[0]?.ResTarget.val;
    const theirs = postgresShape(target);
    const ours = ourShape(parsed(text));
    assert.deepEqual(ours.calls, theirs.calls.sort(), `calls in ${text}`);
    assert.deepEqual(ours.tables, theirs.tables.sort(), `tables in ${text}`);
    assert.equal(disjuncts(parsed(text)).length, postgresOrCount(target), `or operands of ${text}`);
  }
});

Deno.test("fragments that would break out of their parentheses never parse", async () => {
  for (
    const text of [
      "true) or (1 = 1",
      "true); drop table x; --",
      "1 = 1 -- ) or true",
      "$$ x $$ = 'x'",
      "E'\\'' = 'x'",
      "'a' /* ) */ = 'a'",
    ]
  ) {
    assert.ok(!parseExpression(text).ok, text);
  }
  // Why: embedded as (<fragment>), Postgres would run a second statement.
  const postgres = new PgParser({ version: 15 });
  const result = await postgres.parse("select (true); drop table x; --)");
  assert.equal(result.tree?.stmts?.length, 2);
});
