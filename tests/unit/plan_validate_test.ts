/** @module Unit tests of plan validation: each rejection names the problem and the fix. */
import assert from "node:assert/strict";
import { baselinePlan } from "../../functions-shared/plan/baseline.ts";
import { column, indexOn, ownerPolicy } from "../../functions-shared/plan/elements.ts";
import type { Plan, Policy } from "../../functions-shared/plan/schema.ts";
import {
  assertValidPlan,
  InvalidPlanError,
  validatePlan,
} from "../../functions-shared/plan/validate.ts";

function problems(plan: unknown): string[] {
  const result = validatePlan(plan);
  return result.ok ? [] : result.problems.map((p) => p.message);
}

function marketplace(change: (plan: Plan) => void): Plan {
  const plan = baselinePlan("marketplace");
  change(plan);
  return plan;
}

function policy(plan: Plan, name: string): Policy {
  const found = plan.policies.find((p) => p.name === name);
  assert.ok(found, name);
  return found;
}

function assertRejected(plan: unknown, expected: string): void {
  const messages = problems(plan);
  assert.ok(
    messages.some((m) => m.includes(expected)),
    `expected a problem containing ${JSON.stringify(expected)}, got ${
      JSON.stringify(messages, null, 1)
    }`,
  );
}

Deno.test("a malformed plan is rejected with the field's path", () => {
  assertRejected({ version: 1, template: "marketplace" }, "Cannot read plan field tables:");
  assertRejected({ ...baselinePlan("saas"), template: "crm" }, "Cannot read plan field template:");
});

Deno.test("reserved and malformed identifiers are rejected with the fix", () => {
  const plan = marketplace((p) => {
    p.tables.push({
      name: "select",
      comment: null,
      columns: [
        column("id", "uuid", { nullable: false, primaryKey: true }),
        column("Price", "text"),
      ],
      ownerColumn: null,
      indexes: [],
    });
  });
  assert.ok(
    problems(plan).includes('Cannot use table name "select": it is a reserved word; rename it.'),
  );
  assertRejected(plan, 'Cannot use column name "select.Price": it is not lowercase snake_case');
});

Deno.test("column types come from the allow-list", () => {
  const plan = marketplace((p) => p.tables[1]?.columns.push(column("price", "money")));
  assertRejected(
    plan,
    'Cannot use type "money" for column "listings.price": use one of uuid, text',
  );
  const ok = marketplace((p) => p.tables[1]?.columns.push(column("price", "numeric(10,2)")));
  assert.deepEqual(problems(ok), []);
});

Deno.test("foreign keys must target an existing key column of a plan table or auth.users(id)", () => {
  assertRejected(
    marketplace((p) => {
      const ref = p.tables[2]?.columns[1]?.references;
      if (ref) ref.table = "products";
    }),
    'Cannot reference table "products" from "bids.listing_id": the plan has no such table',
  );
  assertRejected(
    marketplace((p) => {
      const ref = p.tables[2]?.columns[1]?.references;
      if (ref) ref.column = "title";
    }),
    'Cannot reference "listings.title" from "bids.listing_id": it is neither the primary key nor unique.',
  );
  assertRejected(
    marketplace((p) => {
      const ref = p.tables[1]?.columns[1]?.references;
      if (ref) ref.table = "sessions";
    }),
    "only auth.users(id) can be referenced",
  );
});

Deno.test("foreign-key and owner columns must be indexed", () => {
  assertRejected(
    marketplace((p) => {
      const bids = p.tables[2];
      if (bids) bids.indexes = [indexOn("bids", ["bidder_id"])];
    }),
    'Cannot leave foreign key "bids.listing_id" unindexed: add an index on (listing_id).',
  );
});

Deno.test("opening bids or orders to anon is rejected", () => {
  const plan = marketplace((p) => {
    policy(p, "bids_select_own").roles = ["anon", "authenticated"];
    p.grants.push({ table: "bids", role: "anon", privileges: ["select"] });
  });
  assertRejected(
    plan,
    'Cannot open policy "bids_select_own" (rule marketplace:bids:select) to anon',
  );
  assertRejected(
    plan,
    'Cannot grant select on "bids" to anon: the marketplace template keeps it from anonymous users.',
  );
});

Deno.test("replacing a baseline owner rule with true is rejected", () => {
  assertRejected(
    marketplace((p) => {
      const select = policy(p, "orders_select_own");
      select.using = "true";
      select.basis = ["public"];
    }),
    'Cannot replace the using condition of policy "orders_select_own" (rule marketplace:orders:select): ' +
      'keep "(select auth.uid()) = buyer_id" as one of its or operands.',
  );
});

Deno.test("widening a baseline policy needs a condition that ties rows to the user", () => {
  for (const extra of ["true", "(select auth.uid()) is not null", "amount > 100"]) {
    assertRejected(
      marketplace((p) => {
        policy(p, "bids_select_own").using = `((select auth.uid()) = bidder_id) or (${extra})`;
      }),
      'Cannot widen policy "bids_select_own"',
    );
  }
  const sellers = marketplace((p) => {
    policy(p, "bids_select_own").using = "((select auth.uid()) = bidder_id) or (exists (select 1 " +
      "from public.listings l where l.id = bids.listing_id and l.owner_id = (select auth.uid())))";
  });
  assert.deepEqual(problems(sellers), []);
});

