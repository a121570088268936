/**
 * @module Contract test of the hosted platform (functions-shared/mcp/hosted_platform.ts): the
 * real MCP client and the official server in-process, with the Management API platform
 * pointed at a local stand-in that checks every request against the API's published shapes
 * (tests/support/management_api_server.ts). No network. Drives create_branch, apply_migration
 * (the partner migrations endpoint accepting, and refusing → `database/query` fallback with
 * its `schema_migrations` row) and deploy_edge_function.
 */
import assert from "node:assert/strict";
import { createHostedPlatform } from "../../functions-shared/mcp/hosted_platform.ts";
import { connectInProcess } from "../../functions-shared/mcp/in_process_client.ts";
import { createMcpProvisioner } from "../../functions-shared/mcp/mcp_provisioner.ts";
import { ToolCallError, type ToolCallRecord } from "../../functions-shared/mcp/types.ts";
import { type MigrationsEndpoint, startManagementApi } from "../support/management_api_server.ts";
import { assertRedactedRecords } from "../support/mcp.ts";

const TOKEN = `sbp_${"0123456789abcdef".repeat(2)}contract0`;
const PROJECT = "contractprojectrefaa";

async function setUp(migrationsEndpoint: MigrationsEndpoint) {
  const api = await startManagementApi({
    accessToken: TOKEN,
    projectRef: PROJECT,
    migrationsEndpoint,
  });
  const fallbacks: string[] = [];
  const platform = createHostedPlatform({
    accessToken: TOKEN,
    apiUrl: api.url,
    onFallback: (reason) => fallbacks.push(reason),
  });
  const records: ToolCallRecord[] = [];
  const client = await connectInProcess({
    platform,
    onRecord: (r) => records.push(r),
    secrets: [TOKEN],
  });
  return {
    api,
    platform,
    client,
    records,
    fallbacks,
    async tearDown() {
      await client.close();
      await api.close();
    },
  };
}

type History = { version: string; name: string; statements: string[] };

const history = (api: Awaited<ReturnType<typeof startManagementApi>>, ref: string) =>
  api.sql<History>(
    ref,
    "select version, name, statements from supabase_migrations.schema_migrations order by version",
  );

Deno.test("hosted contract: create_branch, apply_migration (partner endpoint) and deploy_edge_function", async () => {
  const t = await setUp({ mode: "partner" });
  try {
    const provisioner = createMcpProvisioner(t.client, { pollIntervalMs: 5 });

    // create_branch, through the cost confirmation, polled until ready, with its anon key.
    const { value: env } = await provisioner.ensureEnvironment({
      mode: "branch",
      name: "contract-branch",
      parentRef: PROJECT,
    });
    assert.equal(env.kind, "branch");
    assert.equal(env.parentRef, PROJECT);
    assert.equal(env.anonKey, `anon-key-of-${env.ref}`);
    const again = await provisioner.ensureEnvironment({
      mode: "branch",
      name: "contract-branch",
      parentRef: PROJECT,
    });
    assert.equal(again.value.ref, env.ref, "the branch is found, not created twice");

    // apply_migration through the partner endpoint; once.
    const first = await provisioner.applyMigration(
      PROJECT,
      "create_items",
      "create table public.items (id bigint primary key, title text not null)",
    );
    assert.deepEqual(first.value, { applied: true });
    const second = await provisioner.applyMigration(PROJECT, "create_items", "select 1");
    assert.deepEqual(second.value, { applied: false });
    assert.deepEqual((await history(t.api, PROJECT)).map((m) => m.name), ["create_items"]);
    assert.equal(t.platform.migrationsPath(), "migrations-endpoint");
    assert.deepEqual(t.fallbacks, []);
    assert.ok(
      !t.api.requests.some((r) => r.operation.endsWith("/database/query")),
      "no database/query call when the partner endpoint accepts",
    );

    // deploy_edge_function: deployed, found unchanged (files read back), redeployed on change.
    const files = [{ name: "index.ts", content: 'Deno.serve(() => new Response("hi"));' }];
    const hello = { slug: "hello", files, entrypoint: "index.ts", verifyJwt: true };
    const deployed = await provisioner.deployFunction(PROJECT, hello);
    assert.deepEqual(deployed.value, { version: 1 });
    const unchanged = await provisioner.deployFunction(PROJECT, hello);
    assert.deepEqual(unchanged.value, { version: 1 });
    assert.ok(unchanged.records.some((r) => r.tool === "get_edge_function"));
    const changed = await provisioner.deployFunction(PROJECT, {
      slug: "hello",
      files: [{ name: "index.ts", content: 'Deno.serve(() => new Response("bye"));' }],
      entrypoint: "index.ts",
      verifyJwt: false,
    });
    assert.deepEqual(changed.value, { version: 2 });

    const operations = new Set(t.api.requests.map((r) => `${r.method} ${r.operation}`));
    for (
      const op of [
        "POST /v1/projects/{ref}/branches",
        "GET /v1/projects/{ref}/branches",
        "POST /v1/projects/{ref}/database/migrations",
        "GET /v1/projects/{ref}/database/migrations",
        "POST /v1/projects/{ref}/functions/deploy",
        "GET /v1/projects/{ref}/functions/{function_slug}/body",
      ]
    ) assert.ok(operations.has(op), `${op} was exercised`);
    assert.deepEqual(t.api.violations, []);
    assertRedactedRecords(t.records, [TOKEN]);
  } finally {
    await t.tearDown();
  }
});

