/** @module Unit tests of the schema and RLS migrations generated from validated plans. */
import assert from "node:assert/strict";
import { baselinePlan } from "../../functions-shared/plan/baseline.ts";
import { planFromVibe } from "../../functions-shared/plan/deterministic_planner.ts";
import type { Plan } from "../../functions-shared/plan/schema.ts";
import { assertValidPlan } from "../../functions-shared/plan/validate.ts";
import { rlsMigration } from "../../functions-shared/sql/rls_sql.ts";
import { schemaMigration } from "../../functions-shared/sql/schema_sql.ts";

const marketplace = () => assertValidPlan(baselinePlan("marketplace"));

Deno.test("schema migration: exact text of a table with constraints, indexes and server grants", () => {
  const schema = schemaMigration(marketplace());
  assert.equal(schema.migration.name, "plan_schema");
  const bids = schema.tables.find((t) => t.table === "bids");
  assert.deepEqual(bids?.columns, ["id", "listing_id", "bidder_id", "amount", "created_at"]);
  assert.equal(
    bids?.sql,
    `create table if not exists "public"."bids" (
  "id" uuid not null default (gen_random_uuid()),
  "listing_id" uuid not null references "public"."listings" ("id") on delete cascade,
  "bidder_id" uuid not null default (auth.uid()) references "auth"."users" ("id") on delete cascade,
  "amount" numeric(12,2) not null check (amount > 0),
  "created_at" timestamptz not null default (now()),
  primary key ("id")
);
comment on table "public"."bids" is 'Offers on listings; each is visible only to its bidder.';
create index if not exists "bids_listing_id_idx" on "public"."bids" ("listing_id");
create index if not exists "bids_bidder_id_idx" on "public"."bids" ("bidder_id");
revoke all on table "public"."bids" from anon, authenticated, service_role;
grant select, insert, update, delete on table "public"."bids" to service_role;`,
  );
});

Deno.test("schema migration: the profiles trigger function and its trigger", () => {
  const schema = schemaMigration(marketplace(), { name: "vibe_schema" });
  assert.equal(schema.migration.name, "vibe_schema");
  assert.equal(
    schema.functions[0]?.sql,
    `create or replace function "public"."handle_new_user"()
returns trigger
language plpgsql
volatile
security definer
set search_path = ''
as $function$
begin
  insert into public.profiles (id, display_name, avatar_url)
  values (
    new.id,
    coalesce(new.raw_user_meta_data ->> 'full_name', new.raw_user_meta_data ->> 'name'),
    new.raw_user_meta_data ->> 'avatar_url'
  )
  on conflict (id) do nothing;
  return new;
end;
$function$;
comment on function "public"."handle_new_user"() is 'Creates the profile of each new auth.users row.';
revoke all on function "public"."handle_new_user"() from public, anon, authenticated, service_role;`,
  );
  assert.deepEqual(schema.triggers, [{
    name: "on_auth_user_created",
    table: "auth.users",
    sql: `create or replace trigger "on_auth_user_created"
  after insert on "auth"."users"
  for each row execute function "public"."handle_new_user"();`,
  }]);
});

Deno.test("schema migration: saas helpers live in private, executable by authenticated only", () => {
  const sql = schemaMigration(assertValidPlan(baselinePlan("saas"))).migration.sql;
  assert.ok(
    sql.includes(
      `create schema if not exists "private";\ngrant usage on schema "private" to authenticated;`,
    ),
  );
  assert.ok(sql.includes(
    `revoke all on function "private"."has_org_role"(uuid, text[]) from public, anon, authenticated, service_role;\n` +
      `grant execute on function "private"."has_org_role"(uuid, text[]) to authenticated;`,
  ));
  assert.ok(
    sql.includes(
      `create or replace function "private"."is_org_member"("org" uuid)\nreturns boolean\nlanguage sql\nstable\nsecurity definer\nset search_path = ''`,
    ),
  );
});

