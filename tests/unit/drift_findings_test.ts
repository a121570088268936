/** @module Finding fingerprints, Gap IDs and fix ordering. */
import assert from "node:assert/strict";
import { finding, fingerprintOf, fixSql } from "../../functions-shared/drift/findings.ts";

Deno.test("fingerprints are 64-bit FNV-1a of what is wrong and where", () => {
  assert.equal(fingerprintOf(""), "cbf29ce484222325");
  assert.equal(fingerprintOf("a"), "af63dc4c8601ec8c");
  assert.equal(fingerprintOf("foobar"), "85944171f73967e8");
});

Deno.test("a finding's fingerprint ignores severity, texts and fix; its Gap ID carries the category", () => {
  const base = {
    check: "table.rls_disabled",
    category: "C" as const,
    severity: "critical" as const,
    objectKind: "table" as const,
    resource: "public.bids",
    issue: "RLS is disabled.",
    expected: "RLS enabled",
    actual: "RLS disabled",
    evidence: "select 1;",
    impact: "Rows leak.",
    fix: [{
      phase: "rls" as const,
      sql: "alter table x enable row level security;",
      destructive: false,
    }],
  };
  const a = finding(base);
  const b = finding({ ...base, severity: "high", issue: "other words", fix: [] });
  assert.equal(a.fingerprint, b.fingerprint);
  assert.equal(a.id, `C-${a.fingerprint.slice(0, 8)}`);
  assert.notEqual(finding({ ...base, resource: "public.orders" }).fingerprint, a.fingerprint);
  assert.notEqual(finding({ ...base, key: "anon SELECT" }).fingerprint, a.fingerprint);
  assert.equal(a.destructive, false);
  assert.equal(a.source, "diff");
});

Deno.test("a finding's fix SQL runs in phase order and labels destructive statements", () => {
  const f = finding({
    check: "column.type",
    category: "B",
    severity: "high",
    objectKind: "column",
    resource: "public.t.c",
    issue: "",
    expected: null,
    actual: null,
    evidence: "",
    impact: "",
    fix: [
      { phase: "privilege", sql: "grant 2;", destructive: false },
      { phase: "column", sql: "alter 1;", destructive: true },
    ],
  });
  assert.equal(f.destructive, true);
  assert.equal(fixSql(f), "-- DESTRUCTIVE: loses data\nalter 1;\ngrant 2;");
});
