/**
 * @module How one control-plane function presents the service key to another: a secret key
 * (`sb_secret_…`, preferred when the project has one) on `apikey` only, since it is not a JWT;
 * the legacy service_role JWT on both `apikey` and `Authorization: Bearer`. The SQL the cron
 * jobs and kicks run (`private.service_key_headers`) builds the same headers.
 */

/** The key to call other functions with: a secret key if any, else the service_role JWT. */
export function serviceKeyOf(
  config: { secretKeys: readonly string[]; serviceRoleKey?: string | undefined },
): string | null {
  return config.secretKeys.find((k) => k.length > 0) ?? config.serviceRoleKey ?? null;
}

/** The request headers that present `key` as the service role. */
export function serviceKeyHeaders(key: string): Record<string, string> {
  const isJwt = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(key);
  return isJwt ? { apikey: key, authorization: `Bearer ${key}` } : { apikey: key };
}
