/**
 * @module Branching through the real MCP client and the official server with the local
 * platform: a branch is a fresh database with the parent's migrations replayed, reported with
 * hosted statuses; failures and interrupted creations are reported; merge, reset and rebase;
 * pause and restore; generated types.
 */
import assert from "node:assert/strict";
import type { McpToolClient } from "../../functions-shared/mcp/types.ts";
import { ToolCallError } from "../../functions-shared/mcp/types.ts";
import { withAdmin } from "../../stack/cluster.ts";
import { REGISTRY_DATABASE } from "../../stack/platform/registry.ts";
import { readSettings } from "../../stack/settings.ts";
import {
  assertRedactedRecords,
  createBranch,
  serverSecrets,
  uniqueName,
  waitForBranch,
  withLocalProject,
} from "../support/mcp.ts";
import { connect } from "../support/stack.ts";

type Migration = { version: string; name?: string };

async function migrations(client: McpToolClient, ref: string): Promise<Migration[]> {
  return (await client.callTool<{ migrations: Migration[] }>("list_migrations", {
    project_id: ref,
  })).data.migrations;
}

async function sql<T>(client: McpToolClient, ref: string, query: string): Promise<T[]> {
  return (await client.callTool<T[]>("execute_sql", { project_id: ref, query })).data;
}

async function databaseExists(name: string): Promise<boolean> {
  const c = await connect();
  try {
    return (await c.query("select 1 from pg_database where datname = $1", [name])).rowCount === 1;
  } finally {
    await c.end();
  }
}

Deno.test("create_branch builds a fresh database and replays the parent's migrations", async () => {
  await withLocalProject("mcp-parent", async ({ client, records, ref: parentRef }) => {
    await client.callTool("apply_migration", {
      project_id: parentRef,
      name: "create_listings",
      query: "create table public.listings (id serial primary key, title text not null);" +
        "insert into public.listings (title) values ('seeded by a migration');",
    });
    await client.callTool("apply_migration", {
      project_id: parentRef,
      name: "enable_rls",
      query: "alter table public.listings enable row level security",
    });
    await sql(client, parentRef, "insert into public.listings (title) values ('parent data')");

    const name = uniqueName("feature");
    const created = await createBranch(client, parentRef, name);
    assert.equal(created.status, "CREATING_PROJECT", "creation is reported as under way");
    assert.equal(created.parent_project_ref, parentRef);
    const branch = await waitForBranch(client, parentRef, created.id);
    assert.equal(branch.status, "MIGRATIONS_PASSED");
    assert.notEqual(branch.project_ref, parentRef, "a branch has its own ref");
    assert.ok(await databaseExists(`proj_${branch.project_ref}`));

    assert.deepEqual(
      await migrations(client, branch.project_ref),
      await migrations(client, parentRef),
      "the branch has the parent's migrations, versions included",
    );
    const { data: tables } = await client.callTool<
      { tables: { name: string; rls_enabled: boolean }[] }
    >("list_tables", { project_id: branch.project_ref });
    assert.deepEqual(tables.tables, [{ name: "public.listings", rls_enabled: true, rows: 1 }]);
    assert.deepEqual(
      await sql(client, branch.project_ref, "select title from public.listings order by id"),
      [{ title: "seeded by a migration" }],
      "migrations replay; data written outside migrations does not",
    );

    await sql(client, branch.project_ref, "insert into public.listings (title) values ('branch')");
    assert.deepEqual(
      await sql(client, parentRef, "select count(*)::int as n from public.listings"),
      [{ n: 2 }],
      "the branch is independent of its parent",
    );

    await assert.rejects(
      createBranch(client, parentRef, name),
      (e: unknown) => e instanceof ToolCallError && /already exists/.test(e.record.error ?? ""),
      "a second branch with the same name is refused",
    );

    await client.callTool("delete_branch", { branch_id: created.id });
    const { data: after } = await client.callTool<{ branches: { id: string }[] }>(
      "list_branches",
      { project_id: parentRef },
    );
    assert.ok(!after.branches.some((b) => b.id === created.id), "deleted");
    assert.ok(!(await databaseExists(`proj_${branch.project_ref}`)), "its database is dropped");

    assertRedactedRecords(records, await serverSecrets(parentRef));
  });
});

Deno.test("a branch whose replay fails reports MIGRATIONS_FAILED", async () => {
  await withLocalProject("mcp-bad-parent", async ({ client, ref: parentRef }) => {
    // A recorded migration that cannot replay (recorded behind the platform's back).
    await withAdmin(readSettings().dbPort, `proj_${parentRef}`, (c) =>
      c.query(
        `insert into supabase_migrations.schema_migrations (version, name, statements)
         values ('20000101000000', 'broken', array['select * from public.no_such_table'])`,
      ));
    const created = await createBranch(client, parentRef, uniqueName("doomed"));
    const branch = await waitForBranch(client, parentRef, created.id);
    assert.equal(branch.status, "MIGRATIONS_FAILED");
  });
});