for (
  const refusal of [
    // As the API answers a non-partner token (supabase/mcp#246).
    { status: 401, message: "Migrations endpoint is not generally available yet" },
    // As the OpenAPI document describes the endpoint: 403, partner OAuth apps only.
    { status: 403, message: "Only available to selected partner OAuth apps" },
  ]
) {
  Deno.test(`hosted contract: a refused migrations endpoint (${refusal.status}) falls back to database/query, recorded once`, async () => {
    const t = await setUp({ mode: "refuse", ...refusal });
    try {
      await t.client.callTool("apply_migration", {
        project_id: PROJECT,
        name: "create_orders",
        query: "create table public.orders (id serial primary key, total numeric not null);\n" +
          "-- a trailing comment without a newline",
      });
      await t.client.callTool("apply_migration", {
        project_id: PROJECT,
        name: "orders_note",
        query: "alter table public.orders add column note text default 'it''s here'",
      });
      const rows = await history(t.api, PROJECT);
      assert.deepEqual(rows.map((m) => m.name), ["create_orders", "orders_note"]);
      assert.ok(rows.every((m) => /^\d{14}$/.test(m.version)), "CLI-style versions");
      assert.ok(BigInt(rows[1]!.version) > BigInt(rows[0]!.version), "versions increase");
      assert.match(rows[1]!.statements[0]!, /it''s here/);
      assert.deepEqual(
        await t.api.sql(
          PROJECT,
          "select note from public.orders where false union all select null",
        ),
        [{ note: null }],
      );

      // A failing migration leaves neither its changes nor a record.
      await assert.rejects(
        t.client.callTool("apply_migration", {
          project_id: PROJECT,
          name: "broken",
          query: "create table public.half (id int); select 1/0;",
        }),
        (e: unknown) => e instanceof ToolCallError && /22012/.test(e.record.error ?? ""),
      );
      assert.equal((await history(t.api, PROJECT)).length, 2);
      assert.deepEqual(
        await t.api.sql(PROJECT, "select to_regclass('public.half')::text as t"),
        [{ t: null }],
      );

      const { data } = await t.client.callTool<{ migrations: { name?: string }[] }>(
        "list_migrations",
        { project_id: PROJECT },
      );
      assert.deepEqual(data.migrations.map((m) => m.name), ["create_orders", "orders_note"]);

      assert.equal(t.platform.migrationsPath(), "database-query");
      assert.equal(t.fallbacks.length, 1, "the fallback is announced once");
      assert.match(t.fallbacks[0]!, new RegExp(`HTTP ${refusal.status}`));
      assert.equal(
        t.api.requests.filter((r) => r.operation.endsWith("/database/migrations")).length,
        1,
        "after one refusal the endpoint is not asked again",
      );
      assert.deepEqual(t.api.violations, []);
      assertRedactedRecords(t.records, [TOKEN]);
    } finally {
      await t.tearDown();
    }
  });
}

Deno.test("hosted contract: a migrations failure that is not a partner refusal is reported as it is", async () => {
  const t = await setUp({ mode: "refuse", status: 401, message: "Invalid access token" });
  try {
    await assert.rejects(
      t.client.callTool("apply_migration", {
        project_id: PROJECT,
        name: "nope",
        query: "create table public.nope (id int)",
      }),
      (e: unknown) =>
        e instanceof ToolCallError &&
        /Invalid access token \(HTTP 401\)/.test(e.record.error ?? ""),
    );
    assert.ok(!t.api.requests.some((r) => r.operation.endsWith("/database/query")));
    assert.equal(t.platform.migrationsPath(), "unknown");
    assert.deepEqual(t.api.violations, []);
  } finally {
    await t.tearDown();
  }
});

Deno.test("hosted contract: the stand-in flags every request off the published shapes", async () => {
  const api = await startManagementApi({
    accessToken: TOKEN,
    projectRef: PROJECT,
    migrationsEndpoint: { mode: "partner" },
  });
  const send = (method: string, path: string, body?: unknown, token = TOKEN) =>
    fetch(`${api.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).then((r) => r.body?.cancel());
  try {
    await send("POST", `/v1/projects/${PROJECT}/branches`, { branch_name: "b", extra: 1 });
    await send("POST", `/v1/projects/${PROJECT}/branches`, {});
    await send("POST", `/v1/projects/${PROJECT}/database/query`, { sql: "select 1" });
    await send("GET", `/v1/projects/${PROJECT}/api-keys?reveal=maybe`);
    await send("DELETE", `/v1/projects/${PROJECT}`);
    await send("GET", `/v1/projects/${PROJECT}`, undefined, "sbp_wrong");
    assert.equal(api.violations.length, 6, api.violations.join("\n"));
    assert.match(api.violations[0]!, /Unrecognized key: "extra"/);
    assert.match(api.violations[1]!, /branch_name/);
    assert.match(api.violations[2]!, /query/);
    assert.match(api.violations[3]!, /reveal/);
    assert.match(api.violations[4]!, /unknown operation DELETE/);
    assert.match(api.violations[5]!, /Authorization/);
  } finally {
    await api.close();
  }
});
