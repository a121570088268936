/** @module The worker under faults: killed at every node before and after its external effect,
 * killed while its environment is pending (between requesting it and recording it pending, and
 * at every check back), killed every time (the build fails after N redeliveries), two
 * invocations racing on one session, retries then failure, a slow LLM, a node outliving the
 * invocation's budget, an invalid plan, cancellation. Each build must end right, with gapless
 * unique events, migrations recorded once, one environment per session, and every MCP call —
 * those of crashed attempts included — in the tool-call log. */
import assert from "node:assert/strict";
import { NODES } from "../../functions-shared/graph/index.ts";
import { environmentName } from "../../functions-shared/graph/nodes/provision_environment.ts";
import { baselinePlan } from "../../functions-shared/plan/baseline.ts";
import pg from "../../functions-shared/db/pg.ts";
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
  submitBuild,
  toolCallLog,
  withWorkerEnv,
} from "../support/builds.ts";
import { startFakeOpenAI } from "../support/fake_openai.ts";
import { withLocalProject } from "../support/mcp.ts";
import { callFunction, dbUrl, newUser, withClient } from "../support/stack.ts";

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
      assert.equal(session.environment!.name, environmentName(id), "named by the full id");
      assert.equal(await environmentsNamed(session.environment!.name), 1, "one environment");
      const log = await toolCallLog(id);
      const created = log.filter((c) => c.tool === "create_branch");
      assert.deepEqual(created.map((c) => c.ok), [true], "the branch was requested once");
      const applied = log.filter((c) => c.tool === "apply_migration" && c.ok)
        .map((c) => c.record.arguments.name);
      assert.deepEqual(
        applied,
        ["vibe_schema", "vibe_rls", "vibe_analytics"],
        "each migration applied once",
      );
      if (when === "after") {
        // The killed attempts' calls are in the log, though no event carries them.
        const logged = log.filter((c) => c.node === "apply_migrations");
        assert.equal(new Set(logged.map((c) => c.invocation)).size, 2, "killed attempt + re-run");
        const carried = events.filter((e) => e.type === "table_created")
          .flatMap((e) => (e.payload.tool_calls as { tool: string }[] | undefined) ?? []);
        assert.deepEqual(carried.map((c) => c.tool), ["list_migrations"], "the re-run's calls");
        assert.deepEqual(logged.map((c) => c.tool), [
          "list_migrations",
          "apply_migration",
          "list_migrations",
        ], "the log also has the killed attempt's");
      }
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

/**
 * A gate that environments' migrations can wait on: a statement that blocks until a connection
 * named after the gate exists in the cluster (pg_stat_activity is cluster-wide), so a test
 * decides when a branch replaying it becomes ready.
 */
function migrationGate() {
  const name = `vibe-gate-${crypto.randomUUID().slice(0, 8)}`;
  let open: pg.Client | undefined;
  return {
    sql: `do $gate$ declare waited int := 0; begin
            while not exists (select 1 from pg_stat_activity where application_name = '${name}')
            loop
              perform pg_stat_clear_snapshot();
              perform pg_sleep(0.1);
              waited := waited + 1;
              if waited > 900 then raise exception 'the test never opened ${name}'; end if;
            end loop;
          end $gate$`,
    async open() {
      open ??= new pg.Client({ connectionString: await dbUrl(), application_name: name });
      await open.connect();
    },
    async close() {
      await open?.end();
      open = undefined;
    },
  };
}

