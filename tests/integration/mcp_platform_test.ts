/**
 * @module The local platform through the real MCP client and the official server (in-process):
 * projects with cost confirmation, migrations (atomic, recorded once, run as `postgres`),
 * execute_sql on a read-only server, list_tables/list_extensions, development tools, and
 * redacted records for every call.
 */
import assert from "node:assert/strict";
import { verifyHs256 } from "../../functions-shared/auth/jwt.ts";
import { ToolCallError } from "../../functions-shared/mcp/types.ts";
import { withAdmin } from "../../stack/cluster.ts";
import { readSettings } from "../../stack/settings.ts";
import {
  assertRedactedRecords,
  createProject,
  inProcessClient,
  serverSecrets,
  uniqueName,
  withLocalClient,
  withLocalProject,
} from "../support/mcp.ts";
import { connect, stack } from "../support/stack.ts";

async function databaseExists(name: string): Promise<boolean> {
  return await withAdmin(readSettings().dbPort, "postgres", async (c) => {
    const r = await c.query("select 1 from pg_database where datname = $1", [name]);
    return r.rowCount === 1;
  });
}

async function failure(p: Promise<unknown>): Promise<ToolCallError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ToolCallError, `a ToolCallError, got ${e}`);
    return e;
  }
  throw new assert.AssertionError({ message: "the call was expected to fail" });
}

Deno.test("create_project goes through get_cost and confirm_cost, and refuses a wrong confirmation", async () => {
  const ref = await withLocalClient(async ({ client, records, deleteAfter }) => {
    const { data: orgs } = await client.callTool<{ organizations: { id: string }[] }>(
      "list_organizations",
      {},
    );
    const orgId = orgs.organizations[0]!.id;
    const { data: org } = await client.callTool<{ plan?: string }>("get_organization", {
      id: orgId,
    });
    assert.equal(org.plan, "free", "the organization reports a plan");

    const wrong = await failure(client.callTool("create_project", {
      name: uniqueName("mcp-wrong-cost"),
      region: "us-east-1",
      organization_id: orgId,
      confirm_cost_id: "not-a-confirmation",
    }));
    assert.match(wrong.record.error ?? "", /Cost confirmation ID does not match/);
    assert.equal(wrong.record.ok, false);

    const name = uniqueName("mcp-project");
    const ref = await createProject(client, name);
    deleteAfter(ref);
    assert.match(ref, /^[a-z]{20}$/, "a hosted-like ref, safe as a database name");
    assert.ok(await databaseExists(`proj_${ref}`), "the project is its own database");

    const { data: project } = await client.callTool<{ status: string; name: string }>(
      "get_project",
      { id: ref },
    );
    assert.deepEqual([project.name, project.status], [name, "ACTIVE_HEALTHY"]);
    const { data: listed } = await client.callTool<{ projects: { ref: string }[] }>(
      "list_projects",
      {},
    );
    assert.ok(listed.projects.some((p) => p.ref === ref));

    const { data: url } = await client.callTool<{ url: string }>("get_project_url", {
      project_id: ref,
    });
    assert.equal(url.url, `${(await stack()).API_URL}/env/${ref}`);

    const { data: keys } = await client.callTool<
      { keys: { api_key: string; name: string; type: string }[] }
    >("get_publishable_keys", { project_id: ref });
    assert.equal(keys.keys.length, 1, "only the anon key: the service_role key stays server-side");
    const [anon] = keys.keys;
    assert.deepEqual([anon!.name, anon!.type], ["anon", "legacy"]);
    const [jwtSecret, serviceKey] = await serverSecrets(ref);
    const claims = await verifyHs256(anon!.api_key, jwtSecret!);
    assert.deepEqual([claims.role, claims.ref], ["anon", ref], "signed with the project's secret");
    assert.notEqual(anon!.api_key, serviceKey);

    assertRedactedRecords(records, await serverSecrets(ref));
    return ref;
  });
  assert.ok(!(await databaseExists(`proj_${ref}`)), "deleting the project drops its database");
});

