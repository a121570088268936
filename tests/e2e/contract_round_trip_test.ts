/**
 * @module The contract round trip on databases the CLI was not written for: a marketplace the
 * pipeline provisioned (a stack environment, with the compatibility layer) and a plain
 * PostgreSQL database holding exactly the same migrations (plus the auth schema and API roles
 * they need). On both, `contract verify --migrations` is clean right after the migrations;
 * every scenario of the marketplace corpus is detected and fixed by the default patch; and all
 * drifts at once go through the CLI: detected, patched (destructive fixes only with
 * --allow-destructive, listed as left out otherwise), and verify is clean afterwards.
 */
import { contract } from "../support/contract_cli.ts";
import assert from "node:assert/strict";
import type pg from "../../functions-shared/db/pg.ts";
import { applyMigrationSources } from "../../functions-shared/drift/contract_from_migrations.ts";
import type { Finding } from "../../functions-shared/drift/findings.ts";
import { pgRunner } from "../../functions-shared/drift/sql_runner.ts";
import { adminClient } from "../../stack/cluster.ts";
import {
  contractFromMigrationFolder,
  readMigrationFolder,
} from "../../stack/contract/scratch_database.ts";
import { recordedMigrations } from "../../stack/platform/migrations.ts";
import { readSettings } from "../../stack/settings.ts";
import { provisionMarketplace } from "../support/drift_environment.ts";
import { runScenario, type ScenarioTarget, scenarioTarget } from "../support/drift_runner.ts";
import { type DriftScenario, MARKETPLACE_SCENARIOS } from "../support/drift_scenarios.ts";
import { plainDatabase } from "../support/plain_database.ts";
import { connect, dbUrl } from "../support/stack.ts";

/** Writes an environment's recorded migrations as `<version>_<name>.sql` files. */
async function exportMigrations(db: pg.Client, dir: string): Promise<number> {
  const recorded = await recordedMigrations(db);
  for (const m of recorded) {
    const sql = m.statements.map((s) => s.trim().replace(/;$/, "")).join(";\n\n") + ";\n";
    await Deno.writeTextFile(`${dir}/${m.version}_${m.name ?? "migration"}.sql`, sql);
  }
  return recorded.length;
}

interface JsonReport {
  summary: { drift: number; baseline: number };
  findings: (Finding & { fixSql: string })[];
  baseline: Finding[];
}

/** The scenarios a combined run applies: each on its own, skipping those that cannot combine. */
async function applyAll(target: ScenarioTarget, scenarios: readonly DriftScenario[]) {
  const applied: DriftScenario[] = [];
  for (const s of scenarios) {
    const client = s.asAdmin ? target.admin : target.client;
    await client.query("begin");
    try {
      await client.query(s.sql);
      await client.query("commit");
      applied.push(s);
    } catch {
      // It touches what an earlier scenario dropped.
      await client.query("rollback");
    }
  }
  return applied;
}

const found = (report: JsonReport, s: DriftScenario) =>
  report.findings.some((f) => f.check === s.check && f.resource === s.resource);

