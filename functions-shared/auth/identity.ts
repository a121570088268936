/**
 * @module Who is calling: the service role (a service-role JWT or one of the project's secret
 * keys), a signed-in user (role authenticated, sub = user id), or anon. Tokens are verified
 * with the project's JWKS (hosted) or its HS256 secret (local stack, legacy projects).
 */
import { isUuid } from "../text/uuid.ts";
import { decodeJwt, type Jwk, type JwtClaims, verifyHs256, verifyWithJwks } from "./jwt.ts";
import { InvalidTokenError } from "./jwt.ts";

export type Identity =
  | { role: "anon" }
  | { role: "authenticated"; userId: string; claims: JwtClaims }
  | { role: "service_role" };

export interface TokenVerifier {
  verify(token: string): Promise<JwtClaims>;
}

/** Options for {@link createTokenVerifier}. */
export interface VerifierOptions {
  /** HS256 secret (local stack; hosted projects still on the legacy JWT secret). */
  jwtSecret?: string | undefined;
  /** The project's JWKS (`SUPABASE_JWKS` on hosted). */
  jwks?: Jwk[] | undefined;
}

export function createTokenVerifier(opts: VerifierOptions): TokenVerifier {
  return {
    async verify(token) {
      const alg = decodeJwt(token).header.alg;
      if (alg === "HS256") {
        if (!opts.jwtSecret) throw new InvalidTokenError("HS256 tokens are not accepted here");
        return await verifyHs256(token, opts.jwtSecret);
      }
      if (!opts.jwks?.length) throw new InvalidTokenError(`No key to verify ${alg} tokens`);
      return await verifyWithJwks(token, opts.jwks);
    },
  };
}

/** Thrown when a request's credentials are missing or invalid (maps to 401). */
export class UnauthenticatedError extends Error {
  override name = "UnauthenticatedError";
}

/**
 * Identifies the caller from `Authorization: Bearer …` (or the `apikey` header). A request
 * without any credential is rejected: even anon must present the anon key.
 */
export async function identify(
  req: Request,
  verifier: TokenVerifier,
  secretKeys: readonly string[] = [],
): Promise<Identity> {
  const header = req.headers.get("authorization");
  const token = header?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim() ?? req.headers.get("apikey") ?? "";
  if (!token) throw new UnauthenticatedError("Missing authorization header: send Bearer <JWT>");
  if (token.startsWith("sb_secret_")) {
    if (secretKeys.includes(token)) return { role: "service_role" };
    throw new UnauthenticatedError("Invalid API key");
  }
  let claims: JwtClaims;
  try {
    claims = await verifier.verify(token);
  } catch (e) {
    if (e instanceof InvalidTokenError) throw new UnauthenticatedError(`Invalid JWT: ${e.message}`);
    throw e;
  }
  if (claims.role === "service_role") return { role: "service_role" };
  if (claims.role === "authenticated") {
    if (typeof claims.sub !== "string" || !isUuid(claims.sub)) {
      throw new UnauthenticatedError("Invalid JWT: an authenticated token needs a uuid sub");
    }
    return { role: "authenticated", userId: claims.sub, claims };
  }
  if (claims.role === "anon") return { role: "anon" };
  throw new UnauthenticatedError(`Invalid JWT: unknown role ${String(claims.role)}`);
}
