/** @module End to end: a marketplace build with analytics attaches the demo Iceberg dataset
 * through MCP (analytics_configured), `GET /sessions/:id/analytics` answers the owner with rows
 * read from the dataset's Parquet files and their provenance, drift watches the attachment,
 * and no credential reaches an event or a response. */
import assert from "node:assert/strict";
import { analyticsQuerySql } from "../../functions-shared/analytics/attach_sql.ts";
import { DEMO_DATASET } from "../../functions-shared/analytics/demo_dataset.generated.ts";
import { rowsChecksum } from "../../functions-shared/analytics/provenance.ts";
import { localAnalyticsEnv } from "../../stack/analytics/local_source.ts";
import { loadTable, readRows } from "../../stack/analytics/iceberg/table_reader.ts";
import { WAREHOUSE_SOURCE } from "../../stack/analytics/install_wrappers.ts";
import { loadSecrets } from "../../stack/secrets.ts";
import { ANALYTICS_VARIABLES } from "../../functions-shared/analytics/source.ts";
import {
  driveBuild,
  environmentDb,
  environmentServiceKey,
  expectedEventTypes,
  setFunctionEnv,
  submitBuild,
} from "../support/builds.ts";
import { callFunction, newUser, stack } from "../support/stack.ts";

/** Sales by category, computed here from the Parquet files with the reader (not from SQL). */
async function expectedRows(): Promise<Record<string, unknown>[]> {
  const addr = {
    root: WAREHOUSE_SOURCE,
    warehouse: DEMO_DATASET.warehouse,
    table: `${DEMO_DATASET.namespace}.${DEMO_DATASET.table}`,
  };
  const table = await loadTable(addr);
  const by = new Map<string, { orders: number; units: number; cents: bigint; dates: string[] }>();
  for (const r of await readRows(addr, table)) {
    const c = by.get(r.category as string) ?? { orders: 0, units: 0, cents: 0n, dates: [] };
    c.orders++;
    c.units += r.quantity as number;
    c.cents += r.amount_cents as bigint;
    c.dates.push((r.sale_date as Date).toISOString().slice(0, 10));
    by.set(r.category as string, c);
  }
  return [...by.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([category, c]) => ({
    category,
    orders: c.orders,
    units: c.units,
    revenue: `${c.cents / 100n}.${String(c.cents % 100n).padStart(2, "0")}`,
    first_sale: c.dates.sort()[0],
    last_sale: c.dates.sort().at(-1),
  }));
}

async function secretsOf(ref: string): Promise<string[]> {
  const s = await stack();
  const jwtSecret = (await loadSecrets()).jwtSecret;
  const local = await localAnalyticsEnv(s.API_URL, jwtSecret);
  return [
    s.SERVICE_ROLE_KEY,
    jwtSecret,
    await environmentServiceKey(ref),
    local.VIBE_ANALYTICS_ACCESS_KEY_ID!,
    local.VIBE_ANALYTICS_SECRET_ACCESS_KEY!,
    local.VIBE_ANALYTICS_CATALOG_TOKEN!,
  ];
}

function assertNoSecret(text: string, secrets: string[], where: string, anonKey?: string) {
  for (const secret of secrets) assert.ok(!text.includes(secret), `no credential in ${where}`);
  // The environment's anon key is the one JWT a browser may have (the session's outputs).
  const jwts = text.match(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*/g) ?? [];
  assert.deepEqual(jwts.filter((j) => j !== anonKey), [], `no JWT in ${where}`);
}

