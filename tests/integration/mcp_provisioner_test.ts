/**
 * @module The Provisioner the graph nodes use, over the real MCP client and server with the
 * local platform: every method is idempotent (a re-run creates nothing twice), returns the
 * records of its calls, and fails with all of them.
 */
import assert from "node:assert/strict";
import { createMcpProvisioner } from "../../functions-shared/mcp/mcp_provisioner.ts";
import { ProvisioningError } from "../../functions-shared/mcp/provisioner.ts";
import { withAdmin } from "../../stack/cluster.ts";
import { readSettings } from "../../stack/settings.ts";
import {
  assertRedactedRecords,
  serverSecrets,
  uniqueName,
  withLocalClient,
} from "../support/mcp.ts";

const tools = (records: { tool: string }[]) => records.map((r) => r.tool);

Deno.test("ensureEnvironment creates a project once and a branch of it once", async () => {
  await withLocalClient(async ({ client, records, deleteAfter }) => {
    const provisioner = createMcpProvisioner(client, { pollIntervalMs: 20 });
    const name = uniqueName("prov-project");
    const project = await provisioner.ensureEnvironment({ mode: "project", name });
    const projectRef = project.value.ref;
    deleteAfter(projectRef);
    assert.equal(project.value.kind, "project");
    assert.equal(project.value.url.endsWith(`/env/${projectRef}`), true);
    assert.deepEqual(tools(project.records), [
      "list_projects",
      "list_organizations",
      "get_cost",
      "confirm_cost",
      "create_project",
      "get_project_url",
      "get_publishable_keys",
    ]);
    const again = await provisioner.ensureEnvironment({ mode: "project", name });
    assert.equal(again.value.ref, projectRef, "found by name, not created twice");
    assert.ok(!tools(again.records).includes("create_project"));

    await provisioner.applyMigration(projectRef, "base", "create table public.base (id int)");
    const branchName = uniqueName("prov-branch");
    const branch = await provisioner.ensureEnvironment({
      mode: "branch",
      name: branchName,
      parentRef: projectRef,
    });
    assert.equal(branch.value.kind, "branch");
    assert.equal(branch.value.parentRef, projectRef);
    assert.ok(branch.value.branchId);
    const calls = tools(branch.records);
    assert.deepEqual(calls.slice(0, 5), [
      "list_branches",
      "get_project",
      "get_cost",
      "confirm_cost",
      "create_branch",
    ]);
    assert.equal(branch.records.at(-3)?.tool, "list_branches");
    assert.match(branch.records.at(-3)?.result_summary ?? "", /MIGRATIONS_PASSED/);

    const branchAgain = await provisioner.ensureEnvironment({
      mode: "branch",
      name: branchName,
      parentRef: projectRef,
    });
    assert.equal(branchAgain.value.ref, branch.value.ref);
    assert.deepEqual(tools(branchAgain.records), [
      "list_branches",
      "get_project_url",
      "get_publishable_keys",
    ]);
    const { value: rows } = await provisioner.executeSql<{ t: string }>(
      branch.value.ref,
      "select to_regclass('public.base')::text as t",
    );
    assert.deepEqual(rows, [{ t: "base" }], "the branch has the parent's migration");

    assertRedactedRecords(records, [
      ...await serverSecrets(projectRef),
      ...await serverSecrets(branch.value.ref),
    ]);
  });
});

Deno.test("applyMigration and deployFunction skip what is already there", async () => {
  await withLocalClient(async ({ client, deleteAfter }) => {
    const provisioner = createMcpProvisioner(client);
    const { value: env } = await provisioner.ensureEnvironment({
      mode: "project",
      name: uniqueName("prov-idempotent"),
    });
    deleteAfter(env.ref);
    const first = await provisioner.applyMigration(env.ref, "t", "create table public.t (id int)");
    assert.deepEqual(first.value, { applied: true });
    const second = await provisioner.applyMigration(env.ref, "t", "create table public.t (id int)");
    assert.deepEqual(second.value, { applied: false });
    assert.deepEqual(tools(second.records), ["list_migrations"]);

    const fn = {
      slug: "hello",
      entrypoint: "index.ts",
      verifyJwt: true,
      files: [{ name: "index.ts", content: 'Deno.serve(() => new Response("hi"));' }],
    };
    assert.deepEqual((await provisioner.deployFunction(env.ref, fn)).value, { version: 1 });
    const same = await provisioner.deployFunction(env.ref, fn);
    assert.deepEqual(same.value, { version: 1 }, "an unchanged function is not redeployed");
    assert.deepEqual(tools(same.records), ["list_edge_functions", "get_edge_function"]);
    const changed = await provisioner.deployFunction(env.ref, { ...fn, verifyJwt: false });
    assert.deepEqual(changed.value, { version: 2 });
  });
});

Deno.test("a failure carries the records of every call, the failed one last", async () => {
  await withLocalClient(async ({ client, deleteAfter }) => {
    const provisioner = createMcpProvisioner(client, { pollIntervalMs: 20 });
    const { value: env } = await provisioner.ensureEnvironment({
      mode: "project",
      name: uniqueName("prov-failure"),
    });
    deleteAfter(env.ref);
    const err = await provisioner.applyMigration(env.ref, "bad", "select * from nowhere")
      .then(() => undefined, (e) => e);
    assert.ok(err instanceof ProvisioningError);
    assert.deepEqual(tools(err.records), ["list_migrations", "apply_migration"]);
    assert.equal(err.records.at(-1)?.ok, false);
    assert.match(err.records.at(-1)?.error ?? "", /42P01/);

    // A parent whose migrations cannot replay: the branch fails; a re-run recreates it once.
    await withAdmin(readSettings().dbPort, `proj_${env.ref}`, (c) =>
      c.query(
        `insert into supabase_migrations.schema_migrations (version, name, statements)
         values ('20000101000000', 'broken', array['select * from nowhere'])`,
      ));
    const name = uniqueName("prov-doomed");
    const failed = await provisioner.ensureEnvironment({ mode: "branch", name, parentRef: env.ref })
      .then(() => undefined, (e) => e);
    assert.ok(failed instanceof ProvisioningError);
    assert.match(failed.message, /MIGRATIONS_FAILED/);
    const retried = await provisioner.ensureEnvironment({
      mode: "branch",
      name,
      parentRef: env.ref,
    })
      .then(() => undefined, (e) => e);
    assert.ok(retried instanceof ProvisioningError);
    assert.ok(tools(retried.records).includes("delete_branch"), "the failed branch was replaced");
  });
});
