/** @module JWT verification: HS256 round trip and refusals; JWKS keys of the wrong kind are
 * an invalid token (401), not an internal error. */
import assert from "node:assert/strict";
import {
  base64UrlEncode,
  InvalidTokenError,
  type Jwk,
  signJwt,
  verifyHs256,
  verifyWithJwks,
} from "../../functions-shared/auth/jwt.ts";

const SECRET = "a-local-secret-of-at-least-32-characters";

Deno.test("HS256: a signed token verifies; another secret, expiry and tampering do not", async () => {
  const token = await signJwt({ role: "anon", exp: 4102444800 }, SECRET);
  assert.equal((await verifyHs256(token, SECRET)).role, "anon");
  await assert.rejects(verifyHs256(token, `${SECRET}x`), InvalidTokenError);
  const expired = await signJwt({ role: "anon", exp: 1 }, SECRET);
  await assert.rejects(verifyHs256(expired, SECRET), /expired/);
  const [h, , sig] = token.split(".");
  const forged = `${h}.${
    base64UrlEncode(new TextEncoder().encode('{"role":"service_role"}'))
  }.${sig}`;
  await assert.rejects(verifyHs256(forged, SECRET), /signature/);
});

Deno.test("JWKS: an ES256 token verifies; a key that does not fit the algorithm is invalid", async () => {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  const jwk = { ...(await crypto.subtle.exportKey("jwk", pair.publicKey)), kid: "k1" } as Jwk;
  const enc = (v: unknown) => base64UrlEncode(new TextEncoder().encode(JSON.stringify(v)));
  const sign = async (alg: string) => {
    const input = `${enc({ alg, kid: "k1", typ: "JWT" })}.${enc({ role: "authenticated" })}`;
    const sig = await crypto.subtle.sign(
      { name: "ECDSA", hash: "SHA-256" },
      pair.privateKey,
      new TextEncoder().encode(input),
    );
    return `${input}.${base64UrlEncode(new Uint8Array(sig))}`;
  };
  assert.equal((await verifyWithJwks(await sign("ES256"), [jwk])).role, "authenticated");
  await assert.rejects(verifyWithJwks(await sign("RS256"), [jwk]), InvalidTokenError);
});
