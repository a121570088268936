/** @module Exact text of the drift engine's fix SQL builders. */
import assert from "node:assert/strict";
import {
  addEnumValueSql,
  columnClause,
  createPolicySql,
  createTableSql,
  ensureConstraintSql,
  grantSql,
  guardedSql,
  isLosslessTypeChange,
  publicationAddTableSql,
  revokeAllSql,
  revokeSql,
  routineSignature,
  upsertBucketSql,
} from "../../functions-shared/drift/fix_sql.ts";
import { dollarQuote, quoteName, roleName } from "../../functions-shared/drift/names.ts";
import { column, grant, policy, table } from "./drift_models.ts";

Deno.test("names: any catalog name is quoted, PUBLIC stays a keyword", () => {
  assert.equal(quoteName('Order "x"'), '"Order ""x"""');
  assert.equal(roleName("PUBLIC"), "public");
  assert.equal(roleName("anon"), '"anon"');
  assert.equal(dollarQuote("select 1"), "$fix$");
  assert.equal(dollarQuote("a $fix$ b $fix1$"), "$fix2$");
});

Deno.test("grants: table, column, routine and schema targets", () => {
  assert.equal(
    grantSql({ kind: "table", schema: "public", name: "listings" }, grant("anon", "SELECT")),
    'grant select on table "public"."listings" to "anon";',
  );
  assert.equal(
    grantSql(
      { kind: "column", schema: "public", table: "bids", column: "amount" },
      grant("anon", "SELECT, UPDATE", true),
    ),
    'grant select ("amount"), update ("amount") on table "public"."bids" to "anon" with grant option;',
  );
  const fn = {
    kind: "routine" as const,
    schema: "public",
    name: "place_bid",
    identityArgs: "p_id uuid",
  };
  assert.equal(
    revokeSql(fn, grant("PUBLIC", "EXECUTE")),
    'revoke execute on routine "public"."place_bid"(p_id uuid) from public;',
  );
  assert.equal(
    revokeAllSql({ kind: "schema", name: "private" }, ["PUBLIC", "anon"]),
    'revoke all on schema "private" from public, "anon";',
  );
  assert.equal(routineSignature({ schema: "a b", name: "f", identityArgs: "" }), '"a b"."f"()');
});

Deno.test("guarded DO blocks evaluate with an empty search_path and restore the caller's", () => {
  assert.equal(
    guardedSql("true", ["select 1;"]),
    [
      "do $fix$",
      "declare",
      "  caller_path text := pg_catalog.current_setting('search_path');",
      "begin",
      "  perform pg_catalog.set_config('search_path', '', true);",
      "  if true then",
      "    select 1;",
      "  end if;",
      "  perform pg_catalog.set_config('search_path', caller_path, true);",
      "end",
      "$fix$;",
    ].join("\n"),
  );
});

Deno.test("constraints are replaced only when absent or different", () => {
  const sql = ensureConstraintSql({ schema: "public", name: "bids" }, {
    name: "bids_amount_check",
    type: "check",
    definition: "CHECK ((amount > 0))",
    columns: ["amount"],
  });
  assert.ok(sql.includes(
    "if not exists (select 1 from pg_catalog.pg_constraint c where c.conrelid = " +
      "pg_catalog.to_regclass('\"public\".\"bids\"') and c.conname = 'bids_amount_check' and " +
      "pg_catalog.pg_get_constraintdef(c.oid) = 'CHECK ((amount > 0))') then",
  ));
  assert.ok(
    sql.includes(
      '    alter table "public"."bids" drop constraint if exists "bids_amount_check";\n',
    ),
  );
  assert.ok(
    sql.includes(
      '    alter table "public"."bids" add constraint "bids_amount_check" CHECK ((amount > 0));\n',
    ),
  );
});

