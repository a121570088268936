/**
 * @module Who may call an environment function: only its environment's service role, proven to
 * the function itself — the gateway lets a CORS preflight through without any JWT, so nothing
 * here trusts a claim it has not verified. Accepted: the environment's service-role key or one
 * of its secret keys (`sb_secret_…`), compared in constant time, or a JWT with role
 * `service_role` whose signature verifies with the environment's HS256 secret
 * (`VIBE_JWT_SECRET`: the local stack, legacy projects) or its JWKS (`SUPABASE_JWKS`, hosted).
 * Only POST runs anything; OPTIONS gets a CORS answer and nothing else.
 */
import {
  InvalidTokenError,
  type Jwk,
  type JwtClaims,
  verifyHs256,
  verifyWithJwks,
} from "../auth/jwt.ts";

/** The headers a preflight is answered with (the real request still needs the service key). */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST, OPTIONS",
  "access-control-allow-headers": "authorization, apikey, content-type, x-client-info",
  "access-control-max-age": "600",
};

/** Why a caller was refused. */
export type CallerCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 401 | 403; readonly error: string };

/** Equality of two strings in time independent of where they differ. */
function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ (y[i] ?? 0);
  return diff === 0;
}

function jsonOr(text: string | undefined, fallback: unknown): unknown {
  if (!text) return fallback;
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

/** The environment's secret keys (`SUPABASE_SECRET_KEYS`: a JSON object of name → key). */
function secretKeys(env: Record<string, string | undefined>): string[] {
  const keys = jsonOr(env.SUPABASE_SECRET_KEYS, {});
  if (!keys || typeof keys !== "object") return [];
  return Object.values(keys).filter((k): k is string => typeof k === "string" && k.length > 0);
}

/** The environment's JWKS (`SUPABASE_JWKS`: `{ "keys": [...] }`, or the bare array). */
function jwks(env: Record<string, string | undefined>): Jwk[] {
  const parsed = jsonOr(env.SUPABASE_JWKS, null);
  const keys = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown } | null)?.keys;
  return Array.isArray(keys) ? keys.filter((k): k is Jwk => !!k && typeof k === "object") : [];
}

/** The token's claims if its signature verifies with the environment's HS256 secret or JWKS. */
async function verifiedClaims(
  token: string,
  env: Record<string, string | undefined>,
): Promise<JwtClaims> {
  const keys = jwks(env);
  if (env.VIBE_JWT_SECRET) {
    try {
      return await verifyHs256(token, env.VIBE_JWT_SECRET);
    } catch (e) {
      if (keys.length === 0) throw e; // else: perhaps an asymmetric token, for the JWKS
    }
  }
  if (keys.length === 0) throw new InvalidTokenError("No key to verify it in this environment");
  return await verifyWithJwks(token, keys);
}

const USE_SERVICE_KEY = "call this function with the environment's service role key";

/** Checks that the request carries the environment's service-role credentials. */
export async function checkServiceRole(
  req: Request,
  env: Record<string, string | undefined>,
): Promise<CallerCheck> {
  const token = req.headers.get("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim() ?? "";
  if (!token) return { ok: false, status: 401, error: `Missing credentials: ${USE_SERVICE_KEY}` };
  const known = [env.SUPABASE_SERVICE_ROLE_KEY ?? "", ...secretKeys(env)].filter(Boolean);
  let matched = false;
  for (const key of known) matched = sameSecret(token, key) || matched; // no early exit
  if (matched) return { ok: true };
  if (token.startsWith("sb_")) {
    return { ok: false, status: 401, error: `Invalid API key: ${USE_SERVICE_KEY}` };
  }
  let claims: JwtClaims;
  try {
    claims = await verifiedClaims(token, env);
  } catch (e) {
    if (!(e instanceof InvalidTokenError)) throw e;
    return { ok: false, status: 401, error: `Invalid JWT (${e.message}): ${USE_SERVICE_KEY}` };
  }
  if (claims.role !== "service_role") {
    return { ok: false, status: 403, error: `Only the service role may: ${USE_SERVICE_KEY}` };
  }
  return { ok: true };
}

/**
 * What an environment function answers before running anything: a CORS preflight (204), 405 for
 * methods other than POST, 401/403 for callers other than the service role; undefined when the
 * request may run.
 */
export async function refuseUnlessServiceRolePost(
  req: Request,
  env: Record<string, string | undefined>,
): Promise<Response | undefined> {
  if (req.method === "OPTIONS") return new Response(null, { status: 204, headers: CORS_HEADERS });
  if (req.method !== "POST") {
    return Response.json({ error: `Use POST (not ${req.method})` }, {
      status: 405,
      headers: { allow: "POST, OPTIONS", ...CORS_HEADERS },
    });
  }
  const caller = await checkServiceRole(req, env);
  if (caller.ok) return undefined;
  return Response.json({ error: caller.error }, { status: caller.status, headers: CORS_HEADERS });
}
