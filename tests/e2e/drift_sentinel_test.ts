/**
 * @module The drift sentinel against a real marketplace environment built by the pipeline: the
 * scenario corpus applied to the environment's database, each detected by `POST /drift_check`
 * with the right category and resource, stored as alerts linked to a spec chunk (with the
 * similarity), announced by one `drift_detected` event each, deduplicated on the next pass and
 * resolved once the recommended fix SQL is applied. Then: one environment failing does not stop
 * a pass, the environment's own drift_check reports with its token (unknown and revoked tokens
 * get 401), and the sessions API's drift routes.
 */
import assert from "node:assert/strict";
import { sha256Hex } from "../../functions-shared/auth/digest.ts";
import { reportToken } from "../../functions-shared/env_functions/report_token.ts";
import { type DriftScenario, MARKETPLACE_SCENARIOS } from "../support/drift_scenarios.ts";
import {
  alerts,
  applyRecommendedFixes,
  callDriftCheck,
  type DriftEnvironment,
  driftEvents,
  environmentDriftCheck,
  lastSeq,
  provisionMarketplace,
  sentinelCheck,
  type SentinelResult,
} from "../support/drift_environment.ts";
import { callFunction, newUser, stack, withClient } from "../support/stack.ts";

/**
 * Pauses or resumes the scheduled sentinel pass (pg_cron, every 5 minutes): a scheduled pass
 * between a scenario's change and the test's own pass would record the alert first, and the
 * test's pass would then report it as already open instead of new.
 */
async function scheduledSentinel(active: boolean): Promise<void> {
  await withClient((c) =>
    c.query(
      "select cron.alter_job(jobid, active := $1) from cron.job where jobname = 'vibe-drift-sentinel'",
      [active],
    )
  );
}

function describe(result: { newAlerts: { check: string; resource: string }[] }): string {
  return result.newAlerts.map((a) => `${a.check} ${a.resource}`).join("\n") || "(none)";
}

async function runScenario(env: DriftEnvironment, s: DriftScenario): Promise<void> {
  const before = await lastSeq(env);
  await (s.asAdmin ? env.admin : env.db).query(s.sql);

  // Detected, with the right category and resource, linked to a spec chunk.
  const first = await sentinelCheck(env.sessionId);
  const hit = first.newAlerts.find((a) => a.check === s.check && a.resource === s.resource);
  assert.ok(hit, `expected ${s.check} on ${s.resource}; got:\n${describe(first)}`);
  assert.equal(hit.category, s.category);
  if (s.severity) assert.equal(hit.severity, s.severity);
  const stored = await alerts(env, { ids: first.newAlerts.map((a) => a.id) });
  assert.equal(stored.length, first.newAlerts.length);
  for (const a of stored) {
    assert.ok(a.spec_chunk_id, `${a.type} ${a.resource} is linked to a spec chunk`);
    assert.ok(typeof a.similarity === "number" && a.similarity >= -1 && a.similarity <= 1);
    assert.ok(a.recommendation.length > 0);
    assert.equal(a.details.source, "sentinel");
  }
  const hitRow = stored.find((a) => a.id === hit.id)!;
  assert.equal(hitRow.details.category, s.category);
  if (!s.residue?.includes(s.check)) {
    assert.ok(String(hitRow.details.fixSql).length > 0, "the alert carries its fix SQL");
    assert.ok(hitRow.recommendation.includes(String(hitRow.details.fixSql)));
  }

  // One drift_detected event per new alert, carrying the alert and its chunk.
  const events = await driftEvents(env, before);
  assert.deepEqual(
    events.map((e) => e.payload.alertId).sort(),
    first.newAlerts.map((a) => a.id).sort(),
  );
  const hitEvent = events.find((e) => e.payload.alertId === hit.id)!;
  assert.equal(hitEvent.payload.category, s.category);
  assert.equal(hitEvent.payload.resource, s.resource);
  assert.equal(typeof (hitEvent.payload.specChunk as { content: string }).content, "string");

  // A second pass finds the same drift: no new alert, no new event.
  const seqAfterFirst = await lastSeq(env);
  const second = await sentinelCheck(env.sessionId);
  assert.deepEqual(second.newAlerts, [], "deduplicated by fingerprint");
  assert.equal(second.open, first.open);
  assert.equal(await lastSeq(env), seqAfterFirst, "no event on a repeat detection");

  // Applying the recommended fixes (and removing what only a person may drop) resolves them.
  const unapplied = await applyRecommendedFixes(env.db, stored);
  assert.deepEqual(unapplied, [], "every recommended fix applies");
  if (s.undo) await env.db.query(s.undo);
  const third = await sentinelCheck(env.sessionId);
  assert.equal(third.open, 0, `open after the fix:\n${describe(third)}`);
  assert.deepEqual(third.newAlerts, []);
  const resolved = await alerts(env, { ids: first.newAlerts.map((a) => a.id) });
  assert.ok(resolved.every((a) => a.resolved_at !== null), "resolved_at is set");
}

