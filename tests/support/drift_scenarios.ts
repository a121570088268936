/**
 * @module Drift scenarios: SQL that makes a database drift from its contract, and the finding
 * that must report it. The shape is shared by the fixture corpus (tests/integration) and the
 * marketplace corpus here, which mirrors the fixture's scenarios on the schema the pipeline
 * provisions for the marketplace template (profiles, listings, bids, orders, reviews, the
 * `on_auth_user_created` trigger and its SECURITY DEFINER function).
 */
import type { Category, Finding } from "../../functions-shared/drift/findings.ts";

/** One way a database drifts, and how it is reported. */
export interface DriftScenario {
  readonly name: string;
  readonly sql: string;
  /** The finding that must be reported. */
  readonly check: string;
  readonly category: Category;
  readonly resource: string;
  readonly severity?: Finding["severity"];
  /** Patch with destructive fixes allowed. */
  readonly allowDestructive?: boolean;
  /** Checks left after the default patch (destructive or manual gaps). */
  readonly residue?: readonly string[];
  /** Resources acknowledged after the patch (neutralised unexpected objects). */
  readonly acknowledged?: readonly string[];
  /** Cause the drift, introspect and patch as supabase_admin (platform-owned tables). */
  readonly asAdmin?: boolean;
  /**
   * It changes the platform baseline: against a contract from migrations that leave that
   * object as the platform made it, it is reported in the baseline section (informational,
   * not in the patch) rather than as drift.
   */
  readonly platform?: boolean;
  /**
   * SQL that removes what the fix leaves behind on a live environment: a destructive gap the
   * default fix skips, or a neutralised (acknowledged) object to drop.
   */
  readonly undo?: string;
}

