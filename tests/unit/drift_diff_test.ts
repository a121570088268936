/**
 * @module The diff on hand-built models: categories, severities, what is folded into a missing
 * table, acknowledgement of neutralised unexpected objects, options, and verification of lints
 * (drift, inherited, acknowledged).
 */
import assert from "node:assert/strict";
import { compare, diff } from "../../functions-shared/drift/diff.ts";
import { verify } from "../../functions-shared/drift/verify.ts";
import { column, grant, model, policy, routine, table, view } from "./drift_models.ts";

const checks = (findings: readonly { check: string; category: string; resource: string }[]) =>
  findings.map((f) => `${f.category} ${f.check} ${f.resource}`).sort();

Deno.test("identical models have no findings", () => {
  const m = model({ tables: [table("listings")], routines: [routine("f")], views: [view("v")] });
  assert.deepEqual(compare(m, structuredClone(m)), { findings: [], acknowledged: [] });
});

Deno.test("a missing table is one finding whose fix rebuilds everything attached", () => {
  const listings = table("listings", { forceRls: true, replicaIdentity: "full" });
  const expected = model({
    tables: [listings],
    publications: [{
      ...model().publications[0]!,
      tables: [{ schema: "public", name: "listings", columns: null, rowFilter: null }],
    }],
  });
  const findings = diff(expected, model());
  assert.deepEqual(checks(findings), ["A table.missing public.listings"]);
  const phases = findings[0]!.fix.map((s) => s.phase);
  for (const p of ["table", "constraint", "rls", "policy", "privilege", "publication"]) {
    assert.ok(phases.includes(p as never), p);
  }
  assert.ok(findings[0]!.fix.some((s) => s.sql.includes("force row level security")));
});

Deno.test("RLS disabled is critical when API roles hold privileges, high otherwise", () => {
  const expected = model({
    tables: [table("a"), table("b", { grants: [grant("service_role", "SELECT")] })],
  });
  const actual = model({
    tables: [
      table("a", { rls: false }),
      table("b", { rls: false, grants: [grant("service_role", "SELECT")] }),
    ],
  });
  const findings = diff(expected, actual);
  assert.deepEqual(findings.map((f) => [f.check, f.resource, f.severity]), [
    ["table.rls_disabled", "public.a", "critical"],
    ["table.rls_disabled", "public.b", "high"],
  ]);
});

Deno.test("policies: missing, unexpected and changed", () => {
  const expected = model({
    tables: [table("t", { policies: [policy("read"), policy("frozen", { permissive: false })] })],
  });
  const actual = model({
    tables: [table("t", {
      policies: [
        policy("read", { using: "true" }),
        policy("anyone", { roles: ["anon"], using: "true" }),
      ],
    })],
  });
  assert.deepEqual(diff(expected, actual).map((f) => [f.check, f.resource, f.severity]), [
    ["policy.unexpected", "public.t.anyone", "critical"],
    ["policy.missing", "public.t.frozen", "critical"],
    ["policy.definition", "public.t.read", "critical"],
  ]);
});

Deno.test("privileges: each grantee and privilege is its own finding", () => {
  const expected = model({
    tables: [
      table("t", { grants: [grant("authenticated", "SELECT"), grant("service_role", "ALL")] }),
    ],
  });
  const actual = model({
    tables: [
      table("t", { grants: [grant("anon", "INSERT"), grant("authenticated", "SELECT", true)] }),
    ],
  });
  assert.deepEqual(diff(expected, actual).map((f) => [f.check, f.key, f.severity]), [
    ["grant.unexpected", "anon INSERT", "critical"],
    ["grant.grant_option", "authenticated SELECT", "medium"],
    ["grant.missing", "service_role ALL", "medium"],
  ]);
});

Deno.test("unexpected tables, functions and views are acknowledged once neutralised", () => {
  const expected = model();
  const exposed = model({
    tables: [table("notes", { rls: false, grants: [grant("anon", "SELECT")] })],
    routines: [routine("admin", { securityDefiner: true })],
    views: [view("emails", { securityInvoker: false, readsAuthUsers: true })],
  });
  const before = compare(expected, exposed);
  assert.deepEqual(before.findings.map((f) => [f.check, f.category, f.severity]), [
    ["function.unexpected", "F", "critical"],
    ["view.unexpected", "F", "critical"],
    ["table.unexpected", "F", "critical"],
  ]);
  assert.deepEqual(before.acknowledged, []);
  const neutral = model({
    tables: [table("notes", { rls: true, grants: [grant("service_role", "SELECT")] })],
    routines: [routine("admin", { securityDefiner: true, grants: [] })],
    views: [view("emails", { securityInvoker: false, readsAuthUsers: true, grants: [] })],
  });
  const after = compare(expected, neutral);
  assert.deepEqual(after.findings, []);
  assert.deepEqual(after.acknowledged.map((a) => a.resource), [
    "public.admin()",
    "public.emails",
    "public.notes",
  ]);
});

