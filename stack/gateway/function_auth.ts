/** @module The gateway's `verify_jwt` check, with the hosted gateway's 401 responses. */
import { InvalidTokenError, verifyHs256 } from "../../functions-shared/auth/jwt.ts";

/** Returns a 401 response when the request lacks a valid JWT, otherwise undefined. */
export async function rejectWithoutJwt(
  req: Request,
  jwtSecret: string,
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
    await verifyHs256(m[1]!.trim(), jwtSecret);
    return undefined;
  } catch (e) {
    if (!(e instanceof InvalidTokenError)) throw e;
    return Response.json({ code: 401, message: "Invalid JWT" }, { status: 401 });
  }
}

/** True when the request carries this exact service-role key (admin endpoints). */
export function hasServiceKey(req: Request, serviceRoleKey: string): boolean {
  const header = req.headers.get("authorization") ?? "";
  const apikey = req.headers.get("apikey") ?? "";
  return header === `Bearer ${serviceRoleKey}` || apikey === serviceRoleKey;
}
