/**
 * @module Per-user build quotas against the real control-plane database: two connections
 * stepping through the explicit ordering that would let both take the last slot (the second
 * waits on the owner's lock, then counts the first's row), and many simultaneous
 * `createSession` calls of which exactly the quota's worth succeed.
 */
import assert from "node:assert/strict";
import { createPool } from "../../functions-shared/db/pool.ts";
import { firstRow } from "../../functions-shared/db/query.ts";
import { quotaRefusal, type SessionLimits } from "../../functions-shared/sessions/quota.ts";
import { lockOwnerQuota, selectOwnerUsage } from "../../functions-shared/sessions/quota_sql.ts";
import { insertSession } from "../../functions-shared/sessions/sql.ts";
import { createSession } from "../../functions-shared/sessions/store.ts";
import { connect, newUser, stack } from "../support/stack.ts";

const BODY = {
  vibeText: "Listings have a condition.",
  template: "saas" as const,
  options: {
    enableAnalytics: false,
    enableDriftSentinel: false,
    environmentMode: "branch" as const,
  },
};

const LIMITS: SessionLimits = { maxActiveBuilds: 1, maxBuildsPerDay: 10, projectModeAllowlist: [] };

Deno.test("the owner's lock makes a second transaction count the first one's build", async () => {
  const user = await newUser("quota-order");
  const a = await connect();
  const b = await connect();
  try {
    await a.query("begin");
    await b.query("begin");
    // A takes the lock, finds room and inserts.
    await a.query(lockOwnerQuota(user.id).text, lockOwnerQuota(user.id).values);
    const usageA = await firstRow<{ active: number }>(a, selectOwnerUsage(user.id));
    assert.equal(usageA?.active, 0);
    await a.query(
      insertSession(user.id, BODY, null).text,
      insertSession(user.id, BODY, null).values,
    );
    // B asks for the lock while A holds it: it must wait.
    let bLocked = false;
    const bLock = b.query(lockOwnerQuota(user.id).text, lockOwnerQuota(user.id).values)
      .then(() => (bLocked = true));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(bLocked, false, "B waits for A's lock");
    await a.query("commit");
    await bLock;
    // B now counts A's committed build: no room.
    const usageB = await firstRow<{ active: number; last_day: number; day_frees_in: number }>(
      b,
      selectOwnerUsage(user.id),
    );
    assert.equal(usageB?.active, 1);
    const refusal = quotaRefusal(LIMITS, {
      active: usageB!.active,
      lastDay: usageB!.last_day,
      dayFreesIn: usageB!.day_frees_in,
    });
    assert.match(refusal?.message ?? "", /1 builds queued or running \(the limit is 1\)/);
    await b.query("rollback");
  } finally {
    await a.query("delete from public.build_sessions where owner_id = $1", [user.id]);
    await a.end();
    await b.end();
  }
});

Deno.test("simultaneous createSession calls: exactly the quota's worth are created", async () => {
  const s = await stack();
  const pool = createPool(s.DB_URL, { max: 8 });
  const user = await newUser("quota-burst");
  const limits: SessionLimits = { ...LIMITS, maxActiveBuilds: 3 };
  try {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => createSession(pool, user.id, BODY, null, limits)),
    );
    const created = results.filter((r) => r.kind === "created");
    const refused = results.filter((r) => r.kind === "over_quota");
    assert.equal(created.length, 3, JSON.stringify(results));
    assert.equal(refused.length, 5);
    const n = await firstRow<{ n: number }>(pool, {
      text: "select count(*)::int as n from public.build_sessions where owner_id = $1",
      values: [user.id],
    });
    assert.equal(n?.n, 3);
  } finally {
    // Stop the builds the created sessions queued (the worker drops orphaned steps).
    await pool.query("delete from public.build_sessions where owner_id = $1", [user.id]);
    await pool.end();
  }
});
