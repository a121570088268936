/** @module Unit tests of SQL identifier validation and quoting. */
import assert from "node:assert/strict";
import {
  checkIdentifier,
  isIdentifier,
  qualified,
  quoteIdent,
  quoteLiteral,
  RESERVED_KEYWORDS,
  toIdentifier,
} from "../../functions-shared/sql/identifier.ts";

Deno.test("checkIdentifier accepts lowercase snake_case names up to 63 characters", () => {
  for (const name of ["listings", "_private", "owner_id", "a1", "x".repeat(63)]) {
    assert.ok(isIdentifier(name), name);
  }
});

Deno.test("checkIdentifier rejects bad names with a reason that completes a sentence", () => {
  const reasons = {
    "": "it is empty",
    "Listings": "it is not lowercase snake_case",
    "1st": "it is not lowercase snake_case",
    "owner-id": "it is not lowercase snake_case",
    "naïve": "it is not lowercase snake_case",
    "select": "it is a reserved word",
    "user": "it is a reserved word",
    "order": "it is a reserved word",
  };
  for (const [name, reason] of Object.entries(reasons)) {
    const check = checkIdentifier(name);
    assert.equal(check.ok, false, name);
    if (!check.ok) assert.ok(check.reason.startsWith(reason), `${name}: ${check.reason}`);
  }
  const long = checkIdentifier("x".repeat(64));
  assert.deepEqual(long, {
    ok: false,
    reason: "it is 64 characters long; Postgres allows at most 63",
  });
});

Deno.test("the reserved list covers Postgres' reserved and type/function-name keywords", () => {
  for (const word of ["all", "check", "left", "join", "system_user", "tablesample", "verbose"]) {
    assert.ok(RESERVED_KEYWORDS.has(word), word);
  }
  for (const word of ["name", "role", "plan", "status", "position", "value"]) {
    assert.ok(!RESERVED_KEYWORDS.has(word), `${word} is not reserved`);
  }
  assert.equal(RESERVED_KEYWORDS.size, 101);
});

Deno.test("toIdentifier brands valid names and throws a TypeError naming the value otherwise", () => {
  assert.equal(toIdentifier("bids"), "bids");
  assert.throws(() => toIdentifier("select"), {
    name: "TypeError",
    message: 'Cannot use identifier "select": it is a reserved word',
  });
});

Deno.test("quoteIdent and qualified double-quote names", () => {
  assert.equal(quoteIdent(toIdentifier("listings")), '"listings"');
  assert.equal(qualified(toIdentifier("public"), toIdentifier("listings")), '"public"."listings"');
});

Deno.test("quoteLiteral doubles quotes, escapes backslashes and refuses NUL", () => {
  assert.equal(quoteLiteral("plain"), "'plain'");
  assert.equal(quoteLiteral("it's"), "'it''s'");
  assert.equal(quoteLiteral(""), "''");
  assert.equal(quoteLiteral("a\\b'c"), "E'a\\\\b''c'");
  assert.throws(() => quoteLiteral("a\0b"), TypeError);
});
