/**
 * @module Checks the JWTs a Realtime client presents (the `apikey` of the socket, the
 * `access_token` of a join or refresh) as Supabase Realtime does: a valid signature, and the
 * claims `role` and `exp`, with the reasons Realtime gives when it refuses one.
 */
import {
  InvalidTokenError,
  type JwtClaims,
  verifyHs256,
} from "../../../functions-shared/auth/jwt.ts";

/** Claims of an accepted token: `role` and `exp` are present. */
export interface AccessClaims extends JwtClaims {
  role: string;
  exp: number;
}

/** Why Realtime refuses a token; `reason` is the text its join reply carries. */
export class TokenRejectedError extends Error {
  override name = "TokenRejectedError";
  /** Realtime's code for the refusal, e.g. `InvalidJWTToken`. */
  readonly code: string;
  /** The message without the code, as a socket handshake refusal or system message shows it. */
  readonly detail: string;

  constructor(code: string, detail: string) {
    super(`${code}: ${detail}`);
    this.code = code;
    this.detail = detail;
  }

  /** `Code: detail`, the `reason` of a refused join. */
  get reason(): string {
    return this.message;
  }
}

/** Verifies a token and returns its claims; throws TokenRejectedError with Realtime's reason. */
export async function verifyAccessToken(
  token: unknown,
  secret: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<AccessClaims> {
  if (typeof token !== "string" || token === "") {
    throw new TokenRejectedError("MissingAPIKey", "API key is missing or not a valid string");
  }
  let claims: JwtClaims;
  try {
    // Expiry is checked below, to report it the way Realtime does.
    claims = await verifyHs256(token.replace(/\s/g, ""), secret, 0, { requireExp: false });
  } catch (e) {
    if (!(e instanceof InvalidTokenError)) throw e;
    if (/signature/i.test(e.message)) {
      throw new TokenRejectedError("JwtSignatureError", "Failed to validate JWT signature");
    }
    throw new TokenRejectedError("MalformedJWT", "The token provided is not a valid JWT");
  }
  if (typeof claims.role !== "string" || typeof claims.exp !== "number") {
    throw new TokenRejectedError("InvalidJWTToken", "Fields `role` and `exp` are required in JWT");
  }
  if (claims.exp <= nowSeconds) {
    throw new TokenRejectedError(
      "InvalidJWTToken",
      `Token has expired ${nowSeconds - claims.exp} seconds ago`,
    );
  }
  return claims as AccessClaims;
}
