/** @module The sessions API over HTTP through the gateway: validation (every 4xx leaves no
 * row), authentication and ownership, idempotency, events in seq order, cancel, health. */
import assert from "node:assert/strict";
import { callFunction, newUser, stack, withClient } from "../support/stack.ts";

const VALID = {
  vibeText: "A marketplace for vintage synths.",
  template: "marketplace",
  options: { enableAnalytics: false, enableDriftSentinel: true, environmentMode: "branch" },
};

async function sessionCount(ownerId: string): Promise<number> {
  return await withClient(async (c) =>
    (await c.query<{ n: number }>(
      "select count(*)::int as n from public.build_sessions where owner_id = $1",
      [ownerId],
    )).rows[0]!.n
  );
}

/** A session row written directly (no queue message, so no build runs). */
async function insertSession(ownerId: string, status = "queued"): Promise<string> {
  return await withClient(async (c) =>
    (await c.query<{ id: string }>(
      `insert into public.build_sessions (owner_id, template, vibe_text, options, status)
       values ($1, 'saas', 'A team tracker', '{"enableAnalytics":false,"enableDriftSentinel":true,"environmentMode":"branch"}', $2)
       returning id`,
      [ownerId, status],
    )).rows[0]!.id
  );
}

function post(body: BodyInit, token: string | null, headers: Record<string, string> = {}) {
  return callFunction("sessions", {
    method: "POST",
    body,
    token,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** Stops the build a test started by creating a session (202, or 409 if it already ended). */
async function stopBuild(sessionId: string, token: string): Promise<void> {
  const cancel = await callFunction(`sessions/${sessionId}/cancel`, { method: "POST", token });
  assert.ok([202, 409].includes(cancel.status));
  await cancel.body?.cancel();
}

Deno.test("POST /sessions rejects bad input with field-level 4xx and writes nothing", async () => {
  const user = await newUser("validation");
  const cases: [string, BodyInit, number, string | null][] = [
    ["bad JSON", "{not json", 400, "(body)"],
    ["not an object", "[1,2]", 400, "(body)"],
    ["missing fields", "{}", 400, "vibeText"],
    ["missing template", JSON.stringify({ vibeText: "x" }), 400, "template"],
    ["wrong type", JSON.stringify({ ...VALID, vibeText: 42 }), 400, "vibeText"],
    ["unknown template", JSON.stringify({ ...VALID, template: "crm" }), 400, "template"],
    ["empty vibe", JSON.stringify({ ...VALID, vibeText: "   " }), 400, "vibeText"],
    ["vibe too long", JSON.stringify({ ...VALID, vibeText: "a".repeat(20_001) }), 400, "vibeText"],
    [
      "bad option",
      JSON.stringify({ ...VALID, options: { environmentMode: "cluster" } }),
      400,
      "options.environmentMode",
    ],
    [
      "option type",
      JSON.stringify({ ...VALID, options: { enableAnalytics: "yes" } }),
      400,
      "options.enableAnalytics",
    ],
    ["unknown field", JSON.stringify({ ...VALID, owner: "me" }), 400, "owner"],
    ["body over 64 KB", JSON.stringify({ ...VALID, vibeText: "a".repeat(70_000) }), 413, null],
  ];
  for (const [name, body, status, field] of cases) {
    const res = await post(body, user.token);
    const json = await res.json();
    assert.equal(res.status, status, `${name}: ${JSON.stringify(json)}`);
    assert.equal(typeof json.error, "string", `${name}: has an error message`);
    if (field) {
      assert.ok(
        json.details?.[field]?.length,
        `${name}: reports ${field} (${JSON.stringify(json)})`,
      );
    }
  }
  const badKey = await post(JSON.stringify(VALID), user.token, { "idempotency-key": "a b" });
  assert.equal(badKey.status, 400);
  await badKey.body?.cancel();
  assert.equal(await sessionCount(user.id), 0, "no 4xx created a session");
});

Deno.test("auth: anon and missing tokens get 401, other users 404, service role sees all", async () => {
  const s = await stack();
  const alice = await newUser("alice");
  const bob = await newUser("bob");
  const id = await insertSession(alice.id);

  assert.equal((await post(JSON.stringify(VALID), null)).status, 401, "no token");
  const anon = await post(JSON.stringify(VALID), s.ANON_KEY);
  assert.equal(anon.status, 401, "anon may not create sessions");
  await anon.body?.cancel();
  const asService = await post(JSON.stringify(VALID), s.SERVICE_ROLE_KEY);
  assert.equal(asService.status, 403, "sessions belong to users");
  await asService.body?.cancel();

  for (const path of [`sessions/${id}`, `sessions/${id}/events`]) {
    const asAnon = await callFunction(path, { token: s.ANON_KEY });
    assert.equal(asAnon.status, 401, `${path} as anon`);
    await asAnon.body?.cancel();
    const asBob = await callFunction(path, { token: bob.token });
    assert.equal(asBob.status, 404, `${path} as another user: existence is not revealed`);
    await asBob.body?.cancel();
    const asAlice = await callFunction(path, { token: alice.token });
    assert.equal(asAlice.status, 200, `${path} as the owner`);
    await asAlice.body?.cancel();
    const asAdmin = await callFunction(path, { token: s.SERVICE_ROLE_KEY });
    assert.equal(asAdmin.status, 200, `${path} as service role`);
    await asAdmin.body?.cancel();
  }
  const bobCancel = await callFunction(`sessions/${id}/cancel`, {
    method: "POST",
    token: bob.token,
  });
  assert.equal(bobCancel.status, 404, "another user cannot cancel");
  await bobCancel.body?.cancel();
  const missing = await callFunction(`sessions/${crypto.randomUUID()}`, { token: alice.token });
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
  const malformed = await callFunction("sessions/not-a-uuid", { token: alice.token });
  assert.equal(malformed.status, 400);
  await malformed.body?.cancel();

  const view = await (await callFunction(`sessions/${id}`, { token: alice.token })).json();
  assert.deepEqual(Object.keys(view).sort(), [
    "environment",
    "id",
    "options",
    "outputs",
    "presence",
    "status",
    "template",
    "vibeText",
  ]);
  assert.equal(view.presence, null, "no presence before the build starts");
  assert.equal(view.id, id);
  assert.equal(view.vibeText, "A team tracker");
});

Deno.test("Idempotency-Key returns the same session on retry and refuses a different body", async () => {
  const user = await newUser("idem");
  const key = `k-${crypto.randomUUID()}`;
  const first = await post(JSON.stringify(VALID), user.token, { "idempotency-key": key });
  assert.equal(first.status, 201);
  const { sessionId } = await first.json();
  const retry = await post(JSON.stringify(VALID), user.token, { "idempotency-key": key });
  assert.equal(retry.status, 200);
  assert.deepEqual(await retry.json(), { sessionId });
  const other = await post(
    JSON.stringify({ ...VALID, vibeText: "Something else" }),
    user.token,
    { "idempotency-key": key },
  );
  assert.equal(other.status, 422);
  await other.body?.cancel();
  assert.equal(await sessionCount(user.id), 1);
  await stopBuild(sessionId, user.token);
});

Deno.test("POST /sessions stores the session, its first queue message and a kick in one transaction", async () => {
  const user = await newUser("create");
  const res = await post(JSON.stringify(VALID), user.token);
  assert.equal(res.status, 201);
  const { sessionId } = await res.json();
  await withClient(async (c) => {
    const row = await c.query("select status, owner_id from public.build_sessions where id = $1", [
      sessionId,
    ]);
    assert.equal(row.rows[0]?.owner_id, user.id);
    const queued = await c.query(
      `select 1 from pgmq.q_build_steps where message ->> 'sessionId' = $1
       union all select 1 from pgmq.a_build_steps where message ->> 'sessionId' = $1
       union all select 1 from public.build_events where session_id = $1::uuid`,
      [sessionId],
    );
    assert.ok((queued.rowCount ?? 0) >= 1, "the first step was queued (or already ran)");
  });
  await stopBuild(sessionId, user.token);
});

Deno.test("events come back in seq order, incrementally with ?after", async () => {
  const user = await newUser("events");
  const id = await insertSession(user.id, "running");
  await withClient((c) =>
    c.query("select private.append_build_events($1, $2::jsonb)", [
      id,
      JSON.stringify(
        ["a", "b", "c", "d"].map((k) => ({
          node: "test",
          key: k,
          type: "table_created",
          message: `table ${k}`,
          payload: { table: k },
        })),
      ),
    ])
  );
  const all = await (await callFunction(`sessions/${id}/events`, { token: user.token })).json();
  assert.deepEqual(all.map((e: { seq: number }) => e.seq), [1, 2, 3, 4]);
  assert.deepEqual(Object.keys(all[0]).sort(), [
    "id",
    "message",
    "payload",
    "seq",
    "sessionId",
    "ts",
    "type",
  ]);
  assert.equal(all[0].sessionId, id);
  const later = await (await callFunction(`sessions/${id}/events?after=2`, { token: user.token }))
    .json();
  assert.deepEqual(later.map((e: { payload: { table: string } }) => e.payload.table), ["c", "d"]);
  const bad = await callFunction(`sessions/${id}/events?after=-1`, { token: user.token });
  assert.equal(bad.status, 400);
  await bad.body?.cancel();
});

Deno.test("cancel: 202 for an unfinished build, 409 once it has finished", async () => {
  const user = await newUser("cancel");
  const queued = await insertSession(user.id, "queued");
  const res = await callFunction(`sessions/${queued}/cancel`, {
    method: "POST",
    token: user.token,
  });
  assert.equal(res.status, 202);
  assert.deepEqual(await res.json(), { sessionId: queued, cancelRequested: true });
  const done = await insertSession(user.id, "succeeded");
  const late = await callFunction(`sessions/${done}/cancel`, { method: "POST", token: user.token });
  assert.equal(late.status, 409);
  await late.body?.cancel();
});

Deno.test("health: { ok } for any valid JWT, the full report for the service role", async () => {
  const s = await stack();
  const anon = await callFunction("sessions/health", { token: s.ANON_KEY });
  assert.equal(anon.status, 200);
  assert.deepEqual(await anon.json(), { ok: true });
  const full = await callFunction("sessions/health", { token: s.SERVICE_ROLE_KEY });
  const report = await full.json();
  assert.equal(full.status, 200, JSON.stringify(report.problems));
  assert.equal(report.ok, true);
  assert.equal(report.database.reachable, true);
  assert.equal(typeof report.database.latencyMs, "number");
  assert.deepEqual(report.schema, { missingTables: [], missingFunctions: [] });
  assert.deepEqual(report.rls.disabledOn, []);
  assert.equal(typeof report.queue.depth, "number");
  assert.deepEqual(report.cron.map((j: { job: string }) => j.job).sort(), [
    "vibe-drift-sentinel",
    "vibe-environment-cleanup",
    "vibe-worker-drain",
  ]);
  assert.ok("lastHeartbeat" in report.worker);
});
