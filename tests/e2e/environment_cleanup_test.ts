/**
 * @module The cleanup of environments left by failed and canceled builds, through the `cleanup`
 * function over HTTP (as pg_cron calls it) against real environments of the local platform:
 * a build that failed after provisioning has its branch deleted once past the TTL, with an
 * `environment_deleted` event and the deletion on the session; a branch the session never
 * recorded is found by the session's name; a project is paused; a succeeded build's environment
 * and a recent failure's are never touched; a branch whose ref is not the session's is refused
 * and the failure kept on the session; a second pass has nothing to do.
 */
import assert from "node:assert/strict";
import { environmentName } from "../../functions-shared/graph/nodes/provision_environment.ts";
import { createMcpProvisioner } from "../../functions-shared/mcp/mcp_provisioner.ts";
import type { Environment } from "../../functions-shared/mcp/provisioner.ts";
import { withAdmin } from "../../stack/cluster.ts";
import { REGISTRY_DATABASE } from "../../stack/platform/registry.ts";
import { readSettings } from "../../stack/settings.ts";
import {
  driveBuild,
  getEvents,
  getSession,
  setFunctionEnv,
  submitBuild,
} from "../support/builds.ts";
import { httpClient, localPlatform } from "../support/mcp.ts";
import { callFunction, newUser, stack, withClient } from "../support/stack.ts";

/** The registry's status of an environment, or null once it is gone. */
async function environmentStatus(ref: string): Promise<string | null> {
  return await withAdmin(
    readSettings().dbPort,
    REGISTRY_DATABASE,
    async (c) =>
      (await c.query<{ status: string }>(
        "select status from platform.environments where ref = $1",
        [ref],
      )).rows[0]?.status ?? null,
  );
}

interface CleanupRow {
  status: string;
  environment: Record<string, unknown> | null;
  environment_deleted_at: Date | null;
  cleanup_attempts: number;
  cleanup_error: string | null;
}

async function cleanupRow(id: string): Promise<CleanupRow> {
  return await withClient(async (c) =>
    (await c.query<CleanupRow>(
      `select status, environment, environment_deleted_at, cleanup_attempts, cleanup_error
         from public.build_sessions where id = $1`,
      [id],
    )).rows[0]!
  );
}

/** A session row written directly: no build runs for it. */
async function insertSession(
  ownerId: string,
  status: string,
  finishedAgo: string,
  environment: unknown,
  mode: "branch" | "project" = "branch",
  id: string = crypto.randomUUID(),
): Promise<string> {
  await withClient((c) =>
    c.query(
      `insert into public.build_sessions
         (id, owner_id, status, template, vibe_text, options, environment, finished_at)
       values ($1, $2, $3, 'saas', 'x', $4::jsonb, $5::jsonb, now() - $6::interval)`,
      [
        id,
        ownerId,
        status,
        JSON.stringify({ environmentMode: mode }),
        environment === null ? null : JSON.stringify(environment),
        finishedAgo,
      ],
    )
  );
  return id;
}

