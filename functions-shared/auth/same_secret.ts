/**
 * @module Comparing a presented credential with a known one in constant time: both sides are
 * hashed to 32 bytes first, so neither their contents nor their lengths shape the timing.
 */
import { createHash, timingSafeEqual } from "node:crypto";

function digest(value: string): Uint8Array {
  return createHash("sha256").update(value, "utf8").digest();
}

/** True when `presented` equals `expected`; an empty expected value never matches. */
export function sameSecret(presented: string, expected: string): boolean {
  if (expected.length === 0) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

/** True when `presented` equals one of `expected` (every candidate is compared). */
export function isOneOf(presented: string, expected: readonly string[]): boolean {
  let found = false;
  for (const candidate of expected) found = sameSecret(presented, candidate) || found;
  return found;
}
