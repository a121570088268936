/**
 * @module The sentences issue 11 quotes, planned offline: entities with typed fields, owners
 * where a person acts, foreign keys with indexes, owner policies, uniqueness per tenant,
 * relations named after their verb — and never a sentence-shaped column.
 */
import assert from "node:assert/strict";
import { planFromVibe } from "../../functions-shared/plan/deterministic_planner.ts";
import type { Column, Plan, Table, Template } from "../../functions-shared/plan/schema.ts";
import { validatePlan } from "../../functions-shared/plan/validate.ts";

function plan(vibeText: string, template: Template = "marketplace"): Plan {
  const result = planFromVibe({ vibeText, template });
  const validation = validatePlan(result);
  assert.ok(validation.ok, JSON.stringify(!validation.ok && validation.problems, null, 1));
  return result;
}

function table(result: Plan, name: string): Table {
  const found = result.tables.find((t) => t.name === name);
  assert.ok(found, `table ${name} in ${result.tables.map((t) => t.name)}`);
  return found;
}

function shape(t: Table): string[] {
  return t.columns.map((c: Column) =>
    `${c.name} ${c.type}${c.nullable ? "" : " not null"}${
      c.references ? ` -> ${c.references.schema}.${c.references.table}` : ""
    }${c.check ? ` check (${c.check})` : ""}`
  );
}

function indexed(t: Table, column: string): boolean {
  return t.indexes.some((i) => i.columns[0] === column);
}

Deno.test("Sellers post bikes with a brand, a frame size and a price", () => {
  const result = plan("Sellers post bikes with a brand, a frame size and a price.");
  const bikes = table(result, "bikes");
  assert.deepEqual(shape(bikes), [
    "id uuid not null",
    "seller_id uuid not null -> auth.users",
    "brand text",
    "frame_size text",
    "price numeric(12,2)",
    "created_at timestamptz not null",
  ]);
  assert.equal(bikes.ownerColumn, "seller_id");
  assert.ok(indexed(bikes, "seller_id"));
  const policies = result.policies.filter((p) => p.table === "bikes");
  assert.deepEqual(policies.map((p) => [p.command, p.roles, p.using, p.withCheck]), [
    ["select", ["anon", "authenticated"], "true", null],
    ["insert", ["authenticated"], null, "(select auth.uid()) = seller_id"],
    [
      "update",
      ["authenticated"],
      "(select auth.uid()) = seller_id",
      "(select auth.uid()) = seller_id",
    ],
    ["delete", ["authenticated"], "(select auth.uid()) = seller_id", null],
  ]);
  assert.equal(result.requirements[0]?.status, "applied");
});

Deno.test("Each box has a name, a weight in kg and a weekly price; customers subscribe to a box", () => {
  const result = plan(
    "Each box has a name, a weight in kg and a weekly price. " +
      "Customers subscribe to a box and pick a delivery day.",
  );
  assert.deepEqual(shape(table(result, "boxes")).slice(2, 5), [
    "name text",
    "weight_kg numeric",
    "weekly_price numeric(12,2)",
  ]);
  const subscriptions = table(result, "subscriptions");
  assert.deepEqual(shape(subscriptions), [
    "id uuid not null",
    "customer_id uuid not null -> auth.users",
    "box_id uuid not null -> public.boxes",
    "delivery_day text",
    "created_at timestamptz not null",
  ]);
  assert.ok(indexed(subscriptions, "box_id") && indexed(subscriptions, "customer_id"));
  assert.equal(
    result.policies.find((p) => p.name === "subscriptions_select_own")?.using,
    "(select auth.uid()) = customer_id",
  );
  assert.deepEqual(result.requirements.map((r) => r.status), ["applied", "applied"]);
});

