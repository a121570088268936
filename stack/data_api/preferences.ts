/**
 * @module `Prefer` headers as PostgREST reads them (every `Prefer` header, comma-separated):
 * return, count, resolution, missing, tx, handling, max-affected. Unknown or repeated
 * preferences are ignored unless `handling=strict`, which rejects them (PGRST122).
 */
import { ApiError } from "./errors.ts";

/** The preferences a request states. */
export interface Preferences {
  readonly return: "representation" | "minimal" | "headers-only" | null;
  /** `planned` and `estimated` are served as exact counts. */
  readonly count: "exact" | "planned" | "estimated" | null;
  readonly resolution: "merge-duplicates" | "ignore-duplicates" | null;
  readonly missing: "default" | "null" | null;
  readonly tx: "commit" | "rollback" | null;
  readonly handling: "strict" | "lenient" | null;
  readonly maxAffected: number | null;
}

const ALLOWED: Record<string, readonly string[]> = {
  return: ["representation", "minimal", "headers-only"],
  count: ["exact", "planned", "estimated"],
  resolution: ["merge-duplicates", "ignore-duplicates"],
  missing: ["default", "null"],
  tx: ["commit", "rollback"],
  handling: ["strict", "lenient"],
};

/** Reads the `Prefer` header values (a Headers object joins repeated headers with ", "). */
export function parsePreferences(header: string | null): Preferences {
  const found: Record<string, string> = {};
  const invalid: string[] = [];
  let maxAffected: number | null = null;
  for (const raw of (header ?? "").split(",")) {
    const item = raw.trim();
    if (item === "") continue;
    const [name, value] = item.split("=", 2).map((s) => s.trim()) as [string, string | undefined];
    if (name === "max-affected" && value !== undefined && /^[0-9]+$/.test(value)) {
      maxAffected = Number(value);
    } else if (value !== undefined && ALLOWED[name]?.includes(value) && !(name in found)) {
      found[name] = value;
    } else if (name !== "timezone" && name !== "params") {
      invalid.push(item);
    }
  }
  if (found.handling === "strict" && invalid.length > 0) {
    throw new ApiError(
      400,
      "PGRST122",
      "Invalid preferences given with handling=strict",
      `Invalid preferences: ${invalid.join(", ")}`,
    );
  }
  return {
    return: (found.return ?? null) as Preferences["return"],
    count: (found.count ?? null) as Preferences["count"],
    resolution: (found.resolution ?? null) as Preferences["resolution"],
    missing: (found.missing ?? null) as Preferences["missing"],
    tx: (found.tx ?? null) as Preferences["tx"],
    handling: (found.handling ?? null) as Preferences["handling"],
    maxAffected,
  };
}

/** The `Preference-Applied` header value for the preferences that were honoured. */
export function appliedPreferences(
  prefs: Preferences,
  kinds: readonly ("return" | "count" | "resolution" | "missing" | "tx")[],
): string | null {
  const parts: string[] = [];
  for (const kind of kinds) {
    const value = prefs[kind];
    if (value !== null) parts.push(`${kind}=${value}`);
  }
  return parts.length > 0 ? parts.join(", ") : null;
}
