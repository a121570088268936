/**
 * @module What the local Auth server issues and checks: bcrypt password hashes (cost 10, as
 * GoTrue), access tokens with GoTrue's claims, and rotating refresh tokens. A refresh token's
 * successor is derived from it with an HMAC keyed by the project's JWT secret, so the database
 * keeps only SHA-256 hashes and a token reused within the reuse interval still finds the one
 * that replaced it (GoTrue's behaviour for concurrent refreshes).
 */
import bcrypt from "bcryptjs";
import { hmacSha256 } from "../../functions-shared/auth/digest.ts";
import { sha256Hex } from "../../functions-shared/auth/digest.ts";
import { base64UrlEncode, type JwtClaims, signJwt } from "../../functions-shared/auth/jwt.ts";

/** bcrypt cost, as GoTrue uses. */
export const BCRYPT_COST = 10;

/** Hashes a password with bcrypt. */
export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_COST);
}

// A hash of a random password: checking against it costs what a real check costs, so an unknown
// email takes as long as a wrong password.
let dummyHash: Promise<string> | undefined;

/** Whether `password` matches `hash`; with no hash, spends the same time and says no. */
export async function checkPassword(password: string, hash: string | null): Promise<boolean> {
  const against = hash ?? await (dummyHash ??= hashPassword(crypto.randomUUID()));
  const ok = await bcrypt.compare(password, against).catch(() => false);
  return hash !== null && ok;
}

/** Seconds an access token lives, as GoTrue's default. */
export const ACCESS_TOKEN_TTL_SECONDS = 3600;

/** Seconds during which a rotated refresh token may be used again (GoTrue's default). */
export const REFRESH_TOKEN_REUSE_SECONDS = 10;

/** The user fields an access token carries. */
export interface TokenUser {
  readonly id: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly appMetadata: Record<string, unknown>;
  readonly userMetadata: Record<string, unknown>;
  readonly role: string;
  readonly aud: string;
  readonly isAnonymous: boolean;
}

/** GoTrue's access-token claims for a user's session. */
export function accessTokenClaims(
  user: TokenUser,
  sessionId: string,
  issuer: string,
  nowSeconds: number,
  signedInAtSeconds: number,
): JwtClaims {
  return {
    aud: user.aud,
    exp: nowSeconds + ACCESS_TOKEN_TTL_SECONDS,
    iat: nowSeconds,
    iss: issuer,
    sub: user.id,
    email: user.email ?? "",
    phone: user.phone ?? "",
    app_metadata: user.appMetadata,
    user_metadata: user.userMetadata,
    role: user.role,
    aal: "aal1",
    amr: [{ method: "password", timestamp: signedInAtSeconds }],
    session_id: sessionId,
    is_anonymous: user.isAnonymous,
  };
}

/** Signs an access token. */
export function signAccessToken(claims: JwtClaims, jwtSecret: string): Promise<string> {
  return signJwt(claims, jwtSecret);
}

/** A new random refresh token (the first of a session). */
export function newRefreshToken(): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(24)));
}

/** The token that replaces `token` when it is rotated: HMAC-SHA-256(secret, token). */
export async function successorToken(token: string, jwtSecret: string): Promise<string> {
  return base64UrlEncode((await hmacSha256(`refresh-token:${jwtSecret}`, token)).slice(0, 24));
}

/** What the database stores of a refresh token: its SHA-256, hex. */
export function tokenHash(token: string): Promise<string> {
  return sha256Hex(token);
}

/** A plausible email address (GoTrue checks the format before anything else). */
export function isEmail(value: string): boolean {
  return value.length <= 255 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}

/** Minimum password length, GoTrue's default. */
export const MIN_PASSWORD_LENGTH = 6;
