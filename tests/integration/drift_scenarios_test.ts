/**
 * @module The drift corpus: scenarios across all six categories applied to the multi-table
 * fixture (functions, triggers, grants, a publication, views, an enum, a sequence). Each runs
 * in a rolled-back transaction and must be detected with the right category and resource; the
 * default patch must bring the database back to zero drift (or, for destructive or manual
 * gaps, to exactly the expected residue), and applying it twice must be harmless.
 */
import assert from "node:assert/strict";
import { compare } from "../../functions-shared/drift/diff.ts";
import { introspect } from "../../functions-shared/drift/introspect.ts";
import { patch } from "../../functions-shared/drift/patch.ts";
import type { DriftScenario } from "../support/drift_scenarios.ts";
import {
  describeFindings,
  inRollback,
  runScenario,
  verifyTarget,
} from "../support/drift_runner.ts";
import { openFixture } from "./drift_fixture.ts";

const SCENARIOS: readonly DriftScenario[] = [
  // A — missing objects
  {
    name: "a dropped table with its serial sequence",
    sql: "drop table public.orders",
    check: "table.missing",
    category: "A",
    resource: "public.orders",
  },
  {
    name: "a dropped column",
    sql: "alter table public.listings drop column description",
    check: "column.missing",
    category: "A",
    resource: "public.listings.description",
  },
  {
    name: "a dropped index",
    sql: "drop index public.listings_owner_id_idx",
    check: "index.missing",
    category: "A",
    resource: "public.listings_owner_id_idx",
  },
  {
    name: "a dropped check constraint",
    sql: "alter table public.bids drop constraint bids_amount_cents_check",
    check: "constraint.missing",
    category: "A",
    resource: "public.bids.bids_amount_cents_check",
  },
  {
    name: "a dropped foreign key",
    sql: "alter table public.orders drop constraint orders_listing_id_fkey",
    check: "constraint.missing",
    category: "A",
    resource: "public.orders.orders_listing_id_fkey",
  },
  {
    name: "a dropped trigger",
    sql: "drop trigger listings_set_updated_at on public.listings",
    check: "trigger.missing",
    category: "A",
    resource: "public.listings.listings_set_updated_at",
  },
  {
    name: "a dropped trigger on auth.users",
    sql: "drop trigger on_auth_user_created on auth.users",
    asAdmin: true,
    check: "trigger.missing",
    category: "A",
    resource: "auth.users.on_auth_user_created",
  },
  {
    name: "a dropped function",
    sql: "drop function public.listing_bid_count(uuid)",
    check: "function.missing",
    category: "A",
    resource: "public.listing_bid_count(p_listing_id uuid)",
  },
  {
    name: "a dropped view",
    sql: "drop view public.listing_summaries",
    check: "view.missing",
    category: "A",
    resource: "public.listing_summaries",
  },
  {
    name: "a dropped materialized view",
    sql: "drop materialized view private.seller_stats",
    check: "view.missing",
    category: "A",
    resource: "private.seller_stats",
  },
  {
    name: "a dropped extension (and the index using it)",
    sql: "drop extension pg_trgm cascade",
    check: "extension.missing",
    category: "A",
    resource: "pg_trgm",
  },
  {
    name: "a dropped sequence",
    sql:
      "alter table public.orders alter column order_number drop default; drop sequence public.order_number_seq",
    check: "sequence.missing",
    category: "A",
    resource: "public.order_number_seq",
  },
  {
    name: "an enum value added",
    sql: "alter type public.listing_status add value 'archived'",
    check: "enum.values_unexpected",
    category: "F",
    resource: "public.listing_status",
    residue: ["enum.values_unexpected"],
  },
  // B — divergent definitions
  {
    name: "a column type widened",
    sql: "alter table public.orders alter column total_cents type bigint",
    check: "column.type",
    category: "B",
    resource: "public.orders.total_cents",
    residue: ["column.type"],
  },
  {
    name: "a column type narrowed back with the allow flag",
    sql: "alter table public.orders alter column total_cents type bigint",
    check: "column.type",
    category: "B",
    resource: "public.orders.total_cents",
    allowDestructive: true,
  },
  {
    name: "a text column turned varchar",
    sql: "alter table public.listings alter column description type varchar(200)",
    check: "column.type",
    category: "B",
    resource: "public.listings.description",
  },
  {
    name: "a dropped default",
    sql: "alter table public.profiles alter column created_at drop default",
    check: "column.default",
    category: "B",
    resource: "public.profiles.created_at",
  },
  {
    name: "a column made NOT NULL",
    sql: "alter table public.listings alter column description set not null",
    check: "column.nullability",
    category: "B",
    resource: "public.listings.description",
  },
  {
    name: "a function body replaced",
    sql: `create or replace function public.listing_bid_count(p_listing_id uuid) returns bigint
          language sql stable set search_path = '' as $$ select 0::bigint $$`,
    check: "function.body",
    category: "B",
    resource: "public.listing_bid_count(p_listing_id uuid)",
  },
  {
    name: "a function losing its search_path",
    sql: `create or replace function public.set_updated_at() returns trigger language plpgsql as $$
          begin new.updated_at := now(); return new; end $$`,
    check: "function.search_path",
    category: "B",
    resource: "public.set_updated_at()",
  },
  {
    name: "a function turned SECURITY DEFINER",
    sql: "alter function public.listing_bid_count(uuid) security definer",
    check: "function.security_definer",
    category: "B",
    resource: "public.listing_bid_count(p_listing_id uuid)",
    severity: "critical",
  },
  {
    name: "a disabled trigger",
    sql: "alter table public.orders disable trigger orders_audit",
    check: "trigger.enabled",
    category: "B",
    resource: "public.orders.orders_audit",
  },
  {
    name: "a partial index with another predicate",
    sql: `drop index public.listings_active_created_idx;
          create index listings_active_created_idx on public.listings (created_at desc) where status = 'draft'`,
    check: "index.definition",
    category: "B",
    resource: "public.listings_active_created_idx",
  },
  {
    name: "a check constraint loosened",
    sql: `alter table public.listings drop constraint listings_price_cents_check;
          alter table public.listings add constraint listings_price_cents_check check (price_cents > -100)`,
    check: "constraint.definition",
    category: "B",
    resource: "public.listings.listings_price_cents_check",
  },
  {
    name: "a view redefined",
    sql: `create or replace view public.listing_summaries with (security_invoker = true) as
          select l.id, l.title, l.price_cents, l.status, 0::bigint as bid_count from public.listings l`,
    check: "view.definition",
    category: "B",
    resource: "public.listing_summaries",
  },
  {
    name: "a sequence stepping by 5",
    sql: "alter sequence public.order_number_seq increment by 5",
    check: "sequence.definition",
    category: "B",
    resource: "public.order_number_seq",
  },
  // C — row-level security
  {
    name: "RLS disabled on a table signed-in users can read",
    sql: "alter table public.orders disable row level security",
    check: "table.rls_disabled",
    category: "C",
    resource: "public.orders",
    severity: "critical",
  },
  {
    name: "a dropped permissive policy",
    sql: `drop policy "buyers read own orders" on public.orders`,
    check: "policy.missing",
    category: "C",
    resource: "public.orders.buyers read own orders",
  },
  {
    name: "a dropped restrictive policy",
    sql: `drop policy "sold listings are frozen" on public.listings`,
    check: "policy.missing",
    category: "C",
    resource: "public.listings.sold listings are frozen",
    severity: "critical",
  },
  {
    name: "a policy opening bids to anon",
    sql: `create policy "anyone reads bids" on public.bids for select to anon using (true)`,
    check: "policy.unexpected",
    category: "C",
    resource: "public.bids.anyone reads bids",
    severity: "critical",
  },
  {
    name: "a policy widened to true",
    sql: `alter policy "owners update listings" on public.listings using (true)`,
    check: "policy.definition",
    category: "C",
    resource: "public.listings.owners update listings",
    severity: "critical",
  },
  {
    name: "a policy retargeted to another role",
    sql: `alter policy "buyers insert orders" on public.orders to anon, authenticated`,
    check: "policy.definition",
    category: "C",
    resource: "public.orders.buyers insert orders",
  },
  {
    name: "RLS forced on the owner",
    sql: "alter table public.listings force row level security",
    check: "table.rls_forced",
    category: "C",
    resource: "public.listings",
  },
  {
    name: "a view switched to security definer",
    sql: "alter view public.listing_summaries set (security_invoker = false)",
    check: "view.security_invoker",
    category: "C",
    resource: "public.listing_summaries",
    severity: "critical",
  },
  // D — privileges
  {
    name: "anon granted writes on listings",
    sql: "grant insert, update, delete on public.listings to anon",
    check: "grant.unexpected",
    category: "D",
    resource: "public.listings",
    severity: "critical",
  },
  {
    name: "anon's read revoked on profiles",
    sql: "revoke select on public.profiles from anon",
    check: "grant.missing",
    category: "D",
    resource: "public.profiles",
  },
  {
    name: "anon granted EXECUTE on an RPC",
    sql: "grant execute on function public.place_bid(uuid, integer) to anon",
    check: "grant.unexpected",
    category: "D",
    resource: "public.place_bid(p_listing_id uuid, p_amount_cents integer)",
  },
  {
    name: "the default PUBLIC EXECUTE revoked",
    sql: "revoke execute on function public.listing_bid_count(uuid) from public",
    check: "grant.missing",
    category: "D",
    resource: "public.listing_bid_count(p_listing_id uuid)",
  },
  {
    name: "the default PUBLIC EXECUTE granted back on a private function",
    sql: "grant execute on function private.audit() to public",
    check: "grant.unexpected",
    category: "D",
    resource: "private.audit()",
  },
  {
    name: "anon given USAGE on the private schema",
    sql: "grant usage on schema private to anon",
    check: "grant.unexpected",
    category: "D",
    resource: "private",
  },
  {
    name: "a column grant to anon",
    sql: "grant select (total_cents) on public.orders to anon",
    check: "grant.unexpected",
    category: "D",
    resource: "public.orders.total_cents",
  },
  {
    name: "a column grant revoked",
    sql: "revoke select (amount_cents) on public.bids from anon",
    check: "grant.missing",
    category: "D",
    resource: "public.bids.amount_cents",
  },
  {
    name: "default privileges opening future tables to anon",
    sql: "alter default privileges in schema public grant select on tables to anon",
    check: "default_privilege.unexpected",
    category: "D",
    resource: "postgres@public:tables",
  },
  {
    name: "a sequence grant revoked",
    sql: "revoke usage on sequence public.order_number_seq from authenticated",
    check: "grant.missing",
    category: "D",
    resource: "public.order_number_seq",
  },
  // E — Realtime and publications
  {
    name: "a table dropped from supabase_realtime",
    sql: "alter publication supabase_realtime drop table public.bids",
    check: "publication.table_missing",
    category: "E",
    resource: "supabase_realtime:public.bids",
  },
  {
    name: "a table added to supabase_realtime",
    sql: "alter publication supabase_realtime add table public.orders",
    check: "publication.table_unexpected",
    category: "E",
    resource: "supabase_realtime:public.orders",
  },
  {
    name: "replica identity reset",
    sql: "alter table public.bids replica identity default",
    check: "table.replica_identity",
    category: "E",
    resource: "public.bids",
  },
  {
    name: "supabase_realtime publishing inserts only",
    sql: "alter publication supabase_realtime set (publish = 'insert')",
    check: "publication.options",
    category: "E",
    resource: "supabase_realtime",
  },
  {
    name: "a second publication",
    sql: "create publication leaky for table public.orders",
    check: "publication.unexpected",
    category: "E",
    resource: "leaky",
  },
  // F — unexpected or insecure objects
  {
    name: "a new public table anon can read",
    sql: `create table public.scratch_notes (id int, secret text);
          grant select on public.scratch_notes to anon`,
    check: "table.unexpected",
    category: "F",
    resource: "public.scratch_notes",
    severity: "critical",
    acknowledged: ["public.scratch_notes"],
  },
  {
    name: "a new private table without RLS",
    sql: "create table private.cache (id int primary key)",
    check: "table.unexpected",
    category: "F",
    resource: "private.cache",
    acknowledged: ["private.cache"],
  },
  {
    name: "a new SECURITY DEFINER function anyone can call",
    sql: `create function public.admin_reset() returns void language sql security definer
          as 'select null::void'`,
    check: "function.unexpected",
    category: "F",
    resource: "public.admin_reset()",
    severity: "critical",
    acknowledged: ["public.admin_reset()"],
  },
  {
    name: "a new view exposing auth.users",
    sql: `create view public.user_emails as select id, email from auth.users;
          grant select on public.user_emails to anon`,
    check: "view.unexpected",
    category: "F",
    resource: "public.user_emails",
    severity: "critical",
    acknowledged: ["public.user_emails"],
  },
  {
    name: "an extra index",
    sql: "create index listings_title_idx on public.listings (title)",
    check: "index.unexpected",
    category: "F",
    resource: "public.listings_title_idx",
  },
  {
    name: "an extra trigger",
    sql: `create trigger bids_touch before update on public.bids
          for each row execute function public.set_updated_at()`,
    check: "trigger.unexpected",
    category: "F",
    resource: "public.bids.bids_touch",
  },
  {
    name: "an extra check constraint",
    sql: "alter table public.listings add constraint listings_title_check check (title <> '')",
    check: "constraint.unexpected",
    category: "F",
    resource: "public.listings.listings_title_check",
  },
  {
    name: "an extra column (destructive to remove)",
    sql: "alter table public.profiles add column is_admin boolean",
    check: "column.unexpected",
    category: "F",
    resource: "public.profiles.is_admin",
    residue: ["column.unexpected"],
  },
  {
    name: "an extra column removed with the allow flag",
    sql: "alter table public.profiles add column is_admin boolean",
    check: "column.unexpected",
    category: "F",
    resource: "public.profiles.is_admin",
    allowDestructive: true,
  },
  {
    name: "an extension installed in public",
    sql: "create extension citext with schema public",
    check: "extension.unexpected",
    category: "F",
    resource: "citext",
    allowDestructive: true,
  },
  {
    name: "an extra enum type",
    sql: "create type public.mood as enum ('happy', 'sad')",
    check: "enum.unexpected",
    category: "F",
    resource: "public.mood",
    residue: ["enum.unexpected"],
  },
  {
    name: "an extra sequence anon may use",
    sql: "create sequence public.tickets; grant usage on sequence public.tickets to anon",
    check: "sequence.unexpected",
    category: "F",
    resource: "public.tickets",
    acknowledged: ["public.tickets"],
  },
];

