/** @module JWT verification (jose): HS256 and JWKS round trips; refusals of a wrong secret,
 * tampering, expiry, a missing exp, nbf in the future, wrong aud/iss; JWKS keys of the wrong
 * kind are an invalid token (401), not an internal error; constant-time key comparison. */
import assert from "node:assert/strict";
import { createTokenVerifier, identify } from "../../functions-shared/auth/identity.ts";
import {
  base64UrlEncode,
  decodeJwt,
  InvalidTokenError,
  type Jwk,
  signJwt,
  signJwtWithKey,
  verifyHs256,
  verifyJwt,
  verifyWithJwks,
} from "../../functions-shared/auth/jwt.ts";
import { isOneOf, sameSecret } from "../../functions-shared/auth/same_secret.ts";

const SECRET = "a-local-secret-of-at-least-32-characters";
const now = () => Math.floor(Date.now() / 1000);

async function es256Pair(kid = "k1"): Promise<{ privateJwk: Jwk; publicJwk: Jwk }> {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  return {
    privateJwk: { ...(await crypto.subtle.exportKey("jwk", pair.privateKey)), kid, alg: "ES256" },
    publicJwk: { ...(await crypto.subtle.exportKey("jwk", pair.publicKey)), kid, alg: "ES256" },
  };
}

Deno.test("HS256: a signed token verifies; another secret, expiry and tampering do not", async () => {
  const token = await signJwt({ role: "anon", exp: 4102444800 }, SECRET);
  assert.equal((await verifyHs256(token, SECRET)).role, "anon");
  await assert.rejects(verifyHs256(token, `${SECRET}x`), InvalidTokenError);
  const expired = await signJwt({ role: "anon", exp: 1 }, SECRET);
  await assert.rejects(verifyHs256(expired, SECRET), /expired/);
  const [h, , sig] = token.split(".");
  const forged = `${h}.${
    base64UrlEncode(new TextEncoder().encode('{"role":"service_role","exp":4102444800}'))
  }.${sig}`;
  await assert.rejects(verifyHs256(forged, SECRET), /signature/);
});

Deno.test("signing is deterministic: the stack's role keys stay the same for a secret", async () => {
  const claims = { iss: "supabase-demo", role: "anon", exp: 4102444800 };
  assert.equal(await signJwt(claims, SECRET), await signJwt(claims, SECRET));
  assert.deepEqual(decodeJwt(await signJwt(claims, SECRET)), {
    header: { alg: "HS256", typ: "JWT" },
    claims,
  });
});

Deno.test("exp is required, nbf is honoured, aud and iss are checked when asked", async () => {
  const noExp = await signJwt({ role: "service_role" }, SECRET);
  await assert.rejects(verifyHs256(noExp, SECRET), /no "exp" claim/);
  assert.equal(
    (await verifyHs256(noExp, SECRET, undefined, { requireExp: false })).role,
    "service_role",
  );
  const later = await signJwt({ role: "anon", nbf: now() + 3600, exp: now() + 7200 }, SECRET);
  await assert.rejects(verifyHs256(later, SECRET), /not valid yet/);
  const user = await signJwt(
    { role: "authenticated", aud: "authenticated", iss: "http://x/auth/v1", exp: now() + 60 },
    SECRET,
  );
  const keys = { jwtSecret: SECRET };
  assert.equal((await verifyJwt(user, keys, { audience: "authenticated" })).role, "authenticated");
  await assert.rejects(verifyJwt(user, keys, { audience: "other" }), /audience/);
  await assert.rejects(verifyJwt(user, keys, { issuer: "http://y/auth/v1" }), /issuer/);
  await assert.rejects(verifyJwt("not.a.jwt", keys), InvalidTokenError);
  await assert.rejects(verifyJwt("abc", keys), /not a JWT/);
});

