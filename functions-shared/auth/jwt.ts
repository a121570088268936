/**
 * @module JSON Web Tokens: HS256 signing and verification (the local stack and legacy hosted
 * projects) and asymmetric verification against a JWKS (hosted projects with signing keys).
 */

/** Claims this product reads from a Supabase JWT. */
export interface JwtClaims {
  role?: string;
  sub?: string;
  email?: string;
  exp?: number;
  iat?: number;
  iss?: string;
  aud?: string | string[];
  [claim: string]: unknown;
}

/** Thrown when a token is missing, malformed, expired or wrongly signed. */
export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

const encoder = new TextEncoder();

export function base64UrlEncode(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function base64UrlDecode(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new InvalidTokenError("Token is not base64url");
  const pad = text.length % 4 === 0 ? "" : "=".repeat(4 - (text.length % 4));
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/") + pad);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function hmacKey(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    [usage],
  );
}

/** Signs claims as an HS256 JWT. */
export async function signJwt(claims: JwtClaims, secret: string): Promise<string> {
  const header = base64UrlEncode(encoder.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
  const body = base64UrlEncode(encoder.encode(JSON.stringify(claims)));
  const input = `${header}.${body}`;
  const sig = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret, "sign"),
    encoder.encode(input),
  );
  return `${input}.${base64UrlEncode(new Uint8Array(sig))}`;
}

interface DecodedJwt {
  header: { alg?: string; kid?: string; typ?: string };
  claims: JwtClaims;
  signingInput: Uint8Array<ArrayBuffer>;
  signature: Uint8Array<ArrayBuffer>;
}

/** Splits and parses a JWT without verifying it. */
export function decodeJwt(token: string): DecodedJwt {
  const parts = token.split(".");
  if (parts.length !== 3) throw new InvalidTokenError("Token is not a JWT (expected 3 parts)");
  const [h, p, s] = parts as [string, string, string];
  try {
    return {
      header: JSON.parse(new TextDecoder().decode(base64UrlDecode(h))),
      claims: JSON.parse(new TextDecoder().decode(base64UrlDecode(p))),
      signingInput: encoder.encode(`${h}.${p}`),
      signature: base64UrlDecode(s),
    };
  } catch (e) {
    if (e instanceof InvalidTokenError) throw e;
    throw new InvalidTokenError("Token header or payload is not JSON");
  }
}

function checkTimes(claims: JwtClaims, nowSeconds: number): void {
  if (typeof claims.exp === "number" && claims.exp <= nowSeconds) {
    throw new InvalidTokenError("Token has expired");
  }
}

/** Verifies an HS256 token and returns its claims; throws InvalidTokenError otherwise. */
export async function verifyHs256(
  token: string,
  secret: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<JwtClaims> {
  const jwt = decodeJwt(token);
  if (jwt.header.alg !== "HS256") {
    throw new InvalidTokenError(`Token algorithm ${jwt.header.alg} is not HS256`);
  }
  const ok = await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret, "verify"),
    jwt.signature,
    jwt.signingInput,
  );
  if (!ok) throw new InvalidTokenError("Token signature is invalid");
  checkTimes(jwt.claims, nowSeconds);
  return jwt.claims;
}

/** A JSON Web Key as served by `{SUPABASE_URL}/auth/v1/.well-known/jwks.json`. */
export interface Jwk extends JsonWebKey {
  kid?: string;
  alg?: string;
}

const ALGORITHMS: Record<
  string,
  { import: RsaHashedImportParams | EcKeyImportParams; verify: AlgorithmIdentifier | EcdsaParams }
> = {
  RS256: {
    import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    verify: { name: "RSASSA-PKCS1-v1_5" },
  },
  ES256: {
    import: { name: "ECDSA", namedCurve: "P-256" },
    verify: { name: "ECDSA", hash: "SHA-256" },
  },
};

/** Verifies an RS256/ES256 token against the keys of a JWKS. */
export async function verifyWithJwks(
  token: string,
  keys: Jwk[],
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<JwtClaims> {
  const jwt = decodeJwt(token);
  const alg = jwt.header.alg ?? "";
  const spec = ALGORITHMS[alg];
  if (!spec) throw new InvalidTokenError(`Token algorithm ${alg} is not supported`);
  const jwk = keys.find((k) => k.kid === jwt.header.kid) ??
    (keys.length === 1 ? keys[0] : undefined);
  if (!jwk) throw new InvalidTokenError("Token key id is not in the project's JWKS");
  let ok: boolean;
  try {
    const key = await crypto.subtle.importKey("jwk", jwk, spec.import, false, ["verify"]);
    ok = await crypto.subtle.verify(spec.verify, key, jwt.signature, jwt.signingInput);
  } catch {
    // The key does not fit the token's algorithm (or is malformed): not a valid token.
    throw new InvalidTokenError(`Token key does not match its ${alg} algorithm`);
  }
  if (!ok) throw new InvalidTokenError("Token signature is invalid");
  checkTimes(jwt.claims, nowSeconds);
  return jwt.claims;
}
