/**
 * @module Findings: one difference between a contract and a database (or one advisor lint the
 * contract does not have), with category, severity, evidence, impact and the idempotent fix.
 * A finding's fingerprint depends only on what is wrong and where, so the same problem seen on
 * the next run has the same fingerprint (the dedup key of `drift_alerts`).
 */

/** Finding categories. */
export type Category = "A" | "B" | "C" | "D" | "E" | "F";

/** What each category covers. */
export const CATEGORY_NAMES: Readonly<Record<Category, string>> = {
  A: "Missing object",
  B: "Divergent definition",
  C: "Row-level security",
  D: "Privileges",
  E: "Realtime / publication",
  F: "Unexpected or insecure object",
};

/** Severities, most severe first; security impact decides before anything else. */
export type Severity = "critical" | "high" | "medium" | "low";

export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low"];

/** Kinds of object a finding is about. */
export type ObjectKind =
  | "extension"
  | "schema"
  | "table"
  | "column"
  | "constraint"
  | "index"
  | "policy"
  | "trigger"
  | "view"
  | "materialized view"
  | "sequence"
  | "function"
  | "enum"
  | "publication"
  | "default privileges"
  | "bucket";

/**
 * Order in which a patch runs fix statements: drops first, then what others depend on.
 * A finding's statements are spread over these phases when patches are merged.
 */
export const FIX_PHASES = [
  "drop",
  "schema",
  "extension",
  "type",
  "enum value",
  "sequence",
  "table",
  "column",
  "sequence owner",
  "function",
  "constraint",
  "foreign key",
  "view",
  "index",
  "trigger",
  "rls",
  "policy",
  "default privileges",
  "privilege",
  "publication",
  "bucket",
] as const;

export type FixPhase = typeof FIX_PHASES[number];

/** One statement of a fix. */
export interface FixStatement {
  readonly phase: FixPhase;
  readonly sql: string;
  /** Loses data (DROP TABLE/COLUMN, lossy type change, TRUNCATE): only with the allow flag. */
  readonly destructive: boolean;
}

/** Where a finding comes from. */
export type FindingSource = "diff" | "lint";

/** One gap between contract and database. */
export interface Finding {
  /** Gap ID for humans: category and the fingerprint's first 8 hex digits, e.g. `C-3f2a1b0c`. */
  readonly id: string;
  /** Stable 16-hex fingerprint of `check`, `resource` and `key`. */
  readonly fingerprint: string;
  /** What was checked, e.g. `table.rls_disabled`, `grant.unexpected`, or a lint name. */
  readonly check: string;
  readonly category: Category;
  readonly severity: Severity;
  readonly objectKind: ObjectKind;
  /** The object, e.g. `public.listings`, `public.listings.price`, `public.f(uuid)`. */
  readonly resource: string;
  /** Distinguishes findings of one check on one resource, e.g. `anon SELECT`. */
  readonly key: string;
  /** One sentence: what is wrong. */
  readonly issue: string;
  readonly expected: string | null;
  readonly actual: string | null;
  /** A read-only query that shows the actual state. */
  readonly evidence: string;
  /** Why it matters. */
  readonly impact: string;
  readonly fix: readonly FixStatement[];
  /** The fix includes a destructive statement. */
  readonly destructive: boolean;
  /** What to do by hand when there is no (complete) automatic fix. */
  readonly manual: string | null;
  /** Gap IDs whose fixes resolve this one too (a lint caused by a diff finding). */
  readonly coveredBy: readonly string[];
  readonly source: FindingSource;
  /**
   * Advisor lints with the same root cause, reported as part of this finding rather than as
   * findings of their own (RLS disabled on a table is one finding, with
   * `policy_exists_rls_disabled` and `rls_disabled_in_public` named here).
   */
  readonly lints: readonly string[];
}

/** Everything but the derived fields. */
export type FindingInput =
  & Omit<
    Finding,
    "id" | "fingerprint" | "destructive" | "key" | "manual" | "coveredBy" | "source" | "lints"
  >
  & {
    readonly key?: string;
    readonly manual?: string | null;
    readonly coveredBy?: readonly string[];
    readonly source?: FindingSource;
    readonly lints?: readonly string[];
  };

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = (1n << 64n) - 1n;

/** 64-bit FNV-1a of the UTF-8 bytes of `text`, as 16 hex digits. */
export function fingerprintOf(text: string): string {
  let hash = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * FNV_PRIME) & MASK_64;
  }
  return hash.toString(16).padStart(16, "0");
}

/** Completes a finding: fingerprint, Gap ID, destructive flag. */
export function finding(input: FindingInput): Finding {
  const key = input.key ?? "";
  const fingerprint = fingerprintOf(`${input.check}\u0000${input.resource}\u0000${key}`);
  return {
    id: `${input.category}-${fingerprint.slice(0, 8)}`,
    fingerprint,
    check: input.check,
    category: input.category,
    severity: input.severity,
    objectKind: input.objectKind,
    resource: input.resource,
    key,
    issue: input.issue,
    expected: input.expected,
    actual: input.actual,
    evidence: input.evidence,
    impact: input.impact,
    fix: input.fix,
    destructive: input.fix.some((s) => s.destructive),
    manual: input.manual ?? null,
    coveredBy: input.coveredBy ?? [],
    source: input.source ?? "diff",
    lints: input.lints ?? [],
  };
}

/** The more severe of two severities. */
export function worseSeverity(a: Severity, b: Severity): Severity {
  return SEVERITIES.indexOf(a) <= SEVERITIES.indexOf(b) ? a : b;
}

/** A fix statement. */
export function fix(phase: FixPhase, sql: string | null, destructive = false): FixStatement[] {
  return sql === null ? [] : [{ phase, sql, destructive }];
}

/** The finding's fix as one SQL text, in phase order; destructive statements are labelled. */
export function fixSql(f: Finding): string {
  return [...f.fix]
    .sort((a, b) => FIX_PHASES.indexOf(a.phase) - FIX_PHASES.indexOf(b.phase))
    .map((s) => (s.destructive ? `-- DESTRUCTIVE: loses data\n${s.sql}` : s.sql))
    .join("\n");
}

/** Most severe first, then by category, resource, diff before lint, and check. */
export function compareFindings(a: Finding, b: Finding): number {
  return SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
    a.category.localeCompare(b.category) ||
    (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0) ||
    (a.source === b.source ? 0 : a.source === "diff" ? -1 : 1) ||
    (a.check < b.check ? -1 : a.check > b.check ? 1 : 0) ||
    (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}
