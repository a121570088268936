/**
 * @module The stack's `/mcp` endpoint: the same MCP server over Streamable HTTP (protocol
 * 2026-07-28) with the `@modelcontextprotocol/client` v2 client. The bearer must be the control
 * plane's service_role key; the key calls of the platform tests work the same way over HTTP.
 */
import assert from "node:assert/strict";
import { ToolCallError } from "../../functions-shared/mcp/types.ts";
import {
  assertRedactedRecords,
  createBranch,
  httpClient,
  serverSecrets,
  waitForBranch,
  withLocalProject,
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
  await withLocalProject("mcp-http", async ({ client, records, ref }) => {
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

    const created = await createBranch(client, ref, "http-branch", "local");
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
  }, () => httpClient());
});

Deno.test("over HTTP with ?read_only=true, execute_sql refuses a write", async () => {
  await withLocalProject("mcp-http-ro", async (writer) => {
    const { ref } = writer;
    const reader = await writer.addClient(() => httpClient("?read_only=true"));
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
  }, () => httpClient());
});
