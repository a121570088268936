/**
 * @module One worker invocation: take one message from the build queue and run exactly one
 * graph node for its session, within the invocation's wall-clock budget.
 *
 * No transaction is open while a node works (MCP calls, LLM calls). The build's lease
 * (`private.build_leases`, renewed while the node runs) keeps every other invocation off the
 * build; the node's checkpoint writes are kept aside, its presence streams live, and each MCP
 * call is written to the tool-call log as it finishes. Then one control-plane transaction
 * checks the lease and commits the step: its events (gapless seq), the presence snapshot, the
 * session update, the LangGraph checkpoint, the next message (and its kick), the deletion of
 * this message and the lease's release. A crash anywhere leaves the lease to expire and the
 * message to reappear; the node runs again — its external effects are idempotent — so nothing
 * is duplicated and nothing is lost. A message whose node keeps dying without finishing (the
 * platform killing it at its CPU or wall-clock limit) fails the build after
 * `VIBE_WORKER_MAX_REDELIVERIES` redeliveries.
 */
import { inTransaction } from "../db/pool.ts";
import { firstRow, type Queryable, rows } from "../db/query.ts";
import type pg from "../db/pg.ts";
import type { PendingEvent } from "../events/build_event.ts";
import { deferredCheckpointer, transactionCheckpointer } from "../graph/checkpointer.ts";
import { type Presence, StepRecorder } from "../graph/context.ts";
import { PermanentStepError } from "../graph/failure.ts";
import { type BuildGraph, buildGraph, nextNode, type NodeName, NODES } from "../graph/index.ts";
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
import type { StepIdentity, StepPipeline } from "./pipeline.ts";
import { PresenceStream } from "./presence_stream.ts";
import { backoffSeconds, commitReserveMs, hasFault, type WorkerSettings } from "./settings.ts";
import {
  appendEvents,
  finishSession,
  heartbeat,
  selectSessionForStep,
  setPresence,
  type StepSessionRow,
  updateSession,
} from "./sql.ts";
import { LeaseLostError, StepLease } from "./step_lease.ts";
import { withinTime } from "./time_limits.ts";

/** What one invocation did. */
export type StepOutcome =
  | { kind: "idle" }
  | { kind: "busy"; sessionId: string }
  | { kind: "orphan" | "stale" | "finished" | "canceled"; sessionId: string }
  | { kind: "lost"; sessionId: string; node: string }
  | {
    kind: "ran";
    sessionId: string;
    node: string;
    /** The next node; the same node when it is waiting on external work (checking back). */
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
  pipeline(step: StepIdentity): Promise<StepPipeline>;
  /** Fault injection: ends the process as a crash would (tests only). */
  crash(): never;
  /** Secret values to keep out of errors written to events and the session. */
  secrets: readonly string[];
}

type SessionRow = StepSessionRow;

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

async function commitEvents(
  db: Queryable,
  sessionId: string,
  events: readonly PendingEvent[],
  presence: Presence | null,
) {
  if (events.length) await rows(db, appendEvents(sessionId, events));
  if (presence) await rows(db, setPresence(sessionId, presence));
}

/**
 * Runs `fn` in the transaction that commits a step, then releases the lease in it: a lease
 * found lost rolls everything back ({@link LeaseLostError}). Renewals stop first: the commit is
 * short. `finished`: the node's run is over (it finished, or failed for good).
 */
