/** @module Unit tests of the offline planner on the example sentences and more. */
import assert from "node:assert/strict";
import { baselinePlan } from "../../functions-shared/plan/baseline.ts";
import {
  createDeterministicPlanner,
  planFromVibe,
} from "../../functions-shared/plan/deterministic_planner.ts";
import type { Plan, Requirement, Template } from "../../functions-shared/plan/schema.ts";
import { validatePlan } from "../../functions-shared/plan/validate.ts";

function plan(vibeText: string, template: Template = "marketplace"): Plan {
  const result = planFromVibe({ vibeText, template });
  const validation = validatePlan(result);
  assert.ok(validation.ok, JSON.stringify(!validation.ok && validation.problems, null, 1));
  return result;
}

function requirement(result: Plan, index = 0): Requirement {
  const found = result.requirements[index];
  assert.ok(found, `no requirement ${index}`);
  return found;
}

const OWNS_ORDER = "exists (select 1 from public.orders o where o.id = reviews.order_id " +
  "and o.buyer_id = (select auth.uid()))";

Deno.test("a 1–5 star review on an order they placed becomes an owned, linked, checked table", () => {
  const result = plan("Buyers can leave a 1–5 star review on an order they placed.");
  const reviews = result.tables.find((t) => t.name === "reviews");
  assert.ok(reviews);
  assert.deepEqual(
    reviews.columns.map((c) => `${c.name} ${c.type}${c.nullable ? "" : " not null"}`),
    [
      "id uuid not null",
      "author_id uuid not null",
      "order_id uuid not null",
      "rating integer not null",
      "created_at timestamptz not null",
    ],
  );
  const byName = new Map(reviews.columns.map((c) => [c.name, c]));
  assert.equal(byName.get("rating")?.check, "rating between 1 and 5");
  assert.deepEqual(byName.get("order_id")?.references, {
    schema: "public",
    table: "orders",
    column: "id",
    onDelete: "cascade",
  });
  assert.equal(byName.get("author_id")?.default, "auth.uid()");
  assert.equal(reviews.ownerColumn, "author_id");
  assert.deepEqual(reviews.indexes.map((i) => i.name), [
    "reviews_author_id_idx",
    "reviews_order_id_idx",
  ]);
  const policies = result.policies.filter((p) => p.table === "reviews");
  assert.deepEqual(policies.map((p) => [p.name, p.roles, p.using, p.withCheck]), [
    ["reviews_select_own", ["authenticated"], "(select auth.uid()) = author_id", null],
    [
      "reviews_insert_own",
      ["authenticated"],
      null,
      `(select auth.uid()) = author_id and ${OWNS_ORDER}`,
    ],
    [
      "reviews_update_own",
      ["authenticated"],
      "(select auth.uid()) = author_id",
      `(select auth.uid()) = author_id and ${OWNS_ORDER}`,
    ],
    ["reviews_delete_own", ["authenticated"], "(select auth.uid()) = author_id", null],
  ]);
  assert.deepEqual(
    result.grants.filter((g) => g.table === "reviews").map((g) => [g.role, g.privileges]),
    [
      ["authenticated", ["select", "insert", "update", "delete"]],
      ["service_role", ["select", "insert", "update", "delete"]],
    ],
  );
  const req = requirement(result);
  assert.equal(req.status, "applied");
  assert.deepEqual(req.changes, [
    { kind: "table", target: "reviews" },
    { kind: "constraint", target: "reviews.rating" },
    { kind: "column", target: "reviews.order_id" },
  ]);
});

Deno.test("rating ranges are read as 1-5, 1–5, 1 to 5 and one to five", () => {
  for (const range of ["1-5 star", "1 – 5 star", "1 to 5 star", "one to five star", "1-5-star"]) {
    const result = plan(`Buyers can leave a ${range} review on an order they placed`);
    const rating = result.tables.find((t) => t.name === "reviews")?.columns.find((c) =>
      c.name === "rating"
    );
    assert.equal(rating?.check, "rating between 1 and 5", range);
  }
});

Deno.test("listings have a price and a category adds typed columns", () => {
  const result = plan("Listings have a price and a category.");
  const listings = result.tables.find((t) => t.name === "listings");
  assert.deepEqual(
    listings?.columns.map((c) => `${c.name} ${c.type}`).filter((c) => /price|category/.test(c)),
    ["price numeric(12,2)", "category text"],
  );
  assert.deepEqual(requirement(result).changes, [
    { kind: "column", target: "listings.price" },
    { kind: "column", target: "listings.category" },
  ]);
});

Deno.test("sellers can see bids on their listings extends the one select policy with or", () => {
  const result = plan("Sellers can see bids on their listings.");
  const selects = result.policies.filter((p) => p.table === "bids" && p.command === "select");
  assert.equal(selects.length, 1);
  assert.equal(
    selects[0]?.using,
    "((select auth.uid()) = bidder_id) or (exists (select 1 from public.listings l where " +
      "l.id = bids.listing_id and l.owner_id = (select auth.uid())))",
  );
  assert.deepEqual(selects[0]?.basis, ["owner", "related"]);
  assert.equal(selects[0]?.rule, "marketplace:bids:select");
  assert.equal(requirement(result).status, "applied");
});

Deno.test("unrecognised sentences are listed as not applied and change nothing", () => {
  const vibe = "We want admins to moderate everything. Make it pop!";
  const result = plan(vibe);
  assert.deepEqual(result.requirements.map((r) => r.status), ["not_applied", "not_applied"]);
  assert.match(
    requirement(result).reason,
    /^Cannot tell what "moderate" should change in the data: .*rephrase it that way, or set OPENAI_API_KEY/,
  );
  assert.deepEqual({ ...result, requirements: [] }, baselinePlan("marketplace"));
});

