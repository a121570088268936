/**
 * @module The contract CLI's pure parts: argument checking, owner-column inference and seed
 * order, synthetic row values, the access rules compared with the contract, and the CRUD
 * matrix's classification, invariants and rendering.
 */
import assert from "node:assert/strict";
import { parseContractArgs, UsageError } from "../../stack/contract/args.ts";
import { routineRules, tableRules } from "../../stack/contract/smoke/access_rules.ts";
import {
  accessFromCounts,
  renderSmokeMarkdown,
  type SmokeReport,
  violationOf,
} from "../../stack/contract/smoke/crud_matrix.ts";
import { allowedLiteral, plainValue, rowInsert } from "../../stack/contract/smoke/row_values.ts";
import {
  foreignKeys,
  ownerColumn,
  policyOwnerColumns,
  seedOrder,
} from "../../stack/contract/smoke/table_shape.ts";
import { emptyModel, type Model } from "../../functions-shared/drift/model.ts";
import { column, grant, policy, routine, table } from "./drift_models.ts";

const SESSION = "6f1c7d5e-8a4b-4c3d-9e2f-1a2b3c4d5e6f";

Deno.test("contract args: each command's required flags", () => {
  const v = parseContractArgs([
    "verify",
    "--db",
    "postgresql://x/db",
    "--migrations",
    "supabase/migrations",
    "--format",
    "json",
    "--patch",
    "fix.sql",
    "--allow-destructive",
  ]);
  assert.equal(v.command, "verify");
  assert.equal(v.format, "json");
  assert.equal(v.patch, "fix.sql");
  assert.equal(v.allowDestructive, true);
  assert.equal(parseContractArgs(["verify", "--db", "u", "--session", SESSION]).session, SESSION);
  assert.equal(parseContractArgs(["smoke", "--db", "u"]).format, "md");
  assert.deepEqual(parseContractArgs(["diff", "a.json", "b.json"]).files, ["a.json", "b.json"]);

  const refused: [string[], RegExp][] = [
    [[], /No command/],
    [["check"], /Unknown command "check"/],
    [["verify", "--db", "u"], /--migrations <dir> or --session <id>/],
    [["verify", "--migrations", "m"], /needs --db/],
    [["verify", "--db", "u", "--migrations", "m", "--session", SESSION], /--migrations <dir> or/],
    [["verify", "--db", "u", "--session", "42"], /a UUID/],
    [["verify", "--db", "--migrations", "m"], /--db needs a value/],
    [["snapshot", "--db", "u", "--format", "xml"], /md or json/],
    [["diff", "a.json"], /two snapshot files/],
    [["smoke", "--db", "u", "--bogus"], /Unknown option --bogus/],
    [["snapshot", "--db", "u", "extra"], /Unexpected argument extra/],
  ];
  for (const [argv, message] of refused) {
    assert.throws(
      () => parseContractArgs(argv),
      (e) => e instanceof UsageError && message.test(e.message),
      argv.join(" "),
    );
  }
});

const listings = table("listings", {
  columns: [
    column("id", "uuid", { notNull: true, default: "gen_random_uuid()" }),
    column("owner_id", "uuid", { notNull: true, default: "auth.uid()" }),
    column("title", "text", { notNull: true }),
    column("status", "text", { notNull: true }),
    column("price", "numeric(12,2)", { notNull: true }),
    column("code", "character varying(4)", { notNull: true }),
  ],
  constraints: [
    { name: "listings_pkey", type: "primary key", definition: "PRIMARY KEY (id)", columns: ["id"] },
    {
      name: "listings_owner_id_fkey",
      type: "foreign key",
      definition: "FOREIGN KEY (owner_id) REFERENCES auth.users(id) ON DELETE CASCADE",
      columns: ["owner_id"],
    },
    {
      name: "listings_status_check",
      type: "check",
      definition: "CHECK ((status = ANY (ARRAY['active'::text, 'sold'::text])))",
      columns: ["status"],
    },
  ],
  policies: [policy("listings_select_own")],
});

const bids = table("bids", {
  columns: [
    column("id", "uuid", { notNull: true, default: "gen_random_uuid()" }),
    column("listing_id", "uuid", { notNull: true }),
    column("bidder_id", "uuid", { notNull: true }),
  ],
  constraints: [{
    name: "bids_listing_id_fkey",
    type: "foreign key",
    definition: "FOREIGN KEY (listing_id) REFERENCES public.listings(id) ON DELETE CASCADE",
    columns: ["listing_id"],
  }],
  policies: [policy("bids_select_own", { using: "(( SELECT auth.uid() AS uid) = bidder_id)" })],
});

Deno.test("table shape: foreign keys, the owner column, parents before children", () => {
  assert.deepEqual(foreignKeys(bids), [{
    columns: ["listing_id"],
    schema: "public",
    table: "listings",
    refColumns: ["id"],
  }]);
  assert.deepEqual(ownerColumn(listings), { column: "owner_id", source: "foreign key" });
  assert.deepEqual(policyOwnerColumns(bids), ["bidder_id"]);
  assert.deepEqual(ownerColumn(bids), { column: "bidder_id", source: "policy" });
  const open = table("notes", { columns: [column("id", "uuid")], policies: [] });
  assert.equal(ownerColumn(open), null);
  const joined = table("reviews", {
    columns: [column("author_id", "uuid")],
    policies: [policy("p", {
      using:
        "(EXISTS ( SELECT 1 FROM public.orders o WHERE (o.buyer_id = ( SELECT auth.uid() AS uid))))",
    })],
  });
  assert.deepEqual(policyOwnerColumns(joined), [], "a column of another table is not an owner");
  assert.deepEqual(seedOrder([bids, listings]).map((t) => t.name), ["listings", "bids"]);
});

