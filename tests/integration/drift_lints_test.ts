/**
 * @module One scenario per advisor lint on the drift fixture: the lint fires with the advisor's
 * name and cache key, counts as drift against the clean contract, and counts as inherited
 * (not drift) when the contract has it too.
 */
import assert from "node:assert/strict";
import { introspect } from "../../functions-shared/drift/introspect.ts";
import { lint, LINT_NAMES, type LintName } from "../../functions-shared/drift/lints.ts";
import { verify } from "../../functions-shared/drift/verify.ts";
import { inRollback, openFixture } from "./drift_fixture.ts";

interface LintScenario {
  readonly lint: LintName;
  readonly sql: string;
  readonly cacheKey: string;
  /** Cause it as the superuser (objects only the platform can create). */
  readonly asAdmin?: boolean;
  /** Schemas the Data API exposes, when not just public. */
  readonly apiSchemas?: readonly string[];
}

/** Lints that need pg_graphql installed, which this machine cannot build: unit-tested only. */
const NEEDS_PG_GRAPHQL: readonly LintName[] = [
  "pg_graphql_anon_table_exposed",
  "pg_graphql_authenticated_table_exposed",
];

const SCENARIOS: readonly LintScenario[] = [
  {
    lint: "unindexed_foreign_keys",
    sql: "drop index public.orders_buyer_id_idx",
    cacheKey: "unindexed_foreign_keys_public_orders_orders_buyer_id_fkey",
  },
  {
    lint: "auth_users_exposed",
    sql: `create view public.user_emails as select id, email from auth.users;
          grant select on public.user_emails to authenticated`,
    cacheKey: "auth_users_exposed_public_user_emails",
  },
  {
    lint: "auth_rls_initplan",
    sql: `create policy "buyers see own orders again" on public.orders for select to authenticated
          using (auth.uid() = buyer_id)`,
    cacheKey: "auth_rls_init_plan_public_orders_buyers see own orders again",
  },
  {
    lint: "no_primary_key",
    sql: "create table public.events_log (at timestamptz, message text)",
    cacheKey: "no_primary_key_public_events_log",
  },
  {
    lint: "multiple_permissive_policies",
    sql:
      `create policy "support reads orders" on public.orders for select to authenticated using (true)`,
    cacheKey: "multiple_permissive_policies_public_orders_authenticated_SELECT",
  },
  {
    lint: "policy_exists_rls_disabled",
    sql: "alter table public.bids disable row level security",
    cacheKey: "policy_exists_rls_disabled_public_bids",
  },
  {
    lint: "rls_enabled_no_policy",
    sql: `drop policy "buyers read own orders" on public.orders;
          drop policy "buyers insert orders" on public.orders`,
    cacheKey: "rls_enabled_no_policy_public_orders",
  },
  {
    lint: "duplicate_index",
    sql: "create index orders_buyer_id_idx2 on public.orders (buyer_id)",
    cacheKey: "duplicate_index_public_orders_{orders_buyer_id_idx,orders_buyer_id_idx2}",
  },
  {
    lint: "security_definer_view",
    sql: "alter view public.listing_summaries set (security_invoker = false)",
    cacheKey: "security_definer_view_public_listing_summaries",
  },
  {
    lint: "function_search_path_mutable",
    sql: "create function public.answer() returns int language sql as 'select 42'",
    cacheKey: "function_search_path_mutable_public_answer_",
  },
  {
    lint: "rls_disabled_in_public",
    sql: "alter table public.profiles disable row level security",
    cacheKey: "rls_disabled_in_public_public_profiles",
  },
  {
    lint: "extension_in_public",
    sql: "create extension citext with schema public",
    cacheKey: "extension_in_public_citext",
  },
  {
    lint: "rls_references_user_metadata",
    sql: `create policy "admins read orders" on public.orders for select to authenticated
          using (((select auth.jwt()) -> 'user_metadata' ->> 'role') = 'admin')`,
    cacheKey: "rls_references_user_metadata_public_orders_admins read orders",
  },
  {
    lint: "sensitive_columns_exposed",
    sql: `create table public.accounts (id int primary key, email text, password text);
          grant select on public.accounts to anon`,
    cacheKey: "sensitive_columns_exposed_public_accounts",
  },
  {
    lint: "rls_policy_always_true",
    sql:
      `create policy "anyone deletes listings" on public.listings for delete to authenticated using (true)`,
    cacheKey: "rls_policy_always_true_public_listings_anyone deletes listings",
  },
  {
    lint: "anon_security_definer_function_executable",
    sql:
      `create function public.grant_credits(amount int) returns void language sql security definer
          set search_path = '' as 'select null::void'`,
    cacheKey: "anon_security_definer_function_executable_public_grant_credits_amount integer",
  },
  {
    lint: "authenticated_security_definer_function_executable",
    sql:
      `create function public.grant_credits(amount int) returns void language sql security definer
          set search_path = '' as 'select null::void';
          revoke all on function public.grant_credits(int) from public;
          grant execute on function public.grant_credits(int) to authenticated`,
    cacheKey:
      "authenticated_security_definer_function_executable_public_grant_credits_amount integer",
  },
  {
    lint: "materialized_view_in_api",
    sql: `create materialized view public.listing_counts as
            select owner_id, count(*) as n from public.listings group by owner_id;
          grant select on public.listing_counts to anon`,
    cacheKey: "materialized_view_in_api_public_listing_counts",
  },
  {
    lint: "foreign_table_in_api",
    sql: `create foreign data wrapper drift_fdw;
          create server drift_remote foreign data wrapper drift_fdw;
          create foreign table public.remote_items (id int) server drift_remote;
          grant select on public.remote_items to authenticated`,
    cacheKey: "foreign_table_in_api_public_remote_items",
    asAdmin: true,
  },
  {
    lint: "unsupported_reg_types",
    sql: "create table public.search_configs (id int primary key, config regconfig)",
    cacheKey: "unsupported_reg_types_public_search_configs_config",
  },
  {
    lint: "insecure_queue_exposed_in_api",
    sql: `create extension if not exists pgmq;
          select pgmq.create('jobs');
          alter table pgmq.q_jobs disable row level security;
          grant usage on schema pgmq to anon;
          grant select on pgmq.q_jobs to anon`,
    cacheKey: "rls_disabled_in_public_pgmq_q_jobs",
    asAdmin: true,
    apiSchemas: ["public", "pgmq_public"],
  },
  {
    lint: "fkey_to_auth_unique",
    sql: `create table public.contacts (id int primary key,
            email varchar(255) references auth.users (email))`,
    cacheKey: "fkey_to_auth_unique_public_contacts_contacts_email_fkey",
  },
  {
    lint: "extension_versions_outdated",
    sql: "create extension citext with schema extensions version '1.5'",
    cacheKey: "extension_versions_outdated_citext_1.5",
  },
  {
    lint: "public_bucket_allows_listing",
    // storage.buckets and storage.objects come with every database, as on the platform.
    sql: `insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);
          create policy "avatars are listable" on storage.objects for select to public
            using (bucket_id = 'avatars')`,
    cacheKey: "public_bucket_allows_listing_avatars",
    asAdmin: true,
  },
];