Deno.test("a second permissive policy for the same table, command and role is rejected", () => {
  assertRejected(
    marketplace((p) => {
      p.policies.push({
        ...ownerPolicy("bids", "all", "bidder_id", { rule: null }),
        name: "bids_all_own",
      });
      p.grants.push({ table: "bids", role: "authenticated", privileges: ["update", "delete"] });
    }),
    'Cannot have 2 permissive select policies for authenticated on "bids" ("bids_select_own", ' +
      '"bids_all_own"): merge them into one policy with or.',
  );
});

Deno.test("grants and policies must cover each other", () => {
  const grantOnly = marketplace((p) => {
    const grant = p.grants.find((g) => g.table === "bids" && g.role === "authenticated");
    grant?.privileges.push("update");
  });
  assertRejected(
    grantOnly,
    'Cannot grant update on "bids" to authenticated without a policy for it: add a update policy',
  );
  const policyOnly = marketplace((p) => {
    p.policies.push(ownerPolicy("bids", "delete", "bidder_id", { rule: null }));
  });
  assertRejected(
    policyOnly,
    'Cannot create policy "bids_delete_own" for delete to authenticated: authenticated has no delete ' +
      'grant on "bids"; add the grant.',
  );
});

Deno.test("policy expressions may reference only plan tables, their columns and known functions", () => {
  const cases: Record<string, string> = {
    "(select auth.uid()) = seller_id": 'column "seller_id" does not exist on table "bids"',
    "exists (select 1 from public.sellers s where s.id = bids.listing_id)":
      "it reads public.sellers, which is not a table of the plan",
    "exists (select 1 from listings l where l.id = bids.listing_id)":
      'it reads table "listings" without a schema; write public.listings',
    "auth.uid() = bidder_id": "wrap auth.uid() as (select auth.uid())",
    "private.is_admin() and (select auth.uid()) = bidder_id": "it calls private.is_admin()",
    "x.id = bidder_id and (select auth.uid()) = bidder_id":
      '"x.id" names neither a column of "bids" nor one of a table the expression reads',
    "true; drop table bids": "it contains a semicolon",
  };
  for (const [using, expected] of Object.entries(cases)) {
    assertRejected(marketplace((p) => (policy(p, "bids_select_own").using = using)), expected);
  }
});

Deno.test("the template's tables, rules and functions cannot be dropped or changed", () => {
  assertRejected(
    marketplace((p) => (p.policies = p.policies.filter((x) => x.name !== "orders_insert_own"))),
    'Cannot drop the marketplace rule "marketplace:orders:insert"',
  );
  assertRejected(
    marketplace((p) => {
      p.tables = p.tables.filter((t) => t.name !== "orders");
      p.policies = p.policies.filter((x) => x.table !== "orders");
      p.grants = p.grants.filter((g) => g.table !== "orders");
    }),
    'Cannot drop table "orders" of the marketplace template: keep it.',
  );
  assertRejected(
    marketplace((p) => {
      const fn = p.functions[0];
      if (fn) fn.securityDefiner = false;
    }),
    "Cannot change the database functions of the marketplace template",
  );
  assertRejected(
    marketplace((p) => {
      const owner = p.tables[2]?.columns.find((c) => c.name === "bidder_id");
      if (owner) owner.type = "text";
    }),
    'Cannot drop or retype column "bids.bidder_id" of the marketplace template',
  );
});

Deno.test("checks and defaults must be single safe expressions over the table's columns", () => {
  assertRejected(
    marketplace((p) => {
      const amount = p.tables[2]?.columns.find((c) => c.name === "amount");
      if (amount) amount.check = "amount > 0); drop table bids; --";
    }),
    'Cannot use the check of column "bids.amount": it has unbalanced parentheses',
  );
  assertRejected(
    marketplace((p) => {
      const amount = p.tables[2]?.columns.find((c) => c.name === "amount");
      if (amount) amount.check = "price > 0";
    }),
    'Cannot use the check of column "bids.amount": table "bids" has no column "price".',
  );
});

Deno.test("foreign keys may not form a cycle", () => {
  assertRejected(
    marketplace((p) => {
      const listings = p.tables[1];
      listings?.columns.push(column("top_bid_id", "uuid", {
        references: { schema: "public", table: "bids", column: "id", onDelete: "set null" },
      }));
      listings?.indexes.push(indexOn("listings", ["top_bid_id"]));
    }),
    "Cannot create tables whose foreign keys form a cycle (listings -> bids -> listings)",
  );
});

Deno.test("assertValidPlan throws InvalidPlanError listing every problem", () => {
  assert.throws(
    () => assertValidPlan(marketplace((p) => (policy(p, "bids_select_own").roles = ["anon"]))),
    (error: unknown) =>
      error instanceof InvalidPlanError && error.problems.length >= 2 &&
      error.message.startsWith("Cannot use the plan: "),
  );
  assert.equal(assertValidPlan(baselinePlan("saas")).template, "saas");
});