Deno.test("schema migration: tables come after the tables they reference, whatever the plan order", () => {
  const plan = planFromVibe({
    vibeText: "Buyers can leave a review on an order they placed",
    template: "marketplace",
  });
  const reversed: Plan = { ...plan, tables: [...plan.tables].reverse() };
  const order = schemaMigration(assertValidPlan(reversed)).tables.map((t) => t.table);
  for (
    const [before, after] of [["listings", "bids"], ["listings", "orders"], ["orders", "reviews"]]
  ) {
    assert.ok(
      order.indexOf(before ?? "") < order.indexOf(after ?? ""),
      `${before} before ${after}: ${order}`,
    );
  }
});

Deno.test("schema migration is idempotent in shape and grants nothing to client roles", () => {
  for (const template of ["marketplace", "saas"] as const) {
    const sql = schemaMigration(assertValidPlan(baselinePlan(template))).migration.sql;
    const creates = sql.match(/^create .*$/gm) ?? [];
    assert.ok(creates.length > 10);
    for (const line of creates) {
      assert.match(
        line,
        /^create (table if not exists|(unique )?index if not exists|or replace (function|trigger)|schema if not exists) /,
        line,
      );
    }
    assert.ok(
      !/^drop /m.test(sql),
      "no drop statements (dropping a trigger on auth.users needs ownership)",
    );
    assert.ok(!/ on table .* to (anon|authenticated)/.test(sql));
  }
});

Deno.test("RLS migration: exact policy text, RLS per table, client grants after the policies", () => {
  const plan = assertValidPlan(planFromVibe({
    vibeText: "Sellers can see bids on their listings.",
    template: "marketplace",
  }));
  const rls = rlsMigration(plan);
  assert.equal(rls.migration.name, "plan_rls");
  assert.deepEqual(rls.tables.map((t) => t.sql), [
    `alter table "public"."profiles" enable row level security;`,
    `alter table "public"."listings" enable row level security;`,
    `alter table "public"."bids" enable row level security;`,
    `alter table "public"."orders" enable row level security;`,
  ]);
  const bids = rls.policies.find((p) => p.name === "bids_select_own");
  assert.deepEqual(bids && [bids.table, bids.command, bids.roles], ["bids", "select", [
    "authenticated",
  ]]);
  assert.equal(
    bids?.sql,
    `drop policy if exists "bids_select_own" on "public"."bids";
create policy "bids_select_own" on "public"."bids"
  as permissive
  for select
  to authenticated
  using (((select auth.uid()) = bidder_id) or (exists (select 1 from public.listings l where l.id = bids.listing_id and l.owner_id = (select auth.uid()))));`,
  );
  assert.equal(
    rls.policies.find((p) => p.name === "listings_update_own")?.sql,
    `drop policy if exists "listings_update_own" on "public"."listings";
create policy "listings_update_own" on "public"."listings"
  as permissive
  for update
  to authenticated
  using ((select auth.uid()) = owner_id)
  with check ((select auth.uid()) = owner_id);`,
  );
  assert.ok(rls.grantsSql.includes(
    `revoke all on table "public"."listings" from anon, authenticated;
grant select on table "public"."listings" to anon;
grant select, insert, update, delete on table "public"."listings" to authenticated;`,
  ));
  const sql = rls.migration.sql;
  assert.ok(sql.indexOf("enable row level security") < sql.indexOf("create policy"));
  assert.ok(sql.lastIndexOf("create policy") < sql.indexOf("grant select"));
});

Deno.test("RLS migration: every policy is dropped if it exists before it is created", () => {
  for (const template of ["marketplace", "saas"] as const) {
    const plan = assertValidPlan(baselinePlan(template));
    const rls = rlsMigration(plan, { name: "vibe_rls" });
    assert.equal(rls.migration.name, "vibe_rls");
    assert.equal(rls.policies.length, plan.policies.length);
    for (const policy of rls.policies) {
      assert.match(policy.sql, /^drop policy if exists "\w+" on "public"\."\w+";\ncreate policy /);
    }
    assert.equal(
      (rls.migration.sql.match(/enable row level security/g) ?? []).length,
      plan.tables.length,
    );
  }
});
