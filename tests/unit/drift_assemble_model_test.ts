/** @module Catalog rows to model: nesting, code mapping, ordering independent of row order. */
import assert from "node:assert/strict";
import { assembleModel, type CatalogRows } from "../../functions-shared/drift/assemble_model.ts";
import { catalogRowsFromStatement } from "../../functions-shared/drift/introspect.ts";

function rows(overrides: Partial<CatalogRows> = {}): CatalogRows {
  return {
    meta: [{
      serverVersionNum: 150020,
      apiSchemas: "public, graphql_public",
      hasAuthUsers: true,
      authUsersRls: false,
      roles: [{ name: "postgres", bypassRls: true, superuser: false }, {
        name: "anon",
        bypassRls: false,
        superuser: false,
      }],
      sessionSearchPath: "",
      inTransaction: false,
    }],
    extensions: [],
    schemas: [],
    relations: [],
    columns: [],
    constraints: [],
    indexes: [],
    policies: [],
    triggers: [],
    routines: [],
    enums: [],
    publications: [],
    defaultPrivileges: [],
    buckets: [{ buckets: null }],
    ...overrides,
  };
}

const relation = (name: string, relkind: string, extra: Record<string, unknown> = {}) => ({
  schema: "public",
  name,
  relkind,
  owner: "postgres",
  unlogged: false,
  rls: true,
  forceRls: false,
  replicaIdentity: "d",
  replicaIdentityIndex: null,
  partitionOf: null,
  partitionBound: null,
  partitionKey: null,
  options: [],
  viewDefinition: null,
  readsAuthUsers: false,
  sequence: null,
  ownedBy: null,
  grants: [
    { grantee: "service_role", privilege: "SELECT", grantable: false },
    { grantee: "anon", privilege: "SELECT", grantable: false },
  ],
  ...extra,
});

Deno.test("platform facts come from the meta row", () => {
  const m = assembleModel(rows());
  assert.deepEqual(m.platform.apiSchemas, ["public", "graphql_public"]);
  assert.deepEqual(m.platform.roles.map((r) => r.name), ["anon", "postgres"]);
  assert.equal(m.platform.authUsersRls, false);
  assert.equal(m.buckets, null);
});

Deno.test("tables collect their columns in position order, the rest by name", () => {
  const m = assembleModel(rows({
    relations: [
      relation("listings", "r"),
      relation("v", "v", {
        viewDefinition: " SELECT 1;",
        options: ["security_invoker=on", "check_option=local"],
      }),
    ],
    columns: [
      {
        schema: "public",
        table: "listings",
        name: "title",
        type: "text",
        notNull: true,
        default: null,
        identity: null,
        generated: null,
        collation: null,
        grants: [],
        position: 2,
      },
      {
        schema: "public",
        table: "listings",
        name: "id",
        type: "uuid",
        notNull: true,
        default: "gen_random_uuid()",
        identity: null,
        generated: null,
        collation: null,
        grants: [],
        position: 1,
      },
    ],
    policies: [
      {
        schema: "public",
        table: "listings",
        name: "b",
        command: "w",
        permissive: false,
        roles: ["authenticated", "anon"],
        using: "true",
        withCheck: null,
      },
      {
        schema: "public",
        table: "listings",
        name: "a",
        command: "*",
        permissive: true,
        roles: ["public"],
        using: null,
        withCheck: "true",
      },
    ],
    triggers: [
      {
        schema: "auth",
        table: "users",
        name: "on_signup",
        definition: "CREATE TRIGGER on_signup ...",
        enabled: "D",
        function: "public.handle",
      },
    ],
  }));
  const listings = m.tables[0]!;
  assert.deepEqual(listings.columns.map((c) => c.name), ["id", "title"]);
  assert.deepEqual(listings.policies.map((p) => [p.name, p.command, p.permissive, p.roles]), [
    ["a", "ALL", true, ["public"]],
    ["b", "UPDATE", false, ["anon", "authenticated"]],
  ]);
  assert.deepEqual(listings.grants.map((g) => g.grantee), ["anon", "service_role"]);
  const v = m.views[0]!;
  assert.deepEqual([v.definition, v.securityInvoker, v.options], ["SELECT 1", true, [
    "check_option=local",
  ]]);
  assert.deepEqual(m.platformTables, [{
    schema: "auth",
    name: "users",
    policies: [],
    triggers: [{
      name: "on_signup",
      definition: "CREATE TRIGGER on_signup ...",
      enabled: "disabled",
      function: "public.handle",
    }],
  }]);
});

Deno.test("the single statement's row is read whether parsed or JSON text", () => {
  const raw = Object.fromEntries(Object.entries(rows()).map(([k, v]) => [k, v]));
  const parsed = catalogRowsFromStatement([{ model: raw }]);
  const text = catalogRowsFromStatement([{ model: JSON.stringify(raw) }]);
  assert.deepEqual(parsed, text);
  assert.deepEqual(assembleModel(parsed), assembleModel(rows()));
  assert.throws(() => catalogRowsFromStatement([]), /expected one row with a JSON `model`/);
});

Deno.test("unknown catalog codes are refused with the field named", () => {
  assert.throws(
    () => assembleModel(rows({ relations: [relation("t", "r", { replicaIdentity: "x" })] })),
    /unknown replica identity "x"/,
  );
});
