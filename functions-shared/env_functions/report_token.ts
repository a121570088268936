/**
 * @module Environment reporting tokens: derived from a secret of their own
 * (`VIBE_REPORT_TOKEN_SECRET`), the session id and the token's generation — so a re-run of the
 * deploy step deploys the same token, and a reissue (next generation) a new one while every
 * earlier token stays dead. The control plane stores only the current generation's hash.
 */
import { hmacSha256 } from "../auth/digest.ts";
import { base64UrlEncode } from "../auth/jwt.ts";

/** Shortest accepted `VIBE_REPORT_TOKEN_SECRET`. */
export const MIN_REPORT_TOKEN_SECRET = 32;

/** The reporting token of one session's environment, for one generation (1, 2, …). */
export async function reportToken(
  secret: string,
  sessionId: string,
  generation: number,
): Promise<string> {
  if (!Number.isSafeInteger(generation) || generation < 1) {
    throw new RangeError(`Report token generation must be a positive integer, not ${generation}`);
  }
  const mac = await hmacSha256(secret, `vibe-report:${sessionId}:${generation}`);
  return `vrt_${base64UrlEncode(mac)}`;
}

/**
 * `VIBE_REPORT_TOKEN_SECRET` from a function's environment; throws, saying how to set it, when
 * it is missing or too short. `who` names the function in the message.
 */
export function readReportTokenSecret(
  env: Record<string, string | undefined>,
  who: string,
): string {
  const secret = env.VIBE_REPORT_TOKEN_SECRET ?? "";
  if (secret.length >= MIN_REPORT_TOKEN_SECRET) return secret;
  throw new Error(
    `Cannot start ${who}: VIBE_REPORT_TOKEN_SECRET is ${
      secret ? `shorter than ${MIN_REPORT_TOKEN_SECRET} characters` : "not set"
    }. Environments' reporting tokens derive from it: run ` +
      "`supabase secrets set VIBE_REPORT_TOKEN_SECRET=$(openssl rand -hex 32)` " +
      "(the local stack sets it itself).",
  );
}
