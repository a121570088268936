/**
 * @module Every plan the offline planner makes from the corpus runs on real Postgres (a scratch
 * database with the Supabase surfaces, as the non-superuser `postgres`): the schema and RLS
 * migrations apply, a signed-in user can add a row to every table in foreign-key order through
 * the policies (owner, parent and organization checks included), and anon reads rows only from
 * the tables the plan makes public. Each plan runs in a transaction that is rolled back.
 */
import assert from "node:assert/strict";
import { planFromVibe } from "../../functions-shared/plan/deterministic_planner.ts";
import { assertValidPlan } from "../../functions-shared/plan/validate.ts";
import { rlsMigration } from "../../functions-shared/sql/rls_sql.ts";
import { schemaMigration } from "../../functions-shared/sql/schema_sql.ts";
import { PLANNER_CORPUS } from "../fixtures/planner/corpus.ts";
import { withScratch } from "../support/compat.ts";
import { seedRows } from "../support/seed.ts";

Deno.test("every corpus plan applies to Postgres and its policies let the owner write", async () => {
  await withScratch("planner_apply", async ({ client }) => {
    const failures: string[] = [];
    for (const entry of PLANNER_CORPUS) {
      const plan = assertValidPlan(
        planFromVibe({ vibeText: entry.text, template: entry.template }),
      );
      const schema = schemaMigration(plan);
      const order = schema.tables.map((t) => t.table);
      await client.query("begin");
      try {
        await client.query(schema.migration.sql);
        await client.query(rlsMigration(plan).migration.sql);
        const user = await client.query<{ id: string }>(
          "insert into auth.users (email) values ($1) returning id",
          [`planner-${entry.id}@example.test`],
        );
        await client.query("select set_config('request.jwt.claims', $1, true)", [
          JSON.stringify({ sub: user.rows[0]?.id, role: "authenticated" }),
        ]);
        await client.query("set local role authenticated");
        // Rows a signed-in user may create (the saas template's subscriptions are server-only).
        const writable = order.filter((table) =>
          plan.grants.some((g) =>
            g.table === table && g.role === "authenticated" && g.privileges.includes("insert")
          )
        );
        await seedRows(client, writable);
        await client.query("reset role");
        await client.query("set local role anon");
        const publicTables = new Set(
          plan.policies.filter((p) => p.roles.includes("anon")).map((p) => p.table),
        );
        for (const table of order) {
          await client.query("savepoint probe");
          try {
            const rows = await client.query<{ n: number }>(
              `select count(*)::int as n from public.${table}`,
            );
            if (!publicTables.has(table)) {
              assert.equal(rows.rows[0]?.n, 0, `${entry.id}: anon reads no row of ${table}`);
            }
          } catch (error) {
            assert.equal((error as { code?: string }).code, "42501", `${entry.id}: ${table}`);
          }
          await client.query("rollback to savepoint probe");
        }
      } catch (error) {
        failures.push(`${entry.id}: ${(error as Error).message}`);
      } finally {
        await client.query("rollback");
      }
    }
    assert.deepEqual(failures, []);
  });
});
