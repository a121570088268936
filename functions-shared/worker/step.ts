/**
 * @module One worker invocation: take one message from the build queue and run exactly one
 * graph node for its session. The node runs inside one control-plane transaction that holds the
 * session's lock; the step's events, presence, session update, LangGraph checkpoint, the next
 * message (and its kick) and the deletion of this message commit together. A crash anywhere
 * rolls all of it back: the message reappears after its visibility timeout and the node runs
 * again — its external effects are idempotent — so nothing is duplicated and nothing is lost.
 */
import { inTransaction } from "../db/pool.ts";
import { firstRow, type Queryable, rows } from "../db/query.ts";
import type pg from "../db/pg.ts";
import type { PendingEvent } from "../events/build_event.ts";
import { type PipelineDeps, StepRecorder } from "../graph/context.ts";
import { transactionCheckpointer } from "../graph/checkpointer.ts";
import { PermanentStepError } from "../graph/failure.ts";
import { type BuildGraph, buildGraph, NODES } from "../graph/index.ts";
import type { BuildStateType } from "../graph/state.ts";
import { ProvisioningError } from "../mcp/provisioner.ts";
import { ToolCallError, type ToolCallRecord } from "../mcp/types.ts";
import { redact } from "../redact.ts";
import {
  archiveStep,
  deleteStep,
  kickWorker,
  type QueuedStep,
  readStep,
  retryStepAfter,
  sendStep,
} from "../queue/messages.ts";
import type { SessionOptions } from "../sessions/body.ts";
import { backoffSeconds, hasFault, type WorkerSettings } from "./settings.ts";
import {
  appendEvents,
  finishSession,
  heartbeat,
  selectSessionForStep,
  setPresence,
  tryLockSession,
  updateSession,
} from "./sql.ts";

/** What one invocation did. */
export type StepOutcome =
  | { kind: "idle" }
  | { kind: "busy"; sessionId: string }
  | { kind: "orphan" | "stale" | "finished" | "canceled"; sessionId: string }
  | {
    kind: "ran";
    sessionId: string;
    node: string;
    next: string | null;
    /** Time inside the node (graph.invoke) and for the whole step, in milliseconds. */
    nodeMs: number;
    stepMs: number;
  }
  | {
    kind: "retry";
    sessionId: string;
    node: string;
    attempt: number;
    delaySeconds: number;
    error: string;
  }
  | { kind: "failed"; sessionId: string; node: string; error: string };

export interface WorkerDeps {
  pool: pg.Pool;
  settings: WorkerSettings;
  /** The providers for one step; disposed when the step ends. */
  pipeline(): Promise<PipelineDeps & { dispose(): Promise<void> }>;
  /** Fault injection: ends the process as a crash would (tests only). */
  crash(): never;
  /** Secret values to keep out of errors written to events and the session. */
  secrets: readonly string[];
}

interface SessionRow {
  id: string;
  status: string;
  template: "marketplace" | "saas";
  vibe_text: string;
  options: SessionOptions;
  cancel_requested_at: Date | null;
}

const TERMINAL = new Set(["succeeded", "failed", "canceled"]);

function threadConfig(sessionId: string, extra: Record<string, unknown> = {}) {
  return { configurable: { thread_id: sessionId, ...extra } };
}

/** The node the session's graph runs next, or null when it has finished. */
async function expectedNode(graph: BuildGraph, sessionId: string): Promise<string | null> {
  const snapshot = await graph.getState(threadConfig(sessionId));
  if (snapshot.createdAt === undefined) return NODES[0];
  return snapshot.next[0] ?? null;
}

function sessionUpdate(state: BuildStateType) {
  return {
    status: state.finished
      ? (state.failure ? "failed" as const : "succeeded" as const)
      : "running" as const,
    plan: state.plan,
    environment: state.environment,
    outputs: state.outputs,
    contract: state.contract,
    error: state.failure?.message ?? null,
  };
}

/** Moves the queue forward: the next node's message and a kick, or nothing when finished. */
async function enqueueNext(db: Queryable, sessionId: string, next: string | null) {
  if (!next) return;
  await rows(db, sendStep({ sessionId, node: next }));
  const kick = await firstRow<{ request_id: string | null }>(db, kickWorker(sessionId));
  if (!kick?.request_id) {
    console.error(
      `[worker] Cannot kick the next step of ${sessionId}: create the Vault secrets project_url ` +
        "and service_role_key; the cron drain will pick it up meanwhile",
    );
  }
}

async function commitEvents(db: Queryable, sessionId: string, recorder: StepRecorder) {
  if (recorder.events.length) await rows(db, appendEvents(sessionId, recorder.events));
  if (recorder.presence) await rows(db, setPresence(sessionId, recorder.presence));
}

