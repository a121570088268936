/** @module Patches (order, dedup, destructive opt-in, enum values first) and reports. */
import assert from "node:assert/strict";
import { diff } from "../../functions-shared/drift/diff.ts";
import { patch, planPatch } from "../../functions-shared/drift/patch.ts";
import { renderJson, renderMarkdown } from "../../functions-shared/drift/report.ts";
import { verify } from "../../functions-shared/drift/verify.ts";
import { column, grant, model, table } from "./drift_models.ts";

const expected = model({
  tables: [table("t", { columns: [column("id", "uuid"), column("n", "integer")] })],
  enums: [{ schema: "public", name: "status", owner: "postgres", values: ["draft", "sold"] }],
});
const actual = model({
  tables: [
    table("t", {
      rls: false,
      columns: [column("id", "uuid"), column("n", "integer"), column("extra")],
      grants: [grant("authenticated", "SELECT"), grant("anon", "SELECT")],
    }),
  ],
  enums: [{ schema: "public", name: "status", owner: "postgres", values: ["draft"] }],
});

Deno.test("the default patch leaves destructive fixes out and says so", () => {
  const findings = diff(expected, actual);
  const text = patch(findings);
  assert.ok(text.includes("-- Left out, destructive (rerun with allowDestructive to include):"));
  assert.ok(!text.includes("drop column"));
  assert.ok(text.includes('alter table "public"."t" enable row level security;'));
  assert.ok(text.includes('revoke select on table "public"."t" from "anon";'));
  assert.ok(patch(findings, { allowDestructive: true }).includes("-- fixes F-"));
  assert.ok(
    patch(findings, { allowDestructive: true }).includes(
      'alter table "public"."t" drop column if exists "extra";',
    ),
  );
});

Deno.test("enum values are committed before the main transaction", () => {
  const text = patch(diff(expected, actual));
  const addValue = text.indexOf(
    `alter type "public"."status" add value if not exists 'sold' after 'draft';`,
  );
  assert.ok(addValue > 0 && addValue < text.lastIndexOf("begin;"));
  assert.ok(text.trimEnd().endsWith("commit;"));
  const bare = patch(diff(expected, actual), { transaction: false });
  assert.ok(!bare.includes("begin;") && !bare.includes("commit;"));
  assert.ok(bare.includes("select pg_catalog.set_config('check_function_bodies', 'off', true);"));
});

Deno.test("identical statements from several findings run once, in phase order", () => {
  const findings = diff(expected, actual);
  const doubled = [...findings, ...findings];
  const plan = planPatch(doubled);
  const sqls = plan.statements.map((s) => s.sql);
  assert.equal(new Set(sqls).size, sqls.length);
  const phases = plan.statements.map((s) => s.phase);
  assert.deepEqual(phases, ["enum value", "rls", "privilege"]);
});

Deno.test("markdown follows the evidence template; JSON carries the fix SQL", () => {
  const v = verify(expected, actual);
  const md = renderMarkdown(v, { notes: ["Catalog queries: 14"] });
  for (
    const field of [
      "Gap ID",
      "Category",
      "Severity",
      "Object",
      "Issue",
      "Evidence query",
      "Expected",
      "Actual",
      "Impact",
      "Fix",
    ]
  ) {
    assert.ok(md.includes(`- **${field}:**`), field);
  }
  assert.ok(md.includes("| Gap ID | Category | Severity | Object | Issue |"));
  assert.ok(md.includes("Catalog queries: 14"));
  assert.ok(md.includes("⚠️ destructive"));
  const json = JSON.parse(renderJson(v));
  assert.equal(json.summary.drift, v.summary.drift);
  assert.ok(json.findings.every((f: { fixSql: unknown }) => typeof f.fixSql === "string"));
  assert.ok(renderMarkdown(verify(expected, expected)).includes("**No drift.**"));
});
