/**
 * @module Verified JWTs of the project APIs, remembered (as PostgREST's JWT cache does) so a
 * client's next request skips the HMAC: at most 5,000 tokens, each until it expires; a token
 * failing verification is never remembered.
 */
import { InvalidTokenError, type JwtClaims, verifyHs256 } from "../../functions-shared/auth/jwt.ts";

const MAX_ENTRIES = 5000;
const cache = new Map<string, JwtClaims>();

/** {@link verifyHs256}, answered from memory for a token this secret already verified. */
export async function verifyToken(token: string, secret: string): Promise<JwtClaims> {
  const key = `${secret}\u0000${token}`;
  const hit = cache.get(key);
  const now = Math.floor(Date.now() / 1000);
  if (hit) {
    if (typeof hit.exp !== "number" || hit.exp > now) return hit;
    cache.delete(key);
    throw new InvalidTokenError("Token has expired");
  }
  const claims = await verifyHs256(token, secret, now);
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(key, claims);
  return claims;
}
