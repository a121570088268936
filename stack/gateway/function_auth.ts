/**
 * @module The gateway's `verify_jwt` check, with the hosted gateway's 401 responses. Like the
 * Supabase CLI's edge-runtime gateway, it accepts a JWT in `Authorization: Bearer` signed with
 * the legacy JWT secret (HS256) or one of the project's signing keys (JWKS), and nothing else:
 * the new API keys (`sb_publishable_…`, `sb_secret_…`) are not JWTs, so functions called with
 * them are deployed with `verify_jwt = false` and check them in the app. OPTIONS (a CORS
 * preflight, which carries no credentials) passes through to the function, as on hosted.
 */
import {
  InvalidTokenError,
  type VerificationKeys,
  verifyJwt,
} from "../../functions-shared/auth/jwt.ts";
import { sameSecret } from "../../functions-shared/auth/same_secret.ts";

/** Returns a 401 response when the request lacks a valid JWT, otherwise undefined. */
export async function rejectWithoutJwt(
  req: Request,
  keys: VerificationKeys,
): Promise<Response | undefined> {
  if (req.method === "OPTIONS") return undefined; // CORS preflight carries no credentials
  const header = req.headers.get("authorization");
  if (!header) {
    return Response.json({ code: 401, message: "Missing authorization header" }, { status: 401 });
  }
  const m = header.match(/^Bearer\s+(.+)$/i);
  if (!m) {
    return Response.json({ code: 401, message: "Auth header is not 'Bearer {token}'" }, {
      status: 401,
    });
  }
  try {
    // As the platform's check (jose's jwtVerify): exp and nbf when present, no claim required.
    await verifyJwt(m[1]!.trim(), keys, { requireExp: false });
    return undefined;
  } catch (e) {
    if (!(e instanceof InvalidTokenError)) throw e;
    return Response.json({ code: 401, message: "Invalid JWT" }, { status: 401 });
  }
}

/** True when the request carries this exact service-role key (admin endpoints). */
export function hasServiceKey(req: Request, serviceRoleKey: string): boolean {
  const bearer = req.headers.get("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim() ?? "";
  const apikey = req.headers.get("apikey") ?? "";
  return sameSecret(bearer, serviceRoleKey) || sameSecret(apikey, serviceRoleKey);
}
