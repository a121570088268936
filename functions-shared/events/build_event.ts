/**
 * @module BuildEvent: the durable, streamed record of a build step (HTTP and Realtime alike),
 * and the events a step emits before they are committed.
 */

/**
 * The event types of a build (DESIGN §3), plus analytics_skipped, build_canceled,
 * step_retrying / step_failed (a step's failed attempt, with its tool calls), and what happens
 * to the environment afterwards: its reporting token revoked or reissued, its deletion once a
 * failed or canceled build's TTL has passed.
 */
export const EVENT_TYPES = [
  "plan_created",
  "environment_created",
  "migration_started",
  "table_created",
  "rls_enabled",
  "policy_created",
  "edge_function_deployed",
  "analytics_configured",
  "analytics_skipped",
  "build_succeeded",
  "build_failed",
  "build_canceled",
  "step_retrying",
  "step_failed",
  "drift_detected",
  "report_token_revoked",
  "report_token_reissued",
  "environment_deleted",
] as const;
export type EventType = typeof EVENT_TYPES[number];

/** As the API returns it and Realtime broadcasts it (camelCase). */
export interface BuildEvent {
  id: string;
  sessionId: string;
  seq: number;
  type: EventType;
  message: string;
  payload: Record<string, unknown>;
  ts: string;
}

/** An event a node emits; `key` is unique within the node so a re-run emits nothing twice. */
export interface PendingEvent {
  node: string;
  key: string;
  type: EventType;
  message: string;
  payload: Record<string, unknown>;
}

export interface BuildEventRow {
  id: string;
  session_id: string;
  seq: number;
  type: EventType;
  message: string;
  payload: Record<string, unknown>;
  ts: Date;
}

export function toBuildEvent(row: BuildEventRow): BuildEvent {
  return {
    id: row.id,
    sessionId: row.session_id,
    seq: row.seq,
    type: row.type,
    message: row.message,
    payload: row.payload,
    ts: row.ts.toISOString(),
  };
}