Deno.test("contract round trip: a marketplace's migrations on a stack environment and on plain PostgreSQL", async (t) => {
  const env = await provisionMarketplace("roundtrip");
  const dir = await Deno.makeTempDir({ prefix: "contract_rt_" });
  const patches = await Deno.makeTempDir({ prefix: "contract_rt_patches_" });
  const plain = await plainDatabase("rt_plain");
  const port = readSettings().dbPort;
  const figures: string[] = [];
  try {
    const count = await exportMigrations(env.db, dir);
    assert.ok(count >= 2, `${count} migrations recorded`);
    const migrator = await connect(plain.name);
    try {
      await applyMigrationSources(pgRunner(migrator), await readMigrationFolder(dir));
    } finally {
      await migrator.end();
    }
    const built = await contractFromMigrationFolder(dir);

    for (const where of ["stack environment", "plain PostgreSQL"] as const) {
      const database = where === "plain PostgreSQL" ? plain.name : `proj_${env.ref}`;
      const url = await dbUrl(database);
      const client = await connect(database);
      const admin = await adminClient(port, database);
      const target = scenarioTarget(built, client, admin);
      try {
        await t.step(`${where}: verify is clean right after the migrations`, async () => {
          const run = await contract(
            "verify",
            "--db",
            url,
            "--migrations",
            dir,
            "--format",
            "json",
          );
          assert.equal(run.code, 0, run.stdout);
          const report = JSON.parse(run.stdout) as JsonReport;
          assert.equal(report.summary.drift, 0);
          if (where === "plain PostgreSQL") {
            // pgcrypto, supabase_vault, the grants on schema public: informational only.
            assert.ok(report.summary.baseline > 0);
            assert.ok(report.baseline.some((f) => f.resource === "supabase_vault"));
          } else {
            assert.equal(report.summary.baseline, 0);
          }
        });

        let perScenario = 0;
        await t.step(`${where}: every scenario detected and fixed by the patch`, async (s) => {
          for (const scenario of MARKETPLACE_SCENARIOS) {
            await s.step(
              `${scenario.category}: ${scenario.name}`,
              () => runScenario(target, scenario),
            );
            perScenario++;
          }
        });

        await t.step(`${where}: all drifts at once through the CLI`, async () => {
          const applied = await applyAll(target, MARKETPLACE_SCENARIOS);
          assert.ok(applied.length >= 24, `${applied.length} drifts applied together`);
          const patchFile = `${patches}/${database}.sql`;
          const run = await contract(
            "verify",
            "--db",
            url,
            "--migrations",
            dir,
            "--format",
            "json",
            "--patch",
            patchFile,
          );
          assert.equal(run.code, 1);
          const report = JSON.parse(run.stdout) as JsonReport;
          const missed = applied.filter((s) => !found(report, s) && !s.platform).map((s) => s.name);
          // A drift on an object another drift removed is reported through that one.
          const covered = missed.filter((name) => !/dropped (table|function)/.test(name));
          assert.ok(
            covered.length <= 2,
            `not reported: ${covered.join("; ")}\n${
              report.findings.map((f) => `${f.check} ${f.resource}`).join("\n")
            }`,
          );
          const script = await Deno.readTextFile(patchFile);
          assert.ok(!script.includes('create extension if not exists "supabase_vault"'));
          await client.query(script);
          const after = await contract(
            "verify",
            "--db",
            url,
            "--migrations",
            dir,
            "--format",
            "json",
          );
          const left = JSON.parse(after.stdout) as JsonReport;
          // Only destructive fixes are left, and the patch said so.
          assert.ok(left.findings.every((f) => f.destructive), after.stdout);
          for (const f of left.findings) {
            assert.ok(script.includes(f.id), `${f.id} listed as left out`);
          }
          if (left.findings.length > 0) {
            assert.equal(after.code, 1);
            const destructive = await contract(
              "verify",
              "--db",
              url,
              "--migrations",
              dir,
              "--allow-destructive",
              "--patch",
              patchFile,
            );
            assert.equal(destructive.code, 1);
            await client.query(await Deno.readTextFile(patchFile));
          }
          const clean = await contract("verify", "--db", url, "--migrations", dir);
          assert.equal(clean.code, 0, clean.stdout);
          figures.push(
            `${where}: ${perScenario}/${MARKETPLACE_SCENARIOS.length} scenarios detected and ` +
              `fixed one by one; ${applied.length} applied together, ${
                applied.length - missed.length
              } reported by name, ${left.findings.length} left for --allow-destructive, ` +
              "clean after the patches",
          );
        });
      } finally {
        await client.end().catch(() => {});
        await admin.end().catch(() => {});
      }
    }
    console.log(figures.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.remove(patches, { recursive: true }).catch(() => {});
    await plain.drop();
    await env.close();
  }
});
