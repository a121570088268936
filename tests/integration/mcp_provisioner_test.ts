/**
 * @module The Provisioner the graph nodes use, over the real MCP client and server with the
 * local platform: every method is idempotent (a re-run creates nothing twice), returns the
 * records of its calls, and fails with all of them. A new environment is requested, looked at
 * for a bounded time, and checked back on; the one found must be the one this build created.
 */
import assert from "node:assert/strict";
import { environmentName } from "../../functions-shared/graph/nodes/provision_environment.ts";
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

Deno.test("requestEnvironment: requested, then checked back on one look at a time, verified against the one created", async () => {
  await withLocalClient(async ({ client, deleteAfter }) => {
    const provisioner = createMcpProvisioner(client, { pollIntervalMs: 20 });
    const { value: parent } = await provisioner.ensureEnvironment({
      mode: "project",
      name: uniqueName("prov-parent"),
    });
    deleteAfter(parent.ref);
    const name = uniqueName("prov-request");
    const request = { mode: "branch" as const, name, parentRef: parent.ref };

    const first = await provisioner.requestEnvironment(request);
    assert.equal(first.value.state, "pending", "a new branch is not ready at once");
    assert.deepEqual(tools(first.records), [
      "list_branches",
      "get_project",
      "get_cost",
      "confirm_cost",
      "create_branch",
    ]);
    const pending = first.value.state === "pending" ? first.value.pending : undefined;
    assert.ok(pending?.branchId);
    assert.equal(pending.parentRef, parent.ref);
    const expected = { ref: pending.ref, branchId: pending.branchId };

    // Each check back is one look; the build moves on once it is ready.
    let checks = 0;
    for (;;) {
      const check = await provisioner.requestEnvironment({ ...request, expected });
      checks++;
      if (check.value.state === "ready") {
        assert.equal(check.value.environment.ref, pending.ref);
        assert.equal(check.value.environment.branchId, pending.branchId);
        assert.deepEqual(tools(check.records), [
          "list_branches",
          "get_project_url",
          "get_publishable_keys",
        ]);
        break;
      }
      assert.deepEqual(tools(check.records), ["list_branches"], "a bounded check");
      assert.ok(checks < 200, "the branch became ready");
      await new Promise((r) => setTimeout(r, 50));
    }

    // The environment under this name is not the one another build created: refused.
    const other = await provisioner.requestEnvironment({ ...request, expected: { ref: "zzzz" } })
      .then(() => undefined, (e) => e);
    assert.ok(other instanceof ProvisioningError);
    assert.match(other.message, new RegExp(`is ${pending.ref}, but this build created zzzz`));
    assert.ok(!tools(other.records).includes("create_branch"), "nothing created");

    // A waited request polls within its bound, then answers.
    const waited = await provisioner.requestEnvironment({ ...request, expected, waitMs: 5_000 });
    assert.equal(waited.value.state, "ready");

    // The branch this build created is gone: the check fails instead of creating another.
    await client.callTool("delete_branch", { branch_id: pending.branchId });
    const gone = await provisioner.requestEnvironment({ ...request, expected })
      .then(() => undefined, (e) => e);
    assert.ok(gone instanceof ProvisioningError);
    assert.match(gone.message, /was created for this build but project .* no longer lists it/);
  });
});

Deno.test("environments are named by the full session id", () => {
  const id = "3F2504E0-4F89-11D3-9A0C-0305E82C3301";
  assert.equal(environmentName(id), "vibe-3f2504e04f8911d39a0c0305e82c3301");
  assert.notEqual(
    environmentName("3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
    environmentName("3f2504e0-4f89-11d3-9a0c-0305e82c3302"),
    "ids that share their first 48 bits get different environments",
  );
});
