/**
 * @module The stack's `/mcp` endpoint: the same MCP server over Streamable HTTP (protocol
 * 2026-07-28) with the `@modelcontextprotocol/client` v2 client. The bearer must be the control
 * plane's service_role key; the key calls of the platform tests work the same way over HTTP.
 */
import assert from "node:assert/strict";
import { ToolCallError } from "../../functions-shared/mcp/types.ts";
import {
  assertRedactedRecords,
  createProject,
  httpClient,
  localPlatform,
  serverSecrets,
  uniqueName,
  waitForBranch,
} from "../support/mcp.ts";
import { newUser, stack } from "../support/stack.ts";

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "probe", version: "1" },
  },
};

Deno.test("/mcp answers 401 without the control plane's service_role key", async () => {
  const s = await stack();
  const user = await newUser("mcp");
  for (
    const [label, header] of [
      ["no header", undefined],
      ["the anon key", `Bearer ${s.ANON_KEY}`],
      ["a signed-in user", `Bearer ${user.token}`],
      ["a malformed header", s.SERVICE_ROLE_KEY],
    ] as const
  ) {
    const res = await fetch(s.MCP_URL, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...(header ? { authorization: header } : {}),
      },
      body: JSON.stringify(INITIALIZE),
    });
    assert.equal(res.status, 401, label);
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
    await res.body?.cancel();
  }
});

Deno.test("over HTTP: create_project, migrations, list_tables, functions and branches", async () => {
  const s = await stack();
  const platform = await localPlatform(); // only to clean up
  const { client, records } = await httpClient();
  let ref: string | undefined;
  try {
    ref = await createProject(client, uniqueName("mcp-http"));
    await client.callTool("apply_migration", {
      project_id: ref,
      name: "create_orders",
      query: "create table public.orders (id serial primary key, total numeric not null)",
    });
    await assert.rejects(
      client.callTool("apply_migration", {
        project_id: ref,
        name: "broken",
        query: "create table public.half (id int); select 1/0;",
      }),
      (e: unknown) => e instanceof ToolCallError && /22012/.test(e.record.error ?? ""),
    );
    const { data: migrations } = await client.callTool<{ migrations: { name?: string }[] }>(
      "list_migrations",
      { project_id: ref },
    );
    assert.deepEqual(migrations.migrations.map((m) => m.name), ["create_orders"]);
    const { data: tables } = await client.callTool<{ tables: { name: string }[] }>(
      "list_tables",
      { project_id: ref },
    );
    assert.deepEqual(tables.tables.map((t) => t.name), ["public.orders"], "no half table");
    const { data: rows } = await client.callTool<{ id: number }[]>("execute_sql", {
      project_id: ref,
      query: "insert into public.orders (total) values (9.5) returning id",
    });
    assert.deepEqual(rows, [{ id: 1 }], "execute_sql rows arrive as data over HTTP too");

    await client.callTool("deploy_edge_function", {
      project_id: ref,
      name: "hello",
      entrypoint_path: "index.ts",
      verify_jwt: true,
      files: [{ name: "index.ts", content: 'Deno.serve(() => Response.json({ hi: "http" }));' }],
    });
    const { data: keys } = await client.callTool<{ keys: { api_key: string }[] }>(
      "get_publishable_keys",
      { project_id: ref },
    );
    const url = `${s.API_URL}/env/${ref}/functions/v1/hello`;
    const denied = await fetch(url);
    assert.equal(denied.status, 401);
    await denied.body?.cancel();
    const called = await fetch(url, {
      headers: { authorization: `Bearer ${keys.keys[0]!.api_key}` },
    });
    assert.deepEqual(await called.json(), { hi: "http" });

    const { data: cost } = await client.callTool<Record<string, unknown>>("get_cost", {
      type: "branch",
      organization_id: "local",
    });
    const { data: confirmation } = await client.callTool<{ confirmation_id: string }>(
      "confirm_cost",
      cost,
    );
    const { data: created } = await client.callTool<{ id: string }>("create_branch", {
      project_id: ref,
      name: "http-branch",
      confirm_cost_id: confirmation.confirmation_id,
    });
    const branch = await waitForBranch(client, ref, created.id);
    assert.equal(branch.status, "MIGRATIONS_PASSED");
    const { data: branchTables } = await client.callTool<{ tables: { name: string }[] }>(
      "list_tables",
      { project_id: branch.project_ref },
    );
    assert.deepEqual(branchTables.tables.map((t) => t.name), ["public.orders"]);

    assertRedactedRecords(records, [
      ...await serverSecrets(ref),
      ...await serverSecrets(branch.project_ref),
    ]);
  } finally {
    await client.close();
    if (ref) await platform.deleteProject(ref);
    await platform.close();
  }
});

Deno.test("over HTTP with ?read_only=true, execute_sql refuses a write", async () => {
  const platform = await localPlatform();
  const writer = await httpClient();
  const reader = await httpClient("?read_only=true");
  const ref = await createProject(writer.client, uniqueName("mcp-http-ro"));
  try {
    await writer.client.callTool("apply_migration", {
      project_id: ref,
      name: "create_t",
      query: "create table public.t (id int)",
    });
    await assert.rejects(
      reader.client.callTool("execute_sql", {
        project_id: ref,
        query: "insert into public.t values (1)",
      }),
      (e: unknown) => e instanceof ToolCallError && /read-only/.test(e.record.error ?? ""),
    );
    const { data } = await reader.client.callTool<{ n: number }[]>("execute_sql", {
      project_id: ref,
      query: "select count(*)::int as n from public.t",
    });
    assert.deepEqual(data, [{ n: 0 }]);
    assertRedactedRecords([...writer.records, ...reader.records], await serverSecrets(ref));
  } finally {
    await reader.client.close();
    await writer.client.close();
    await platform.deleteProject(ref);
    await platform.close();
  }
});