function commitWithLease<T>(
  pool: pg.Pool,
  lease: StepLease,
  finished: boolean,
  fn: (tx: pg.PoolClient) => Promise<T>,
): Promise<T> {
  lease.stop();
  return inTransaction(pool, async (tx) => {
    const result = await fn(tx);
    await lease.release(tx, finished);
    return result;
  });
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
 * on the way, so a kick is never spent on them while a real step waits; another message is
 * only started while at least half of the invocation's budget remains.
 */
export async function runOneStep(deps: WorkerDeps): Promise<StepOutcome & { cleared: number }> {
  const deadline = Date.now() + deps.settings.budgetMs;
  let cleared = 0;
  for (;;) {
    const outcome = await processMessage(deps, deadline);
    if (!HOUSEKEEPING.has(outcome.kind) || cleared >= MAX_HOUSEKEEPING) {
      return { ...outcome, cleared };
    }
    cleared++;
    if (deadline - Date.now() < deps.settings.budgetMs / 2) return { ...outcome, cleared };
  }
}

/** Takes one message and handles it; never leaves a half-committed step behind. */
async function processMessage(deps: WorkerDeps, deadline: number): Promise<StepOutcome> {
  const started = performance.now();
  const vt = deps.settings.visibilityTimeoutSeconds;
  const message = await firstRow<QueuedStep>(deps.pool, readStep(vt));
  if (!message) return { kind: "idle" };
  const { sessionId, node } = message.message;
  const taken = await StepLease.acquire(deps.pool, sessionId, message.msg_id, vt);
  if (taken.kind === "no_session") {
    await rows(deps.pool, archiveStep(message.msg_id));
    return { kind: "orphan", sessionId };
  }
  if (taken.kind === "busy") {
    // Another invocation is stepping this build: look again shortly.
    await rows(deps.pool, retryStepAfter(message.msg_id, 2));
    return { kind: "busy", sessionId };
  }
  const { lease, session } = taken;
  lease.keepAlive();
  const recorder = new StepRecorder();
  const presence = new PresenceStream(deps.pool, sessionId, {
    intervalMs: deps.settings.presenceIntervalMs,
    onError: (e) => console.error(`[worker] Cannot stream presence: ${(e as Error).message}`),
  });
  recorder.onPresence = (p) => presence.push(p);
  const resources: StepResources = { ended: false };
  try {
    return await runStep(deps, {
      message,
      session,
      lease,
      recorder,
      presence,
      resources,
      deadline,
      started,
    });
  } catch (error) {
    if (error instanceof LeaseLostError) return { kind: "lost", sessionId, node };
    await presence.close();
    return await handleFailure(deps, message, lease, recorder, error);
  } finally {
    resources.ended = true;
    lease.stop();
    await presence.close();
    await resources.pipeline?.dispose().catch((e) =>
      console.error(`Cannot close the pipeline: ${e}`)
    );
  }
}

/** What a step opened, closed when it ends (a node abandoned at its deadline included). */
interface StepResources {
  pipeline?: StepPipeline;
  ended: boolean;
}

interface StepRun {
  message: QueuedStep;
  /** The session, read as the lease was taken. */
  session: SessionRow;
  lease: StepLease;
  recorder: StepRecorder;
  presence: PresenceStream;
  resources: StepResources;
  /** The invocation's deadline (epoch milliseconds). */
  deadline: number;
  started: number;
}

async function runStep(deps: WorkerDeps, run: StepRun): Promise<StepOutcome> {
  const { message, session, lease, recorder } = run;
  const { sessionId, node } = message.message;
  const { pool, settings } = deps;
  if (TERMINAL.has(session.status)) {
    await commitWithLease(pool, lease, false, (tx) => rows(tx, archiveStep(message.msg_id)));
    return { kind: "finished", sessionId };
  }
  if (session.cancel_requested_at) {
    await commitWithLease(pool, lease, true, (tx) => cancelBuild(tx, session, message));
    return { kind: "canceled", sessionId };
  }
  const checkpoint = deferredCheckpointer(pool);
  const graph = buildGraph(checkpoint.saver);
  const expected = await expectedNode(graph, sessionId);
  if (expected !== node) {
    // A duplicate or out-of-date message: the build has moved on without it.
    await commitWithLease(pool, lease, false, (tx) => rows(tx, archiveStep(message.msg_id)));
    return { kind: expected === null ? "finished" : "stale", sessionId };
  }

  // Counted before the node runs: a start that never finishes stays counted.
  const starts = await lease.startRun();
  if (starts === null) throw new LeaseLostError(`Lost the lease of ${sessionId}`);
  if (starts > settings.maxRedeliveries + 1) {
    throw new PermanentStepError(
      `${node} was started ${starts - 1} times and never finished: its invocation was ended ` +
        "each time (the platform's CPU or wall-clock limit, or a crash); giving up after " +
        `${settings.maxRedeliveries} redeliveries (VIBE_WORKER_MAX_REDELIVERIES)`,
    );
  }
  const firstStart = starts === 1;
  if (hasFault(settings, node, "kill")) deps.crash();
  if (hasFault(settings, node, "before") && firstStart) deps.crash();

  const nodeDeadline = run.deadline - commitReserveMs(settings);
  const attempt = message.message.attempt ?? 1;
  const invoke = async () => {
    if (settings.stepDelayMs > 0) await new Promise((r) => setTimeout(r, settings.stepDelayMs));
    if (hasFault(settings, node, "throw")) {
      throw new Error(`Injected failure in ${node} (VIBE_FAULT)`);
    }
    const pipeline = await deps.pipeline({ sessionId, node, attempt, invocation: lease.holder });
    if (run.resources.ended) {
      // The step gave up on this node (its deadline passed) before it got this far.
      await pipeline.dispose();
      throw new Error(`${node} was abandoned at its deadline`);
    }
    run.resources.pipeline = pipeline;
    const config = threadConfig(sessionId, {
      db: pool,
      deps: pipeline,
      recorder,
      deadline: nodeDeadline,
    });
    const input = node === NODES[0]
      ? {
        sessionId,
        template: session.template,
        vibeText: session.vibe_text,
        options: session.options,
      }
      : null;
    return await graph.invoke(input, config) as BuildStateType;
  };
  const nodeStarted = performance.now();
  const state = await withinTime(
    invoke(),
    nodeDeadline - Date.now(),
    `${node} did not finish within the invocation's budget ` +
      `(${Math.round(settings.budgetMs / 1000)} s, VIBE_WORKER_BUDGET_SECONDS, less the commit ` +
      "reserve)",
  );
  const nodeMs = performance.now() - nodeStarted;
  if (hasFault(settings, node, "after") && firstStart) deps.crash();

  const unsent = await run.presence.close();
  // The same routing as the graph's edges: the checkpoint's next node.
  const next = nextNode(node as NodeName, state);
  await commitWithLease(pool, lease, true, async (tx) => {
    await checkpoint.flush(tx);
    await commitEvents(tx, sessionId, recorder.events, unsent);
    await rows(tx, updateSession(sessionId, sessionUpdate(state)));
    await enqueueNext(tx, sessionId, next);
    await rows(tx, deleteStep(message.msg_id));
    await rows(tx, heartbeat(sessionId, node, next === node ? "waiting" : "ran"));
  });
  return {
    kind: "ran",
    sessionId,
    node,
    next,
    nodeMs: Math.round(nodeMs * 10) / 10,
    stepMs: Math.round((performance.now() - run.started) * 10) / 10,
  };
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
 * A node threw (nothing of its step was committed). Retry later with exponential backoff;
 * after the last attempt (or at once for a permanent error) route the build to finalize,
 * which fails it. Committed under the step's lease, which it then releases.
 */
async function handleFailure(
  deps: WorkerDeps,
  message: QueuedStep,
  lease: StepLease,
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

  try {
    return await commitWithLease(deps.pool, lease, true, async (tx) => {
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
  } catch (e) {
    if (e instanceof LeaseLostError) return { kind: "lost", sessionId, node };
    throw e;
  }
}