Deno.test("a build with analytics attaches the Iceberg dataset and answers run_analytics_query", async (t) => {
  const user = await newUser("analytics");
  const other = await newUser("analytics-other");
  const id = await submitBuild(user, { template: "marketplace", mode: "branch", analytics: true });
  const { session, events } = await driveBuild(id, user.token, { timeoutMs: 120_000 });
  assert.equal(session.status, "succeeded", session.error ?? "no error");
  const ref = session.environment!.ref;
  const secrets = await secretsOf(ref);

  await t.step("the build emits analytics_configured with what it attached", () => {
    const final = events.find((e) => e.type === "plan_created" && e.payload.draft === false)!;
    assert.deepEqual(
      events.map((e) => e.type),
      expectedEventTypes(
        (final.payload.tables as string[]).length,
        (final.payload.policies as string[]).length,
        { analytics: true },
      ),
    );
    const configured = events.find((e) => e.type === "analytics_configured")!;
    assert.deepEqual(configured.payload.foreignTables, ["analytics.sales"]);
    assert.equal(configured.payload.rows, DEMO_DATASET.rowCount);
    assert.equal(configured.payload.wrapper, "iceberg_wrapper");
    const tools = (configured.payload.tool_calls as { tool: string; ok: boolean }[]).map((c) =>
      c.tool
    );
    for (const tool of ["execute_sql", "apply_migration", "deploy_edge_function"]) {
      assert.ok(tools.includes(tool), `analytics_configured carries its ${tool} call: ${tools}`);
    }
    assertNoSecret(JSON.stringify(events), secrets, "events");
    assert.deepEqual(
      (session.outputs!.analytics as { foreignTables: string[] }).foreignTables,
      ["analytics.sales"],
    );
    assertNoSecret(JSON.stringify(session), secrets, "the session", session.environment!.anonKey);
  });

  await t.step(
    "the environment has the documented wrapper objects, credentials in Vault",
    async () => {
      const db = await environmentDb(ref);
      try {
        const server = await db.query<{ srvoptions: string[]; fdwname: string }>(
          `select s.srvoptions, w.fdwname from pg_foreign_server s
           join pg_foreign_data_wrapper w on w.oid = s.srvfdw where s.srvname = 'vibe_analytics_iceberg'`,
        );
        assert.equal(server.rows[0]?.fdwname, "iceberg_wrapper");
        const options = server.rows[0]!.srvoptions.join(" ");
        for (
          const name of ["vault_aws_access_key_id", "vault_aws_secret_access_key", "vault_token"]
        ) {
          assert.match(options, new RegExp(`${name}=[0-9a-f-]{36}`), `${name} holds a Vault id`);
        }
        assertNoSecret(options, secrets, "the server's options");
        const vault = await db.query<{ n: number }>(
          "select count(*)::int as n from vault.secrets where name like 'vibe_analytics_%'",
        );
        assert.equal(vault.rows[0]?.n, 3, "three secrets, stored once");
        const snapshot = (await loadTable({
          root: WAREHOUSE_SOURCE,
          warehouse: DEMO_DATASET.warehouse,
          table: "marketplace.sales",
        })).snapshotId;
        assert.equal(
          String(snapshot),
          DEMO_DATASET.snapshotId,
          "the descriptor names the snapshot",
        );
      } finally {
        await db.end();
      }
    },
  );

  await t.step("GET /sessions/:id/analytics returns rows and provenance to the owner", async () => {
    const res = await callFunction(`sessions/${id}/analytics`, { token: user.token });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const body = JSON.parse(text);
    assert.deepEqual(body.rows, await expectedRows());
    const p = body.provenance;
    assert.equal(p.source, `${DEMO_DATASET.location} (marketplace.sales)`);
    assert.equal(p.snapshot_id, DEMO_DATASET.snapshotId);
    assert.equal(p.row_count, body.rows.length);
    assert.equal(p.checksum, await rowsChecksum(body.rows));
    assert.ok(Math.abs(Date.parse(p.queried_at) - Date.now()) < 60_000);
    assertNoSecret(text, secrets, "the analytics response");

    const stranger = await callFunction(`sessions/${id}/analytics`, { token: other.token });
    assert.equal(stranger.status, 404);
    await stranger.body?.cancel();
    const anon = await callFunction(`sessions/${id}/analytics`, {
      token: (await stack()).ANON_KEY,
    });
    assert.equal(anon.status, 401);
    await anon.body?.cancel();
    const bad = await callFunction(`sessions/not-a-uuid/analytics`, { token: user.token });
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
  });

  await t.step(
    "the attachment is in the contract: fresh is clean, a dropped table is drift",
    async () => {
      const clean = await callFunction(`sessions/${id}/drift/check`, {
        method: "POST",
        token: user.token,
      });
      const cleanBody = await clean.json();
      assert.equal(clean.status, 200, JSON.stringify(cleanBody));
      assert.equal(cleanBody.drift, 0, JSON.stringify(cleanBody));
      const envCheck = await fetch(`${session.environment!.url}/functions/v1/drift_check`, {
        method: "POST",
        headers: { authorization: `Bearer ${await environmentServiceKey(ref)}` },
      });
      const envBody = await envCheck.json();
      assert.equal(
        envBody.drift,
        0,
        `the redeployed drift_check knows the attachment: ${JSON.stringify(envBody.findings)}`,
      );
      const db = await environmentDb(ref);
      try {
        await db.query("drop foreign table analytics.sales");
      } finally {
        await db.end();
      }
      // A second on-demand check within the cooldown is refused (429): lift it for this check.
      await setFunctionEnv("sessions", { VIBE_DRIFT_CHECK_COOLDOWN_SECONDS: "0" });
      const drifted = await callFunction(`sessions/${id}/drift/check`, {
        method: "POST",
        token: user.token,
      }).finally(() => setFunctionEnv("sessions", {}));
      const driftBody = await drifted.json();
      assert.ok(driftBody.drift >= 1, JSON.stringify(driftBody));
      const alerts = await (await callFunction(`sessions/${id}/drift`, { token: user.token }))
        .json();
      assert.ok(
        alerts.alerts.some((a: { resource: string }) => a.resource === "analytics.sales"),
        `an alert names analytics.sales: ${
          alerts.alerts.map((a: { resource: string }) => a.resource)
        }`,
      );
      const gone = await callFunction(`sessions/${id}/analytics`, { token: user.token });
      assert.equal(gone.status, 502, "the query reports the missing table");
      await gone.body?.cancel();
    },
  );
});

