/**
 * @module The contract CLI on a schema it was not written for (tests/fixtures/contract_foreign:
 * enums, a mixed-case non-public schema, composite keys and foreign keys, generated columns, a
 * range-partitioned table with partitions, views and functions), on a database with the
 * compatibility layer and on a plain PostgreSQL one: verify is clean right after the
 * migrations, and each injected drift is found, named by its object, and fixed by the patch.
 */
import { contract } from "../support/contract_cli.ts";
import assert from "node:assert/strict";
import { applyMigrationSources } from "../../functions-shared/drift/contract_from_migrations.ts";
import { pgRunner } from "../../functions-shared/drift/sql_runner.ts";
import { adminClient } from "../../stack/cluster.ts";
import {
  contractFromMigrationFolder,
  readMigrationFolder,
} from "../../stack/contract/scratch_database.ts";
import { readSettings } from "../../stack/settings.ts";
import { runScenario, scenarioTarget } from "../support/drift_runner.ts";
import type { DriftScenario } from "../support/drift_scenarios.ts";
import { plainDatabase } from "../support/plain_database.ts";
import { connect, dbUrl, scratchDatabase } from "../support/stack.ts";

const MIGRATIONS = new URL("../fixtures/contract_foreign/migrations", import.meta.url).pathname;

const SCENARIOS: readonly DriftScenario[] = [
  {
    name: "a composite foreign key dropped",
    sql: `alter table "Warehouse".bins drop constraint bins_site_fkey`,
    check: "constraint.missing",
    category: "A",
    resource: "Warehouse.bins.bins_site_fkey",
  },
  {
    name: "a generated column dropped (and the view reading it)",
    sql: `alter table "Warehouse".bins drop column area_cm2 cascade`,
    check: "column.missing",
    category: "A",
    resource: "Warehouse.bins.area_cm2",
  },
  {
    name: "a partition detached",
    sql: `alter table public."Movements" detach partition public."Movements_2026"`,
    check: "table.partition",
    category: "B",
    resource: "public.Movements_2026",
  },
  {
    name: "an index on the partitioned table dropped",
    sql: "drop index public.movements_bin_idx",
    check: "index.missing",
    category: "A",
    resource: "public.movements_bin_idx",
  },
  {
    name: "a mixed-case column retyped",
    sql: `alter table "Warehouse"."Sites" alter column "SiteCode" type varchar(20)`,
    check: "column.type",
    category: "B",
    resource: "Warehouse.Sites.SiteCode",
  },
  {
    name: "a column collation changed",
    sql: `alter table public."Movements" alter column "Note" type text collate "POSIX"`,
    check: "column.type",
    category: "B",
    resource: "public.Movements.Note",
  },
  {
    name: "a policy in a non-public schema widened",
    sql: `alter policy "staff read bins" on "Warehouse".bins using (true)`,
    check: "policy.definition",
    category: "C",
    resource: "Warehouse.bins.staff read bins",
  },
  {
    name: "RLS disabled on a partitioned table",
    sql: `alter table public."Movements" disable row level security`,
    check: "table.rls_disabled",
    category: "C",
    resource: "public.Movements",
  },
  {
    name: "a mixed-case function losing its search_path",
    sql: `alter function "Warehouse"."binArea"(text, text, integer) reset search_path`,
    check: "function.search_path",
    category: "B",
    resource: "Warehouse.binArea(p_region text, p_site text, p_bin integer)",
  },
  {
    name: "a view in a non-public schema turned security definer",
    sql: `alter view "Warehouse".free_bins set (security_invoker = false)`,
    check: "view.security_invoker",
    category: "C",
    resource: "Warehouse.free_bins",
  },
  {
    name: "anon reading a partition",
    sql: `grant select on public."Movements_2025" to anon`,
    check: "grant.unexpected",
    category: "D",
    resource: "public.Movements_2025",
  },
  {
    name: "an enum value added",
    sql: `alter type "Warehouse".stock_state add value 'lost'`,
    check: "enum.values_unexpected",
    category: "F",
    resource: "Warehouse.stock_state",
    residue: ["enum.values_unexpected"],
  },
];

for (const plain of [false, true]) {
  const where = plain ? "plain PostgreSQL" : "compatibility layer";
  Deno.test(`contract CLI on a schema it was not written for (${where})`, async (t) => {
    const db = plain ? await plainDatabase("foreign_plain") : await scratchDatabase("foreign");
    try {
      const migrator = await connect(db.name);
      try {
        await applyMigrationSources(pgRunner(migrator), await readMigrationFolder(MIGRATIONS));
      } finally {
        await migrator.end();
      }
      const url = await dbUrl(db.name);
      await t.step("verify is clean right after the migrations", async () => {
        const run = await contract("verify", "--db", url, "--migrations", MIGRATIONS);
        assert.equal(run.code, 0, run.stdout);
        assert.match(run.stdout, /\*\*No drift\.\*\*/);
      });
      const built = await contractFromMigrationFolder(MIGRATIONS);
      assert.ok(built.model.tables.some((x) => x.schema === "Warehouse" && x.name === "Sites"));
      const client = await connect(db.name);
      const admin = await adminClient(readSettings().dbPort, db.name);
      const target = scenarioTarget(built, client, admin);
      try {
        for (const s of SCENARIOS) {
          await t.step(`${s.category}: ${s.name}`, () => runScenario(target, s));
        }
      } finally {
        await client.end();
        await admin.end();
      }
      await t.step("the CLI finds an injected drift and its patch fixes it", async () => {
        const c = await connect(db.name);
        const dir = await Deno.makeTempDir({ prefix: "contract_foreign_" });
        try {
          await c.query(`alter table "Warehouse".bins drop constraint bins_site_fkey;
            alter policy "staff read bins" on "Warehouse".bins using (true)`);
          const run = await contract(
            "verify",
            "--db",
            url,
            "--migrations",
            MIGRATIONS,
            "--patch",
            `${dir}/fix.sql`,
          );
          assert.equal(run.code, 1);
          assert.match(run.stdout, /`Warehouse\.bins\.bins_site_fkey`/);
          assert.match(run.stdout, /`Warehouse\.bins\.staff read bins`/);
          await c.query(await Deno.readTextFile(`${dir}/fix.sql`));
          const after = await contract("verify", "--db", url, "--migrations", MIGRATIONS);
          assert.equal(after.code, 0, after.stdout);
        } finally {
          await c.end();
          await Deno.remove(dir, { recursive: true });
        }
      });
    } finally {
      await db.drop();
    }
  });
}