Deno.test("a markdown vibe yields one requirement per sentence, headings excluded, in order", () => {
  const vibe = [
    "# Bike market",
    "",
    "## Trust",
    "- Reviews are public.",
    "- Buyers can leave a 1-5 star review on an order they placed",
    "",
    "## Catalogue",
    "1. Listings have a price, a category and a photo URL",
    "2. Prices must be at least 0",
    "3. Category is required",
  ].join("\n");
  const result = plan(vibe);
  assert.deepEqual(result.requirements.map((r) => [r.sentence, r.status]), [
    ["Reviews are public.", "applied"],
    ["Buyers can leave a 1-5 star review on an order they placed", "applied"],
    ["Listings have a price, a category and a photo URL", "applied"],
    ["Prices must be at least 0", "applied"],
    ["Category is required", "applied"],
  ]);
  const listings = result.tables.find((t) => t.name === "listings");
  const columns = new Map(listings?.columns.map((c) => [c.name, c]));
  assert.equal(columns.get("price")?.check, "price >= 0");
  assert.equal(columns.get("category")?.nullable, false);
  assert.equal(columns.get("photo_url")?.type, "text");
  assert.deepEqual(
    result.policies.filter((p) => p.table === "reviews" && p.command === "select").map((
      p,
    ) => [p.name, p.roles]),
    [["reviews_select_public", ["anon", "authenticated"]]],
  );
});

Deno.test("sentences that would weaken the template are refused with the reason", () => {
  const result = plan("Bids are public. Anyone can see orders. Listings are private.");
  assert.deepEqual(result.requirements.map((r) => r.status), [
    "not_applied",
    "not_applied",
    "not_applied",
  ]);
  assert.match(
    requirement(result, 0).reason,
    /^Cannot make bids public: the marketplace template keeps them to signed-in users/,
  );
  assert.match(requirement(result, 2).reason, /^Cannot make listings private/);
});

Deno.test("constraints: unique per owner, one per scope, value rules, ambiguity", () => {
  const result = plan([
    "Buyers can leave a review on an order they placed.",
    "Each buyer can leave only one review per order.",
    "Listing titles must be unique per seller.",
    "Bid amounts must be at most 10000.",
    "Status is required.",
    "Listings have an order.",
  ].join(" "));
  const reviews = result.tables.find((t) => t.name === "reviews");
  assert.ok(reviews?.indexes.some((i) => i.name === "reviews_author_id_order_id_key" && i.unique));
  const listings = result.tables.find((t) => t.name === "listings");
  assert.deepEqual(listings?.indexes.at(-1), {
    name: "listings_owner_id_title_key",
    columns: ["owner_id", "title"],
    unique: true,
  });
  const amount = result.tables.find((t) => t.name === "bids")?.columns.find((c) =>
    c.name === "amount"
  );
  assert.equal(amount?.check, "(amount > 0) and (amount <= 10000)");
  assert.match(
    requirement(result, 4).reason,
    /^Cannot tell which table "status" belongs to \(listings, orders\)/,
  );
  // "order" is reserved in SQL: the field gets a name that is not.
  assert.match(requirement(result, 5).reason, /^Added to listings: sort_order\.$/);
});

Deno.test("owner actions add an owner-only policy and its grant", () => {
  const result = plan("Bidders can withdraw their bids. Sellers can edit their listings.");
  assert.ok(result.policies.some((p) => p.name === "bids_delete_own"));
  assert.ok(
    result.grants.find((g) => g.table === "bids" && g.role === "authenticated")?.privileges
      .includes("delete"),
  );
  assert.match(requirement(result, 1).reason, /^Already allowed by policy listings_update_own/);
});

Deno.test("saas entities link to template tables and stay valid", () => {
  const result = plan("Members can post comments on tasks. Comments have a body.", "saas");
  const comments = result.tables.find((t) => t.name === "comments");
  assert.deepEqual(comments?.columns.map((c) => c.name), [
    "id",
    "org_id",
    "author_id",
    "task_id",
    "body",
    "created_at",
  ]);
  assert.deepEqual(
    result.policies.filter((p) => p.table === "comments").map((
      p,
    ) => [p.command, p.using, p.withCheck]),
    [
      ["select", "private.is_org_member(org_id)", null],
      [
        "insert",
        null,
        "private.is_org_member(org_id) and (select auth.uid()) = author_id and exists (select 1 from public.tasks t where t.id = comments.task_id)",
      ],
      [
        "update",
        "(select auth.uid()) = author_id or private.has_org_role(org_id, array['owner', 'admin'])",
        "private.is_org_member(org_id) and exists (select 1 from public.tasks t where t.id = comments.task_id)",
      ],
      [
        "delete",
        "(select auth.uid()) = author_id or private.has_org_role(org_id, array['owner', 'admin'])",
        null,
      ],
    ],
  );
  assert.equal(result.requirements.every((r) => r.status === "applied"), true);
});

Deno.test("the planner is deterministic and async behind the Planner interface", async () => {
  const planner = createDeterministicPlanner();
  const input = {
    vibeText: "Listings have a price. Sellers can see bids on their listings.",
    template: "marketplace" as const,
  };
  assert.equal(planner.name, "deterministic");
  assert.deepEqual(await planner.plan(input), await planner.plan(input));
  assert.deepEqual(
    (await planner.plan({ ...input, options: { enableAnalytics: true } })).analytics,
    {
      enabled: true,
    },
  );
});
