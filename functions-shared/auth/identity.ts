/**
 * @module Who is calling: the service role (a service-role JWT or one of the project's secret
 * keys), a signed-in user (role authenticated, sub = user id), or anon. Tokens are verified
 * with the project's JWKS (hosted) or its HS256 secret (local stack, legacy projects).
 */
import { isUuid } from "../text/uuid.ts";
import { InvalidTokenError, type Jwk, type JwtClaims, verifyJwt } from "./jwt.ts";
import { isOneOf } from "./same_secret.ts";

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
  /**
   * The issuers a user's token may come from: the project's Auth, `{SUPABASE_URL}/auth/v1`.
   * Unset: any issuer (the signature still binds the token to the project's keys).
   */
  userIssuers?: readonly string[] | undefined;
}

/**
 * Verifies tokens with the project's keys: a signature that fits, an `exp` in the future, an
 * `nbf` in the past; a user's token (role authenticated, as Supabase Auth issues it) must also
 * name the audience `authenticated` and be issued by the project's Auth.
 */
export function createTokenVerifier(opts: VerifierOptions): TokenVerifier {
  return {
    async verify(token) {
      const claims = await verifyJwt(token, { jwtSecret: opts.jwtSecret, jwks: opts.jwks });
      if (claims.role === "authenticated") {
        const aud = [claims.aud ?? []].flat();
        if (!aud.includes("authenticated")) {
          throw new InvalidTokenError('Token audience (aud) must be "authenticated" for a user');
        }
        if (opts.userIssuers?.length && !opts.userIssuers.includes(claims.iss ?? "")) {
          throw new InvalidTokenError("Token issuer (iss) is not this project's Auth");
        }
      }
      return claims;
    },
  };
}

/** Thrown when a request's credentials are missing or invalid (maps to 401). */
export class UnauthenticatedError extends Error {
  override name = "UnauthenticatedError";
}

/**
 * Identifies the caller from `Authorization: Bearer …` (or, without it, the `apikey` header,
 * where service-to-service callers send `sb_secret_…` keys). A request without any credential
 * is rejected: even anon must present the anon or a publishable key.
 */
export async function identify(
  req: Request,
  verifier: TokenVerifier,
  secretKeys: readonly string[] = [],
  publishableKeys: readonly string[] = [],
): Promise<Identity> {
  const header = req.headers.get("authorization");
  const token = header?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim() ?? req.headers.get("apikey") ?? "";
  if (!token) {
    throw new UnauthenticatedError(
      "Missing authorization header: send Bearer <JWT>, or an API key in the apikey header",
    );
  }
  // The new API keys are not JWTs: a secret key is the service role, a publishable key anon.
  if (token.startsWith("sb_secret_")) {
    if (isOneOf(token, secretKeys)) return { role: "service_role" };
    throw new UnauthenticatedError("Invalid API key: not one of the project's secret keys");
  }
  if (token.startsWith("sb_publishable_")) {
    if (isOneOf(token, publishableKeys)) return { role: "anon" };
    throw new UnauthenticatedError("Invalid API key: not one of the project's publishable keys");
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
