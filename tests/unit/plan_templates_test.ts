/** @module Unit tests of the template baselines and the Plan schema's JSON-friendliness. */
import assert from "node:assert/strict";
import { z } from "zod";
import { baselinePlan } from "../../functions-shared/plan/baseline.ts";
import { PlanSchema } from "../../functions-shared/plan/schema.ts";
import { validatePlan } from "../../functions-shared/plan/validate.ts";

const TEMPLATES = ["marketplace", "saas"] as const;

Deno.test("both baselines are valid plans and survive a JSON round trip", () => {
  for (const template of TEMPLATES) {
    const plan = baselinePlan(template);
    const result = validatePlan(plan);
    assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
    assert.deepEqual(PlanSchema.parse(JSON.parse(JSON.stringify(plan))), plan);
  }
});

Deno.test("baselinePlan returns a fresh copy and sets analytics from the options", () => {
  const a = baselinePlan("marketplace", { enableAnalytics: true });
  a.tables.pop();
  assert.equal(a.analytics.enabled, true);
  assert.equal(baselinePlan("marketplace").tables.length, 4);
  assert.equal(baselinePlan("marketplace").analytics.enabled, false);
});

Deno.test("marketplace follows BRIEF §9", () => {
  const plan = baselinePlan("marketplace");
  assert.deepEqual(plan.tables.map((t) => t.name), ["profiles", "listings", "bids", "orders"]);
  const summary = plan.policies.map((p) =>
    `${p.table} ${p.command} ${p.roles.join("+")} ${p.using ?? p.withCheck}`
  );
  assert.deepEqual(summary, [
    "profiles select authenticated (select auth.uid()) = id",
    "profiles update authenticated (select auth.uid()) = id",
    "listings select anon+authenticated true",
    "listings insert authenticated (select auth.uid()) = owner_id",
    "listings update authenticated (select auth.uid()) = owner_id",
    "listings delete authenticated (select auth.uid()) = owner_id",
    "bids select authenticated (select auth.uid()) = bidder_id",
    "bids insert authenticated (select auth.uid()) = bidder_id",
    "orders select authenticated (select auth.uid()) = buyer_id",
    "orders insert authenticated (select auth.uid()) = buyer_id",
  ]);
  const anon = plan.grants.filter((g) => g.role === "anon");
  assert.deepEqual(anon, [{ table: "listings", role: "anon", privileges: ["select"] }]);
  for (const table of plan.tables) {
    const owner = table.columns.find((c) => c.name === table.ownerColumn);
    assert.equal(owner?.references?.onDelete, "cascade", table.name);
    assert.ok(plan.grants.some((g) => g.table === table.name && g.role === "service_role"));
  }
  const [trigger] = plan.triggers;
  assert.deepEqual(trigger && [trigger.schema, trigger.table, trigger.timing], [
    "auth",
    "users",
    "after",
  ]);
  const [fn] = plan.functions;
  assert.deepEqual(fn && [fn.name, fn.securityDefiner, fn.searchPath, fn.executeRoles], [
    "handle_new_user",
    true,
    "",
    [],
  ]);
});

Deno.test("saas checks membership through private SECURITY DEFINER helpers, never its own table", () => {
  const plan = baselinePlan("saas");
  assert.deepEqual(plan.tables.map((t) => t.name), [
    "profiles",
    "organizations",
    "memberships",
    "projects",
    "tasks",
    "subscriptions",
  ]);
  for (const policy of plan.policies) {
    const text = `${policy.using ?? ""} ${policy.withCheck ?? ""}`;
    assert.ok(!text.includes(`public.${policy.table} `), `${policy.name} reads its own table`);
  }
  for (const name of ["is_org_member", "has_org_role"]) {
    const fn = plan.functions.find((f) => f.name === name);
    assert.deepEqual(
      fn && [fn.schema, fn.volatility, fn.securityDefiner, fn.searchPath, fn.executeRoles],
      [
        "private",
        "stable",
        true,
        "",
        ["authenticated"],
      ],
    );
    assert.ok(fn?.body.includes("public.memberships") && fn.body.includes("(select auth.uid())"));
  }
  assert.deepEqual(
    plan.grants.find((g) => g.table === "subscriptions" && g.role === "authenticated")?.privileges,
    [
      "select",
    ],
  );
});

Deno.test("the Plan JSON schema has every property required (usable as strict structured output)", () => {
  const schema = z.toJSONSchema(PlanSchema);
  const visit = (node: unknown, path: string): void => {
    if (node === null || typeof node !== "object") return;
    const object = node as {
      type?: unknown;
      properties?: Record<string, unknown>;
      required?: string[];
    };
    if (object.type === "object" && object.properties) {
      assert.deepEqual(
        [...(object.required ?? [])].sort(),
        Object.keys(object.properties).sort(),
        `${path} has optional properties`,
      );
    }
    for (const [key, value] of Object.entries(node)) visit(value, `${path}.${key}`);
  };
  visit(schema, "plan");
});
