/**
 * @module What an environment's own drift_check reports (`{ sessionId, findings, summary }`)
 * and how the control plane accepts it: only with that environment's reporting token, whose
 * SHA-256 (hex) must match the unrevoked hash in `private.environment_tokens` for the session
 * named in the body. Findings are validated field by field and rebuilt with `finding()`, so
 * their fingerprints and Gap IDs are the control plane's own, not the reporter's.
 */
import { z } from "zod";
import type pg from "../../db/pg.ts";
import { firstRow, rows } from "../../db/query.ts";
import { sha256Hex } from "../../auth/digest.ts";
import { type Finding, finding, FIX_PHASES } from "../findings.ts";
import { inTransaction } from "../../db/pool.ts";
import { DRIFT_EVENT_NODE } from "./alerts.ts";
import { appendDriftEvents, revokeEnvironmentToken, selectEnvironmentToken } from "./sql.ts";

/** Largest report body accepted. */
export const MAX_REPORT_BYTES = 4 * 1024 * 1024;

const OBJECT_KINDS = [
  "extension",
  "schema",
  "table",
  "column",
  "constraint",
  "index",
  "policy",
  "trigger",
  "view",
  "materialized view",
  "sequence",
  "function",
  "enum",
  "publication",
  "default privileges",
  "bucket",
] as const;

const text = (max: number) => z.string().max(max);

const FindingSchema = z.object({
  check: text(200).min(1),
  category: z.enum(["A", "B", "C", "D", "E", "F"]),
  severity: z.enum(["critical", "high", "medium", "low"]),
  objectKind: z.enum(OBJECT_KINDS),
  resource: text(2000).min(1),
  key: text(2000).default(""),
  issue: text(4000),
  expected: text(200_000).nullable(),
  actual: text(200_000).nullable(),
  evidence: text(50_000),
  impact: text(4000),
  fix: z.array(z.object({
    phase: z.enum(FIX_PHASES),
    sql: text(200_000),
    destructive: z.boolean(),
  })).max(100),
  manual: text(4000).nullable().default(null),
  coveredBy: z.array(text(40)).max(100).default([]),
  source: z.enum(["diff", "lint"]).default("diff"),
  /** Advisor lints with the same root cause, reported as part of this finding. */
  lints: z.array(text(80)).max(50).default([]),
});

/** The body an environment's drift_check POSTs. */
export const EnvironmentReportSchema = z.object({
  sessionId: z.uuid(),
  findings: z.array(FindingSchema).max(5000),
  summary: z.record(z.string(), z.unknown()).optional(),
});

/** A validated report, its findings rebuilt. */
export interface EnvironmentReport {
  readonly sessionId: string;
  readonly findings: readonly Finding[];
}

/** Parses a report body; returns field errors when it is not one. */
export function parseEnvironmentReport(
  body: unknown,
): { ok: true; report: EnvironmentReport } | { ok: false; errors: string[] } {
  const parsed = EnvironmentReportSchema.safeParse(body);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.slice(0, 20).map((i) => `${i.path.join(".")}: ${i.message}`),
    };
  }
  return {
    ok: true,
    report: {
      sessionId: parsed.data.sessionId.toLowerCase(),
      findings: parsed.data.findings.map((f) => finding(f)),
    },
  };
}

/** The bearer token of a request, or null. */
export function bearerToken(authorization: string | undefined): string | null {
  return authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1] ?? null;
}

/** Compares two equal-length hex strings in time independent of where they differ. */
function sameHash(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Why a token was refused (all map to 401; the message never says which part was wrong). */
export type TokenCheck =
  | { readonly ok: true; readonly environmentRef: string }
  | { readonly ok: false; readonly reason: "unknown" | "mismatch" | "revoked" };

/** Checks `token` against the session's unrevoked environment token. */
export async function checkEnvironmentToken(
  pool: pg.Pool,
  sessionId: string,
  token: string,
): Promise<TokenCheck> {
  const row = await firstRow<
    { token_hash: string; environment_ref: string; revoked_at: Date | null }
  >(pool, selectEnvironmentToken(sessionId));
  if (!row) return { ok: false, reason: "unknown" };
  if (!sameHash(await sha256Hex(token), row.token_hash)) return { ok: false, reason: "mismatch" };
  if (row.revoked_at !== null) return { ok: false, reason: "revoked" };
  return { ok: true, environmentRef: row.environment_ref };
}

/**
 * Revokes the session's environment token and records a `report_token_revoked` event (once per
 * generation); undefined when the session has no token.
 */
export function revokeToken(
  pool: pg.Pool,
  sessionId: string,
): Promise<
  { sessionId: string; environmentRef: string; revokedAt: string; generation: number } | undefined
> {
  return inTransaction(pool, async (db) => {
    const [row] = await rows<
      { session_id: string; environment_ref: string; revoked_at: Date; generation: number }
    >(db, revokeEnvironmentToken(sessionId));
    if (!row) return undefined;
    await rows(
      db,
      appendDriftEvents(sessionId, [{
        node: DRIFT_EVENT_NODE,
        key: `report_token_revoked:${row.generation}`,
        type: "report_token_revoked",
        message: `Revoked the reporting token of environment ${row.environment_ref}: its ` +
          "reports are refused until the token is reissued",
        payload: { environmentRef: row.environment_ref, generation: row.generation },
      }]),
    );
    return {
      sessionId: row.session_id,
      environmentRef: row.environment_ref,
      revokedAt: row.revoked_at.toISOString(),
      generation: row.generation,
    };
  });
}