for (const when of ["before", "after"] as const) {
  Deno.test(`a pending environment is checked back on, and a worker killed ${when} each check builds it once`, async () => {
    // A parent whose branches stay RUNNING_MIGRATIONS until the test opens a gate, and a worker
    // that looks at a new branch once and checks back later: the branch is pending on several
    // invocations. `after`: the first start of every message is killed after its effect —
    // between requesting the branch and recording it pending, then after each check.
    const gate = migrationGate();
    await withLocalProject("slow-parent", async ({ client, ref: parent }) => {
      await gate.open();
      await client.callTool("apply_migration", {
        project_id: parent,
        name: "gated_branches",
        query: gate.sql,
      });
      await gate.close();
      await withWorkerEnv({
        VIBE_PARENT_PROJECT_REF: parent,
        VIBE_PROVISION_WAIT_SECONDS: "0",
        VIBE_FAULT: `provision_environment:${when}`,
        VIBE_WORKER_VT_SECONDS: "1",
      }, async () => {
        const user = await newUser(`pending-${when}`);
        const id = await submitBuild(user, { template: "saas" });
        const pendingChecks = async () =>
          (await toolCallLog(id)).filter((c) =>
            /CREATING_PROJECT|RUNNING_MIGRATIONS/.test(String(c.record.result_summary))
          ).length;
        // Opens the gate once the branch was found pending three times.
        const release = (async () => {
          const deadline = Date.now() + 60_000;
          while ((await pendingChecks()) < 3) {
            assert.ok(Date.now() < deadline, "the branch was checked on while pending");
            await new Promise((r) => setTimeout(r, 200));
          }
          await gate.open();
        })();
        try {
          const { session, events } = await driveBuild(id, user.token, {
            idleMs: 1200,
            timeoutMs: 120_000,
          });
          await release;
          assert.equal(session.status, "succeeded", session.error ?? "no error");
          assertGapless(events);
          const final = events.find((e) => e.type === "plan_created" && e.payload.draft === false)!;
          assert.deepEqual(
            events.map((e) => e.type),
            expectedEventTypes(
              (final.payload.tables as string[]).length,
              (final.payload.policies as string[]).length,
            ),
            "waiting adds no event",
          );
          assert.equal(session.environment!.parentRef, parent);
          assert.equal(await environmentsNamed(environmentName(id)), 1, "one environment");

          const log = (await toolCallLog(id)).filter((c) => c.node === "provision_environment");
          const created = log.filter((c) => c.tool === "create_branch");
          assert.deepEqual(created.map((c) => c.ok), [true], "requested once, adopted after");
          const ids = created[0]!.record.result_ids as { project_ref?: string } | undefined;
          assert.equal(ids?.project_ref, session.environment!.ref, "the one it created");
          const invocations = new Set(log.map((c) => c.invocation));
          assert.ok(invocations.size >= 4, `requested, then checked back on: ${invocations.size}`);
          // environment_created carries the calls made while waiting (status polls aside).
          const env = events.find((e) => e.type === "environment_created")!;
          const tools = (env.payload.tool_calls as { tool: string }[]).map((c) => c.tool);
          assert.equal(tools.at(-1), "get_publishable_keys");
          if (when === "before") {
            assert.deepEqual(tools.slice(0, 4), [
              "get_project",
              "get_cost",
              "confirm_cost",
              "create_branch",
            ]);
          } else {
            assert.ok(!tools.includes("create_branch"), "the killed request's calls: log only");
          }
        } finally {
          await release.catch(() => {});
          await gate.close();
        }
      });
    });
  });
}

Deno.test("a step killed every time fails the build after its redeliveries", async () => {
  await withWorkerEnv({
    VIBE_FAULT: "apply_migrations:kill",
    VIBE_WORKER_MAX_REDELIVERIES: "1",
    VIBE_WORKER_VT_SECONDS: "1",
  }, async () => {
    const user = await newUser("killed");
    const id = await submitBuild(user);
    const { session, events } = await driveBuild(id, user.token, { idleMs: 1200 });
    assert.equal(session.status, "failed");
    assert.match(
      session.error ?? "",
      /apply_migrations was started 2 times and never finished.*1 redeliveries/,
    );
    assertGapless(events);
    assert.deepEqual(events.slice(-2).map((e) => e.type), ["step_failed", "build_failed"]);
    assert.ok(!events.some((e) => e.type === "table_created"));
    assert.ok(!events.some((e) => e.type === "step_retrying"), "a killed step is not retried");
  });
});

Deno.test("an LLM slower than VIBE_LLM_TIMEOUT_SECONDS fails its attempt, then the build", async () => {
  const llm = startFakeOpenAI(baselinePlan("marketplace"), { chatDelayMs: 3000 });
  try {
    await withWorkerEnv({
      OPENAI_BASE_URL: llm.baseUrl,
      OPENAI_API_KEY: "test-key",
      VIBE_LLM_TIMEOUT_SECONDS: "1",
      VIBE_WORKER_MAX_ATTEMPTS: "2",
      VIBE_WORKER_BACKOFF_SECONDS: "0",
    }, async () => {
      const user = await newUser("slow-llm");
      const id = await submitBuild(user);
      const { session, events } = await driveBuild(id, user.token, { idleMs: 800 });
      assert.equal(session.status, "failed");
      assert.match(session.error ?? "", /did not answer within 1 s \(VIBE_LLM_TIMEOUT_SECONDS\)/);
      assert.deepEqual(events.map((e) => e.type), [
        "plan_created",
        "step_retrying",
        "step_failed",
        "build_failed",
      ]);
    });
  } finally {
    await llm.close();
  }
});

Deno.test("a node that outlives the invocation's budget fails its attempt in time", async () => {
  await withWorkerEnv({
    VIBE_WORKER_BUDGET_SECONDS: "2",
    VIBE_WORKER_STEP_DELAY_MS: "6000",
    VIBE_WORKER_MAX_ATTEMPTS: "1",
  }, async () => {
    const user = await newUser("budget");
    const id = await submitBuild(user);
    const { session, events } = await driveBuild(id, user.token, { idleMs: 800 });
    assert.equal(session.status, "failed");
    assert.match(session.error ?? "", /did not finish within the invocation's budget \(2 s/);
    assert.deepEqual(events.map((e) => e.type), ["step_failed", "step_failed", "build_failed"]);
    assert.deepEqual(events.map((e) => e.payload.node ?? null).slice(-1), ["finalize"]);
    // The abandoned node never acts, even once its delay is over: no spec chunk is stored.
    await new Promise((r) => setTimeout(r, 6500));
    const chunks = await withClient(async (c) =>
      (await c.query<{ n: number }>(
        "select count(*)::int as n from public.spec_chunks where session_id = $1",
        [id],
      )).rows[0]!.n
    );
    assert.equal(chunks, 0);
  });
});

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