/** Puts the environment back to its contract whatever a failed step left behind. */
async function restore(env: DriftEnvironment, s: DriftScenario): Promise<void> {
  if (s.undo) await env.db.query(s.undo).catch(() => {});
  const open = await alerts(env, { open: true });
  if (open.length === 0) return;
  await applyRecommendedFixes(env.db, open);
  await sentinelCheck(env.sessionId);
}

Deno.test("drift sentinel: the scenario corpus on a provisioned marketplace environment", async (t) => {
  const categories = new Set(MARKETPLACE_SCENARIOS.map((s) => s.category));
  assert.deepEqual([...categories].sort(), ["A", "B", "C", "D", "E", "F"]);
  assert.ok(MARKETPLACE_SCENARIOS.length >= 30);
  const env = await provisionMarketplace("sentinel");
  await scheduledSentinel(false);
  try {
    await t.step("a fresh environment has no drift and no alerts", async () => {
      const result = await sentinelCheck(env.sessionId);
      assert.equal(result.drift, 0, describe(result));
      assert.equal(result.open, 0);
      assert.equal(result.catalogQueries, 1, "one execute_sql statement per environment");
      assert.deepEqual(await alerts(env), []);
    });

    for (const s of MARKETPLACE_SCENARIOS) {
      await t.step(`${s.category}: ${s.name}`, async () => {
        try {
          await runScenario(env, s);
        } finally {
          await restore(env, s);
        }
      });
    }

    await t.step("a re-detection after resolution opens a new alert and emits again", async () => {
      const sql = "alter table public.orders disable row level security";
      await env.db.query(sql);
      const first = await sentinelCheck(env.sessionId);
      await env.db.query("alter table public.orders enable row level security");
      await sentinelCheck(env.sessionId);
      await env.db.query(sql);
      const before = await lastSeq(env);
      const again = await sentinelCheck(env.sessionId);
      const fingerprints = (r: typeof first) => r.newAlerts.map((a) => a.fingerprint).sort();
      assert.deepEqual(fingerprints(again), fingerprints(first));
      assert.notDeepEqual(again.newAlerts.map((a) => a.id), first.newAlerts.map((a) => a.id));
      assert.equal((await driftEvents(env, before)).length, again.newAlerts.length);
      await env.db.query("alter table public.orders enable row level security");
      assert.equal((await sentinelCheck(env.sessionId)).open, 0);
    });
  } finally {
    await scheduledSentinel(true);
    await env.close();
  }
});

