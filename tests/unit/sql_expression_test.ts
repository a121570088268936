/** @module Unit tests of SQL expression fragments: safety, canonical form, OR operands, references. */
import assert from "node:assert/strict";
import {
  canonicalExpression,
  disjunction,
  expressionProblem,
  expressionReferences,
  topLevelDisjuncts,
} from "../../functions-shared/sql/expression.ts";

Deno.test("expressionProblem accepts ordinary policy and check expressions", () => {
  for (
    const expression of [
      "(select auth.uid()) = owner_id",
      "status in ('active', 'it''s sold')",
      "amount > 0 and amount <= 1e6",
      "private.has_org_role(org_id, array['owner', 'admin'])",
      "metadata ->> 'kind' = 'x' and tags @> array['a']::text[]",
    ]
  ) {
    assert.equal(expressionProblem(expression), null, expression);
  }
});

Deno.test("expressionProblem refuses fragments that could escape their parentheses", () => {
  const cases: Record<string, string> = {
    "true; drop table bids": "it contains a semicolon",
    "true) or (1 = 1": "it has unbalanced parentheses",
    "(true": "it has unbalanced parentheses",
    "true -- comment": "it contains a SQL comment",
    "true /* x */": "it contains a SQL comment",
    "$$x$$ = 'x'": "it contains a dollar sign",
    '"Owner" = 1': "it contains a double-quoted identifier",
    "E'\\'' = 'x'": "it contains a backslash",
    "E'\\' ' ); drop table x; --'": "it contains a backslash",
    "name = 'open": "it has an unterminated string literal",
    "a = `b`": 'it contains the character "`"',
    "   ": "it is empty",
  };
  for (const [expression, reason] of Object.entries(cases)) {
    assert.ok(
      expressionProblem(expression)?.startsWith(reason),
      `${expression}: ${expressionProblem(expression)}`,
    );
  }
});

Deno.test("canonicalExpression ignores layout, case and redundant outer parentheses", () => {
  assert.equal(
    canonicalExpression("((SELECT auth.uid())   =\n owner_id)"),
    canonicalExpression("(select auth.uid()) = owner_id"),
  );
  assert.equal(canonicalExpression("status = 'Open'"), "status = 'Open'");
});

Deno.test("topLevelDisjuncts flattens nested ors and keeps ands whole", () => {
  assert.deepEqual(topLevelDisjuncts("(a = 1 or b = 2) or (c = 3 and d = 4)"), [
    "a = 1",
    "b = 2",
    "c = 3 and d = 4",
  ]);
  assert.deepEqual(topLevelDisjuncts("exists (select 1 from t where a or b)"), [
    "exists ( select 1 from t where a or b )",
  ]);
  assert.equal(disjunction(["a", "b or c"]), "(a) or (b or c)");
  assert.equal(disjunction(["a"]), "a");
});

Deno.test("expressionReferences finds relations, aliases, functions and columns", () => {
  const refs = expressionReferences(
    "(select auth.uid()) = bidder_id or exists (select 1 from public.listings l " +
      "where l.id = bids.listing_id and l.owner_id = (select auth.uid()))",
  );
  assert.deepEqual(refs.relations, [{ schema: "public", name: "listings" }]);
  assert.deepEqual(refs.aliases.get("l"), { schema: "public", name: "listings" });
  assert.deepEqual(refs.functions, [
    { schema: "auth", name: "uid" },
    { schema: "auth", name: "uid" },
  ]);
  assert.deepEqual(refs.columns, [
    { qualifier: null, column: "bidder_id" },
    { qualifier: "l", column: "id" },
    { qualifier: "bids", column: "listing_id" },
    { qualifier: "l", column: "owner_id" },
  ]);
  assert.deepEqual(refs.unwrappedAuthCalls, []);
  assert.deepEqual(refs.unqualifiedRelations, []);
});

Deno.test("expressionReferences flags bare auth.uid() and unqualified tables, skips casts", () => {
  const refs = expressionReferences("auth.uid() = owner_id and exists (select 1 from listings)");
  assert.deepEqual(refs.unwrappedAuthCalls, ["auth.uid()"]);
  assert.deepEqual(refs.unqualifiedRelations, ["listings"]);
  const cast = expressionReferences("created_at > now() - interval '1 day' and kind::text = 'a'");
  assert.deepEqual(cast.columns.map((c) => c.column), ["created_at", "kind"]);
});
