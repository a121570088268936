/** @module Signed-in users for the local stack: creates the auth.users row and signs a JWT. */
import { signJwt, signJwtWithKey } from "../functions-shared/auth/jwt.ts";
import { loadSigningKey } from "./api_keys.ts";
import { withAdmin } from "./cluster.ts";
import { loadSecrets } from "./secrets.ts";
import { readSettings } from "./settings.ts";

export interface SignedInUser {
  id: string;
  email: string;
  token: string;
}

/** Creates (or finds) the user with this email and returns a JWT like GoTrue's access token. */
export async function signIn(
  email: string,
  opts: {
    database?: string;
    jwtSecret?: string;
    ttlSeconds?: number;
    /** `jwks`: sign with the stack's ES256 signing key (projects on JWT signing keys). */
    signing?: "legacy" | "jwks";
  } = {},
): Promise<SignedInUser> {
  const settings = readSettings();
  const secret = opts.jwtSecret ?? (await loadSecrets()).jwtSecret;
  const id = await withAdmin(settings.dbPort, opts.database ?? "postgres", async (c) => {
    const r = await c.query<{ id: string }>(
      `insert into auth.users (email, email_confirmed_at, aud, role)
       values ($1, now(), 'authenticated', 'authenticated')
       on conflict (email) do update set last_sign_in_at = now()
       returning id`,
      [email],
    );
    return r.rows[0]!.id;
  });
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    aud: "authenticated",
    iss: `http://127.0.0.1:${settings.apiPort}/auth/v1`,
    sub: id,
    email,
    role: "authenticated",
    aal: "aal1",
    session_id: crypto.randomUUID(),
    is_anonymous: false,
    iat: now,
    exp: now + (opts.ttlSeconds ?? 3600),
  };
  const token = opts.signing === "jwks"
    ? await signJwtWithKey(claims, (await loadSigningKey()).privateJwk)
    : await signJwt(claims, secret);
  return { id, email, token };
}