/** Outcomes that ran no node: the invocation goes on to the next message. */
const HOUSEKEEPING = new Set<StepOutcome["kind"]>([
  "busy",
  "orphan",
  "stale",
  "finished",
  "canceled",
]);
/** How many housekeeping messages one invocation clears before it returns. */
const MAX_HOUSEKEEPING = 25;

/**
 * Runs exactly one graph node (or none when the queue is empty). Messages that need no node —
 * duplicates, finished or canceled builds, builds another invocation is stepping — are cleared
 * on the way, so a kick is never spent on them while a real step waits.
 */
export async function runOneStep(deps: WorkerDeps): Promise<StepOutcome & { cleared: number }> {
  let cleared = 0;
  for (;;) {
    const outcome = await processMessage(deps);
    if (!HOUSEKEEPING.has(outcome.kind) || cleared >= MAX_HOUSEKEEPING) {
      return { ...outcome, cleared };
    }
    cleared++;
  }
}

/** Takes one message and handles it; never leaves a half-committed step behind. */
async function processMessage(deps: WorkerDeps): Promise<StepOutcome> {
  const started = performance.now();
  const message = await firstRow<QueuedStep>(
    deps.pool,
    readStep(deps.settings.visibilityTimeoutSeconds),
  );
  if (!message) return { kind: "idle" };
  const { sessionId, node } = message.message;
  const recorder = new StepRecorder();
  let pipeline: (PipelineDeps & { dispose(): Promise<void> }) | undefined;
  try {
    return await inTransaction(deps.pool, async (tx) => {
      const locked = await firstRow<{ locked: boolean }>(tx, tryLockSession(sessionId));
      if (!locked?.locked) {
        // Another invocation is stepping this build: look again shortly.
        await rows(tx, retryStepAfter(message.msg_id, 2));
        return { kind: "busy", sessionId } as const;
      }
      const session = await firstRow<SessionRow>(tx, selectSessionForStep(sessionId));
      if (!session) {
        await rows(tx, archiveStep(message.msg_id));
        return { kind: "orphan", sessionId } as const;
      }
      if (TERMINAL.has(session.status)) {
        await rows(tx, archiveStep(message.msg_id));
        return { kind: "finished", sessionId } as const;
      }
      if (session.cancel_requested_at) {
        await cancelBuild(tx, session, message);
        return { kind: "canceled", sessionId } as const;
      }
      const graph = buildGraph(transactionCheckpointer(tx));
      const expected = await expectedNode(graph, sessionId);
      if (expected !== node) {
        // A duplicate or out-of-date message: the build has moved on without it.
        await rows(tx, archiveStep(message.msg_id));
        return expected === null
          ? { kind: "finished", sessionId } as const
          : { kind: "stale", sessionId } as const;
      }

      const firstAttempt = message.read_ct === 1;
      if (hasFault(deps.settings, node, "before") && firstAttempt) deps.crash();
      if (deps.settings.stepDelayMs > 0) {
        await new Promise((r) => setTimeout(r, deps.settings.stepDelayMs));
      }
      if (hasFault(deps.settings, node, "throw")) {
        throw new Error(`Injected failure in ${node} (VIBE_FAULT)`);
      }
      pipeline = await deps.pipeline();
      const config = threadConfig(sessionId, { db: tx, deps: pipeline, recorder });
      const input = node === NODES[0]
        ? {
          sessionId,
          template: session.template,
          vibeText: session.vibe_text,
          options: session.options,
        }
        : null;
      const nodeStarted = performance.now();
      const state = await graph.invoke(input, config) as BuildStateType;
      const nodeMs = performance.now() - nodeStarted;
      if (hasFault(deps.settings, node, "after") && firstAttempt) deps.crash();

      const next = await expectedNode(graph, sessionId);
      await commitEvents(tx, sessionId, recorder);
      await rows(tx, updateSession(sessionId, sessionUpdate(state)));
      await enqueueNext(tx, sessionId, next);
      await rows(tx, deleteStep(message.msg_id));
      await rows(tx, heartbeat(sessionId, node, "ran"));
      return {
        kind: "ran",
        sessionId,
        node,
        next,
        nodeMs: Math.round(nodeMs * 10) / 10,
        stepMs: Math.round((performance.now() - started) * 10) / 10,
      } as const;
    });
  } catch (error) {
    return await handleFailure(deps, message, recorder, error);
  } finally {
    await pipeline?.dispose().catch((e) => console.error(`Cannot close the pipeline: ${e}`));
  }
}