Deno.test("columns and tables", () => {
  assert.equal(
    columnClause(column("id", "bigint", { identity: "always", notNull: true })),
    '"id" bigint generated always as identity not null',
  );
  assert.equal(
    columnClause(
      column("search", "tsvector", { generated: "to_tsvector('simple'::regconfig, title)" }),
    ),
    `"search" tsvector generated always as (to_tsvector('simple'::regconfig, title)) stored`,
  );
  assert.equal(
    columnClause(
      column("name", "text", { collation: 'pg_catalog."C"', default: "''::text", notNull: true }),
    ),
    `"name" text collate pg_catalog."C" default ''::text not null`,
  );
  assert.equal(
    createTableSql(table("listings")),
    'create table if not exists "public"."listings" (\n' +
      '  "id" uuid default gen_random_uuid() not null,\n' +
      '  "owner_id" uuid not null\n' +
      ");",
  );
  assert.equal(
    createTableSql(table("y2024", {
      partitionOf: { schema: "public", name: "events" },
      partitionBound: "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    })),
    `create table if not exists "public"."y2024" partition of "public"."events" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');`,
  );
  assert.equal(createTableSql(table("remote", { kind: "foreign" })), null);
});

Deno.test("policies are created with command, roles and both expressions", () => {
  assert.equal(
    createPolicySql(
      "public",
      "listings",
      policy("owners update", {
        command: "UPDATE",
        roles: ["authenticated"],
        using: "(owner_id = ( SELECT auth.uid() AS uid))",
        withCheck: "(owner_id = ( SELECT auth.uid() AS uid))",
      }),
    ),
    'create policy "owners update" on "public"."listings"\n' +
      '  as permissive for update to "authenticated"\n' +
      "  using ((owner_id = ( SELECT auth.uid() AS uid)))\n" +
      "  with check ((owner_id = ( SELECT auth.uid() AS uid)));",
  );
  assert.equal(
    createPolicySql(
      "public",
      "t",
      policy("frozen", { permissive: false, roles: ["public"], using: "false" }),
    ),
    'create policy "frozen" on "public"."t"\n  as restrictive for select to public\n  using (false);',
  );
});

Deno.test("publications and enums", () => {
  const sql = publicationAddTableSql("supabase_realtime", {
    schema: "public",
    name: "bids",
    columns: ["id", "amount"],
    rowFilter: "(amount > 0)",
  });
  assert.ok(
    sql.includes(
      `if not exists (select 1 from pg_catalog.pg_publication_rel pr join pg_catalog.pg_publication p on p.oid = pr.prpubid where p.pubname = 'supabase_realtime' and pr.prrelid = pg_catalog.to_regclass('"public"."bids"')) then`,
    ),
  );
  assert.ok(
    sql.includes(
      `alter publication "supabase_realtime" add table "public"."bids" ("id", "amount") where ((amount > 0));`,
    ),
  );
  assert.equal(
    addEnumValueSql({ schema: "public", name: "status" }, "sold", "active", null),
    `alter type "public"."status" add value if not exists 'sold' after 'active';`,
  );
  assert.equal(
    addEnumValueSql({ schema: "public", name: "status" }, "new", null, "draft"),
    `alter type "public"."status" add value if not exists 'new' before 'draft';`,
  );
});

Deno.test("buckets are upserted", () => {
  assert.equal(
    upsertBucketSql({
      id: "avatars",
      name: "avatars",
      public: false,
      fileSizeLimit: "1024",
      allowedMimeTypes: ["image/png"],
    }),
    "insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)\n" +
      "values ('avatars', 'avatars', false, '1024'::bigint, array['image/png']::text[])\n" +
      "on conflict (id) do update set name = excluded.name, public = excluded.public, " +
      "file_size_limit = excluded.file_size_limit, allowed_mime_types = excluded.allowed_mime_types;",
  );
});

Deno.test("lossless type changes are the widening ones", () => {
  for (
    const [from, to] of [
      ["integer", "bigint"],
      ["smallint", "numeric"],
      ["character varying(80)", "text"],
      ["character varying(80)", "character varying(200)"],
      ["numeric(10,2)", "numeric(12,2)"],
      ["real", "double precision"],
    ]
  ) {
    assert.ok(isLosslessTypeChange(from!, to!), `${from} → ${to}`);
  }
  for (
    const [from, to] of [
      ["bigint", "integer"],
      ["text", "character varying(200)"],
      ["numeric(10,2)", "numeric(10,1)"],
      ["text", "integer"],
      ["timestamp with time zone", "date"],
    ]
  ) {
    assert.ok(!isLosslessTypeChange(from!, to!), `${from} → ${to}`);
  }
});
