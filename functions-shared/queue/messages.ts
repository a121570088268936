/**
 * @module The build queue (pgmq `build_steps`): what a message says and the SQL to move it.
 * A message names the session and the graph node it expects to run; a message whose node is
 * not the session's next node is stale (a duplicate) and is archived unread.
 */
import type { Query } from "../db/query.ts";

export const BUILD_QUEUE = "build_steps";

/** One step of one build. */
export interface StepMessage {
  sessionId: string;
  /** The graph node this message runs. */
  node: string;
  /** Which attempt of the node this is (absent: the first). */
  attempt?: number;
}

/** A message as pgmq returns it. */
export interface QueuedStep {
  msg_id: string;
  read_ct: number;
  enqueued_at: Date;
  vt: Date;
  message: StepMessage;
}

export function sendStep(msg: StepMessage, delaySeconds = 0): Query {
  return {
    text: "select pgmq.send($1, $2::jsonb, $3::integer) as msg_id",
    values: [BUILD_QUEUE, JSON.stringify(msg), delaySeconds],
  };
}

/** Reads one visible message and hides it for `vtSeconds`. */
export function readStep(vtSeconds: number): Query {
  return {
    text: "select msg_id, read_ct, enqueued_at, vt, message from pgmq.read($1, $2::integer, 1)",
    values: [BUILD_QUEUE, vtSeconds],
  };
}

export function deleteStep(msgId: string): Query {
  return { text: "select pgmq.delete($1, $2::bigint) as ok", values: [BUILD_QUEUE, msgId] };
}

export function archiveStep(msgId: string): Query {
  return { text: "select pgmq.archive($1, $2::bigint) as ok", values: [BUILD_QUEUE, msgId] };
}

/** Makes a message visible again after `delaySeconds` (retry backoff). */
export function retryStepAfter(msgId: string, delaySeconds: number): Query {
  return {
    text: "select msg_id from pgmq.set_vt($1, $2::bigint, $3::integer)",
    values: [BUILD_QUEUE, msgId, delaySeconds],
  };
}

/** Wakes the worker after commit (pg_net), so the next step does not wait for the cron drain. */
export function kickWorker(sessionId: string): Query {
  return {
    text:
      "select private.call_function('worker', jsonb_build_object('sessionId', $1::text)) as request_id",
    values: [sessionId],
  };
}

/** Queue depth and the age of the oldest message, for the health report. */
export function queueMetrics(): Query {
  return {
    text: `select queue_length::int, oldest_msg_age_sec, total_messages::int
             from pgmq.metrics($1)`,
    values: [BUILD_QUEUE],
  };
}