Deno.test("Students can rate a tutor from 1 to 5 after a booking", () => {
  const result = plan("Students can rate a tutor from 1 to 5 after a booking.");
  const ratings = table(result, "ratings");
  assert.deepEqual(shape(ratings), [
    "id uuid not null",
    "student_id uuid not null -> auth.users",
    "booking_id uuid not null -> public.bookings",
    "tutor_id uuid not null -> auth.users",
    "rating integer not null check (rating between 1 and 5)",
    "created_at timestamptz not null",
  ]);
  for (const column of ["student_id", "booking_id", "tutor_id"]) {
    assert.ok(indexed(ratings, column), column);
  }
  // The tutor a rating is about may read it; only its author writes it.
  assert.equal(
    result.policies.find((p) => p.name === "ratings_select_own")?.using,
    "((select auth.uid()) = student_id) or ((select auth.uid()) = tutor_id)",
  );
  assert.match(
    result.policies.find((p) => p.name === "ratings_insert_own")?.withCheck ?? "",
    /^\(select auth\.uid\(\)\) = student_id and exists \(select 1 from public\.bookings b/,
  );
});

Deno.test("Invoices belong to a client and have a number, an issue date and a total; unique per company", () => {
  const result = plan(
    "Invoices belong to a client and have a number, an issue date and a total. " +
      "Invoice numbers are unique per company.",
    "saas",
  );
  const invoices = table(result, "invoices");
  assert.deepEqual(shape(invoices), [
    "id uuid not null",
    "org_id uuid not null -> public.organizations",
    "client_id uuid not null -> public.clients",
    "number text",
    "issue_date date",
    "total numeric(12,2)",
    "created_at timestamptz not null",
  ]);
  assert.ok(
    invoices.indexes.some((i) =>
      i.unique && i.columns.join() === "org_id,number" && i.name === "invoices_org_id_number_key"
    ),
  );
  assert.deepEqual(result.requirements.map((r) => r.status), ["applied", "applied"]);
  assert.equal(
    result.policies.find((p) => p.name === "invoices_select_member")?.using,
    "private.is_org_member(org_id)",
  );
});

Deno.test("Members can comment on tasks", () => {
  const result = plan("Members can comment on tasks.", "saas");
  assert.deepEqual(shape(table(result, "comments")), [
    "id uuid not null",
    "org_id uuid not null -> public.organizations",
    "author_id uuid not null -> auth.users",
    "task_id uuid not null -> public.tasks",
    "body text not null",
    "created_at timestamptz not null",
  ]);
});

Deno.test("the README demo's sentences are both applied", () => {
  const result = plan(
    "Sellers list vintage synthesizers with a title, a price and a condition.\n" +
      "Buyers can leave a 1-5 star review on an order they placed.",
  );
  assert.deepEqual(result.requirements.map((r) => r.status), ["applied", "applied"]);
  assert.deepEqual(
    table(result, "synthesizers").columns.map((c) => c.name).slice(2, 5),
    ["title", "price", "condition"],
  );
});

Deno.test("never a sentence-shaped column: SQL in a sentence is refused with the reason", () => {
  const result = plan(
    "Tasks have a check constraint that (select pg_sleep(10)) is not null",
    "saas",
  );
  const names = result.tables.flatMap((t) => [t.name, ...t.columns.map((c) => c.name)]);
  assert.ok(!names.some((n) => /check|constraint|pg_sleep|select/.test(n)), names.join());
  assert.equal(result.requirements[0]?.status, "not_applied");
  assert.match(
    result.requirements[0]?.reason ?? "",
    /^Contains SQL or database terms; .*say the rule in words/,
  );
});

Deno.test("types follow the field: dates, times, money, counts, durations, yes/no, lists, emails, urls", () => {
  const result = plan(
    "Events have a title, a start time, a date, a ticket price, a capacity, a duration in minutes, " +
      "tags, an organizer email, a website and whether it is outdoors.",
  );
  const byName = new Map(table(result, "events").columns.map((c) => [c.name, c]));
  const typeOf = (name: string) =>
    `${byName.get(name)?.type} ${byName.get(name)?.check ?? ""}`.trim();
  assert.equal(typeOf("start_time"), "timestamptz");
  assert.equal(typeOf("date"), "date");
  assert.equal(typeOf("ticket_price"), "numeric(12,2)");
  assert.equal(typeOf("capacity"), "integer");
  assert.equal(typeOf("duration_minutes"), "integer");
  assert.equal(typeOf("tags"), "text[]");
  assert.equal(typeOf("organizer_email"), "text organizer_email like '%_@_%'");
  assert.equal(typeOf("website"), "text website ~* '^https?://'");
  assert.equal(typeOf("is_outdoors"), "boolean");
});

Deno.test("rules: one per scope, values, visibility through a parent, approvals", () => {
  const result = plan([
    "Clients post jobs with a title and a budget.",
    "Freelancers submit proposals on jobs with a cover letter and a price.",
    "A freelancer can submit only one proposal per job.",
    "Clients can see proposals on their jobs.",
    "Jobs can be open, in progress or closed.",
    "Clients can accept or reject proposals.",
  ].join(" "));
  const proposals = table(result, "proposals");
  assert.ok(proposals.indexes.some((i) => i.unique && i.columns.join() === "freelancer_id,job_id"));
  assert.equal(
    result.policies.find((p) => p.name === "proposals_select_own")?.using,
    "((select auth.uid()) = freelancer_id) or (exists (select 1 from public.jobs j where " +
      "j.id = proposals.job_id and j.client_id = (select auth.uid())))",
  );
  assert.equal(
    table(result, "jobs").columns.find((c) => c.name === "status")?.check,
    "status in ('open', 'in_progress', 'closed')",
  );
  const status = proposals.columns.find((c) => c.name === "status");
  assert.equal(status?.check, "status in ('pending', 'accepted', 'rejected')");
  assert.match(
    result.policies.find((p) => p.name === "proposals_update_own")?.using ?? "",
    / or \(exists \(select 1 from public\.jobs j where j\.id = proposals\.job_id and j\.client_id = \(select auth\.uid\(\)\)\)\)$/,
  );
  assert.ok(
    result.requirements.every((r) => r.status === "applied"),
    JSON.stringify(result.requirements, null, 1),
  );
});
