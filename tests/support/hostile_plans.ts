/**
 * @module A hostile corpus: plans an LLM could return (by mistake or because a vibe told it to)
 * that must all be refused before any SQL runs, each with a reason that says what to change.
 * Every case starts from a valid plan (`withNotes`), so the refusal is caused by the hostile
 * part alone. Used by the validator's tests and the LLM planner's.
 */
import assert from "node:assert/strict";
import { baselinePlan } from "../../functions-shared/plan/baseline.ts";
import {
  ALL_PRIVILEGES,
  column,
  createdAtColumn,
  grant,
  idColumn,
  indexOn,
  ownerColumn,
  ownerPolicy,
  referenceColumn,
} from "../../functions-shared/plan/elements.ts";
import type { Plan, Policy, Table, Template } from "../../functions-shared/plan/schema.ts";

/** A valid plan: the template plus an owned `notes` table (and for saas, an org-scoped one). */
export function withNotes(template: Template = "marketplace"): Plan {
  const plan = baselinePlan(template);
  plan.tables.push({
    name: "notes",
    comment: null,
    columns: [idColumn(), ownerColumn("owner_id"), column("body", "text"), createdAtColumn()],
    ownerColumn: "owner_id",
    indexes: [indexOn("notes", ["owner_id"])],
  });
  for (const command of ["select", "insert", "update", "delete"] as const) {
    plan.policies.push(ownerPolicy("notes", command, "owner_id", { rule: null }));
  }
  plan.grants.push(
    grant("notes", "authenticated", ALL_PRIVILEGES),
    grant("notes", "service_role", ALL_PRIVILEGES),
  );
  if (template === "saas") {
    plan.tables.push({
      name: "documents",
      comment: null,
      columns: [
        idColumn(),
        referenceColumn("org_id", "organizations", "cascade"),
        column("title", "text"),
        createdAtColumn(),
      ],
      ownerColumn: null,
      indexes: [indexOn("documents", ["org_id"])],
    });
    for (const command of ["select", "insert", "update", "delete"] as const) {
      const condition = "private.is_org_member(org_id)";
      plan.policies.push({
        name: `documents_${command}_member`,
        table: "documents",
        command,
        roles: ["authenticated"],
        using: command === "insert" ? null : condition,
        withCheck: command === "insert" || command === "update" ? condition : null,
        basis: ["membership"],
        rule: null,
        description: "Members work on their organization's documents.",
      });
    }
    plan.grants.push(
      grant("documents", "authenticated", ALL_PRIVILEGES),
      grant("documents", "service_role", ALL_PRIVILEGES),
    );
  }
  return plan;
}

function policy(plan: Plan, name: string): Policy {
  const found = plan.policies.find((p) => p.name === name);
  assert.ok(found, name);
  return found;
}

function table(plan: Plan, name: string): Table {
  const found = plan.tables.find((t) => t.name === name);
  assert.ok(found, name);
  return found;
}

function change(template: Template, mutate: (plan: Plan) => void): Plan {
  const plan = withNotes(template);
  mutate(plan);
  return plan;
}

/** One hostile plan and the refusal it must get. */
export interface HostileCase {
  readonly name: string;
  readonly plan: () => Plan;
  /** A fragment of the refusal, which must say what to do. */
  readonly reason: string;
  /**
   * The LLM planner lays proposals over the template baseline, which restores what this case
   * changes (template functions, triggers, tables): through it, the plan is accepted without
   * the hostile part instead of refused.
   */
  readonly undoneByMerge?: boolean;
}

const m = (mutate: (plan: Plan) => void) => () => change("marketplace", mutate);
const s = (mutate: (plan: Plan) => void) => () => change("saas", mutate);
const notesUsing = (command: "select" | "update" | "delete", using: string) =>
  m((p) => (policy(p, `notes_${command}_own`).using = using));