async function cancelBuild(tx: pg.PoolClient, session: SessionRow, message: QueuedStep) {
  const event: PendingEvent = {
    node: "worker",
    key: "canceled",
    type: "build_canceled",
    message: "Build canceled at the user's request",
    payload: { before: message.message.node },
  };
  await rows(tx, appendEvents(session.id, [event]));
  await rows(tx, finishSession(session.id, "canceled", "Canceled by the user"));
  await rows(tx, deleteStep(message.msg_id));
  await rows(tx, heartbeat(session.id, message.message.node, "canceled"));
}

function failureEvent(
  node: string,
  type: "step_retrying" | "step_failed",
  attempt: number,
  message: string,
  calls: ToolCallRecord[],
  delaySeconds?: number,
): PendingEvent {
  return {
    node,
    key: `${type}:${attempt}`,
    type,
    message: type === "step_retrying"
      ? `${node} failed (attempt ${attempt}); retrying in ${delaySeconds} s: ${message}`
      : `${node} failed (attempt ${attempt}); giving up: ${message}`,
    payload: {
      attempt,
      error: message,
      ...(delaySeconds === undefined ? {} : { retryInSeconds: delaySeconds }),
      ...(calls.length ? { tool_calls: calls } : {}),
    },
  };
}

/**
 * A node threw and its transaction rolled back. Retry later with exponential backoff; after the
 * last attempt (or at once for a permanent error) route the build to finalize, which fails it.
 */
async function handleFailure(
  deps: WorkerDeps,
  message: QueuedStep,
  recorder: StepRecorder,
  error: unknown,
): Promise<StepOutcome> {
  const { sessionId, node } = message.message;
  const text = String(
    redact(error instanceof Error ? error.message : String(error), { secrets: deps.secrets }),
  );
  // Every call of the failed attempt is logged, the failing one included.
  const calls = [...recorder.toolCalls];
  if (error instanceof ToolCallError) calls.push(error.record);
  if (error instanceof ProvisioningError) {
    calls.push(...error.records.filter((r) => !calls.includes(r)));
  }
  // Counted in the message, not by pgmq's read_ct (which also counts redeliveries).
  const attempt = message.message.attempt ?? 1;
  const permanent = error instanceof PermanentStepError;
  console.error(`[worker] ${sessionId} ${node} attempt ${attempt}: ${text}`);

  return await inTransaction(deps.pool, async (tx) => {
    const locked = await firstRow<{ locked: boolean }>(tx, tryLockSession(sessionId));
    if (!locked?.locked) return { kind: "busy", sessionId } as const;
    const session = await firstRow<SessionRow>(tx, selectSessionForStep(sessionId));
    if (!session) {
      await rows(tx, archiveStep(message.msg_id));
      return { kind: "orphan", sessionId } as const;
    }
    if (!permanent && attempt < deps.settings.maxAttempts) {
      const delaySeconds = backoffSeconds(deps.settings, attempt);
      await rows(
        tx,
        appendEvents(sessionId, [
          failureEvent(node, "step_retrying", attempt, text, calls, delaySeconds),
        ]),
      );
      // The next attempt is a new message, delayed, that knows its number.
      await rows(tx, sendStep({ sessionId, node, attempt: attempt + 1 }, delaySeconds));
      await rows(tx, deleteStep(message.msg_id));
      await rows(tx, heartbeat(sessionId, node, "retry"));
      return { kind: "retry", sessionId, node, attempt, delaySeconds, error: text } as const;
    }

    await rows(
      tx,
      appendEvents(sessionId, [failureEvent(node, "step_failed", attempt, text, calls)]),
    );
    if (node === "finalize") {
      // finalize itself cannot run: record the verdict directly.
      await rows(
        tx,
        appendEvents(sessionId, [{
          node: "finalize",
          key: "build_failed",
          type: "build_failed",
          message: `Build failed at finalize: ${text}`,
          payload: { node, error: text },
        }]),
      );
      await rows(tx, finishSession(sessionId, "failed", text));
    } else {
      const graph = buildGraph(transactionCheckpointer(tx));
      const config = threadConfig(sessionId);
      // As if the node had finished with a failure: its edge leads to finalize.
      await graph.updateState(config, {
        sessionId,
        template: session.template,
        vibeText: session.vibe_text,
        options: session.options,
        failure: { node, message: text },
      }, node);
      await enqueueNext(tx, sessionId, await expectedNode(graph, sessionId));
    }
    await rows(tx, deleteStep(message.msg_id));
    await rows(tx, heartbeat(sessionId, node, "failed"));
    return { kind: "failed", sessionId, node, error: text } as const;
  });
}
