/**
 * @module Records one verification of an environment in the control plane, whoever ran it (the
 * sentinel or the environment's own drift_check): in one transaction, new findings become
 * drift_alerts rows (deduplicated by fingerprint against the open alerts), open alerts whose
 * fingerprint disappeared are resolved, each new alert is linked to the session's most similar
 * spec chunk, and each new alert emits one `drift_detected` event (written and broadcast by
 * `private.append_build_events`). The sentinel's findings override open alerts an environment
 * reported with the same fingerprint (they become the sentinel's, which the environment cannot
 * resolve). Embedding runs before the transaction, for findings that were not open (or only
 * environment-reported) when it started; a finding that turns new in between is stored unlinked.
 */
import type pg from "../../db/pg.ts";
import { inTransaction } from "../../db/pool.ts";
import { firstRow, rows } from "../../db/query.ts";
import type { NamedEmbedder } from "../../embed/embedder_by_name.ts";
import type { ToolCallRecord } from "../../mcp/types.ts";
import { redact } from "../../redact.ts";
import type { Finding } from "../findings.ts";
import {
  type AlertContext,
  alertRow,
  alertText,
  type ChunkLink,
  driftDetectedEvent,
} from "./alerts.ts";
import {
  appendDriftEvents,
  insertAlerts,
  lockSessionDrift,
  nearestSpecChunks,
  overrideEnvironmentAlerts,
  resolveAlerts,
  selectChunkEmbedder,
  selectOpenAlerts,
  useIterativeIndexScans,
} from "./sql.ts";

/** What recording drift needs. */
export interface DriftRecorderDeps {
  readonly pool: pg.Pool;
  /** The embedder a session's chunks were embedded with, by its stored name. */
  readonly embedderNamed: (name: string) => NamedEmbedder;
  /** Secret values to keep out of alerts and events. */
  readonly secrets?: readonly string[];
}

/** One verification's findings for a session's environment. */
export interface DriftObservation extends Omit<AlertContext, "secrets"> {
  readonly sessionId: string;
  readonly findings: readonly Finding[];
  /** MCP calls that read the environment; carried by the first new alert's event. */
  readonly toolCalls?: readonly ToolCallRecord[];
}

/** A newly opened alert. */
export interface NewAlert {
  readonly id: string;
  readonly fingerprint: string;
  readonly gapId: string;
  readonly severity: string;
  readonly category: string;
  readonly check: string;
  readonly resource: string;
  readonly specChunkId: string | null;
  readonly similarity: number | null;
}

/** What recording changed. */
export interface DriftRecord {
  readonly newAlerts: readonly NewAlert[];
  readonly resolved: readonly { readonly id: string; readonly fingerprint: string }[];
  /** Environment-reported open alerts the sentinel confirmed and took over. */
  readonly overridden: number;
  /** Open alerts after this record. */
  readonly open: number;
  /** `drift_detected` events written. */
  readonly events: number;
  /** The embedder used to link alerts to spec chunks, or why none could be. */
  readonly linking: { readonly embedder: string | null; readonly skipped?: string };
}

interface ChunkRow {
  index: number;
  id: string;
  chunk_index: number;
  content: string;
  similarity: number;
}

/** Embeds the texts of findings not yet alerted; returns vectors by fingerprint. */
async function embedCandidates(
  deps: DriftRecorderDeps,
  candidates: readonly Finding[],
  embedderName: string | null,
): Promise<{ vectors: Map<string, number[]>; skipped?: string }> {
  const vectors = new Map<string, number[]>();
  if (candidates.length === 0) return { vectors };
  if (embedderName === null) return { vectors, skipped: "the session has no embedded spec chunks" };
  const named = deps.embedderNamed(embedderName);
  if ("unavailable" in named) return { vectors, skipped: named.unavailable };
  try {
    const embedded = await named.embedder.embed(candidates.map(alertText));
    candidates.forEach((f, i) => {
      const v = embedded[i];
      if (v) vectors.set(f.fingerprint, v);
    });
    return { vectors };
  } catch (e) {
    const reason = redact((e as Error).message, { secrets: deps.secrets ?? [] });
    return { vectors, skipped: `embedding with ${embedderName} failed: ${reason}` };
  }
}

