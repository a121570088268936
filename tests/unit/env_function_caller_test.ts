/** @module Who may call a function deployed into an environment: its service role, proven by a
 * key it holds or a JWT whose signature verifies (HS256 secret or JWKS); an unverified claim is
 * worth nothing, OPTIONS gets a CORS answer and other methods 405. */
import assert from "node:assert/strict";
import { base64UrlEncode, type Jwk, signJwt } from "../../functions-shared/auth/jwt.ts";
import {
  checkServiceRole,
  CORS_HEADERS,
  refuseUnlessServiceRolePost,
} from "../../functions-shared/env_functions/caller.ts";

const SECRET = "an-environment-jwt-secret-of-at-least-32-chars";
const EXP = Math.floor(Date.now() / 1000) + 3600;

function request(token: string | null, method = "POST"): Request {
  return new Request("http://env/drift_check", {
    method,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
}

function b64json(value: unknown): string {
  return base64UrlEncode(new TextEncoder().encode(JSON.stringify(value)));
}

/** The review's forged token: no signature at all. */
const UNSIGNED = `${b64json({ alg: "none", typ: "JWT" })}.${b64json({ role: "service_role" })}.`;

async function es256(): Promise<{ jwk: Jwk; sign: (claims: object) => Promise<string> }> {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const jwk = { ...(await crypto.subtle.exportKey("jwk", pair.publicKey)), kid: "k1" } as Jwk;
  return {
    jwk,
    sign: async (claims) => {
      const input = `${b64json({ alg: "ES256", typ: "JWT", kid: "k1" })}.${b64json(claims)}`;
      const sig = await crypto.subtle.sign(
        { name: "ECDSA", hash: "SHA-256" },
        pair.privateKey,
        new TextEncoder().encode(input),
      );
      return `${input}.${base64UrlEncode(new Uint8Array(sig))}`;
    },
  };
}

Deno.test("environment functions accept only verified service-role credentials", async () => {
  const serviceKey = await signJwt({ role: "service_role", exp: EXP }, SECRET);
  const env = {
    VIBE_JWT_SECRET: SECRET,
    SUPABASE_SERVICE_ROLE_KEY: serviceKey,
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: "sb_secret_environmentKey0123456789" }),
  };
  const ok = async (token: string | null) => (await checkServiceRole(request(token), env)).ok;
  const status = async (token: string | null) => {
    const r = await checkServiceRole(request(token), env);
    return r.ok ? 200 : r.status;
  };

  assert.equal(await ok(serviceKey), true, "the environment's service-role key");
  assert.equal(await ok("sb_secret_environmentKey0123456789"), true, "a secret key");
  assert.equal(await ok(await signJwt({ role: "service_role", exp: EXP }, SECRET)), true);

  assert.equal(await status(UNSIGNED), 401, "an unsigned token claiming service_role");
  assert.equal(
    await status(await signJwt({ role: "service_role", exp: EXP }, "x".repeat(40))),
    401,
    "signed with another secret",
  );
  assert.equal(await status(await signJwt({ role: "service_role", exp: 1 }, SECRET)), 401);
  assert.equal(await status("sb_secret_someOtherKey0123456789"), 401);
  assert.equal(await status(null), 401);
  assert.equal(await status("not a token"), 401);
  assert.equal(
    await status(
      await signJwt({ role: "authenticated", sub: crypto.randomUUID(), exp: EXP }, SECRET),
    ),
    403,
    "a valid token of another role",
  );
  assert.equal(await status(await signJwt({ role: "anon", exp: EXP }, SECRET)), 403);
});

Deno.test("hosted environments: service-role tokens verified against SUPABASE_JWKS", async () => {
  const key = await es256();
  const other = await es256();
  const env = { SUPABASE_JWKS: JSON.stringify({ keys: [key.jwk] }) };
  const check = (token: string) => checkServiceRole(request(token), env);
  assert.deepEqual(await check(await key.sign({ role: "service_role", exp: EXP })), { ok: true });
  assert.equal((await check(await other.sign({ role: "service_role", exp: EXP }))).ok, false);
  assert.equal((await check(UNSIGNED)).ok, false);
  const anon = await check(await key.sign({ role: "anon", exp: EXP }));
  assert.equal(anon.ok ? 200 : anon.status, 403);
  // HS256 tokens cannot be verified where there is no HS256 secret.
  const hs = await check(await signJwt({ role: "service_role", exp: EXP }, SECRET));
  assert.equal(hs.ok ? 200 : hs.status, 401);
});

Deno.test("OPTIONS gets a CORS answer, other methods 405, before any credential is read", async () => {
  const env = { VIBE_JWT_SECRET: SECRET };
  const preflight = await refuseUnlessServiceRolePost(request(UNSIGNED, "OPTIONS"), env);
  assert.equal(preflight?.status, 204);
  assert.equal(await preflight?.text(), "", "no findings, nothing ran");
  for (const [name, value] of Object.entries(CORS_HEADERS)) {
    assert.equal(preflight?.headers.get(name), value);
  }
  for (const method of ["GET", "PUT", "DELETE", "PATCH"]) {
    const res = await refuseUnlessServiceRolePost(request(UNSIGNED, method), env);
    assert.equal(res?.status, 405, method);
    assert.equal(res?.headers.get("allow"), "POST, OPTIONS");
    await res?.body?.cancel();
  }
  const forged = await refuseUnlessServiceRolePost(request(UNSIGNED), env);
  assert.equal(forged?.status, 401);
  assert.match((await forged!.json()).error, /service role key/);
  const allowed = await refuseUnlessServiceRolePost(
    request(await signJwt({ role: "service_role", exp: EXP }, SECRET)),
    env,
  );
  assert.equal(allowed, undefined, "the service role's POST runs");
});
