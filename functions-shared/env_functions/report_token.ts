/**
 * @module Environment reporting tokens: derived from a server-side secret and the session id
 * (so a re-run of the deploy step deploys the same token), stored only as a hash, revocable.
 */
import { base64UrlEncode } from "../auth/jwt.ts";

const encoder = new TextEncoder();

/** The reporting token of one session's environment. */
export async function reportToken(secret: string, sessionId: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`vibe-report:${sessionId}`));
  return `vrt_${base64UrlEncode(new Uint8Array(mac))}`;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