/** The marketplace corpus: every category, applied to a provisioned environment. */
export const MARKETPLACE_SCENARIOS: readonly DriftScenario[] = [
  // A — missing objects
  {
    name: "a dropped table",
    sql: "drop table public.reviews",
    check: "table.missing",
    category: "A",
    resource: "public.reviews",
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
    sql: "drop index public.bids_listing_id_idx",
    check: "index.missing",
    category: "A",
    resource: "public.bids_listing_id_idx",
  },
  {
    name: "a dropped check constraint",
    sql: "alter table public.reviews drop constraint reviews_rating_check",
    check: "constraint.missing",
    category: "A",
    resource: "public.reviews.reviews_rating_check",
  },
  {
    name: "a dropped foreign key",
    sql: "alter table public.orders drop constraint orders_listing_id_fkey",
    check: "constraint.missing",
    category: "A",
    resource: "public.orders.orders_listing_id_fkey",
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
    name: "a dropped function (and its trigger)",
    sql: "drop function public.handle_new_user() cascade",
    asAdmin: true,
    check: "function.missing",
    category: "A",
    resource: "public.handle_new_user()",
  },
  // B — divergent definitions
  {
    name: "a text column turned varchar",
    sql: "alter table public.listings alter column title type varchar(300)",
    check: "column.type",
    category: "B",
    resource: "public.listings.title",
  },
  {
    name: "a dropped default",
    sql: "alter table public.bids alter column created_at drop default",
    check: "column.default",
    category: "B",
    resource: "public.bids.created_at",
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
    sql: `create or replace function public.handle_new_user() returns trigger
          language plpgsql security definer set search_path = '' as $$
          begin return new; end $$`,
    check: "function.body",
    category: "B",
    resource: "public.handle_new_user()",
  },
  {
    name: "a function losing its search_path",
    sql: "alter function public.handle_new_user() reset search_path",
    check: "function.search_path",
    category: "B",
    resource: "public.handle_new_user()",
  },
  {
    name: "a SECURITY DEFINER function turned invoker",
    sql: "alter function public.handle_new_user() security invoker",
    check: "function.security_definer",
    category: "B",
    resource: "public.handle_new_user()",
  },
  {
    name: "an index with another method",
    sql: `drop index public.listings_owner_id_idx;
          create index listings_owner_id_idx on public.listings using hash (owner_id)`,
    check: "index.definition",
    category: "B",
    resource: "public.listings_owner_id_idx",
  },
  {
    name: "a check constraint loosened",
    sql: `alter table public.reviews drop constraint reviews_rating_check;
          alter table public.reviews add constraint reviews_rating_check
            check (rating between 0 and 10)`,
    check: "constraint.definition",
    category: "B",
    resource: "public.reviews.reviews_rating_check",
  },
  {
    name: "a foreign key cascading deletes",
    sql: `alter table public.orders drop constraint orders_listing_id_fkey;
          alter table public.orders add constraint orders_listing_id_fkey
            foreign key (listing_id) references public.listings (id) on delete cascade`,
    check: "constraint.definition",
    category: "B",
    resource: "public.orders.orders_listing_id_fkey",
  },
  // C — row-level security
  {
    name: "RLS disabled on orders",
    sql: "alter table public.orders disable row level security",
    check: "table.rls_disabled",
    category: "C",
    resource: "public.orders",
    severity: "critical",
  },
  {
    name: "a dropped policy",
    sql: "drop policy bids_select_own on public.bids",
    check: "policy.missing",
    category: "C",
    resource: "public.bids.bids_select_own",
  },
  {
    name: "a policy opening orders to anon",
    sql: `create policy "anyone reads orders" on public.orders for select to anon using (true)`,
    check: "policy.unexpected",
    category: "C",
    resource: "public.orders.anyone reads orders",
  },
  {
    name: "a policy widened to true",
    sql: "alter policy listings_update_own on public.listings using (true)",
    check: "policy.definition",
    category: "C",
    resource: "public.listings.listings_update_own",
    severity: "critical",
  },
  {
    name: "a policy retargeted to anon",
    sql: "alter policy orders_insert_own on public.orders to anon, authenticated",
    check: "policy.definition",
    category: "C",
    resource: "public.orders.orders_insert_own",
  },
  {
    name: "RLS forced on the owner",
    sql: "alter table public.listings force row level security",
    check: "table.rls_forced",
    category: "C",
    resource: "public.listings",
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
    name: "anon's read revoked on listings",
    sql: "revoke select on public.listings from anon",
    check: "grant.missing",
    category: "D",
    resource: "public.listings",
  },
  {
    name: "anon granted EXECUTE on the SECURITY DEFINER function",
    sql: "grant execute on function public.handle_new_user() to anon",
    check: "grant.unexpected",
    category: "D",
    resource: "public.handle_new_user()",
  },
  {
    name: "anon given CREATE on the public schema",
    sql: "grant create on schema public to anon",
    check: "grant.unexpected",
    category: "D",
    resource: "public",
  },
  {
    name: "a column grant to anon",
    sql: "grant select (buyer_id) on public.orders to anon",
    check: "grant.unexpected",
    category: "D",
    resource: "public.orders.buyer_id",
  },
  {
    name: "default privileges opening future tables to anon",
    sql: "alter default privileges in schema public grant select on tables to anon",
    check: "default_privilege.unexpected",
    category: "D",
    resource: "postgres@public:tables",
  },
  {
    name: "authenticated's update revoked on profiles",
    sql: "revoke update on public.profiles from authenticated",
    check: "grant.missing",
    category: "D",
    resource: "public.profiles",
  },
  // E — Realtime and publications
  {
    name: "a table added to supabase_realtime",
    sql: "alter publication supabase_realtime add table public.bids",
    check: "publication.table_unexpected",
    category: "E",
    resource: "supabase_realtime:public.bids",
  },
  {
    name: "supabase_realtime publishing inserts only",
    sql: "alter publication supabase_realtime set (publish = 'insert')",
    platform: true,
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
  {
    name: "replica identity full",
    sql: "alter table public.bids replica identity full",
    check: "table.replica_identity",
    category: "E",
    resource: "public.bids",
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
    undo: "drop table if exists public.scratch_notes",
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
    undo: "drop function if exists public.admin_reset()",
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
    undo: "drop view if exists public.user_emails",
  },
  {
    name: "an extra index",
    sql: "create index listings_title_idx on public.listings (title)",
    check: "index.unexpected",
    category: "F",
    resource: "public.listings_title_idx",
  },
  {
    name: "an extra check constraint",
    sql:
      "alter table public.listings add constraint listings_description_check check (description <> '')",
    check: "constraint.unexpected",
    category: "F",
    resource: "public.listings.listings_description_check",
  },
  {
    name: "an extra column (destructive to remove)",
    sql: "alter table public.profiles add column is_admin boolean",
    check: "column.unexpected",
    category: "F",
    resource: "public.profiles.is_admin",
    residue: ["column.unexpected"],
    undo: "alter table public.profiles drop column if exists is_admin",
  },
  {
    name: "an extension installed in public",
    sql: "create extension citext with schema public",
    check: "extension.unexpected",
    category: "F",
    resource: "citext",
    residue: ["extension.unexpected"],
    undo: "drop extension if exists citext",
  },
  {
    name: "an extra enum type",
    sql: "create type public.mood as enum ('happy', 'sad')",
    check: "enum.unexpected",
    category: "F",
    resource: "public.mood",
    residue: ["enum.unexpected"],
    undo: "drop type if exists public.mood",
  },
  {
    name: "an extra sequence anon may use",
    sql: "create sequence public.tickets; grant usage on sequence public.tickets to anon",
    check: "sequence.unexpected",
    category: "F",
    resource: "public.tickets",
    acknowledged: ["public.tickets"],
    undo: "drop sequence if exists public.tickets",
  },
];