Deno.test("drift sentinel: passes, the environment's report endpoint, tokens and the sessions API", async (t) => {
  const s = await stack();
  const env = await provisionMarketplace("report");
  const other = await newUser("stranger");
  const fakeId = crypto.randomUUID();
  try {
    await t.step(
      "an unreachable environment is reported; the others are still checked",
      async () => {
        await env.control.query(
          `insert into public.build_sessions (id, owner_id, status, template, vibe_text, options,
                                            environment, contract)
         select $1, owner_id, 'succeeded', template, vibe_text, options,
                jsonb_build_object('ref', 'nosuchenvironmentref'), contract
           from public.build_sessions where id = $2`,
          [fakeId, env.sessionId],
        );
        await env.db.query("drop policy orders_select_own on public.orders");
        const { status, body } = await callDriftCheck("", { source: "cron" });
        assert.equal(status, 200, JSON.stringify(body));
        const pass = body as {
          checked: number;
          environments: { sessionId: string; newAlerts: { check: string; resource: string }[] }[];
          errors: { sessionId: string; error: string }[];
        };
        const failed = pass.errors.find((e) => e.sessionId === fakeId);
        assert.ok(failed, "the unreachable environment is among the errors");
        assert.match(failed.error, /^Cannot check environment nosuchenvironmentref: /);
        const ours = pass.environments.find((e) => e.sessionId === env.sessionId);
        assert.ok(ours, "ours was checked all the same");
        assert.ok(
          ours.newAlerts.some((a) =>
            a.check === "policy.missing" && a.resource === "public.orders.orders_select_own"
          ),
        );
        const single = await callDriftCheck("", { sessionId: fakeId });
        assert.equal(single.status, 502);
        assert.match(String(single.body.error), /nosuchenvironmentref/);
      },
    );

    await t.step("every sentinel read is in the tool-call log, failed ones included", async () => {
      const logged = async (sessionId: string) =>
        (await env.control.query<{ tool: string; ok: boolean; error: string | null }>(
          `select tool, ok, record->>'error' as error from public.mcp_tool_calls
            where session_id = $1 and source = 'sentinel' order by id`,
          [sessionId],
        )).rows;
      const ours = await logged(env.sessionId);
      assert.ok(ours.length > 0 && ours.every((c) => c.tool === "execute_sql" && c.ok));
      const unreachable = await logged(fakeId);
      assert.ok(unreachable.length > 0, "the failed reads are logged too");
      assert.ok(unreachable.every((c) => !c.ok && /nosuchenvironmentref/.test(c.error ?? "")));
    });

    await t.step("GET /sessions/:id/drift lists open alerts to the owner only", async () => {
      const res = await callFunction(`sessions/${env.sessionId}/drift`, { token: env.user.token });
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.sessionId, env.sessionId);
      const alert = body.alerts.find((a: { type: string }) => a.type === "policy.missing");
      assert.ok(alert);
      assert.equal(alert.category, "C");
      assert.equal(alert.resource, "public.orders.orders_select_own");
      assert.match(alert.fixSql, /create policy "orders_select_own"/);
      assert.ok(alert.specChunk?.content && typeof alert.specChunk.similarity === "number");
      const stranger = await callFunction(`sessions/${env.sessionId}/drift`, {
        token: other.token,
      });
      assert.equal(stranger.status, 404);
      await stranger.body?.cancel();
      const anon = await callFunction(`sessions/${env.sessionId}/drift`);
      assert.equal(anon.status, 401);
      await anon.body?.cancel();
    });

    await t.step("POST /sessions/:id/drift/check runs the sentinel for the owner", async () => {
      await env.db.query(
        `create policy orders_select_own on public.orders for select to authenticated
           using ((( select auth.uid() as uid) = buyer_id))`,
      );
      const res = await callFunction(`sessions/${env.sessionId}/drift/check`, {
        method: "POST",
        token: env.user.token,
      });
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.drift, 0);
      assert.equal(body.open, 0);
      assert.ok(body.resolved >= 1, "the restored policy's alert is resolved");
      const stranger = await callFunction(`sessions/${env.sessionId}/drift/check`, {
        method: "POST",
        token: other.token,
      });
      assert.equal(stranger.status, 404);
      await stranger.body?.cancel();
    });

    await t.step("the environment's drift_check reports with its token", async () => {
      await env.db.query("alter table public.bids disable row level security");
      const before = await lastSeq(env);
      const reported = await environmentDriftCheck(env);
      assert.equal(reported.reported, 200, `report answered ${reported.reported}`);
      assert.ok(reported.drift >= 1);
      const open = await alerts(env, { open: true });
      const alert = open.find((a) => a.type === "table.rls_disabled");
      assert.ok(alert, "the environment's finding became an alert");
      assert.equal(alert.resource, "public.bids");
      assert.equal(alert.details.source, "environment");
      assert.ok(alert.spec_chunk_id);
      assert.ok((await driftEvents(env, before)).some((e) => e.payload.alertId === alert.id));
      // The environment's clean report resolves what only it reported.
      await env.db.query("alter table public.bids enable row level security");
      assert.equal((await environmentDriftCheck(env)).reported, 200);
      assert.deepEqual(await alerts(env, { open: true }), [], "resolved by the next report");

      // Once the sentinel has read the same drift itself, the alert is the sentinel's: the
      // environment can no longer make it go away, only the sentinel's next reading.
      await env.db.query("alter table public.bids disable row level security");
      assert.equal((await environmentDriftCheck(env)).reported, 200);
      const sentinel = await sentinelCheck(env.sessionId) as SentinelResult & {
        overridden: number;
      };
      assert.deepEqual(sentinel.newAlerts, [], "the sentinel sees the same fingerprints");
      assert.ok(sentinel.overridden >= 1, "and takes the environment's alerts over");
      const taken = (await alerts(env, { open: true })).find((a) =>
        a.type === "table.rls_disabled"
      );
      assert.equal(taken?.details.source, "sentinel");
      await env.db.query("alter table public.bids enable row level security");
      const lying = await callDriftCheck(
        "/report",
        { sessionId: env.sessionId, findings: [], summary: {} },
        await reportToken((await stack()).REPORT_TOKEN_SECRET, env.sessionId, 1),
      );
      assert.equal(lying.status, 200);
      assert.ok((await alerts(env, { open: true })).some((a) => a.id === taken!.id), "still open");
      assert.equal((await sentinelCheck(env.sessionId)).open, 0, "the sentinel resolves it");
    });

    await t.step(
      "unknown, missing and JWT credentials get 401 on the report endpoint",
      async () => {
        const report = { sessionId: env.sessionId, findings: [], summary: {} };
        for (const token of ["vrt_not-the-token", null, s.ANON_KEY, s.SERVICE_ROLE_KEY]) {
          const res = await callDriftCheck("/report", report, token);
          assert.equal(res.status, 401, `token ${token?.slice(0, 6)}`);
          assert.match(String(res.body.error), /environment token/);
        }
        const token = await reportToken(s.REPORT_TOKEN_SECRET, env.sessionId, 1);
        const stored = await env.control.query<{ token_hash: string }>(
          "select token_hash from private.environment_tokens where session_id = $1",
          [env.sessionId],
        );
        assert.equal(stored.rows[0]?.token_hash, await sha256Hex(token));
        const ok = await callDriftCheck("/report", report, token);
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        const elsewhere = await callDriftCheck("/report", { ...report, sessionId: fakeId }, token);
        assert.equal(elsewhere.status, 401, "a token is valid for its own session only");
        const noJwt = await callDriftCheck("", {}, null);
        assert.equal(noJwt.status, 401, "other routes still require a JWT");
      },
    );

    await t.step("a revoked token gets 401", async () => {
      const denied = await callDriftCheck(`/tokens/${env.sessionId}/revoke`, {}, s.ANON_KEY);
      assert.equal(denied.status, 403);
      const revoked = await callDriftCheck(`/tokens/${env.sessionId}/revoke`, {});
      assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
      assert.equal(revoked.body.revoked, true);
      const token = await reportToken(s.REPORT_TOKEN_SECRET, env.sessionId, 1);
      const res = await callDriftCheck(
        "/report",
        { sessionId: env.sessionId, findings: [], summary: {} },
        token,
      );
      assert.equal(res.status, 401);
      assert.equal((await environmentDriftCheck(env)).reported, 401);
      const missing = await callDriftCheck(`/tokens/${crypto.randomUUID()}/revoke`, {});
      assert.equal(missing.status, 404);
    });
  } finally {
    await env.control.query("delete from public.build_sessions where id = $1", [fakeId]);
    await env.close();
  }
});
