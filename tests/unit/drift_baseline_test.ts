/** @module The platform baseline: what the migrations did not create or change is not drift. */
import assert from "node:assert/strict";
import { findingObject, splitBaseline } from "../../functions-shared/drift/baseline.ts";
import type { Extension, Model } from "../../functions-shared/drift/model.ts";
import { patch } from "../../functions-shared/drift/patch.ts";
import { renderJson, renderMarkdown } from "../../functions-shared/drift/report.ts";
import { verify } from "../../functions-shared/drift/verify.ts";
import { grant, model, table } from "./drift_models.ts";

const ext = (name: string, schema = "extensions"): Extension => ({
  name,
  schema,
  version: "1.0",
});

/** The scratch database before the migrations: pgcrypto, Vault, grants on public. */
const baseline: Model = model({
  extensions: [ext("pgcrypto"), ext("supabase_vault", "vault")],
  schemas: [{
    name: "public",
    owner: "pg_database_owner",
    grants: [grant("PUBLIC", "USAGE"), grant("postgres", "USAGE"), grant("postgres", "CREATE")],
  }],
});

/** After the migrations: a table, anon's USAGE on public, supabase_realtime publishing it. */
const contract: Model = {
  ...baseline,
  schemas: [{
    ...baseline.schemas[0]!,
    grants: [...baseline.schemas[0]!.grants, grant("anon", "USAGE")],
  }],
  tables: [table("notes")],
  publications: [{
    ...baseline.publications[0]!,
    tables: [{ schema: "public", name: "notes", columns: null, rowFilter: null }],
  }],
};

/** A plain database holding the same migrations: none of the platform's extras. */
const plain: Model = {
  ...contract,
  extensions: [],
  schemas: [{
    name: "public",
    owner: "pg_database_owner",
    grants: [grant("PUBLIC", "USAGE"), grant("anon", "USAGE")],
  }],
};

Deno.test("baseline: platform differences are informational, not drift, not in the patch", () => {
  const v = verify(contract, plain, { baseline });
  assert.deepEqual(v.findings, []);
  assert.equal(v.summary.drift, 0);
  assert.deepEqual(v.baseline.map((f) => `${f.check} ${f.resource} ${f.key}`.trim()), [
    "extension.missing pgcrypto",
    "extension.missing supabase_vault",
    "grant.missing public postgres CREATE",
    "grant.missing public postgres USAGE",
  ]);
  assert.equal(v.summary.baseline, 4);
  assert.ok(!patch(v.findings).includes("create extension"));
  const md = renderMarkdown(v);
  assert.match(md, /\*\*No drift\.\*\*/);
  assert.match(md, /## Platform baseline \(informational, not drift\)/);
  assert.match(md, /- extension `supabase_vault`: Extension supabase_vault is not installed\./);
  assert.equal(JSON.parse(renderJson(v)).baseline.length, 4);
  // Without the baseline every one of them is drift, as before.
  assert.equal(verify(contract, plain).summary.drift, 4);
});

Deno.test("baseline: what the migrations create or change stays drift", () => {
  // anon's USAGE on public was granted by a migration: losing it is drift.
  const noAnon: Model = {
    ...plain,
    schemas: [{ ...plain.schemas[0]!, grants: [grant("PUBLIC", "USAGE")] }],
  };
  assert.deepEqual(
    verify(contract, noAnon, { baseline }).findings.map((f) => `${f.check} ${f.key}`),
    ["grant.missing anon USAGE"],
  );
  // The migrations changed supabase_realtime: its options are the contract's.
  const insertOnly: Model = {
    ...plain,
    publications: [{ ...plain.publications[0]!, update: false, delete: false }],
  };
  assert.deepEqual(
    verify(contract, insertOnly, { baseline }).findings.map((f) => f.check),
    ["publication.options"],
  );
  // An addition nothing created is drift wherever it sits, platform objects included.
  const opened: Model = {
    ...plain,
    schemas: [{
      ...plain.schemas[0]!,
      grants: [...plain.schemas[0]!.grants, grant("anon", "CREATE")],
    }],
  };
  assert.deepEqual(
    verify(contract, opened, { baseline }).findings.map((f) => `${f.check} ${f.key}`),
    ["grant.unexpected anon CREATE"],
  );
  // A baseline object the migrations changed (moved): a difference on it is drift.
  const moved: Model = {
    ...contract,
    extensions: [ext("pgcrypto", "public"), ext("supabase_vault", "vault")],
  };
  const movedContract: Model = { ...contract, extensions: moved.extensions };
  assert.deepEqual(
    verify(movedContract, plain, { baseline }).findings.map((f) => `${f.check} ${f.resource}`),
    ["extension.missing pgcrypto"],
  );
});

Deno.test("baseline: findings are keyed to their object, grants per grantee and privilege", () => {
  const split = splitBaseline(
    verify(contract, plain).findings,
    { baseline, contract, actual: plain },
  );
  assert.equal(split.contract.length, 0);
  const [first] = split.baseline;
  assert.equal(findingObject(first!, [contract]), "extension:pgcrypto");
  const grantFinding = split.baseline.find((f) => f.check === "grant.missing")!;
  assert.equal(findingObject(grantFinding, [contract]), "grant:public:postgres CREATE");
});
