/** @module The Data API's query-string parser and SQL builders: exact text, parameters only,
 * and hostile input refused or kept as data. */
import assert from "node:assert/strict";
import { ApiError, fromPgError, statusForSqlState } from "../../stack/data_api/errors.ts";
import { parsePreferences } from "../../stack/data_api/preferences.ts";
import {
  parseLogic,
  parseOpExpr,
  parseOrder,
  parseQueryParams,
  parseSelect,
} from "../../stack/data_api/query_params.ts";
import {
  contentRange,
  intersectRanges,
  rangeFromHeader,
  rangeStatus,
} from "../../stack/data_api/range.ts";
import { planRead } from "../../stack/data_api/read_plan.ts";
import { readQuery } from "../../stack/data_api/read_sql.ts";
import {
  deleteQuery,
  insertQuery,
  parseJsonRows,
  updateQuery,
  writeColumns,
} from "../../stack/data_api/mutate_sql.ts";
import { callQuery, findFunction } from "../../stack/data_api/call_sql.ts";
import { buildSchemaCache, type RawSchemaCache } from "../../stack/data_api/schema_cache.ts";
import { arrayLiteral, ident } from "../../stack/data_api/sql_text.ts";

const col = (name: string, type = "text", def: string | null = null) => ({
  name,
  type,
  nullable: true,
  default: def,
  generated: false,
});

const RAW: RawSchemaCache = {
  version: "7",
  relations: [
    {
      schema: "public",
      name: "listings",
      kind: "r",
      columns: [
        col("id", "uuid", "gen_random_uuid()"),
        col("title"),
        col("owner_id", "uuid", "auth.uid()"),
        col("data", "jsonb"),
      ],
      primaryKey: ["id"],
    },
    {
      schema: "public",
      name: "bids",
      kind: "r",
      columns: [col("id", "uuid"), col("listing_id", "uuid"), col("amount", "numeric(12,2)")],
      primaryKey: ["id"],
    },
  ],
  foreignKeys: [{
    constraint: "bids_listing_id_fkey",
    schema: "public",
    table: "bids",
    columns: ["listing_id"],
    foreignSchema: "public",
    foreignTable: "listings",
    foreignColumns: ["id"],
    oneToOne: false,
  }],
  functions: [{
    schema: "public",
    name: "add",
    params: [{ name: "a", type: "integer", mode: "i" }, { name: "b", type: "integer", mode: "i" }],
    defaults: 0,
    returnType: "integer",
    returnTypeKind: "b",
    returnsSet: false,
    returnRelationColumns: null,
    volatility: "i",
  }],
  roleSettings: [{ role: "anon", database: false, config: ["statement_timeout=3s"] }],
};
const cache = buildSchemaCache(RAW, ["public"]);
const ARRAY = { shape: "array" as const, stripNulls: false };

Deno.test("select: columns, renames, casts, JSON paths and embeds with hints", () => {
  assert.deepEqual(
    parseSelect(
      "id,name:title,data->a->>b,price::text,owner:profiles!owner_id(*),bids!inner(amount)",
    ),
    [
      { kind: "field", field: { name: "id", jsonPath: [] }, alias: null, cast: null },
      { kind: "field", field: { name: "title", jsonPath: [] }, alias: "name", cast: null },
      {
        kind: "field",
        field: {
          name: "data",
          jsonPath: [{ arrow: "->", key: "a", index: false }, {
            arrow: "->>",
            key: "b",
            index: false,
          }],
        },
        alias: null,
        cast: null,
      },
      { kind: "field", field: { name: "price", jsonPath: [] }, alias: null, cast: "text" },
      {
        kind: "embed",
        name: "profiles",
        alias: "owner",
        hint: "owner_id",
        joinType: null,
        spread: false,
        children: [{ kind: "star" }],
      },
      {
        kind: "embed",
        name: "bids",
        alias: null,
        hint: null,
        joinType: "inner",
        spread: false,
        children: [{
          kind: "field",
          field: { name: "amount", jsonPath: [] },
          alias: null,
          cast: null,
        }],
      },
    ],
  );
  assert.throws(() => parseSelect("id,("), (e) => e instanceof ApiError && e.code === "PGRST100");
  assert.throws(() => parseSelect("title::text); drop table x; --"), ApiError);
});

