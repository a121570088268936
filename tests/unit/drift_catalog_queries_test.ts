/** @module The catalog query texts: one per kind, the single statement, path handling. */
import assert from "node:assert/strict";
import {
  CATALOG_KINDS,
  grantsJson,
  kindQuery,
  kindSql,
  modelStatement,
  restoreSearchPath,
  userSchemaPredicate,
} from "../../functions-shared/drift/catalog_queries.ts";
import { isPlatformSchema } from "../../functions-shared/drift/platform.ts";

Deno.test("platform schemas", () => {
  for (
    const s of [
      "auth",
      "storage",
      "realtime",
      "vault",
      "net",
      "pgmq",
      "cron",
      "extensions",
      "graphql",
      "graphql_public",
      "pgsodium",
      "supabase_functions",
      "supabase_migrations",
      "supabase_compat",
      "supabase_anything",
      "pg_catalog",
      "information_schema",
      "pg_toast",
      "pg_temp_3",
    ]
  ) {
    assert.ok(isPlatformSchema(s), s);
  }
  for (const s of ["public", "private", "langgraph", "app"]) assert.ok(!isPlatformSchema(s), s);
});

Deno.test("user schema predicate", () => {
  const sql = userSchemaPredicate("n", { extraPlatformSchemas: ["legacy"] });
  assert.ok(sql.startsWith("(n.nspname not in ('pg_catalog', 'information_schema', 'auth', "));
  assert.ok(sql.endsWith(", 'legacy') and n.nspname !~ '^(supabase_|pg_toast|pg_temp_)')"));
});

Deno.test("grants JSON uses the built-in default ACL when the object has none", () => {
  assert.equal(
    grantsJson("p.proacl", "p.proowner", "'f'"),
    "(select coalesce(pg_catalog.json_agg(pg_catalog.json_build_object('grantee', case when acl.grantee = 0 " +
      "then 'PUBLIC' else pg_catalog.pg_get_userbyid(acl.grantee)::text end, 'privilege', acl.privilege_type, " +
      "'grantable', acl.is_grantable)), '[]'::json) from pg_catalog.aclexplode(coalesce(p.proacl, " +
      "pg_catalog.acldefault(('f')::\"char\", p.proowner))) acl where acl.grantee <> p.proowner)",
  );
});

Deno.test("each kind query sets an empty search_path before producing rows", () => {
  for (const kind of CATALOG_KINDS.filter((k) => k !== "meta")) {
    const sql = kindQuery(kind);
    assert.ok(
      sql.startsWith(
        "select coalesce(pg_catalog.json_agg(k), '[]'::json) as rows\nfrom (select pg_catalog.set_config('search_path', '', true) as sp) s\ncross join lateral (select * from (\n",
      ),
      kind,
    );
    assert.ok(sql.endsWith("\n) k0 where s.sp is not null offset 0) k"), kind);
    assert.ok(sql.includes(kindSql(kind)), kind);
  }
  assert.ok(!kindQuery("meta").includes("set_config"), "meta reads the caller's path first");
});

Deno.test("the single statement holds every kind as a correlated subquery", () => {
  const sql = modelStatement();
  for (const kind of CATALOG_KINDS) assert.ok(sql.includes(`  '${kind}', (select coalesce(`), kind);
  assert.equal(sql.match(/where s\.sp is not null\)/g)?.length, CATALOG_KINDS.length);
  assert.ok(
    sql.endsWith(
      ") as model\nfrom (select pg_catalog.set_config('search_path', '', true) as sp) s",
    ),
  );
  assert.ok(!sql.includes("$1"), "no parameters: execute_sql takes plain text");
});

Deno.test("storage buckets are read through dynamic SQL", () => {
  const sql = kindSql("buckets");
  assert.ok(sql.includes("case when pg_catalog.to_regclass('storage.buckets') is not null then"));
  assert.ok(
    sql.includes("pg_catalog.query_to_xml('select pg_catalog.encode(pg_catalog.convert_to("),
  );
  assert.ok(
    !/from storage\.buckets b'\)/.test(sql) || sql.includes("''"),
    "inner query is a quoted literal",
  );
});

Deno.test("restoring the caller's search_path is parameterised", () => {
  assert.deepEqual(restoreSearchPath('"$user", public'), {
    text: "select pg_catalog.set_config('search_path', $1, true)",
    values: ['"$user", public'],
  });
});
