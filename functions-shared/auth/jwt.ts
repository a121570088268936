/**
 * @module JSON Web Tokens through `jose`: HS256 (the local stack and projects on the legacy JWT
 * secret) and ES256/RS256 against a JWKS (projects with JWT signing keys). Every verification
 * requires `exp` (unless told otherwise), honours `nbf`, and checks `aud`/`iss` when asked;
 * every failure is an {@link InvalidTokenError} whose message says what is wrong.
 */
import {
  createLocalJWKSet,
  decodeJwt as decodePayload,
  decodeProtectedHeader,
  errors,
  importJWK,
  type JWK,
  jwtVerify,
  type JWTVerifyOptions,
  SignJWT,
} from "jose";

/** Claims this product reads from a Supabase JWT. */
export interface JwtClaims {
  role?: string;
  sub?: string;
  email?: string;
  exp?: number;
  nbf?: number;
  iat?: number;
  iss?: string;
  aud?: string | string[];
  is_anonymous?: boolean;
  [claim: string]: unknown;
}

/** Thrown when a token is missing, malformed, expired, not yet valid or wrongly signed. */
export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

/** A JSON Web Key as served by `{SUPABASE_URL}/auth/v1/.well-known/jwks.json`. */
export interface Jwk extends JsonWebKey {
  kid?: string;
  alg?: string;
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

/** Signs claims as an HS256 JWT (the same claims and secret always give the same token). */
export async function signJwt(claims: JwtClaims, secret: string): Promise<string> {
  return await new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(encoder.encode(secret));
}

/** Signs claims with an asymmetric private key (ES256 or RS256, as its `alg` says). */
export async function signJwtWithKey(claims: JwtClaims, privateKey: Jwk): Promise<string> {
  const alg = privateKey.alg ?? "ES256";
  const key = await importJWK(privateKey as JWK, alg);
  return await new SignJWT(claims)
    .setProtectedHeader({ alg, typ: "JWT", ...(privateKey.kid ? { kid: privateKey.kid } : {}) })
    .sign(key);
}

/** A token's header and claims, read without verifying anything. */
export interface DecodedJwt {
  header: { alg?: string; kid?: string; typ?: string };
  claims: JwtClaims;
}

/** Splits and parses a JWT without verifying it. */
export function decodeJwt(token: string): DecodedJwt {
  if (token.split(".").length !== 3) {
    throw new InvalidTokenError("Token is not a JWT (expected 3 parts)");
  }
  try {
    return {
      header: decodeProtectedHeader(token) as DecodedJwt["header"],
      claims: decodePayload(token) as JwtClaims,
    };
  } catch {
    throw new InvalidTokenError("Token header or payload is not base64url JSON");
  }
}

/** What {@link verifyJwt} checks besides the signature. */
export interface ClaimChecks {
  /** Require an `exp` claim (default true: a token that never expires is refused). */
  requireExp?: boolean;
  /** Accepted `aud` values; the token must name one of them. */
  audience?: string | readonly string[];
  /** Accepted `iss` values. */
  issuer?: string | readonly string[];
  /** The clock, in seconds since the epoch (default: now). */
  nowSeconds?: number;
  /** Tolerated clock skew for `exp`/`nbf`, in seconds (default 0). */
  clockToleranceSeconds?: number;
}

/** The keys a project verifies its tokens with; either or both. */
export interface VerificationKeys {
  /** The legacy HS256 JWT secret. */
  jwtSecret?: string | undefined;
  /** The project's JWKS (JWT signing keys: ES256/RS256). Symmetric entries are ignored. */
  jwks?: readonly Jwk[] | undefined;
}

const ASYMMETRIC = ["ES256", "RS256"];

function joseOptions(checks: ClaimChecks, algorithms: string[]): JWTVerifyOptions {
  return {
    algorithms,
    requiredClaims: checks.requireExp === false ? [] : ["exp"],
    ...(checks.audience === undefined ? {} : { audience: [checks.audience].flat() as string[] }),
    ...(checks.issuer === undefined ? {} : { issuer: [checks.issuer].flat() as string[] }),
    ...(checks.nowSeconds === undefined ? {} : { currentDate: new Date(checks.nowSeconds * 1000) }),
    ...(checks.clockToleranceSeconds ? { clockTolerance: checks.clockToleranceSeconds } : {}),
  };
}

/** Turns jose's errors into an {@link InvalidTokenError} that says what is wrong. */
function rejection(e: unknown, alg: string | undefined): InvalidTokenError {
  if (e instanceof InvalidTokenError) return e;
  if (e instanceof errors.JWTExpired) return new InvalidTokenError("Token has expired");
  if (e instanceof errors.JWTClaimValidationFailed) {
    switch (e.claim) {
      case "nbf":
        return new InvalidTokenError("Token is not valid yet (nbf is in the future)");
      case "exp":
        return new InvalidTokenError('Token has no "exp" claim: tokens must expire');
      case "aud":
        return new InvalidTokenError("Token audience (aud) is not accepted here");
      case "iss":
        return new InvalidTokenError("Token issuer (iss) is not this project's Auth");
      default:
        return new InvalidTokenError(`Token claim "${e.claim}" is invalid: ${e.reason}`);
    }
  }
  if (e instanceof errors.JWSSignatureVerificationFailed) {
    return new InvalidTokenError("Token signature is invalid");
  }
  if (e instanceof errors.JOSEAlgNotAllowed) {
    return new InvalidTokenError(`Token algorithm ${alg} is not accepted here`);
  }
  if (e instanceof errors.JWKSNoMatchingKey) {
    return new InvalidTokenError("Token key id is not in the project's JWKS");
  }
  if (e instanceof errors.JOSEError || e instanceof TypeError) {
    // Malformed tokens, or a key that does not fit the token's algorithm.
    return new InvalidTokenError(`Token cannot be verified: ${e.message}`);
  }
  return new InvalidTokenError("Token cannot be verified");
}

/**
 * Verifies a token with whichever of the project's keys fits its algorithm (HS256: the JWT
 * secret; ES256/RS256: the JWKS) and returns its claims. This is the one verification entry
 * point: everything else here is a shorthand for it.
 */
export async function verifyJwt(
  token: string,
  keys: VerificationKeys,
  checks: ClaimChecks = {},
): Promise<JwtClaims> {
  const alg = decodeJwt(token).header.alg;
  try {
    if (alg === "HS256") {
      if (!keys.jwtSecret) throw new InvalidTokenError("HS256 tokens are not accepted here");
      const { payload } = await jwtVerify(
        token,
        encoder.encode(keys.jwtSecret),
        joseOptions(checks, ["HS256"]),
      );
      return payload as JwtClaims;
    }
    if (!alg || !ASYMMETRIC.includes(alg)) {
      throw new InvalidTokenError(`Token algorithm ${alg} is not supported`);
    }
    const usable = (keys.jwks ?? []).filter((k) => k.kty !== "oct");
    if (usable.length === 0) throw new InvalidTokenError(`No key to verify ${alg} tokens`);
    const jwks = createLocalJWKSet({ keys: usable as JWK[] });
    const { payload } = await jwtVerify(token, jwks, joseOptions(checks, ASYMMETRIC));
    return payload as JwtClaims;
  } catch (e) {
    throw rejection(e, alg);
  }
}

/** Verifies an HS256 token and returns its claims; throws InvalidTokenError otherwise. */
export function verifyHs256(
  token: string,
  secret: string,
  nowSeconds?: number,
  checks: Omit<ClaimChecks, "nowSeconds"> = {},
): Promise<JwtClaims> {
  return verifyJwt(token, { jwtSecret: secret }, {
    ...checks,
    ...(nowSeconds === undefined ? {} : { nowSeconds }),
  });
}

/** Verifies an RS256/ES256 token against the keys of a JWKS. */
export function verifyWithJwks(
  token: string,
  keys: readonly Jwk[],
  nowSeconds?: number,
  checks: Omit<ClaimChecks, "nowSeconds"> = {},
): Promise<JwtClaims> {
  return verifyJwt(token, { jwks: keys }, {
    ...checks,
    ...(nowSeconds === undefined ? {} : { nowSeconds }),
  });
}