/** The corpus. */
export const HOSTILE: readonly HostileCase[] = [
  {
    name: "unparenthesised default reading auth.users on profiles (run by the signup trigger)",
    plan: m((p) =>
      table(p, "profiles").columns.splice(
        3,
        0,
        column("leak", "text", {
          default: "query_to_xml('select email, encrypted_password from auth.users', true, " +
            "true, '')::text",
        }),
      )
    ),
    reason: 'Cannot use the default of column "profiles.leak": a default may only be',
  },
  {
    name: "default as a scalar subquery on auth.users",
    plan: m((p) =>
      table(p, "notes").columns.push(
        column("copied", "text", { default: "(select email from auth.users limit 1)" }),
      )
    ),
    reason: 'Cannot use the default of column "notes.copied": a default may only be',
  },
  {
    name: "default calling pg_sleep",
    plan: m((p) =>
      table(p, "notes").columns.push(column("slow", "text", { default: "pg_sleep(10)" }))
    ),
    reason: 'Cannot use the default of column "notes.slow"',
  },
  {
    name: "default calling set_config to change role",
    plan: m((p) =>
      table(p, "notes").columns.push(
        column("r", "text", { default: "set_config('role', 'service_role', false)" }),
      )
    ),
    reason: "set other values in the app",
  },
  {
    name: "default that closes the statement",
    plan: m((p) =>
      table(p, "notes").columns.push(
        column("x", "text", { default: "'a'); drop table public.listings; --" }),
      )
    ),
    reason: "it has unbalanced parentheses",
  },
  {
    name: "default on a uuid column set to someone else's id",
    plan: m((p) =>
      table(p, "notes").columns.push(
        column("other_id", "uuid", {
          default: "(select id from auth.users order by created_at limit 1)",
        }),
      )
    ),
    reason: 'Cannot use the default of column "notes.other_id"',
  },
  {
    name: "check with a pg_sleep subquery",
    plan: m((p) => {
      const body = table(p, "notes").columns.find((c) => c.name === "body");
      if (body) body.check = "(select pg_sleep(10)) is not null";
    }),
    reason: "a check cannot read other rows or tables; use a policy",
  },
  {
    name: "check calling pg_sleep directly",
    plan: m((p) => {
      const body = table(p, "notes").columns.find((c) => c.name === "body");
      if (body) body.check = "pg_sleep(1) is not null";
    }),
    reason: "it calls pg_sleep(), which checks may not call",
  },
  {
    name: "check calling set_config",
    plan: m((p) => {
      const body = table(p, "notes").columns.find((c) => c.name === "body");
      if (body) body.check = "set_config('request.jwt.claims', '{}', true) is not null";
    }),
    reason: "it calls set_config(), which checks may not call",
  },
  {
    name: "check reading auth.users",
    plan: m((p) => {
      const body = table(p, "notes").columns.find((c) => c.name === "body");
      if (body) body.check = "exists (select 1 from auth.users)";
    }),
    reason: "a check cannot read other rows or tables",
  },
  {
    name: "orders readable by everyone except their buyer (<> instead of =)",
    plan: m((p) =>
      policy(p, "orders_select_own").using =
        "(select auth.uid()) = buyer_id or buyer_id <> (select auth.uid())"
    ),
    reason: "refers to the user without tying the row to them",
  },
  {
    name: "a new table's select policy using <> on its owner",
    plan: notesUsing("select", "owner_id <> (select auth.uid())"),
    reason: "refers to the user without tying the row to them",
  },
  {
    name: "role from user-editable JWT metadata",
    plan: notesUsing("select", "auth.jwt()->'user_metadata'->>'role' = 'admin'"),
    reason: "it calls auth.jwt(); identify the user only with (select auth.uid())",
  },
  {
    name: "request headers read with current_setting",
    plan: notesUsing(
      "select",
      "current_setting('request.headers', true)::jsonb->>'x-admin' = 'yes'",
    ),
    reason: "it calls current_setting()",
  },
  {
    name: "pg_sleep in a policy",
    plan: notesUsing("select", "(select auth.uid()) = owner_id and pg_sleep(1) is not null"),
    reason: "it calls pg_sleep()",
  },
  {
    name: "query_to_xml in a policy",
    plan: notesUsing(
      "select",
      "query_to_xml('select * from auth.users', true, true, '') is not null",
    ),
    reason: "it calls query_to_xml()",
  },
  {
    name: "an owned table opened to anon for everything with true",
    plan: m((p) => {
      p.policies = p.policies.filter((x) => x.table !== "notes");
      p.policies.push({
        name: "notes_all_public",
        table: "notes",
        command: "all",
        roles: ["anon", "authenticated"],
        using: "true",
        withCheck: "true",
        basis: ["public"],
        rule: null,
        description: "Anyone can do anything.",
      });
      p.grants.push(grant("notes", "anon", ALL_PRIVILEGES));
    }),
    reason: "Cannot let anon write with policy",
  },
  {
    name: "signed-in users may insert rows for anyone",
    plan: m((p) => (policy(p, "notes_insert_own").withCheck = "true")),
    reason: "would let authenticated insert rows that are not theirs",
  },
  {
    name: "any signed-in user may update every row",
    plan: notesUsing("update", "(select auth.uid()) is not null"),
    reason: "refers to the user without tying the row to them",
  },
  {
    name: "anon granted insert",
    plan: m((p) => p.grants.push(grant("notes", "anon", ["insert"]))),
    reason: 'Cannot grant insert on "notes" to anon: anonymous visitors may only read',
  },
  {
    name: "policy reading auth.users",
    plan: notesUsing(
      "select",
      "(select auth.uid()) = owner_id or exists (select 1 from auth.users u where u.id = owner_id)",
    ),
    reason: "it reads auth.users, which is not a table of the plan",
  },
  {
    name: "policy reading its own table (infinite recursion)",
    plan: notesUsing(
      "select",
      "exists (select 1 from public.notes n where n.owner_id = (select auth.uid()))",
    ),
    reason: 'it reads its own table "notes", which makes Postgres recurse',
  },
  {
    name: "two tables whose select policies read each other",
    plan: m((p) => {
      policy(p, "notes_select_own").using = "(select auth.uid()) = owner_id or exists " +
        "(select 1 from public.listings l where l.owner_id = notes.owner_id)";
      policy(p, "listings_select_public").using = "true or exists " +
        "(select 1 from public.notes n where n.owner_id = listings.owner_id)";
    }),
    reason: "Cannot create select policies that read each other's tables in a cycle",
  },
  {
    name: "membership helper called with a constant organization",
    plan: s((p) =>
      policy(p, "documents_update_member").using =
        "private.is_org_member('00000000-0000-0000-0000-000000000000')"
    ),
    reason: "refers to the user without tying the row to them",
  },
  {
    name: "policy calling the security definer trigger function",
    plan: notesUsing(
      "select",
      "(select auth.uid()) = owner_id and public.handle_new_user() is null",
    ),
    reason: "it calls public.handle_new_user()",
  },
  {
    name: "owner condition or true on update",
    plan: notesUsing("update", "(select auth.uid()) = owner_id or true"),
    reason: '"true" would let authenticated update rows that are not theirs',
  },
  {
    name: "owner condition or 1 = 1 on delete",
    plan: notesUsing("delete", "(select auth.uid()) = owner_id or 1 = 1"),
    reason: "would let authenticated delete rows that are not theirs",
  },
  {
    name: "the user compared with themself",
    plan: notesUsing("update", "(select auth.uid()) = (select auth.uid())"),
    reason: "refers to the user without tying the row to them",
  },
  {
    name: "a subquery on another table not linked to the row",
    plan: m((p) => {
      p.policies.push({
        name: "bids_update_own",
        table: "bids",
        command: "update",
        roles: ["authenticated"],
        using: "exists (select 1 from public.listings l where l.owner_id = (select auth.uid()))",
        withCheck:
          "exists (select 1 from public.listings l where l.owner_id = (select auth.uid()))",
        basis: ["related"],
        rule: null,
        description: "Any seller updates every bid.",
      });
      p.grants.find((g) => g.table === "bids" && g.role === "authenticated")?.privileges.push(
        "update",
      );
    }),
    reason: "does not tie rows to the signed-in user",
  },
  {
    name: "unqualified table in a subquery",
    plan: notesUsing(
      "select",
      "(select auth.uid()) = owner_id or exists (select 1 from listings l where l.owner_id = notes.owner_id)",
    ),
    reason: 'it reads table "listings" without a schema; write public.listings',
  },
  {
    name: "bids opened to anon",
    plan: m((p) => {
      policy(p, "bids_select_own").roles = ["anon", "authenticated"];
      policy(p, "bids_select_own").using = "true";
      p.grants.push(grant("bids", "anon", ["select"]));
    }),
    reason: 'Cannot open policy "bids_select_own" (rule marketplace:bids:select) to anon',
  },
  {
    name: "signup trigger function rewritten to copy passwords",
    plan: m((p) => {
      const fn = p.functions[0];
      if (fn) fn.body = fn.body.replace("new.id,", "new.encrypted_password,");
    }),
    reason: "Cannot change the database functions of the marketplace template",
    undoneByMerge: true,
  },
  {
    name: "an extra trigger on auth.users",
    plan: m((p) =>
      p.triggers.push({
        name: "copy_users",
        schema: "auth",
        table: "users",
        timing: "after",
        events: ["update"],
        function: { schema: "public", name: "handle_new_user" },
      })
    ),
    reason: "Cannot change the triggers of the marketplace template",
    undoneByMerge: true,
  },
  {
    name: "a foreign key into auth.identities",
    plan: m((p) =>
      table(p, "notes").columns.push(
        column("identity_id", "uuid", {
          references: { schema: "auth", table: "identities", column: "id", onDelete: "cascade" },
        }),
      )
    ),
    reason: "only auth.users(id) can be referenced",
  },
  {
    name: "a policy that ends the statement",
    plan: notesUsing("select", "true); drop table public.orders; --"),
    reason: "it has unbalanced parentheses",
  },
  {
    name: "a table name carrying SQL",
    plan: m((p) => (table(p, "notes").name = "notes; drop table orders")),
    reason: 'Cannot use table name "notes; drop table orders": it is not lowercase snake_case',
  },
  {
    name: "a plan with 500 tables",
    plan: m((p) => {
      for (let i = 0; i < 500; i++) {
        p.tables.push({
          name: `t${i}`,
          comment: null,
          columns: [idColumn()],
          ownerColumn: null,
          indexes: [],
        });
      }
    }),
    reason: "Cannot use a plan with 505 tables: the limit is 100",
  },
  {
    name: "an expression 5,000 characters long",
    plan: notesUsing("select", `(select auth.uid()) = owner_id${" and true".repeat(700)}`),
    reason: "characters long; keep it under 4000",
  },
  {
    name: "an expression nested 100 levels deep",
    plan: notesUsing(
      "select",
      `${"(".repeat(100)}(select auth.uid()) = owner_id${")".repeat(100)}`,
    ),
    reason: "it nests deeper than 40 levels",
  },
  {
    name: "a required column on profiles that breaks sign-up",
    plan: m((p) =>
      table(p, "profiles").columns.push(column("tax_id", "text", { nullable: false }))
    ),
    reason: 'Cannot add required column "profiles.tax_id" without a default',
  },
  {
    name: "auth.role() as a write condition",
    plan: notesUsing("update", "auth.role() = 'authenticated'"),
    reason: "it calls auth.role()",
  },
  {
    name: "rows without an owner writable by anyone",
    plan: notesUsing("update", "(select auth.uid()) = owner_id or owner_id is null"),
    reason: '"owner_id is null" would let authenticated update rows that are not theirs',
  },
  {
    name: "membership subquery without the user",
    plan: s((p) =>
      policy(p, "documents_delete_member").using =
        "org_id in (select m.org_id from public.memberships m)"
    ),
    reason: "would let authenticated delete rows that are not theirs",
  },
  {
    name: "a cast to regclass in a check",
    plan: m((p) => {
      const body = table(p, "notes").columns.find((c) => c.name === "body");
      if (body) body.check = "body::regclass is not null";
    }),
    reason: 'cannot cast to type "regclass"',
  },
];
