/**
 * @module Branch and project lifecycle over the stack's `/mcp`: merge brings a branch's
 * migrations AND its functions to the parent (served by the gateway), reset without a
 * version drops untracked changes but keeps the migrations, and a paused project refuses SQL
 * and its functions until it is restored.
 */
import assert from "node:assert/strict";
import type { McpToolClient } from "../../functions-shared/mcp/types.ts";
import { createBranch, httpClient, waitForBranch, withLocalProject } from "../support/mcp.ts";
import { stack } from "../support/stack.ts";

function deploy(client: McpToolClient, ref: string, name: string, reply: string) {
  return client.callTool("deploy_edge_function", {
    project_id: ref,
    name,
    entrypoint_path: "index.ts",
    verify_jwt: false,
    files: [{
      name: "index.ts",
      content: `Deno.serve(() => new Response(${JSON.stringify(reply)}));`,
    }],
  });
}

async function sql<T>(client: McpToolClient, ref: string, query: string): Promise<T[]> {
  return (await client.callTool<T[]>("execute_sql", { project_id: ref, query })).data;
}

Deno.test("over HTTP: merge carries migrations and functions; reset drops untracked changes; pause and restore", async () => {
  const s = await stack();
  await withLocalProject("mcp-lifecycle", async ({ client, ref }) => {
    await client.callTool("apply_migration", {
      project_id: ref,
      name: "base",
      query: "create table public.base (id int)",
    });
    await deploy(client, ref, "hello", "parent hello");

    const created = await createBranch(client, ref, "feature", "local");
    const branch = await waitForBranch(client, ref, created.id);
    await client.callTool("apply_migration", {
      project_id: branch.project_ref,
      name: "feature_table",
      query: "create table public.feature (id int)",
    });
    await deploy(client, branch.project_ref, "feature", "from the branch");

    // merge: the parent gets the migration and the function, served by the gateway.
    await client.callTool("merge_branch", { branch_id: created.id });
    const { data: migrations } = await client.callTool<{ migrations: { name?: string }[] }>(
      "list_migrations",
      { project_id: ref },
    );
    assert.deepEqual(migrations.migrations.map((m) => m.name), ["base", "feature_table"]);
    const { data: fns } = await client.callTool<{ functions: { slug: string }[] }>(
      "list_edge_functions",
      { project_id: ref },
    );
    assert.deepEqual(fns.functions.map((f) => f.slug).sort(), ["feature", "hello"]);
    const merged = await fetch(`${s.API_URL}/env/${ref}/functions/v1/feature`);
    assert.equal(await merged.text(), "from the branch");

    // reset without a version: untracked changes go, the migrations stay.
    await sql(client, branch.project_ref, "create table public.untracked (id int)");
    await client.callTool("reset_branch", { branch_id: created.id });
    assert.deepEqual(
      await sql(
        client,
        branch.project_ref,
        "select to_regclass('public.untracked')::text as u, to_regclass('public.feature')::text as f",
      ),
      [{ u: null, f: "feature" }],
    );

    // pause: SQL and functions are refused until restore.
    await client.callTool("pause_project", { project_id: ref });
    const { data: paused } = await client.callTool<{ status: string }>("get_project", { id: ref });
    assert.equal(paused.status, "INACTIVE");
    await assert.rejects(sql(client, ref, "select 1"), /paused/);
    const refused = await fetch(`${s.API_URL}/env/${ref}/functions/v1/hello`);
    assert.equal(refused.status, 503);
    assert.equal((await refused.json()).code, "PROJECT_PAUSED");
    await client.callTool("restore_project", { project_id: ref });
    assert.deepEqual(await sql(client, ref, "select count(*)::int as n from public.feature"), [
      { n: 0 },
    ]);
    const back = await fetch(`${s.API_URL}/env/${ref}/functions/v1/hello`);
    assert.equal(await back.text(), "parent hello");
  }, () => httpClient());
});