Deno.test("row values: owner, parent keys, allowed literals and typed plain values", () => {
  const model: Model = {
    ...emptyModel(),
    enums: [{ schema: "public", name: "mood", owner: "postgres", values: ["happy", "sad"] }],
  };
  assert.equal(allowedLiteral(listings, "status"), "active");
  assert.equal(plainValue("character varying(4)", "alpha", model), "smok");
  assert.equal(plainValue("integer", "a", model), "1");
  assert.equal(plainValue("public.mood", "a", model), "happy");
  assert.equal(plainValue("tsvector", "a", model), null);
  const insert = rowInsert(listings, model, {
    userId: "u-1",
    ownerColumn: "owner_id",
    label: "a",
    parent: () => undefined,
  });
  assert.equal(
    insert.text,
    'insert into "public"."listings" ("owner_id", "title", "status", "price", "code") values ' +
      "($1::uuid, $2::text, $3::text, $4::numeric(12,2), $5::character varying(4)) returning *",
  );
  assert.deepEqual(insert.values, ["u-1", "smoke a", "active", "1", "smok"]);
  const child = rowInsert(bids, model, {
    userId: "u-1",
    ownerColumn: "bidder_id",
    label: "a",
    parent: (schema, name) =>
      schema === "public" && name === "listings" ? { id: "l-1" } : undefined,
  });
  assert.deepEqual(child.values, ["l-1", "u-1"]);
});

Deno.test("access rules: equal when the contract grants the same, different otherwise", () => {
  const model: Model = {
    ...emptyModel(),
    tables: [{ ...listings, grants: [grant("anon", "SELECT")] }],
  };
  const opened: Model = {
    ...model,
    tables: [{
      ...model.tables[0]!,
      policies: [...listings.policies, policy("anyone", { roles: ["anon"], using: "true" })],
    }],
  };
  assert.equal(
    tableRules(model, "public", "listings", "anon", "R"),
    tableRules(structuredClone(model), "public", "listings", "anon", "R"),
  );
  assert.notEqual(
    tableRules(model, "public", "listings", "anon", "R"),
    tableRules(opened, "public", "listings", "anon", "R"),
  );
  assert.equal(
    tableRules(model, "public", "listings", "anon", "U"),
    tableRules(opened, "public", "listings", "anon", "U"),
    "a SELECT policy does not change UPDATE",
  );
  assert.equal(tableRules(model, "public", "nope", "anon", "R"), "absent");
  const fn = routine("f", { securityDefiner: true, grants: [grant("PUBLIC", "EXECUTE")] });
  assert.notEqual(
    routineRules({ ...emptyModel(), routines: [fn] }, fn, "anon"),
    routineRules({ ...emptyModel(), routines: [{ ...fn, grants: [] }] }, fn, "anon"),
  );
});

Deno.test("crud matrix: access from counts and the invariants", () => {
  assert.equal(accessFromCounts({ own: 1, others: 1 }), "all");
  assert.equal(accessFromCounts({ own: 1, others: 0 }), "own");
  assert.equal(accessFromCounts({ own: 0, others: 0 }), "none");
  assert.equal(violationOf("anon", "R", "all", true), "anon reads user data");
  assert.equal(violationOf("anon", "R", "all", false), undefined, "no owner, no user data");
  assert.equal(violationOf("anon", "U", "all", true), "anon changes user data");
  assert.equal(violationOf("user_a", "R", "all", true), "a user reads another user's rows");
  assert.equal(violationOf("user_b", "D", "all", true), "a user changes another user's rows");
  assert.equal(
    violationOf("user_a", "C", "all", true),
    "a user creates rows owned by another user",
  );
  assert.equal(violationOf("user_a", "R", "own", true), undefined);
  assert.equal(violationOf("service_role", "R", "all", true), undefined);
});

Deno.test("crud matrix: Markdown marks flagged and contracted cells", () => {
  const cell = (access: "all" | "own" | "denied", extra = {}) => ({
    access,
    flagged: false,
    ...extra,
  });
  const row = { C: cell("denied"), R: cell("all"), U: cell("denied"), D: cell("denied") };
  const report: SmokeReport = {
    database: "db",
    contract: true,
    tables: [{
      table: "public.bids",
      owner: "bidder_id",
      ownerSource: "foreign key",
      cells: {
        anon: row,
        user_a: {
          ...row,
          R: cell("all", { violation: "a user reads another user's rows", flagged: true }),
        },
        user_b: { ...row, R: cell("all", { violation: "x", flagged: false }) },
        service_role: row,
      },
    }],
    functions: [],
    flags: [{
      object: "public.bids",
      actor: "user_a",
      operation: "R",
      access: "all",
      violation: "a user reads another user's rows",
      reason: "Its rules differ.",
    }],
    statements: 10,
    durationMs: 5,
  };
  const md = renderSmokeMarkdown(report);
  assert.match(md, /\*\*1 flagged cell\*\* contradicts the contract/);
  assert.match(
    md,
    /\| `public\.bids` \| `bidder_id` \| user_a \| denied \| \*\*⚠ all\*\* \| denied \| denied \|/,
  );
  assert.match(md, /\| user_b \| denied \| all \(contract\) \|/);
  assert.match(
    md,
    /## Flagged\n\n- `public\.bids` × user_a × R = all: a user reads another user's rows\./,
  );
});
