/**
 * @module Who may call an environment function: only its environment's service role. The
 * gateway has verified the JWT (verify_jwt); this reads its role, or matches a secret key.
 */
import { decodeJwt } from "../auth/jwt.ts";

function jwtRole(token: string): string | undefined {
  try {
    return decodeJwt(token).claims.role;
  } catch {
    return undefined;
  }
}

/** True when the request carries the environment's service-role credentials. */
export function isServiceRole(req: Request, env: Record<string, string | undefined>): boolean {
  const token = req.headers.get("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim() ?? "";
  if (!token) return false;
  if (token === env.SUPABASE_SERVICE_ROLE_KEY) return true;
  try {
    const secretKeys = Object.values(JSON.parse(env.SUPABASE_SECRET_KEYS ?? "{}") as object);
    if (secretKeys.includes(token)) return true;
  } catch { /* not set */ }
  return jwtRole(token) === "service_role";
}

export function forbidden(): Response {
  return Response.json(
    { error: "Call this function with the environment's service role key" },
    { status: 403 },
  );
}
