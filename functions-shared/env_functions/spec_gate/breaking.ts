/**
 * @module What makes a migration break its contract: the findings it introduces (not those the
 * environment already had) that remove a required object, weaken row-level security, or widen
 * what anon or authenticated may do.
 */
import type { Finding } from "../../drift/findings.ts";

const BREAKING_CATEGORIES = new Set(["A", "C", "D"]);

export function breakingFindings(
  before: readonly Finding[],
  after: readonly Finding[],
): Finding[] {
  const known = new Set(before.map((f) => f.fingerprint));
  return after.filter((f) =>
    !known.has(f.fingerprint) && BREAKING_CATEGORIES.has(f.category) &&
    (f.severity === "critical" || f.severity === "high")
  );
}