Deno.test("advisor lints: one scenario per lint, drift against the contract, inherited when shared", async (t) => {
  assert.deepEqual(
    new Set(SCENARIOS.map((s) => s.lint)),
    new Set(LINT_NAMES.filter((n) => !NEEDS_PG_GRAPHQL.includes(n))),
  );
  const fx = await openFixture("drift_lint");
  try {
    for (const s of SCENARIOS) {
      await t.step(s.lint, async () => {
        const client = s.asAdmin ? fx.admin : fx.client;
        const runner = s.asAdmin ? fx.adminRunner : fx.runner;
        const options = s.apiSchemas ? { apiSchemas: s.apiSchemas } : {};
        await inRollback(client, async () => {
          await client.query(s.sql);
          const actual = (await introspect(runner)).model;
          const found = lint(actual, options).filter((l) => l.name === s.lint);
          const keys = found.map((l) => l.cache_key.replace(/_[0-9a-f]{32}$/, "_"));
          assert.ok(keys.includes(s.cacheKey), `${s.lint}: got ${JSON.stringify(keys)}`);
          const hit = found.find((l) => l.cache_key.replace(/_[0-9a-f]{32}$/, "_") === s.cacheKey)!;
          assert.equal(hit.facing, "EXTERNAL");
          assert.match(
            hit.remediation,
            /^https:\/\/supabase\.com\/docs\/guides\/database\/database-linter\?lint=(00\d\d_|unsupported_reg_types)/,
          );
          assert.ok(hit.categories.length > 0 && ["ERROR", "WARN", "INFO"].includes(hit.level));

          // Drift against the clean contract: a finding of its own, or part of the diff
          // finding that is its root cause.
          const drift = verify(fx.contract, actual, options);
          assert.ok(
            drift.findings.some((f) => f.lints.includes(s.lint)),
            `${s.lint} should be drift against the clean contract`,
          );
          const shared = verify(actual, actual, options);
          assert.deepEqual(shared.findings, []);
          assert.ok(
            shared.inherited.some((l) => l.cache_key === hit.cache_key),
            `${s.lint} inherited`,
          );
        });
      });
    }
  } finally {
    await fx.close();
  }
});
