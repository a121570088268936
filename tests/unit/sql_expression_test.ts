/** @module Unit tests of SQL expression fragments: safety, canonical form, OR operands, references. */
import assert from "node:assert/strict";
import {
  canonicalExpression,
  disjunction,
  expressionProblem,
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