async function runCleanup(): Promise<Record<string, unknown>> {
  const s = await stack();
  const res = await callFunction("cleanup", {
    method: "POST",
    token: s.SERVICE_ROLE_KEY,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ source: "test" }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

Deno.test("cleanup removes failed and canceled builds' environments after the TTL, never others", async (t) => {
  const user = await newUser("cleanup");
  const { client } = await httpClient();
  const provisioner = createMcpProvisioner(client);
  const ensure = async (mode: "branch" | "project", name: string): Promise<Environment> =>
    (await provisioner.ensureEnvironment({
      mode,
      name,
      ...(mode === "branch" ? { parentRef: readSettings().parentProjectRef } : {}),
    })).value;
  const leftovers: Environment[] = [];
  const projects: string[] = [];
  try {
    // A build that fails after its branch was provisioned.
    await setFunctionEnv("worker", {
      VIBE_FAULT: "apply_migrations:throw",
      VIBE_WORKER_MAX_ATTEMPTS: "1",
      VIBE_WORKER_BACKOFF_SECONDS: "0",
    });
    let failedId: string;
    try {
      failedId = await submitBuild(user);
      const { session } = await driveBuild(failedId, user.token, { idleMs: 800 });
      assert.equal(session.status, "failed");
      assert.ok(session.environment?.ref, "the failed build had provisioned a branch");
    } finally {
      await setFunctionEnv("worker", {});
    }
    const failedRef = (await cleanupRow(failedId)).environment!.ref as string;

    // A branch created while provisioning, but never recorded on its (failed) session.
    const orphanId = crypto.randomUUID();
    const orphan = await ensure("branch", environmentName(orphanId));
    await insertSession(user.id, "failed", "2 days", null, "branch", orphanId);
    // A canceled project-mode build.
    const projectId = crypto.randomUUID();
    const project = await ensure("project", environmentName(projectId));
    projects.push(project.ref);
    await insertSession(user.id, "canceled", "3 days", project, "project", projectId);
    // Never touched: a succeeded build, and a failure younger than the TTL.
    const kept = await ensure("branch", `keep-${crypto.randomUUID().slice(0, 8)}`);
    leftovers.push(kept);
    const succeededId = await insertSession(user.id, "succeeded", "5 days", kept);
    const recent = await ensure("branch", `recent-${crypto.randomUUID().slice(0, 8)}`);
    leftovers.push(recent);
    const recentId = await insertSession(user.id, "failed", "1 hour", recent);
    // A session whose recorded ref is not the branch of its name: refused, not deleted.
    const mismatchId = crypto.randomUUID();
    const mismatch = await ensure("branch", environmentName(mismatchId));
    leftovers.push(mismatch);
    await insertSession(
      user.id,
      "failed",
      "2 days",
      {
        ...mismatch,
        ref: "someoneelsesref",
        branchId: mismatch.branchId,
      },
      "branch",
      mismatchId,
    );
    // The real failure, aged past the TTL (24 hours by default).
    await withClient((c) =>
      c.query(
        "update public.build_sessions set finished_at = now() - interval '2 days' where id = $1",
        [failedId],
      )
    );

    await t.step("one pass deletes what is due and records it", async () => {
      const pass = await runCleanup();
      const cleaned = pass.cleaned as { sessionId: string; outcome: string; ref?: string }[];
      const byId = new Map(cleaned.map((c) => [c.sessionId, c]));
      assert.equal(byId.get(failedId)?.outcome, "branch_deleted");
      assert.equal(byId.get(orphanId)?.outcome, "branch_deleted");
      assert.equal(byId.get(orphanId)?.ref, orphan.ref);
      assert.equal(byId.get(projectId)?.outcome, "project_paused");
      for (const id of [succeededId, recentId, mismatchId]) {
        assert.ok(!byId.has(id), `${id} is not cleaned`);
      }
      const failures = pass.failed as { sessionId: string; error: string }[];
      const refused = failures.find((f) => f.sessionId === mismatchId);
      assert.match(
        refused?.error ?? "",
        /Refusing to delete branch .* not the session's environment/,
      );

      assert.equal(await environmentStatus(failedRef), null, "the failed build's branch is gone");
      assert.equal(await environmentStatus(orphan.ref), null, "the unrecorded branch is gone");
      assert.equal(await environmentStatus(project.ref), "INACTIVE", "the project is paused");
      assert.notEqual(await environmentStatus(kept.ref), null, "a succeeded build's stays");
      assert.notEqual(await environmentStatus(recent.ref), null, "a recent failure's stays");
      assert.notEqual(await environmentStatus(mismatch.ref), null, "a mismatched ref stays");
    });

    await t.step("the session and its timeline say so", async () => {
      const row = await cleanupRow(failedId);
      assert.ok(row.environment_deleted_at, "environment_deleted_at is set");
      const view = await getSession(failedId, user.token);
      assert.equal(view.status, "failed", "the status is unchanged");
      const environment = view.environment as unknown as Record<string, unknown>;
      assert.equal(environment.cleanup, "branch_deleted");
      assert.equal(typeof environment.deletedAt, "string");
      const events = await getEvents(failedId, user.token);
      const deleted = events.filter((e) => e.type === "environment_deleted");
      assert.equal(deleted.length, 1);
      assert.equal(deleted[0]!.payload.ref, failedRef);
      assert.equal(deleted[0]!.payload.action, "delete_branch");
      const calls = deleted[0]!.payload.tool_calls as { tool: string; ok: boolean }[];
      assert.deepEqual(calls.map((c) => [c.tool, c.ok]), [["list_branches", true], [
        "delete_branch",
        true,
      ]]);
      assert.equal(deleted[0]!.seq, events.at(-1)!.seq, "appended after build_failed");

      const mismatched = await cleanupRow(mismatchId);
      assert.equal(mismatched.environment_deleted_at, null);
      assert.equal(mismatched.cleanup_attempts, 1);
      assert.match(mismatched.cleanup_error ?? "", /Refusing to delete/);
      for (const id of [succeededId, recentId]) {
        const untouched = await cleanupRow(id);
        assert.equal(untouched.environment_deleted_at, null);
        assert.equal(untouched.cleanup_attempts, 0);
      }
      const succeededEvents = await getEvents(succeededId, user.token);
      assert.equal(succeededEvents.length, 0, "nothing recorded on a succeeded session");
    });

    await t.step("the next pass has nothing new to do", async () => {
      const pass = await runCleanup();
      const cleaned = pass.cleaned as { sessionId: string }[];
      for (const id of [failedId, orphanId, projectId, succeededId, recentId]) {
        assert.ok(!cleaned.some((c) => c.sessionId === id));
      }
      const events = await getEvents(failedId, user.token);
      assert.equal(events.filter((e) => e.type === "environment_deleted").length, 1);
    });

    await t.step("only the service role may run it", async () => {
      const s = await stack();
      for (const token of [s.ANON_KEY, user.token]) {
        const res = await callFunction("cleanup", { method: "POST", token, body: "{}" });
        assert.equal(res.status, 403);
        await res.body?.cancel();
      }
    });
  } finally {
    for (const env of leftovers) {
      if (env.branchId && (await environmentStatus(env.ref)) !== null) {
        await client.callTool("delete_branch", { branch_id: env.branchId }).catch(() => {});
      }
    }
    await client.close();
    const platform = await localPlatform();
    for (const ref of projects) await platform.deleteProject(ref).catch(() => {});
    await platform.close();
    await withClient((c) =>
      c.query("delete from public.build_sessions where owner_id = $1", [user.id])
    );
  }
});