Deno.test("filters, logic trees and order parse as PostgREST's grammar", () => {
  assert.deepEqual(parseOpExpr('not.in.(1,"a,b",3)'), {
    negate: true,
    operation: { kind: "in", values: ["1", "a,b", "3"] },
  });
  assert.deepEqual(parseOpExpr("like(any).{a*,b*}"), {
    negate: false,
    operation: { kind: "simple", op: "like", quantifier: "any", value: "{a*,b*}" },
  });
  assert.deepEqual(parseOpExpr("is.NULL").operation, { kind: "is", value: "null" });
  assert.deepEqual(parseOpExpr("wfts(english).cat dog").operation, {
    kind: "fts",
    op: "wfts",
    config: "english",
    value: "cat dog",
  });
  assert.throws(() => parseOpExpr("drop.1"), (e) => e instanceof ApiError && e.status === 400);
  const tree = parseLogic("or", "(a.eq.1,and(b.gt.2,c.cs.{x,y}),d.not.is.null)");
  assert.equal(tree.kind, "expr");
  assert.deepEqual(tree.kind === "expr" && tree.children.map((c) => c.kind), [
    "filter",
    "expr",
    "filter",
  ]);
  assert.deepEqual(parseOrder("a.desc.nullslast,b"), [
    { field: { name: "a", jsonPath: [] }, direction: "desc", nulls: "last" },
    { field: { name: "b", jsonPath: [] }, direction: null, nulls: null },
  ]);
  const q = parseQueryParams(
    new URLSearchParams(
      "select=*&title=eq.x&bids.amount=gt.1&bids.limit=2&limit=5&offset=10&not.or=(a.eq.1)",
    ),
  );
  assert.deepEqual(q.filters.map((f) => f.path), [[], ["bids"]]);
  assert.deepEqual(q.ranges.map((r) => [r.path, r.range]), [[["bids"], { limit: 2, offset: 0 }], [
    [],
    {
      limit: 5,
      offset: 10,
    },
  ]]);
  assert.equal(q.logic[0]?.tree.kind === "expr" && q.logic[0].tree.negate, true);
});

Deno.test("a read is one parameterised statement; values never become SQL", () => {
  const query = parseQueryParams(
    new URLSearchParams(
      "select=id,title,bids(amount)&title=eq.x' or 1=1 --&data->>k=like.a*&order=title.desc.nullsfirst&limit=3",
    ),
  );
  const root = planRead(cache, "public", "listings", query, { offset: 0, limit: 3 });
  const q = readQuery(root, ARRAY, true);
  assert.equal(
    q.text,
    `WITH pgrst_source AS (SELECT "listings"."id" AS "id", "listings"."title" AS "title", COALESCE("pgrst_e1"."pgrst_e1", '[]') AS "bids" FROM "public"."listings" AS "listings" LEFT JOIN LATERAL (SELECT json_agg("pgrst_e1")::jsonb AS "pgrst_e1" FROM (SELECT "pgrst_e1"."amount" AS "amount" FROM "public"."bids" AS "pgrst_e1" WHERE "pgrst_e1"."listing_id" = "listings"."id") AS "pgrst_e1") AS "pgrst_e1" ON TRUE WHERE "listings"."title" = $1 AND "listings"."data"->>$2 LIKE $3 ORDER BY "listings"."title" DESC NULLS FIRST LIMIT $4), pgrst_source_count AS (SELECT 1 FROM "public"."listings" AS "listings" WHERE "listings"."title" = $5 AND "listings"."data"->>$6 LIKE $7) SELECT (SELECT pg_catalog.count(*) FROM pgrst_source_count) AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]')::text AS body FROM (SELECT * FROM pgrst_source) _postgrest_t`,
  );
  assert.deepEqual(q.values, ["x' or 1=1 --", "k", "a%", "3", "x' or 1=1 --", "k", "a%"]);
});

Deno.test("unknown tables, columns and relationships are PostgREST's errors", () => {
  const plan = (qs: string, table = "listings") =>
    planRead(cache, "public", table, parseQueryParams(new URLSearchParams(qs)), {
      offset: 0,
      limit: null,
    });
  assert.throws(
    () => plan("select=*", "nope"),
    (e) => e instanceof ApiError && e.code === "PGRST205" && e.status === 404,
  );
  assert.throws(
    () => plan('select=id,"x"; drop table listings'),
    (e) => e instanceof ApiError && e.code === "PGRST100",
  );
  assert.throws(
    () => plan('select=id,"x; drop table listings"'),
    (e) => e instanceof ApiError && e.code === "42703",
  );
  assert.throws(
    () => plan("select=id&nope=eq.1"),
    (e) => e instanceof ApiError && e.code === "42703",
  );
  assert.throws(
    () => plan("select=id,orders(*)"),
    (e) => e instanceof ApiError && e.code === "PGRST200",
  );
  assert.throws(
    () => plan("select=id&bids.amount=eq.1"),
    (e) => e instanceof ApiError && e.code === "PGRST108",
  );
  // A quoted alias stays an identifier, whatever it contains.
  const root = plan('select="a\\"b":title');
  assert.match(readQuery(root, ARRAY, false).text, /AS "a""b"/);
});

