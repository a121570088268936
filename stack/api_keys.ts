/**
 * @module The local stack's new-style API keys and JWT signing key, beside the legacy ones
 * (`secrets.ts`): a publishable key (`sb_publishable_…`, anon) and a secret key (`sb_secret_…`,
 * the service role), derived from the stack's JWT secret so they never change for a checkout,
 * and an ES256 signing key (`.stack/signing_key.json`, created once) whose public half is the
 * project's JWKS. With both styles, the stack exercises what hosted projects have during and
 * after the move to the new keys.
 */
import { hmacSha256 } from "../functions-shared/auth/digest.ts";
import { base64UrlEncode, type Jwk } from "../functions-shared/auth/jwt.ts";
import { paths } from "./settings.ts";

/** The new API keys (not JWTs). */
export interface NewApiKeys {
  publishableKey: string;
  secretKey: string;
}

/** The ES256 key users' tokens are signed with, and the JWKS that verifies them. */
export interface SigningKey {
  privateJwk: Jwk;
  publicJwk: Jwk;
}

async function derive(secret: string, label: string): Promise<string> {
  return base64UrlEncode(await hmacSha256(secret, label));
}

/** `sb_publishable_…` and `sb_secret_…`, in the shape hosted issues (22 chars, `_`, 8 chars). */
export async function newApiKeys(jwtSecret: string): Promise<NewApiKeys> {
  const key = async (kind: string) => {
    const body = await derive(jwtSecret, `vibe-${kind}-key`);
    return `sb_${kind}_${body.slice(0, 22)}_${body.slice(22, 30)}`;
  };
  return { publishableKey: await key("publishable"), secretKey: await key("secret") };
}

const signingKeyPath = `${paths.stackDir}/signing_key.json`;

/** The stack's signing key, created on first use (two racing callers end with the same key). */
export async function loadSigningKey(): Promise<SigningKey> {
  try {
    return JSON.parse(await Deno.readTextFile(signingKeyPath));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  const kid = crypto.randomUUID();
  const meta = { kid, alg: "ES256", use: "sig" };
  const key: SigningKey = {
    privateJwk: { ...(await crypto.subtle.exportKey("jwk", pair.privateKey)), ...meta },
    publicJwk: { ...(await crypto.subtle.exportKey("jwk", pair.publicKey)), ...meta },
  };
  await Deno.mkdir(paths.stackDir, { recursive: true });
  const tmp = `${signingKeyPath}.tmp-${crypto.randomUUID()}`;
  await Deno.writeTextFile(tmp, JSON.stringify(key, null, 2), { mode: 0o600 });
  try {
    await Deno.link(tmp, signingKeyPath); // fails if another caller won the race
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
  } finally {
    await Deno.remove(tmp);
  }
  return JSON.parse(await Deno.readTextFile(signingKeyPath));
}

/** The JWKS of the signing key, as `SUPABASE_JWKS` and `/auth/v1/.well-known/jwks.json` hold it. */
export function jwksOf(key: SigningKey): { keys: Jwk[] } {
  const { d: _private, ...publicOnly } = key.publicJwk as Jwk & { d?: string };
  return { keys: [publicOnly] };
}
