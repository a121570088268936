/**
 * @module A control-plane function's identity on a project that has turned its legacy keys off:
 * only `SUPABASE_JWKS`, `SUPABASE_SECRET_KEYS` and `SUPABASE_PUBLISHABLE_KEYS` are set, so
 * users' ES256 tokens and the new API keys work and HS256 tokens (the old secret) do not.
 */
import assert from "node:assert/strict";
import { signJwt, signJwtWithKey } from "../../functions-shared/auth/jwt.ts";
import { serviceKeyHeaders, serviceKeyOf } from "../../functions-shared/auth/service_key.ts";
import { readFunctionConfig } from "../../functions-shared/config.ts";
import { authDeps } from "../../functions-shared/http/auth_deps.ts";
import { createFunctionApp } from "../../functions-shared/http/function_app.ts";

const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
  "sign",
  "verify",
]);
const meta = { kid: "new-key", alg: "ES256" };
const publicJwk = { ...(await crypto.subtle.exportKey("jwk", pair.publicKey)), ...meta };
const privateJwk = { ...(await crypto.subtle.exportKey("jwk", pair.privateKey)), ...meta };
const SECRET_KEY = "sb_secret_0123456789abcdefghijkl_01234567";
const PUBLISHABLE_KEY = "sb_publishable_0123456789abcdefghijkl_0123";

const config = readFunctionConfig({
  SUPABASE_URL: "https://abcd.supabase.co",
  SUPABASE_DB_URL: "postgresql://postgres:pw@db:5432/postgres",
  SUPABASE_JWKS: JSON.stringify({ keys: [publicJwk] }),
  SUPABASE_SECRET_KEYS: JSON.stringify({ default: SECRET_KEY }),
  SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: PUBLISHABLE_KEY }),
});
const app = createFunctionApp("probe", authDeps(config));
app.get("/whoami", (c) => c.json(c.get("identity")));

async function whoami(headers: Record<string, string>): Promise<[number, unknown]> {
  const res = await app.fetch(new Request("http://x/probe/whoami", { headers }));
  return [res.status, await res.json()];
}

Deno.test("new keys only: ES256 users, secret and publishable keys; HS256 is refused", async () => {
  const now = Math.floor(Date.now() / 1000);
  const sub = crypto.randomUUID();
  const claims = {
    role: "authenticated",
    sub,
    aud: "authenticated",
    iss: "https://abcd.supabase.co/auth/v1",
    exp: now + 60,
  };
  const [status, identity] = await whoami({
    authorization: `Bearer ${await signJwtWithKey(claims, privateJwk)}`,
  });
  assert.equal(status, 200);
  assert.deepEqual((identity as { userId: string }).userId, sub);
  assert.deepEqual(await whoami({ apikey: SECRET_KEY }), [200, { role: "service_role" }]);
  assert.deepEqual(await whoami({ apikey: PUBLISHABLE_KEY }), [200, { role: "anon" }]);
  const legacy = await signJwt(claims, "the-old-jwt-secret-of-the-project-123456");
  const [legacyStatus, legacyBody] = await whoami({ authorization: `Bearer ${legacy}` });
  assert.equal(legacyStatus, 401);
  assert.match((legacyBody as { error: string }).error, /HS256 tokens are not accepted here/);
  const otherIssuer = await signJwtWithKey(
    { ...claims, iss: "https://evil.example/auth/v1" },
    privateJwk,
  );
  assert.equal((await whoami({ authorization: `Bearer ${otherIssuer}` }))[0], 401);
});

Deno.test("the configuration needs a way to verify tokens and says how to fix it", () => {
  assert.throws(
    () =>
      readFunctionConfig({
        SUPABASE_URL: "https://abcd.supabase.co",
        SUPABASE_DB_URL: "postgresql://postgres:pw@db:5432/postgres",
      }),
    /Cannot verify JWTs: set VIBE_JWT_SECRET/,
  );
  assert.deepEqual(config.userIssuers, ["https://abcd.supabase.co/auth/v1"]);
  assert.deepEqual(config.secretKeys, [SECRET_KEY]);
  assert.equal(config.serviceRoleKey, undefined);
});

Deno.test("a function calls another with the secret key on apikey, a legacy JWT on both", () => {
  assert.equal(serviceKeyOf(config), SECRET_KEY);
  assert.equal(serviceKeyOf({ secretKeys: [], serviceRoleKey: "eyJa.eyJb.c" }), "eyJa.eyJb.c");
  assert.equal(serviceKeyOf({ secretKeys: [] }), null);
  assert.deepEqual(serviceKeyHeaders(SECRET_KEY), { apikey: SECRET_KEY });
  assert.deepEqual(serviceKeyHeaders("eyJa.eyJb.c"), {
    apikey: "eyJa.eyJb.c",
    authorization: "Bearer eyJa.eyJb.c",
  });
});
