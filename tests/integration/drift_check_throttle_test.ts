/**
 * @module On-demand drift checks throttled per session in the real control-plane database,
 * through the sessions app (in-process) as the session's owner: while a check runs, a second
 * request gets 409 and never starts another; after it, the cooldown answers 429 with the
 * seconds left in Retry-After; a check whose function died frees the session when its lease
 * ends; a failed check still starts the cooldown.
 */
import assert from "node:assert/strict";
import { createTokenVerifier } from "../../functions-shared/auth/identity.ts";
import { createPool } from "../../functions-shared/db/pool.ts";
import { createSessionsApp } from "../../functions-shared/sessions/app.ts";
import {
  type DriftCheckClient,
  DriftCheckUnavailableError,
} from "../../functions-shared/sessions/drift_check_client.ts";
import { throttledDriftCheck } from "../../functions-shared/sessions/drift_check_throttle.ts";
import { newUser, stack, withClient } from "../support/stack.ts";

/** A drift_check stand-in whose checks finish when the test says so. */
function gatedClient() {
  const calls: string[] = [];
  let release: (() => void) | undefined;
  let fail = false;
  const client: DriftCheckClient = {
    async check(sessionId) {
      calls.push(sessionId);
      await new Promise<void>((r) => (release = r));
      if (fail) {
        fail = false;
        throw new DriftCheckUnavailableError("Cannot reach the drift_check function");
      }
      return { status: 200, body: { sessionId, drift: 0 } };
    },
  };
  return {
    client,
    calls,
    finish: () => release?.(),
    failNext: () => (fail = true),
  };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test("on-demand drift checks: single-flight and a cooldown per session", async () => {
  const s = await stack();
  const pool = createPool(s.DB_URL);
  const user = await newUser("throttle");
  const sessionId = await withClient(async (c) =>
    (await c.query<{ id: string }>(
      `insert into public.build_sessions (owner_id, status, template, vibe_text, options)
       values ($1, 'succeeded', 'saas', 'x', '{}') returning id`,
      [user.id],
    )).rows[0]!.id
  );
  const gate = gatedClient();
  const app = createSessionsApp({
    auth: { verifier: createTokenVerifier({ jwtSecret: s.JWT_SECRET }), secretKeys: [] },
    pool,
    driftCheck: throttledDriftCheck(gate.client, pool, { cooldownSeconds: 2, leaseSeconds: 60 }),
    analytics: null,
  });
  const check = () =>
    app.request(`http://local/sessions/${sessionId}/drift/check`, {
      method: "POST",
      headers: { authorization: `Bearer ${user.token}` },
    });
  try {
    const first = check();
    await until(() => gate.calls.length === 1);
    const concurrent = await Promise.all([check(), check()]);
    for (const res of concurrent) {
      assert.equal(res.status, 409);
      assert.equal(res.headers.get("retry-after"), "5");
      assert.match((await res.json()).error, /already running/);
    }
    assert.equal(gate.calls.length, 1, "no second check started");
    gate.finish();
    assert.equal((await first).status, 200);

    const cooling = await check();
    assert.equal(cooling.status, 429);
    const wait = Number(cooling.headers.get("retry-after"));
    assert.ok(wait >= 1 && wait <= 2, `Retry-After ${wait}`);
    assert.match((await cooling.json()).error, /retry in \d+ seconds/);
    assert.equal(gate.calls.length, 1);

    await new Promise((r) => setTimeout(r, 2100));
    gate.failNext();
    const failing = check();
    await until(() => gate.calls.length === 2);
    gate.finish();
    assert.equal((await failing).status, 503, "the check failed");
    const afterFailure = await check();
    assert.equal(afterFailure.status, 429, "a failed check still starts the cooldown");
    await afterFailure.body?.cancel();

    // A check whose function died holds the session only until its lease ends.
    await withClient((c) =>
      c.query(
        `update private.on_demand_drift_checks
            set finished_at = null, lease_until = now() + interval '1 minute'
          where session_id = $1`,
        [sessionId],
      )
    );
    const held = await check();
    assert.equal(held.status, 409);
    await held.body?.cancel();
    await withClient((c) =>
      c.query(
        "update private.on_demand_drift_checks set lease_until = now() where session_id = $1",
        [sessionId],
      )
    );
    const freed = check();
    await until(() => gate.calls.length === 3);
    gate.finish();
    assert.equal((await freed).status, 200, "the expired lease freed the session");
  } finally {
    await withClient((c) =>
      c.query("delete from public.build_sessions where id = $1", [sessionId])
    );
    await pool.end();
  }
});
