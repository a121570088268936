/**
 * @module POST /sessions limits over HTTP through the gateway, with the sessions function
 * configured by its environment: simultaneous requests never both pass the active-build quota,
 * the rolling-day quota answers 429 with the wait in Retry-After, an idempotent retry still
 * returns its session, and project mode is refused (403, with the fix) to users not on the
 * allowlist. No refused request writes a row.
 */
import assert from "node:assert/strict";
import { setFunctionEnv } from "../support/builds.ts";
import { callFunction, newUser, withClient } from "../support/stack.ts";

const BODY = {
  vibeText: "A team tracker. Tasks have a due date.",
  template: "saas",
  options: { enableAnalytics: false, enableDriftSentinel: false, environmentMode: "branch" },
};

function post(token: string, body: unknown = BODY, headers: Record<string, string> = {}) {
  return callFunction("sessions", {
    method: "POST",
    token,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

async function sessionCount(ownerId: string): Promise<number> {
  return await withClient(async (c) =>
    (await c.query<{ n: number }>(
      "select count(*)::int as n from public.build_sessions where owner_id = $1",
      [ownerId],
    )).rows[0]!.n
  );
}

/** Session rows written directly (no queue message: no build runs). */
async function insertSessions(
  ownerId: string,
  n: number,
  status: string,
  age: string,
): Promise<void> {
  await withClient((c) =>
    c.query(
      `insert into public.build_sessions (owner_id, template, vibe_text, options, status, created_at)
       select $1, 'saas', 'x', '{"environmentMode":"branch"}', $2, now() - $3::interval
         from generate_series(1, $4)`,
      [ownerId, status, age, n],
    )
  );
}

/** Stops a build a test started (the worker honours it between steps). */
async function stopBuild(sessionId: string, token: string): Promise<void> {
  const res = await callFunction(`sessions/${sessionId}/cancel`, { method: "POST", token });
  assert.ok([202, 409].includes(res.status));
  await res.body?.cancel();
}

Deno.test("POST /sessions: per-user quotas with Retry-After, project mode behind an allowlist", async (t) => {
  const allowed = await newUser("allowlisted");
  await setFunctionEnv("sessions", {
    VIBE_MAX_ACTIVE_BUILDS: "1",
    VIBE_MAX_BUILDS_PER_DAY: "3",
    VIBE_PROJECT_MODE_ALLOWLIST: `someone-else@example.test, ${allowed.email}`,
  });
  try {
    await t.step("simultaneous POSTs: exactly one passes the active-build quota", async () => {
      const user = await newUser("burst");
      const responses = await Promise.all(Array.from({ length: 4 }, () => post(user.token)));
      const bodies = await Promise.all(responses.map((r) => r.json()));
      const statuses = responses.map((r) => r.status).sort();
      assert.deepEqual(statuses, [201, 429, 429, 429], JSON.stringify(bodies));
      for (const [i, res] of responses.entries()) {
        if (res.status !== 429) continue;
        assert.equal(res.headers.get("retry-after"), "60");
        assert.match(bodies[i].error, /1 builds queued or running \(the limit is 1\)/);
        assert.match(bodies[i].error, /cancel/);
      }
      assert.equal(await sessionCount(user.id), 1, "refused requests wrote nothing");
      const created = bodies.find((b) => b.sessionId);
      await stopBuild(created.sessionId, user.token);
    });

    await t.step(
      "the rolling-day quota counts the last 24 hours; Retry-After says when",
      async () => {
        const user = await newUser("daily");
        await insertSessions(user.id, 3, "failed", "2 hours");
        await insertSessions(user.id, 5, "failed", "25 hours"); // out of the window
        const res = await post(user.token);
        const body = await res.json();
        assert.equal(res.status, 429, JSON.stringify(body));
        assert.match(body.error, /3 builds in the last 24 hours \(the limit is 3\)/);
        const wait = Number(res.headers.get("retry-after"));
        assert.ok(Math.abs(wait - 22 * 3600) < 120, `Retry-After ${wait} ≈ 22 h`);
        assert.equal(await sessionCount(user.id), 8);
      },
    );

    await t.step("an idempotent retry returns its session even at the quota", async () => {
      const user = await newUser("idem-quota");
      const key = `k-${crypto.randomUUID()}`;
      const first = await post(user.token, BODY, { "idempotency-key": key });
      assert.equal(first.status, 201);
      const { sessionId } = await first.json();
      const retry = await post(user.token, BODY, { "idempotency-key": key });
      assert.equal(retry.status, 200);
      assert.deepEqual(await retry.json(), { sessionId });
      const another = await post(user.token);
      assert.equal(another.status, 429);
      await another.body?.cancel();
      await stopBuild(sessionId, user.token);
    });

    await t.step("project mode: 403 with the fix unless the user is allowlisted", async () => {
      const user = await newUser("not-listed");
      const project = { ...BODY, options: { ...BODY.options, environmentMode: "project" } };
      const res = await post(user.token, project);
      const body = await res.json();
      assert.equal(res.status, 403);
      assert.match(body.error, /"environmentMode": "branch"/);
      assert.ok(body.error.includes(user.id), "names the user id to allowlist");
      assert.match(body.error, /VIBE_PROJECT_MODE_ALLOWLIST/);
      assert.equal(await sessionCount(user.id), 0);
      // The allowlisted user gets past the allowlist (here stopped by the quota instead, so
      // no project is built).
      await insertSessions(allowed.id, 1, "running", "1 minute");
      const listed = await post(allowed.token, project);
      assert.equal(listed.status, 429, "past the allowlist, held by the quota");
      await listed.body?.cancel();
    });
  } finally {
    await setFunctionEnv("sessions", {});
    await withClient((c) =>
      c.query("update public.build_sessions set status = 'failed' where owner_id = $1", [
        allowed.id,
      ])
    );
  }
});