/** Platform-baseline differences of the plain fixture: informational, never drift. */
const PLAIN_BASELINE = [
  "extension.missing pgcrypto",
  "extension.missing supabase_vault",
  "extension.missing uuid-ossp",
  "grant.missing public anon USAGE",
  "grant.missing public authenticated USAGE",
  "grant.missing public postgres CREATE",
  "grant.missing public postgres USAGE",
  "grant.missing public service_role USAGE",
];

for (const plain of [false, true]) {
  const where = plain ? "plain PostgreSQL" : "compatibility layer";
  Deno.test(`drift corpus (${where}): detection, fix round trip and idempotency`, async (t) => {
    const categories = new Set(SCENARIOS.map((s) => s.category));
    assert.deepEqual([...categories].sort(), ["A", "B", "C", "D", "E", "F"]);
    assert.ok(SCENARIOS.length >= 30);
    const fx = await openFixture(plain ? "drift_plain" : "drift_fx", { plain });
    try {
      await t.step("the clean fixture has zero drift", async () => {
        const v = await verifyTarget(fx);
        assert.deepEqual(v.findings, []);
        assert.deepEqual(v.acknowledged, []);
        assert.deepEqual(v.inherited.map((l) => l.cache_key), [
          "rls_enabled_no_policy_private_audit_log",
        ]);
        assert.deepEqual(
          v.baseline.map((f) => `${f.check} ${f.resource} ${f.key}`.trim()).sort(),
          plain ? PLAIN_BASELINE : [],
        );
        const script = patch(v.findings);
        assert.equal(script.includes("alter "), false);
        assert.equal(script.includes("create extension"), false);
      });
      for (const s of SCENARIOS) {
        await t.step(`${s.category}: ${s.name}`, () => runScenario(fx, s));
      }
      await t.step("several drifts at once are fixed by one patch", async () => {
        await inRollback(fx.client, async () => {
          for (
            const s of SCENARIOS.filter((x) => !x.residue && !x.allowDestructive && !x.asAdmin)
          ) {
            await fx.client.query("savepoint s");
            try {
              await fx.client.query(s.sql);
              await fx.client.query("release savepoint s");
            } catch {
              // Scenarios touching what an earlier one dropped do not combine.
              await fx.client.query("rollback to savepoint s");
            }
          }
          const before = compare(fx.contract, (await introspect(fx.runner)).model);
          assert.ok(before.findings.length > 40, `${before.findings.length} findings`);
          const script = patch((await verifyTarget(fx)).findings, { transaction: false });
          await fx.client.query(script);
          await fx.client.query(script);
          const after = await verifyTarget(fx);
          assert.deepEqual(after.findings.map((f) => `${f.check} ${f.resource}`), []);
        });
      });
    } finally {
      await fx.close();
    }
  });
}

Deno.test("drift corpus: a renamed enum value is restored by a patch that commits the value first", async () => {
  const fx = await openFixture("drift_enum");
  try {
    await fx.client.query("alter type public.listing_status rename value 'sold' to 'closed'");
    const before = await verifyTarget(fx);
    const missing = before.findings.find((f) => f.check === "enum.values_missing");
    assert.equal(missing?.category, "A");
    assert.equal(missing?.resource, "public.listing_status");
    // The policy and its expression now read 'closed': restoring it uses the re-added 'sold'.
    assert.ok(before.findings.some((f) => f.check === "policy.definition"));
    const script = patch(before.findings);
    assert.ok(script.indexOf("add value if not exists 'sold'") < script.lastIndexOf("begin;"));
    for (let round = 1; round <= 2; round++) {
      await fx.client.query(script);
      const after = await verifyTarget(fx);
      assert.deepEqual(
        after.findings.map((f) => f.check),
        ["enum.values_unexpected"],
        describeFindings(after.findings),
      );
    }
  } finally {
    await fx.close();
  }
});