Deno.test("destructive fixes are marked: dropping a column, narrowing a type", () => {
  const expected = model({
    tables: [table("t", { columns: [column("id", "uuid"), column("n", "integer")] })],
  });
  const actual = model({
    tables: [
      table("t", { columns: [column("id", "uuid"), column("n", "bigint"), column("extra")] }),
    ],
  });
  const findings = diff(expected, actual);
  assert.deepEqual(findings.map((f) => [f.check, f.destructive]), [["column.type", true], [
    "column.unexpected",
    true,
  ]]);
  const widened = diff(
    actual,
    model({
      tables: [
        table("t", { columns: [column("id", "uuid"), column("n", "integer"), column("extra")] }),
      ],
    }),
  );
  assert.deepEqual(widened.map((f) => [f.check, f.destructive]), [["column.type", false]]);
});

Deno.test("options: a partial contract can ignore unexpected objects and owners", () => {
  const expected = model({ tables: [table("t")] });
  const actual = model({
    tables: [table("t", { owner: "someone" }), table("extra", { rls: false })],
  });
  assert.deepEqual(checks(diff(expected, actual)), [
    "B table.owner public.t",
    "F table.unexpected public.extra",
  ]);
  assert.deepEqual(diff(expected, actual, { reportUnexpected: false, compareOwners: false }), []);
  assert.deepEqual(checks(diff(expected, actual, { schemas: ["private"] })), []);
});

Deno.test("functions: SECURITY DEFINER is critical, a new signature is dropped and recreated", () => {
  const expected = model({ routines: [routine("f")] });
  const definer = diff(expected, model({ routines: [routine("f", { securityDefiner: true })] }));
  assert.deepEqual(definer.map((f) => [f.check, f.severity]), [[
    "function.security_definer",
    "critical",
  ]]);
  const signature = diff(expected, model({ routines: [routine("f", { returns: "bigint" })] }));
  assert.deepEqual(signature.map((f) => f.check), ["function.signature"]);
  assert.ok(signature[0]!.fix[0]!.sql.startsWith('drop routine if exists "public"."f"();'));
  assert.ok(signature[0]!.fix.some((s) => s.sql.startsWith("revoke all on routine")));
});

Deno.test("verification: lints are drift, inherited from the contract, or acknowledged", () => {
  // The contract deliberately leaves `catalog` readable without RLS.
  const open = table("catalog", { rls: false, policies: [], grants: [grant("anon", "SELECT")] });
  const contract = model({ tables: [open, table("orders")] });
  const clean = verify(contract, structuredClone(contract));
  assert.deepEqual(clean.findings, []);
  assert.deepEqual(clean.inherited.map((l) => l.name), ["rls_disabled_in_public"]);

  const drifted = verify(contract, model({ tables: [open, table("orders", { rls: false })] }));
  // orders is readable by authenticated, so RLS off is also rls_disabled_in_public and, with
  // its policies, policy_exists_rls_disabled: one root cause, one finding naming both lints.
  assert.deepEqual(drifted.findings.map((f) => [f.source, f.check, f.lints]), [
    ["diff", "table.rls_disabled", ["policy_exists_rls_disabled", "rls_disabled_in_public"]],
  ]);
  assert.equal(drifted.summary.drift, 1);
  assert.equal(drifted.summary.bySeverity.critical, 1);

  const neutralised = verify(
    contract,
    model({
      tables: [open, table("orders"), table("scratch", { policies: [], grants: [] })],
    }),
  );
  assert.deepEqual(neutralised.findings, []);
  assert.deepEqual(neutralised.acknowledged.map((a) => `${a.resource}: ${a.reason}`), [
    "public.scratch: not in the contract; RLS enabled and no privileges for anon, authenticated or PUBLIC",
    "public.scratch: rls_enabled_no_policy on an acknowledged object",
  ]);
});

Deno.test("verification: lints sharing a root cause with no diff finding are one finding", () => {
  // The contract knows nothing of RLS here (it compares no tables), so the lints stand alone.
  const open = table("accounts", {
    rls: false,
    grants: [grant("anon", "SELECT")],
    columns: [column("id", "uuid"), column("password")],
  });
  const v = verify(model(), model({ tables: [open] }), { schemas: ["private"] });
  const rls = v.findings.filter((f) => f.resource === "public.accounts");
  assert.equal(rls.length, 1, rls.map((f) => f.check).join(", "));
  assert.equal(rls[0]!.source, "lint");
  assert.deepEqual([...rls[0]!.lints].sort(), [
    "policy_exists_rls_disabled",
    "rls_disabled_in_public",
    "sensitive_columns_exposed",
  ]);
  assert.match(rls[0]!.fix[0]!.sql, /enable row level security/);
});