Deno.test("a branch whose creator died is reported as MIGRATIONS_FAILED, not in progress forever", async () => {
  await withLocalProject("mcp-orphan-parent", async ({ client, ref: parentRef }) => {
    const id = crypto.randomUUID();
    const ref = `orphan${crypto.randomUUID().replace(/-/g, "").slice(0, 14)}`;
    await withAdmin(readSettings().dbPort, REGISTRY_DATABASE, async (c) => {
      await c.query(
        `insert into platform.environments
           (ref, kind, name, organization_id, status, database_name, jwt_secret)
         select $1, 'branch', 'orphan', organization_id, 'COMING_UP', 'proj_' || $1, 'x'
           from platform.environments where ref = $2`,
        [ref, parentRef],
      );
      await c.query(
        `insert into platform.branches (id, name, project_ref, parent_project_ref, status)
         values ($1, 'orphan', $2, $3, 'CREATING_PROJECT')`,
        [id, ref, parentRef],
      );
    });
    const branch = await waitForBranch(client, parentRef, id);
    assert.equal(branch.status, "MIGRATIONS_FAILED");
  });
});

Deno.test("merge, rebase and reset move migrations between a branch and its parent", async () => {
  await withLocalProject("mcp-merge-parent", async ({ client, ref: parentRef }) => {
    await client.callTool("apply_migration", {
      project_id: parentRef,
      name: "base",
      query: "create table public.base (id int)",
    });
    const created = await createBranch(client, parentRef, uniqueName("work"));
    const branch = await waitForBranch(client, parentRef, created.id);
    const branchRef = branch.project_ref;

    // rebase: a migration made on the parent after branching reaches the branch.
    await client.callTool("apply_migration", {
      project_id: parentRef,
      name: "parent_later",
      query: "create table public.parent_later (id int)",
    });
    await client.callTool("rebase_branch", { branch_id: created.id });
    assert.deepEqual(
      (await migrations(client, branchRef)).map((m) => m.name),
      ["base", "parent_later"],
    );

    // merge: the branch's new migration is applied to the parent.
    await client.callTool("apply_migration", {
      project_id: branchRef,
      name: "feature",
      query: "create table public.feature (id int)",
    });
    await client.callTool("merge_branch", { branch_id: created.id });
    assert.deepEqual(
      (await migrations(client, parentRef)).map((m) => m.name),
      ["base", "parent_later", "feature"],
    );
    assert.deepEqual(
      await sql(client, parentRef, "select to_regclass('public.feature')::text as t"),
      [{ t: "feature" }],
    );

    // reset: untracked changes are lost; migrations up to a version are kept.
    await sql(client, branchRef, "create table public.untracked (id int)");
    const [first] = await migrations(client, branchRef);
    await client.callTool("reset_branch", {
      branch_id: created.id,
      migration_version: first!.version,
    });
    assert.deepEqual((await migrations(client, branchRef)).map((m) => m.name), ["base"]);
    assert.deepEqual(
      await sql(
        client,
        branchRef,
        "select to_regclass('public.untracked')::text as u, to_regclass('public.feature')::text as f",
      ),
      [{ u: null, f: null }],
    );
    const { data: listed } = await client.callTool<{ branches: { status: string }[] }>(
      "list_branches",
      { project_id: parentRef },
    );
    assert.deepEqual(listed.branches.map((b) => b.status), ["MIGRATIONS_PASSED"]);
  });
});

Deno.test("pause refuses connections until restore; generated types describe the tables", async () => {
  await withLocalProject("mcp-pause", async ({ client, ref }) => {
    await client.callTool("apply_migration", {
      project_id: ref,
      name: "typed",
      query: "create type public.item_status as enum ('draft', 'live');" +
        "create table public.items (id bigint generated always as identity primary key," +
        " title text not null, price numeric, status public.item_status not null default 'draft'," +
        " tags text[], meta jsonb);" +
        "create table public.bids (id uuid primary key default gen_random_uuid()," +
        " item_id bigint not null references public.items (id));",
    });
    const { data } = await client.callTool<{ types: string }>("generate_typescript_types", {
      project_id: ref,
    });
    for (
      const fragment of [
        "export type Database = {",
        "items: {",
        "title: string",
        "price: number | null",
        'status: Database["public"]["Enums"]["item_status"]',
        "tags: string[] | null",
        "meta: Json | null",
        "id?: never",
        'item_status: "draft" | "live"',
        'referencedRelation: "items"',
      ]
    ) assert.ok(data.types.includes(fragment), `types contain ${fragment}`);

    await client.callTool("pause_project", { project_id: ref });
    const { data: paused } = await client.callTool<{ status: string }>("get_project", { id: ref });
    assert.equal(paused.status, "INACTIVE");
    await assert.rejects(connect(`proj_${ref}`), /not currently accepting connections/);
    await assert.rejects(sql(client, ref, "select 1"), /paused/);
    await client.callTool("restore_project", { project_id: ref });
    assert.deepEqual(await sql(client, ref, "select 1 as n"), [{ n: 1 }]);
  });
});
