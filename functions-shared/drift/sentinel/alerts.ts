/**
 * @module From findings to what the control plane stores and streams: a `drift_alerts` row per
 * finding (the recommendation carries the idempotent fix SQL), the text embedded to find the
 * spec chunk that explains why the finding matters, and the `drift_detected` event. Everything
 * passes through `redact` first: a secret in a function body or a default never reaches an
 * alert, an event or a log.
 */
import type { PendingEvent } from "../../events/build_event.ts";
import type { ToolCallRecord } from "../../mcp/types.ts";
import { redact } from "../../redact.ts";
import { CATEGORY_NAMES, type Finding, fixSql } from "../findings.ts";
import type { AlertRow } from "./sql.ts";

/** Who saw the drift: the control plane's sentinel, or the environment's own drift_check. */
export type AlertSource = "sentinel" | "environment";

/** The build_events node of drift events. */
export const DRIFT_EVENT_NODE = "drift_check";

/** The spec chunk an alert is linked to. */
export interface ChunkLink {
  readonly id: string;
  readonly chunkIndex: number;
  readonly content: string;
  /** Cosine similarity, `1 - distance`. */
  readonly similarity: number;
}

/** Where an alert came from and which secrets to keep out of it. */
export interface AlertContext {
  readonly source: AlertSource;
  readonly environmentRef: string;
  /** Known secret values to redact besides the recognisable ones (keys, tokens, passwords). */
  readonly secrets?: readonly string[];
}

/** The words of a resource: `public.bids.bids_select_own` → `public bids bids select own`. */
function resourceWords(resource: string): string {
  return resource.replace(/[._:@()"]+/g, " ").replace(/\s+/g, " ").trim();
}

/** The text embedded to find the spec chunk an alert is about. */
export function alertText(f: Finding): string {
  return `${f.issue} ${f.objectKind} ${resourceWords(f.resource)}. ${f.impact}`;
}

/** The alert's recommendation: the fix steps, fix SQL included. */
export function recommendation(f: Finding, fix: string): string {
  const lines = [f.issue];
  if (f.fix.length > 0) {
    lines.push(
      f.destructive
        ? "Fix (DESTRUCTIVE: loses data; review first; idempotent SQL, safe to run twice):"
        : "Fix (idempotent SQL, safe to run twice; restores the contract):",
      fix,
    );
  } else if (f.coveredBy.length > 0) {
    lines.push(
      `Fixed by the fix of ${f.coveredBy.join(", ")}` +
        (fix ? " (idempotent SQL, safe to run twice):" : "; run that alert's fix SQL."),
    );
    if (fix) lines.push(fix);
  }
  if (f.manual) lines.push(f.manual);
  if (f.fix.length === 0 && f.coveredBy.length === 0 && !f.manual) {
    lines.push("No automatic fix: restore the object as the contract defines it.");
  }
  return lines.join("\n");
}

/**
 * The SQL that fixes `f`: its own fix, or (a lint caused by a diff finding) the fixes of the
 * findings that cover it, looked up among `all`.
 */
export function effectiveFixSql(f: Finding, all: readonly Finding[]): string {
  if (f.fix.length > 0 || f.coveredBy.length === 0) return fixSql(f);
  return all.filter((other) => f.coveredBy.includes(other.id) && other.fix.length > 0)
    .map(fixSql).join("\n");
}

/**
 * A finding as a drift_alerts row, linked to its spec chunk when one was found; `all` are the
 * verification's findings (for the fix of a covered finding).
 */
export function alertRow(
  f: Finding,
  ctx: AlertContext,
  link: ChunkLink | null,
  all: readonly Finding[] = [],
): AlertRow {
  const options = { secrets: ctx.secrets ?? [] };
  const rawFix = effectiveFixSql(f, all);
  const fix = redact(rawFix, options);
  const fixRedacted = fix !== rawFix;
  const text = recommendation(f, fix) +
    (fixRedacted
      ? "\nThe fix SQL contained a secret and was redacted: get it with " +
        "`deno task contract verify --session <id> --patch <file>`."
      : "") +
    // An environment's own report is not verified by the control plane: nor is its SQL.
    (ctx.source === "environment"
      ? "\nReported by the environment itself, not verified by the control plane: review the " +
        "SQL before running it, or run `POST /sessions/<id>/drift/check` for a verified finding."
      : "");
  return {
    fingerprint: f.fingerprint,
    severity: f.severity,
    type: f.check,
    resource: f.resource,
    recommendation: redact(text, options),
    spec_chunk_id: link?.id ?? null,
    similarity: link?.similarity ?? null,
    details: redact({
      gapId: f.id,
      category: f.category,
      categoryName: CATEGORY_NAMES[f.category],
      check: f.check,
      objectKind: f.objectKind,
      key: f.key,
      issue: f.issue,
      expected: f.expected,
      actual: f.actual,
      evidence: f.evidence,
      impact: f.impact,
      fixSql: fix,
      fixRedacted,
      destructive: f.destructive,
      manual: f.manual,
      coveredBy: f.coveredBy,
      findingSource: f.source,
      source: ctx.source,
      environmentRef: ctx.environmentRef,
    }, options),
  };
}

/** The `drift_detected` event of a new alert; its key is the alert's id, so each alert emits once. */
export function driftDetectedEvent(
  alert: { readonly id: string; readonly row: AlertRow },
  link: ChunkLink | null,
  toolCalls: readonly ToolCallRecord[] = [],
  secrets: readonly string[] = [],
): PendingEvent {
  const d = alert.row.details;
  const issue = String(d.issue ?? "");
  const message = `Drift detected on ${alert.row.resource}: ${issue}`;
  return redact({
    node: DRIFT_EVENT_NODE,
    key: `alert:${alert.id}`,
    type: "drift_detected",
    message: message.length > 300 ? `${message.slice(0, 299)}…` : message,
    payload: {
      alertId: alert.id,
      fingerprint: alert.row.fingerprint,
      gapId: d.gapId,
      severity: alert.row.severity,
      category: d.category,
      check: alert.row.type,
      resource: alert.row.resource,
      issue,
      fixSql: d.fixSql,
      recommendation: alert.row.recommendation,
      source: d.source,
      specChunk: link
        ? {
          id: link.id,
          chunkIndex: link.chunkIndex,
          content: link.content,
          similarity: link.similarity,
        }
        : null,
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    },
  }, { secrets });
}