Deno.test("apply_migration is atomic, recorded once, and runs as postgres (not a superuser)", async () => {
  await withLocalProject("mcp-migrations", async ({ client, records, ref }) => {
    await client.callTool("apply_migration", {
      project_id: ref,
      name: "create_items",
      query: "create table public.items (id bigint generated always as identity primary key, " +
        "title text not null); insert into public.items (title) values ('first');",
    });
    const listed = async () =>
      (await client.callTool<{ migrations: { version: string; name?: string }[] }>(
        "list_migrations",
        { project_id: ref },
      )).data.migrations;
    const once = await listed();
    assert.deepEqual(once.map((m) => m.name), ["create_items"]);
    assert.match(once[0]!.version, /^\d{14}$/);

    const failed = await failure(client.callTool("apply_migration", {
      project_id: ref,
      name: "half_done",
      query: "create table public.orphan (id int); select * from public.no_such_table;",
    }));
    assert.match(failed.record.error ?? "", /42P01/, "the Postgres error code is reported");
    assert.deepEqual((await listed()).map((m) => m.name), ["create_items"], "not recorded");

    const superuserOnly = await failure(client.callTool("apply_migration", {
      project_id: ref,
      name: "make_superuser",
      query: "alter role postgres superuser",
    }));
    assert.match(superuserOnly.record.error ?? "", /42501/, "postgres is not a superuser");

    const { data: rows } = await client.callTool<{ t: string | null; n: number }[]>(
      "execute_sql",
      {
        project_id: ref,
        query: "select to_regclass('public.orphan')::text as t, count(*) as n from public.items",
      },
    );
    assert.deepEqual(rows, [{ t: null, n: 1 }], "rows come back as data; the failure left nothing");

    const { data: tables } = await client.callTool<
      { tables: { name: string; rls_enabled: boolean; columns?: { name: string }[] }[] }
    >("list_tables", { project_id: ref, schemas: ["public"], verbose: true });
    assert.deepEqual(tables.tables.map((t) => t.name), ["public.items"]);
    assert.deepEqual(tables.tables[0]!.columns?.map((c) => c.name), ["id", "title"]);

    const { data: ext } = await client.callTool<
      { extensions: { name: string; installed_version: string | null }[] }
    >("list_extensions", { project_id: ref });
    const pgcrypto = ext.extensions.find((e) => e.name === "pgcrypto");
    assert.ok(pgcrypto?.installed_version, "list_extensions sees the project's extensions");

    assertRedactedRecords(records, await serverSecrets(ref));
  });
});

Deno.test("execute_sql on a read-only server refuses writes, escapes included", async () => {
  await withLocalProject("mcp-read-only", async (writer) => {
    const { ref } = writer;
    const reader = await writer.addClient((platform) =>
      inProcessClient(platform, { readOnly: true })
    );
    await writer.client.callTool("apply_migration", {
      project_id: ref,
      name: "create_notes",
      query: "create table public.notes (body text)",
    });
    const { data: read } = await reader.client.callTool<{ n: number }[]>("execute_sql", {
      project_id: ref,
      query: "select count(*) as n from public.notes",
    });
    assert.deepEqual(read, [{ n: 0 }], "reads work");

    for (
      const query of [
        "insert into public.notes values ('x')",
        "commit; insert into public.notes values ('x')",
        "set transaction read write; insert into public.notes values ('x')",
        "with w as (insert into public.notes values ('x') returning 1) select * from w",
        "do $$ begin insert into public.notes values ('x'); end $$",
        "create table public.sneaky (id int)",
      ]
    ) {
      const refused = await failure(
        reader.client.callTool("execute_sql", { project_id: ref, query }),
      );
      assert.match(
        refused.record.error ?? "",
        /read-only transaction|one statement per call/,
        `refused: ${query}`,
      );
    }
    const refusedMigration = await failure(reader.client.callTool("apply_migration", {
      project_id: ref,
      name: "nope",
      query: "create table public.nope (id int)",
    }));
    assert.match(refusedMigration.record.error ?? "", /read-only mode/);

    const { data: after } = await writer.client.callTool<{ n: number; t: string | null }[]>(
      "execute_sql",
      {
        project_id: ref,
        query: "select (select count(*) from public.notes) as n, " +
          "to_regclass('public.sneaky')::text as t",
      },
    );
    assert.deepEqual(after, [{ n: 0, t: null }], "nothing was written");
    assertRedactedRecords([...writer.records, ...reader.records], await serverSecrets(ref));
  });
});

Deno.test("a project-scoped server hides the account tools", async () => {
  await withLocalClient(async ({ client }) => {
    const refused = await failure(client.callTool("list_projects", {}));
    assert.match(refused.record.error ?? "", /tool not found/);
    const { data } = await client.callTool<{ n: number }[]>("execute_sql", {
      query: "select 1 as n",
    });
    assert.deepEqual(data, [{ n: 1 }], "execute_sql runs in the scoped project");
  }, (platform) => inProcessClient(platform, { projectId: readSettings().parentProjectRef }));
});

Deno.test("stack up made the parent project; the registry is out of postgres's reach", async () => {
  await withLocalClient(async ({ client }) => {
    const parent = readSettings().parentProjectRef;
    const { data } = await client.callTool<{ projects: { ref: string; status: string }[] }>(
      "list_projects",
      {},
    );
    assert.deepEqual(
      data.projects.find((p) => p.ref === parent)?.status,
      "ACTIVE_HEALTHY",
      `the parent project ${parent} exists`,
    );
    assert.ok(await databaseExists(`proj_${parent}`));
    await assert.rejects(
      connect("_supabase"),
      /permission denied/,
      "postgres (what execute_sql runs as) cannot open the registry and its JWT secrets",
    );
    await assert.rejects(
      client.callTool("execute_sql", {
        project_id: parent,
        query: "select * from platform.environments",
      }),
      /does not exist/,
    );
  });
});