Deno.test("GET /sessions/:id/analytics is 409 for a session without analytics", async () => {
  const user = await newUser("no-analytics");
  const id = await submitBuild(user, { analytics: false });
  const res = await callFunction(`sessions/${id}/analytics`, { token: user.token });
  const body = await res.json();
  assert.equal(res.status, 409);
  assert.match(body.error, /enableAnalytics/);
  // The demo query is read-only SQL over the foreign table (no write, one statement).
  assert.doesNotMatch(analyticsQuerySql(DEMO_DATASET), /insert|update|delete|;/i);
  await driveBuild(id, user.token);
});

Deno.test("analytics requested without an analytics bucket: skipped with the reason, then 409", async () => {
  await setFunctionEnv("worker", Object.fromEntries(ANALYTICS_VARIABLES.map((k) => [k, ""])));
  try {
    const user = await newUser("no-bucket");
    const id = await submitBuild(user, { analytics: true });
    const { session, events } = await driveBuild(id, user.token);
    assert.equal(session.status, "succeeded", session.error ?? "no error");
    const skipped = events.find((e) => e.type === "analytics_skipped");
    assert.ok(skipped, "analytics_skipped");
    assert.match(skipped.message, /VIBE_ANALYTICS_/);
    assert.equal(skipped.payload.requested, true);
    assert.equal(session.outputs!.analytics, null);
    const res = await callFunction(`sessions/${id}/analytics`, { token: user.token });
    const body = await res.json();
    assert.equal(res.status, 409);
    assert.match(body.error, /skipped/);
  } finally {
    await setFunctionEnv("worker", {});
  }
});
