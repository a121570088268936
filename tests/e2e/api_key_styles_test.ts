/**
 * @module Service-to-service calls and users with both key styles, over real HTTP through the
 * gateway: the legacy keys (HS256 service_role/anon JWTs, users signed with the JWT secret) and
 * the new ones (`sb_secret_…`/`sb_publishable_…` on the apikey header, users signed with the
 * ES256 signing key of the JWKS). The cron jobs' and kicks' SQL reaches a function with either
 * key in Vault.
 */
import assert from "node:assert/strict";
import { signJwtWithKey } from "../../functions-shared/auth/jwt.ts";
import { loadSigningKey } from "../../stack/api_keys.ts";
import { signIn } from "../../stack/token.ts";
import { callFunction, stack, withClient } from "../support/stack.ts";

const VALID = {
  vibeText: "A marketplace for vintage synths.",
  template: "marketplace",
  options: { enableAnalytics: false, enableDriftSentinel: true, environmentMode: "branch" },
};

/** POST /drift_check for a session that does not exist: 404 for the service role, else 401/403. */
async function driftCheckAs(headers: Record<string, string>): Promise<number> {
  const res = await callFunction("drift_check", {
    method: "POST",
    token: null,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ sessionId: crypto.randomUUID() }),
  });
  await res.body?.cancel();
  return res.status;
}

Deno.test("service calls: a secret key on apikey (new) and the service_role JWT (legacy)", async () => {
  const s = await stack();
  assert.match(s.SECRET_KEY, /^sb_secret_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{8}$/);
  assert.match(s.PUBLISHABLE_KEY, /^sb_publishable_/);
  assert.equal(await driftCheckAs({ apikey: s.SECRET_KEY }), 404, "secret key: service role");
  assert.equal(
    await driftCheckAs({ authorization: `Bearer ${s.SERVICE_ROLE_KEY}` }),
    404,
    "legacy service_role JWT",
  );
  assert.equal(await driftCheckAs({ apikey: s.PUBLISHABLE_KEY }), 403, "publishable key: anon");
  assert.equal(await driftCheckAs({ authorization: `Bearer ${s.ANON_KEY}` }), 403);
  // One character off (never the same character: a key ending in "x" stays a different key).
  const wrong = `${s.SECRET_KEY.slice(0, -1)}${s.SECRET_KEY.endsWith("x") ? "y" : "x"}`;
  assert.equal(await driftCheckAs({ apikey: wrong }), 401);
  assert.equal(await driftCheckAs({}), 401);

  const worker = await callFunction("worker", {
    method: "POST",
    token: null,
    headers: { apikey: s.SECRET_KEY, "content-type": "application/json" },
    body: JSON.stringify({ source: "test" }),
  });
  assert.equal(worker.status, 200, "the worker (verify_jwt = false) takes the secret key");
  await worker.body?.cancel();
});

/** Runs `private.call_function` (what cron and the kicks run) and waits for the response. */
async function callThroughVault(serviceKey: string): Promise<number> {
  return await withClient(async (c) => {
    const { rows: [vault] } = await c.query<{ id: string; key: string }>(
      `select id, decrypted_secret as key from vault.decrypted_secrets
        where name = 'service_role_key'`,
    );
    await c.query("select vault.update_secret($1, $2)", [vault!.id, serviceKey]);
    try {
      const { rows: [call] } = await c.query<{ id: string }>(
        "select private.call_function('drift_check', $1::jsonb) as id",
        [JSON.stringify({ sessionId: crypto.randomUUID() })],
      );
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const { rows: [res] } = await c.query<{ status_code: number | null }>(
          "select status_code from net._http_response where id = $1",
          [call!.id],
        );
        if (res) return res.status_code ?? 0;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error("pg_net did not perform the request within 20 s");
    } finally {
      await c.query("select vault.update_secret($1, $2)", [vault!.id, vault!.key]);
    }
  });
}

Deno.test("cron/kick SQL reaches a function with a secret key or the legacy JWT in Vault", async () => {
  const s = await stack();
  assert.equal(await callThroughVault(s.SECRET_KEY), 404, "sb_secret_ key in Vault");
  assert.equal(await callThroughVault(s.SERVICE_ROLE_KEY), 404, "service_role JWT in Vault");
  assert.equal(await callThroughVault(s.ANON_KEY), 403, "the anon key is not enough");
  const headers = await withClient(async (c) =>
    (await c.query<{ secret: object; jwt: object }>(
      `select private.service_key_headers('sb_secret_abc') as secret,
              private.service_key_headers($1) as jwt`,
      [s.SERVICE_ROLE_KEY],
    )).rows[0]!
  );
  assert.deepEqual(headers.secret, { "Content-Type": "application/json", apikey: "sb_secret_abc" });
  assert.deepEqual(headers.jwt, {
    "Content-Type": "application/json",
    apikey: s.SERVICE_ROLE_KEY,
    Authorization: `Bearer ${s.SERVICE_ROLE_KEY}`,
  });
});

Deno.test("users signed with the JWT signing key (ES256) or the legacy secret both build", async () => {
  const s = await stack();
  for (const signing of ["jwks", "legacy"] as const) {
    const user = await signIn(`keys-${signing}-${crypto.randomUUID().slice(0, 8)}@example.test`, {
      signing,
    });
    const res = await callFunction("sessions", {
      method: "POST",
      token: user.token,
      // supabase-js with a publishable key sends it on apikey beside the user's JWT.
      headers: { "content-type": "application/json", apikey: s.PUBLISHABLE_KEY },
      body: JSON.stringify(VALID),
    });
    assert.equal(res.status, 201, `${signing}-signed user`);
    const { sessionId } = await res.json();
    const cancel = await callFunction(`sessions/${sessionId}/cancel`, {
      method: "POST",
      token: user.token,
    });
    await cancel.body?.cancel();
  }

  const user = await signIn(`keys-forged-${crypto.randomUUID().slice(0, 8)}@example.test`);
  const stranger = await crypto.subtle.generateKey(
    { name: "ECDSA", namedCurve: "P-256" },
    true,
    ["sign", "verify"],
  );
  const forged = await signJwtWithKey(
    { role: "authenticated", sub: user.id, aud: "authenticated", exp: 4102444800 },
    {
      ...(await crypto.subtle.exportKey("jwk", stranger.privateKey)),
      kid: (await loadSigningKey()).publicJwk.kid!,
      alg: "ES256",
    },
  );
  const refused = await callFunction("sessions", {
    method: "POST",
    token: forged,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(VALID),
  });
  assert.equal(refused.status, 401, "a token signed with another key stops at the gateway");
  assert.deepEqual(await refused.json(), { code: 401, message: "Invalid JWT" });

  const keyAsBearer = await callFunction("sessions/health", { token: s.PUBLISHABLE_KEY });
  assert.equal(keyAsBearer.status, 401, "verify_jwt = true takes JWTs only, as the CLI's gateway");
  await keyAsBearer.body?.cancel();
});
