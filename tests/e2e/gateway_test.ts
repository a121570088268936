/** @module The gateway: verify_jwt as configured, hosted variables per function, and a killed
 * function restarting on the next request while the gateway stays up. */
import assert from "node:assert/strict";
import { signJwt } from "../../functions-shared/auth/jwt.ts";
import { createGateway } from "../../stack/gateway/app.ts";
import { controlPlaneFunctions } from "../../stack/gateway/control_plane_functions.ts";
import { FunctionSupervisor } from "../../stack/gateway/supervisor.ts";
import { readSettings } from "../../stack/settings.ts";
import { callFunction, stack } from "../support/stack.ts";

Deno.test("verify_jwt: 401 without a token, 401 with a bad signature, 200 with the anon key", async () => {
  const s = await stack();
  for (const fn of ["sessions"]) {
    const none = await callFunction(`${fn}/health`, { token: null });
    assert.equal(none.status, 401, `${fn} without a token`);
    assert.deepEqual(await none.json(), { code: 401, message: "Missing authorization header" });

    const forged = await signJwt({ role: "service_role" }, "not-the-secret-of-this-stack-000000");
    const bad = await callFunction(`${fn}/health`, { token: forged });
    assert.equal(bad.status, 401, `${fn} with a forged token`);
    assert.deepEqual(await bad.json(), { code: 401, message: "Invalid JWT" });

    const ok = await callFunction(`${fn}/health`, { token: s.ANON_KEY });
    assert.equal(ok.status, 200, `${fn} with the anon key`);
    assert.deepEqual(await ok.json(), { ok: true });
  }
  // The worker is called with secret keys (not JWTs): verify_jwt = false, the app checks.
  const worker = await callFunction("worker/health", { token: null });
  assert.equal(worker.status, 401);
  assert.match((await worker.json()).error, /^Missing authorization header/);
  const forgedWorker = await callFunction("worker", {
    method: "POST",
    token: await signJwt({ role: "service_role", exp: 4102444800 }, "not-the-secret-000000000000"),
  });
  assert.equal(forgedWorker.status, 401);
  await forgedWorker.body?.cancel();
});

Deno.test("verify_jwt = false (drift_check): the function itself answers 401 without a valid JWT", async () => {
  const s = await stack();
  const none = await callFunction("drift_check/health", { token: null });
  assert.equal(none.status, 401);
  assert.match((await none.json()).error, /^Missing authorization header/);
  const forged = await signJwt({ role: "service_role" }, "not-the-secret-of-this-stack-000000");
  const bad = await callFunction("drift_check", { method: "POST", token: forged, body: "{}" });
  assert.equal(bad.status, 401);
  assert.match((await bad.json()).error, /^Invalid JWT/);
  const ok = await callFunction("drift_check/health", { token: s.ANON_KEY });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { ok: true });
});

Deno.test("a killed function restarts on the next request while the gateway stays up", async () => {
  const s = await stack();
  assert.equal((await callFunction("drift_check/health")).status, 200);
  const kill = await fetch(`${s.API_URL}/_stack/functions/drift_check/kill`, {
    method: "POST",
    headers: { authorization: `Bearer ${s.SERVICE_ROLE_KEY}` },
  });
  assert.deepEqual(await kill.json(), { killed: true });
  const health = await fetch(`${s.API_URL}/_stack/health`);
  assert.equal(health.status, 200, "the gateway stays up");
  assert.ok(!(await health.json()).functions.includes("drift_check"), "the process is gone");
  const again = await callFunction("drift_check/health");
  assert.equal(again.status, 200, "the next request starts it again");
  await again.body?.cancel();

  const denied = await fetch(`${s.API_URL}/_stack/functions/drift_check/kill`, {
    method: "POST",
    headers: { authorization: `Bearer ${s.ANON_KEY}` },
  });
  assert.equal(denied.status, 401, "fault injection needs the service key");
  await denied.body?.cancel();
});

Deno.test("the gateway honours verify_jwt = false and gives each function only hosted variables", async () => {
  const dir = new URL("../fixtures/functions", import.meta.url).pathname;
  const secret = "fixture-secret-fixture-secret-0123456789";
  const supervisor = new FunctionSupervisor(() => {});
  Deno.env.set("GATEWAY_ONLY_SECRET", "must-not-reach-functions");
  const functions = controlPlaneFunctions({
    functionsDir: dir,
    root: dir,
    settings: { ...readSettings(), functions: { open: { verifyJwt: false } } },
    supervisor,
    env: {
      SUPABASE_URL: "http://127.0.0.1:1",
      SUPABASE_ANON_KEY: "anon",
      SUPABASE_SERVICE_ROLE_KEY: "service",
      SUPABASE_DB_URL: "postgresql://x",
    },
  });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    createGateway({ jwtSecret: secret, serviceRoleKey: "service", supervisor, functions }),
  );
  const base = `http://127.0.0.1:${server.addr.port}/functions/v1`;
  try {
    const open = await fetch(`${base}/open/some/path?x=1`);
    assert.equal(open.status, 200);
    const body = await open.json();
    assert.equal(body.path, "/open/some/path", "the function sees the path after /functions/v1");
    assert.deepEqual(body.env, {
      SUPABASE_URL: true,
      SUPABASE_ANON_KEY: true,
      SUPABASE_SERVICE_ROLE_KEY: true,
      SUPABASE_DB_URL: true,
    });
    assert.equal(body.leaked, null, "the gateway's own environment does not leak");

    const closed = await fetch(`${base}/closed`);
    assert.equal(closed.status, 401, "functions default to verify_jwt = true");
    await closed.body?.cancel();
    const token = await signJwt({ role: "anon" }, secret);
    const allowed = await fetch(`${base}/closed`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(allowed.status, 200);
    await allowed.body?.cancel();

    const missing = await fetch(`${base}/nope`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  } finally {
    Deno.env.delete("GATEWAY_ONLY_SECRET");
    supervisor.stopAll();
    await server.shutdown();
  }
});
