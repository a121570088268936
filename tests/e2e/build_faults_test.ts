/** @module The worker under faults: killed at every node before and after its external effect,
 * two invocations racing on one session, retries then failure, an invalid plan, cancellation.
 * Each build must end right, with gapless unique events, migrations recorded once and one
 * environment per session. */
import assert from "node:assert/strict";
import { NODES } from "../../functions-shared/graph/index.ts";
import { baselinePlan } from "../../functions-shared/plan/baseline.ts";
import { withAdmin } from "../../stack/cluster.ts";
import { REGISTRY_DATABASE } from "../../stack/platform/registry.ts";
import { readSettings } from "../../stack/settings.ts";
import {
  type BuildEvent,
  driveBuild,
  environmentDb,
  expectedEventTypes,
  getEvents,
  pokeWorker,
  setFunctionEnv,
  submitBuild,
} from "../support/builds.ts";
import { startFakeOpenAI } from "../support/fake_openai.ts";
import { callFunction, newUser, withClient } from "../support/stack.ts";

async function withWorkerEnv(env: Record<string, string>, fn: () => Promise<void>) {
  await setFunctionEnv("worker", env);
  try {
    await fn();
  } finally {
    await setFunctionEnv("worker", {});
  }
}

function assertGapless(events: BuildEvent[]) {
  assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), "seq is 1..n");
  const keys = events.map((e) =>
    JSON.stringify([e.type, e.payload.draft, e.payload.table, e.payload.policy, e.payload.slug])
  );
  assert.equal(new Set(keys).size, keys.length, `no duplicate event: ${keys}`);
}

async function environmentsNamed(name: string): Promise<number> {
  return await withAdmin(
    readSettings().dbPort,
    REGISTRY_DATABASE,
    async (c) =>
      (await c.query<{ n: number }>(
        "select count(*)::int as n from platform.environments where name = $1",
        [name],
      )).rows[0]!.n,
  );
}

for (const when of ["before", "after"] as const) {
  Deno.test(`a worker killed at every node ${when} its effect still builds exactly once`, async () => {
    const faults = NODES.map((n) => `${n}:${when}`).join(",");
    await withWorkerEnv({ VIBE_FAULT: faults, VIBE_WORKER_VT_SECONDS: "1" }, async () => {
      const user = await newUser(`crash-${when}`);
      // Analytics on: configure_analytics' attachment is also made exactly once.
      const id = await submitBuild(user, {
        template: "marketplace",
        mode: "branch",
        analytics: true,
      });
      const { session, events } = await driveBuild(id, user.token, {
        idleMs: 1200,
        timeoutMs: 150_000,
      });
      assert.equal(session.status, "succeeded", session.error ?? "no error");
      assertGapless(events);
      const final = events.find((e) => e.type === "plan_created" && e.payload.draft === false)!;
      assert.deepEqual(
        events.map((e) => e.type),
        expectedEventTypes(
          (final.payload.tables as string[]).length,
          (final.payload.policies as string[]).length,
          { analytics: true },
        ),
      );
      const ref = session.environment!.ref;
      assert.equal(await environmentsNamed(session.environment!.name), 1, "one environment");
      const db = await environmentDb(ref);
      try {
        const m = await db.query<{ name: string; n: number }>(
          `select name, count(*)::int as n from supabase_migrations.schema_migrations
            where name like 'vibe_%' group by name order by name`,
        );
        assert.deepEqual(m.rows, [
          { name: "vibe_analytics", n: 1 },
          { name: "vibe_rls", n: 1 },
          { name: "vibe_schema", n: 1 },
        ]);
        const attached = await db.query<{ secrets: number; servers: number; tables: number }>(
          `select (select count(*)::int from vault.secrets where name like 'vibe_analytics_%') as secrets,
                  (select count(*)::int from pg_foreign_server) as servers,
                  (select count(*)::int from pg_foreign_table) as tables`,
        );
        assert.deepEqual(attached.rows[0], { secrets: 3, servers: 1, tables: 1 });
      } finally {
        await db.end();
      }
    });
  });
}