Deno.test("JWKS: an ES256 token verifies; a key that does not fit the algorithm is invalid", async () => {
  const { privateJwk, publicJwk } = await es256Pair();
  const token = await signJwtWithKey({ role: "authenticated", exp: now() + 60 }, privateJwk);
  assert.equal(decodeJwt(token).header.kid, "k1");
  assert.equal((await verifyWithJwks(token, [publicJwk])).role, "authenticated");
  const other = await es256Pair("k2");
  await assert.rejects(verifyWithJwks(token, [other.publicJwk]), /not in the project's JWKS/);
  const enc = (v: unknown) => base64UrlEncode(new TextEncoder().encode(JSON.stringify(v)));
  const rs256 = `${enc({ alg: "RS256", kid: "k1", typ: "JWT" })}.${
    enc({ role: "service_role", exp: now() + 60 })
  }.${token.split(".")[2]}`;
  await assert.rejects(verifyWithJwks(rs256, [publicJwk]), InvalidTokenError);
  const none = `${enc({ alg: "none" })}.${enc({ role: "service_role", exp: now() + 60 })}.`;
  await assert.rejects(verifyJwt(none, { jwtSecret: SECRET, jwks: [publicJwk] }), /not supported/);
  await assert.rejects(verifyJwt(token, { jwtSecret: SECRET }), /No key to verify ES256/);
  const symmetric = { kty: "oct", k: "c2VjcmV0", kid: "legacy" } as Jwk;
  assert.equal((await verifyWithJwks(token, [symmetric, publicJwk])).role, "authenticated");
});

Deno.test("identify: users need aud authenticated and this project's issuer", async () => {
  const verifier = createTokenVerifier({ jwtSecret: SECRET, userIssuers: ["http://x/auth/v1"] });
  const sub = crypto.randomUUID();
  const base = { role: "authenticated", sub, exp: now() + 60 };
  const req = (token: string) =>
    new Request("http://x/", { headers: { authorization: `Bearer ${token}` } });
  const ok = await signJwt({ ...base, aud: "authenticated", iss: "http://x/auth/v1" }, SECRET);
  assert.deepEqual((await identify(req(ok), verifier)).role, "authenticated");
  const wrongAud = await signJwt({ ...base, aud: "other", iss: "http://x/auth/v1" }, SECRET);
  await assert.rejects(identify(req(wrongAud), verifier), /audience/);
  const wrongIss = await signJwt(
    { ...base, aud: "authenticated", iss: "http://y/auth/v1" },
    SECRET,
  );
  await assert.rejects(identify(req(wrongIss), verifier), /issuer/);
  const service = await signJwt({ role: "service_role", iss: "supabase", exp: now() + 60 }, SECRET);
  assert.equal((await identify(req(service), verifier)).role, "service_role");
});

Deno.test("identify: new API keys on apikey or Bearer; unknown keys are refused", async () => {
  const verifier = createTokenVerifier({ jwtSecret: SECRET });
  const secret = "sb_secret_abcdefghijklmnopqrstuv";
  const publishable = "sb_publishable_abcdefghijklmnopqrstuv";
  const call = (headers: Record<string, string>) =>
    identify(new Request("http://x/", { headers }), verifier, [secret], [publishable]);
  assert.equal((await call({ apikey: secret })).role, "service_role");
  assert.equal((await call({ authorization: `Bearer ${secret}` })).role, "service_role");
  assert.equal((await call({ apikey: publishable })).role, "anon");
  await assert.rejects(call({ apikey: `${secret}x` }), /not one of the project's secret keys/);
  await assert.rejects(call({ apikey: "sb_publishable_other" }), /publishable keys/);
  await assert.rejects(call({}), /Missing authorization header/);
});

Deno.test("sameSecret compares whole values, in constant time over their hashes", () => {
  assert.equal(sameSecret("sb_secret_abc", "sb_secret_abc"), true);
  assert.equal(sameSecret("sb_secret_abd", "sb_secret_abc"), false);
  assert.equal(sameSecret("sb_secret_ab", "sb_secret_abc"), false);
  assert.equal(sameSecret("", ""), false, "an unset key never matches");
  assert.equal(isOneOf("b", ["a", "b", "c"]), true);
  assert.equal(isOneOf("d", ["a", "b", "c"]), false);
  assert.equal(isOneOf("", []), false);
});