/** Records the findings of one verification of a session's environment. */
export async function recordDrift(
  deps: DriftRecorderDeps,
  observation: DriftObservation,
): Promise<DriftRecord> {
  const { sessionId } = observation;
  const byFingerprint = new Map<string, Finding>();
  for (const f of observation.findings) {
    if (!byFingerprint.has(f.fingerprint)) byFingerprint.set(f.fingerprint, f);
  }
  const findings = [...byFingerprint.values()];
  type OpenRow = { fingerprint: string; source: string | null };
  const bySentinel = observation.source === "sentinel";
  /** Open alerts this observation leaves alone (the sentinel takes over the environment's). */
  const settled = (open: readonly OpenRow[]) =>
    new Set(
      open.filter((r) => !(bySentinel && r.source === "environment")).map((r) => r.fingerprint),
    );
  const openBefore = settled(await rows<OpenRow>(deps.pool, selectOpenAlerts(sessionId)));
  const embedderName =
    (await firstRow<{ embedder: string }>(deps.pool, selectChunkEmbedder(sessionId)))
      ?.embedder ?? null;
  const { vectors, skipped } = await embedCandidates(
    deps,
    findings.filter((f) => !openBefore.has(f.fingerprint)),
    embedderName,
  );
  const context: AlertContext = {
    source: observation.source,
    environmentRef: observation.environmentRef,
    secrets: deps.secrets ?? [],
  };

  return await inTransaction(deps.pool, async (db) => {
    await rows(db, lockSessionDrift(sessionId));
    const openRows = await rows<OpenRow>(db, selectOpenAlerts(sessionId));
    const open = new Set(openRows.map((r) => r.fingerprint));
    const fresh = findings.filter((f) => !open.has(f.fingerprint));
    const fromEnvironment = new Set(
      openRows.filter((r) => r.source === "environment").map((r) => r.fingerprint),
    );
    const takenOver = bySentinel ? findings.filter((f) => fromEnvironment.has(f.fingerprint)) : [];
    const links = new Map<string, ChunkLink>();
    const withVectors = [...fresh, ...takenOver].filter((f) => vectors.has(f.fingerprint));
    if (embedderName !== null && withVectors.length > 0) {
      await rows(db, useIterativeIndexScans());
      const nearest = await rows<ChunkRow>(
        db,
        nearestSpecChunks(
          sessionId,
          embedderName,
          withVectors.map((f) => vectors.get(f.fingerprint)!),
        ),
      );
      for (const r of nearest) {
        const f = withVectors[r.index];
        if (f) {
          links.set(f.fingerprint, {
            id: r.id,
            chunkIndex: r.chunk_index,
            content: r.content,
            similarity: Number(r.similarity),
          });
        }
      }
    }
    const alertRows = fresh.map((f) =>
      alertRow(f, context, links.get(f.fingerprint) ?? null, findings)
    );
    const inserted = alertRows.length > 0
      ? await rows<{ id: string; fingerprint: string }>(db, insertAlerts(sessionId, alertRows))
      : [];
    const overridden = takenOver.length > 0
      ? await rows(
        db,
        overrideEnvironmentAlerts(
          sessionId,
          takenOver.map((f) => alertRow(f, context, links.get(f.fingerprint) ?? null, findings)),
        ),
      )
      : [];
    // An environment reporting fewer findings (or none) clears only what environments reported,
    // never what the control plane's own reading found.
    const resolved = await rows<{ id: string; fingerprint: string }>(
      db,
      resolveAlerts(sessionId, findings.map((f) => f.fingerprint), observation.source),
    );
    const rowByFingerprint = new Map(alertRows.map((r) => [r.fingerprint, r]));
    const newAlerts: NewAlert[] = [];
    const events = inserted.map((a, i) => {
      const row = rowByFingerprint.get(a.fingerprint)!;
      const f = byFingerprint.get(a.fingerprint)!;
      newAlerts.push({
        id: a.id,
        fingerprint: a.fingerprint,
        gapId: f.id,
        severity: f.severity,
        category: f.category,
        check: f.check,
        resource: f.resource,
        specChunkId: row.spec_chunk_id,
        similarity: row.similarity,
      });
      return driftDetectedEvent(
        { id: a.id, row },
        links.get(a.fingerprint) ?? null,
        i === 0 ? observation.toolCalls ?? [] : [],
        deps.secrets ?? [],
      );
    });
    if (events.length > 0) await rows(db, appendDriftEvents(sessionId, events));
    return {
      newAlerts,
      resolved,
      overridden: overridden.length,
      open: open.size - resolved.length + inserted.length,
      events: events.length,
      linking: { embedder: embedderName, ...(skipped ? { skipped } : {}) },
    };
  });
}