Deno.test("two workers racing on one session run its node once", async () => {
  await withWorkerEnv({ VIBE_WORKER_STEP_DELAY_MS: "700" }, async () => {
    const user = await newUser("race");
    const id = await withClient(async (c) => {
      const s = await c.query<{ id: string }>(
        `insert into public.build_sessions (owner_id, template, vibe_text, options)
         values ($1, 'marketplace', 'Listings have a condition.',
                 '{"enableAnalytics":false,"enableDriftSentinel":false,"environmentMode":"branch"}')
         returning id`,
        [user.id],
      );
      const sid = s.rows[0]!.id;
      // The same step queued twice, as a duplicated kick or message would.
      for (let i = 0; i < 2; i++) {
        await c.query("select pgmq.send('build_steps', $1::jsonb)", [
          JSON.stringify({ sessionId: sid, node: "ingest_vibe" }),
        ]);
      }
      return sid;
    });
    const outcomes = await Promise.all([pokeWorker(), pokeWorker()]);
    const ranIngest = outcomes.filter((o) => o.kind === "ran" && o.node === "ingest_vibe");
    assert.equal(
      ranIngest.length,
      1,
      `exactly one invocation ran ingest_vibe: ${JSON.stringify(outcomes)}`,
    );
    const { session, events } = await driveBuild(id, user.token);
    assert.equal(session.status, "succeeded", session.error ?? "no error");
    assertGapless(events);
    assert.equal(events.filter((e) => e.type === "plan_created" && e.payload.draft).length, 1);
  });
});

Deno.test("a step that keeps failing retries with backoff, then the build fails with the reason", async () => {
  await withWorkerEnv(
    {
      VIBE_FAULT: "apply_migrations:throw",
      VIBE_WORKER_MAX_ATTEMPTS: "2",
      VIBE_WORKER_BACKOFF_SECONDS: "0",
    },
    async () => {
      const user = await newUser("retry");
      const id = await submitBuild(user);
      const { session, events } = await driveBuild(id, user.token, { idleMs: 800 });
      assert.equal(session.status, "failed");
      assert.match(session.error ?? "", /Injected failure in apply_migrations/);
      assertGapless(events);
      const tail = events.slice(-3).map((e) => [e.type, e.payload.attempt ?? null]);
      assert.deepEqual(tail, [["step_retrying", 1], ["step_failed", 2], ["build_failed", null]]);
      const failed = events.at(-1)!;
      assert.match(failed.message, /apply_migrations/);
      assert.equal(failed.payload.node, "apply_migrations");
      assert.ok(!events.some((e) => e.type === "table_created"), "nothing after the failed step");
    },
  );
});

Deno.test("an invalid plan fails the build at once with its reasons, and no SQL runs", async () => {
  // An LLM (behind OPENAI_BASE_URL) that opens everyone's bids to anon.
  const plan = baselinePlan("marketplace");
  const bids = plan.policies.find((p) => p.table === "bids" && p.command === "select")!;
  bids.roles = ["anon", "authenticated"];
  bids.using = "true";
  const llm = startFakeOpenAI(plan);
  try {
    await withWorkerEnv({ OPENAI_BASE_URL: llm.baseUrl, OPENAI_API_KEY: "test-key" }, async () => {
      const user = await newUser("invalid-plan");
      const id = await submitBuild(user);
      const { session, events } = await driveBuild(id, user.token);
      assert.ok(llm.requests.length >= 1, "the LLM planner was asked");
      assert.equal(session.status, "failed");
      assert.match(session.error ?? "", /plan is invalid/);
      assert.equal(session.environment, null, "no environment was provisioned");
      assertGapless(events);
      assert.deepEqual(events.map((e) => e.type), [
        "plan_created",
        "step_failed",
        "build_failed",
      ]);
      assert.ok(
        !events.some((e) => e.type === "step_retrying"),
        "a permanent error is not retried",
      );
    });
  } finally {
    await llm.close();
  }
});

Deno.test("cancel is honoured between steps", async () => {
  await withWorkerEnv({ VIBE_WORKER_STEP_DELAY_MS: "400" }, async () => {
    const user = await newUser("cancel-build");
    const id = await submitBuild(user);
    const deadline = Date.now() + 20_000;
    while ((await getEvents(id, user.token)).length === 0) {
      assert.ok(Date.now() < deadline, "the build started");
      await new Promise((r) => setTimeout(r, 50));
    }
    const res = await callFunction(`sessions/${id}/cancel`, { method: "POST", token: user.token });
    assert.equal(res.status, 202);
    await res.body?.cancel();
    const { session, events } = await driveBuild(id, user.token);
    assert.equal(session.status, "canceled");
    assertGapless(events);
    assert.equal(events.at(-1)!.type, "build_canceled");
    assert.ok(!events.some((e) => e.type === "build_succeeded"));
    const again = await callFunction(`sessions/${id}/cancel`, {
      method: "POST",
      token: user.token,
    });
    assert.equal(again.status, 409);
    await again.body?.cancel();
  });
});