Deno.test("writes: the body is one JSON parameter typed by the schema cache", () => {
  const table = cache.tables.get("public.listings")!;
  const body = parseJsonRows('[{"title":"a"},{"title":"b\\"); drop table x; --"}]');
  const cols = writeColumns(table, body, null);
  const insert = insertQuery({
    table,
    alias: "listings",
    columns: cols,
    body,
    applyDefaults: false,
    onConflict: { columns: ["id"], merge: true },
    representation: null,
  });
  assert.equal(
    insert.text,
    `WITH pgrst_source AS (INSERT INTO "public"."listings" AS "listings" ("title") SELECT pgrst_body."title" FROM (SELECT $1::json AS json_data) pgrst_payload, LATERAL (SELECT "title" FROM json_to_recordset(pgrst_payload.json_data) AS _("title" text)) pgrst_body WHERE set_config('pgrst.inserted', (coalesce(nullif(current_setting('pgrst.inserted', true), '')::int, 0) + 1)::text, true) <> '0' ON CONFLICT ("id") DO UPDATE SET "title" = EXCLUDED."title" WHERE set_config('pgrst.inserted', (coalesce(nullif(current_setting('pgrst.inserted', true), '')::int, 0) - 1)::text, true) <> '-1' RETURNING 1) SELECT '' AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, null AS body, nullif(current_setting('pgrst.inserted', true), '')::int AS response_inserted FROM (SELECT * FROM pgrst_source) _postgrest_t`,
  );
  assert.equal(insert.values.length, 1);
  assert.throws(
    () => writeColumns(table, parseJsonRows('{"x; drop":1}'), null),
    (e) => e instanceof ApiError && e.code === "PGRST204",
  );
  assert.throws(
    () =>
      parseJsonRows('[{"a":1},{"b":2}]') &&
      writeColumns(table, parseJsonRows('[{"title":1},{"id":2}]'), null),
    ApiError,
  );
  assert.throws(
    () => parseJsonRows("not json"),
    (e) => e instanceof ApiError && e.code === "PGRST102",
  );
  const target = planRead(
    cache,
    "public",
    "listings",
    parseQueryParams(new URLSearchParams("id=eq.1")),
    {
      offset: 0,
      limit: null,
    },
  );
  const upd = updateQuery({
    target,
    columns: cols,
    body: { title: "t" },
    applyDefaults: false,
    representation: null,
  });
  assert.match(
    upd.text,
    /^WITH pgrst_source AS \(UPDATE "public"\."listings" AS "listings" SET "title" = pgrst_body\."title" FROM/,
  );
  assert.deepEqual(upd.values, ['[{"title":"t"}]', "1"]);
  const unfiltered = planRead(
    cache,
    "public",
    "listings",
    parseQueryParams(new URLSearchParams("")),
    {
      offset: 0,
      limit: null,
    },
  );
  assert.throws(
    () => deleteQuery(unfiltered, null),
    (e) => e instanceof ApiError && e.code === "21000",
  );
});

Deno.test("rpc: overloads by argument names, arguments as parameters", () => {
  const fn = findFunction(cache, "public", "add", ["a", "b"], true);
  const q = callQuery({
    fn,
    args: { kind: "query", args: [["a", "1"], ["b", "2); drop table x; --"]] },
    node: null,
    shape: ARRAY,
    exactCount: false,
  });
  assert.match(
    q.text,
    /"public"\."add"\("a" := \$1::integer, "b" := \$2::integer\) pgrst_call\(pgrst_scalar\)/,
  );
  assert.deepEqual(q.values, ["1", "2); drop table x; --"]);
  assert.throws(
    () => findFunction(cache, "public", "add", ["a"], true),
    (e) => e instanceof ApiError && e.code === "PGRST202",
  );
});

Deno.test("identifiers are quoted, array literals escaped, NUL refused", () => {
  assert.equal(ident('we"ird'), '"we""ird"');
  assert.equal(arrayLiteral(['a"b', "c\\d", "e,f"]), '{"a\\"b","c\\\\d","e,f"}');
  assert.throws(() => ident("a\0b"), ApiError);
});

Deno.test("preferences, ranges and statuses as PostgREST", () => {
  assert.deepEqual(
    parsePreferences("return=representation, count=exact,resolution=merge-duplicates"),
    {
      return: "representation",
      count: "exact",
      resolution: "merge-duplicates",
      missing: null,
      tx: null,
      handling: null,
      maxAffected: null,
    },
  );
  assert.throws(
    () => parsePreferences("handling=strict, bogus=1"),
    (e) => e instanceof ApiError && e.code === "PGRST122",
  );
  assert.deepEqual(rangeFromHeader("0-9"), { offset: 0, limit: 10 });
  assert.deepEqual(intersectRanges({ offset: 0, limit: 10 }, { offset: 5, limit: 100 }), {
    offset: 5,
    limit: 5,
  });
  assert.equal(contentRange(0, 10, 100), "0-9/100");
  assert.equal(contentRange(0, 0, 0), "*/0");
  assert.equal(contentRange(0, 3, null), "0-2/*");
  assert.deepEqual([rangeStatus(0, 10, 100), rangeStatus(200, 0, 100), rangeStatus(0, 3, 3)], [
    206,
    416,
    200,
  ]);
  assert.deepEqual(
    [
      ["42501", false],
      ["42501", true],
      ["23505", true],
      ["23503", true],
      ["P0001", true],
      ["42P01", true],
      ["25006", true],
      ["22P02", true],
    ]
      .map(([c, a]) => statusForSqlState(c as string, "", a as boolean)),
    [401, 403, 409, 409, 400, 404, 405, 400],
  );
  assert.deepEqual(
    fromPgError({ code: "42501", message: "permission denied for table x" }, false).headers,
    {
      "WWW-Authenticate": "Bearer",
    },
  );
  assert.equal(cache.statementTimeouts.get("anon"), "3s");
});
