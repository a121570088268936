/**
 * @module Runs a drift scenario against a database and its contract: cause the drift inside a
 * transaction that is always rolled back, check the finding that reports it, apply the default
 * patch twice, and check the database is back to zero drift (or exactly the expected residue).
 * Shared by the fixture corpus (integration) and the marketplace round trips (e2e).
 */
import assert from "node:assert/strict";
import type pg from "../../functions-shared/db/pg.ts";
import type { Finding } from "../../functions-shared/drift/findings.ts";
import { introspect } from "../../functions-shared/drift/introspect.ts";
import type { Model } from "../../functions-shared/drift/model.ts";
import { patch } from "../../functions-shared/drift/patch.ts";
import { pgRunner, type SqlRunner } from "../../functions-shared/drift/sql_runner.ts";
import { type Verification, verify } from "../../functions-shared/drift/verify.ts";
import type { DriftScenario } from "./drift_scenarios.ts";

/** A database under test, its contract and its platform baseline. */
export interface ScenarioTarget {
  readonly contract: Model;
  readonly baseline: Model;
  /** A connection as `postgres`. */
  readonly client: pg.Client;
  readonly runner: SqlRunner;
  /** A connection as the superuser, for drift only the platform can cause. */
  readonly admin: pg.Client;
  readonly adminRunner: SqlRunner;
}

/** The target of scenarios on one database, from its contract and two connections. */
export function scenarioTarget(
  built: { model: Model; baseline: Model },
  client: pg.Client,
  admin: pg.Client,
): ScenarioTarget {
  return {
    contract: built.model,
    baseline: built.baseline,
    client,
    runner: pgRunner(client),
    admin,
    adminRunner: pgRunner(admin),
  };
}

/** Runs `fn` inside a transaction that is rolled back whatever happens. */
export async function inRollback<T>(client: pg.Client, fn: () => Promise<T>): Promise<T> {
  await client.query("begin");
  try {
    return await fn();
  } finally {
    await client.query("rollback");
  }
}

/** One line per finding, for assertion messages. */
export function describeFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.id} ${f.check} ${f.resource} ${f.key}`).join("\n") || "(none)";
}

/** Verifies the target's database (through `runner`) against its contract and baseline. */
export async function verifyTarget(
  target: ScenarioTarget,
  runner = target.runner,
): Promise<Verification> {
  return verify(target.contract, (await introspect(runner)).model, {
    baseline: target.baseline,
  });
}

/** Causes the scenario's drift, checks its finding, patches and checks the result. */
export async function runScenario(target: ScenarioTarget, s: DriftScenario): Promise<void> {
  const client = s.asAdmin ? target.admin : target.client;
  const runner = s.asAdmin ? target.adminRunner : target.runner;
  await inRollback(client, async () => {
    await client.query(s.sql);
    const before = await verifyTarget(target, runner);
    const matches = (f: Finding) => f.check === s.check && f.resource === s.resource;
    if (s.platform && !before.findings.some(matches)) {
      // The migrations left it as the platform made it: informational, not drift.
      const info = before.baseline.find(matches);
      assert.ok(info, `expected ${s.check} on ${s.resource} as drift or baseline`);
      assert.deepEqual(before.findings, []);
      return;
    }
    const hit = before.findings.find(matches);
    assert.ok(
      hit,
      `expected ${s.check} on ${s.resource}; got:\n${describeFindings(before.findings)}`,
    );
    assert.equal(hit.category, s.category, `category of ${hit.id}`);
    if (s.severity) assert.equal(hit.severity, s.severity, `severity of ${hit.id}`);
    assert.ok(hit.evidence.length > 0 && hit.impact.length > 0);

    const script = patch(before.findings, {
      allowDestructive: s.allowDestructive ?? false,
      transaction: false,
    });
    for (let round = 1; round <= 2; round++) {
      await client.query(script);
      const after = await verifyTarget(target, runner);
      assert.deepEqual(
        after.findings.map((f) => f.check).sort(),
        [...(s.residue ?? [])].sort(),
        `after applying the patch ${round}×:\n${describeFindings(after.findings)}\n\n${script}`,
      );
      const acknowledged = [...new Set(after.acknowledged.map((a) => a.resource))]
        .filter((r) => !r.includes("(") || (s.acknowledged ?? []).includes(r));
      for (const r of s.acknowledged ?? []) {
        assert.ok(acknowledged.includes(r), `${r} acknowledged`);
      }
    }
  });
}
