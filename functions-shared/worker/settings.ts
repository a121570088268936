/** @module The worker's tunables, from its environment. */
import { z } from "zod";

const int = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def);

const schema = z.object({
  /**
   * Seconds a step's lease and its message stay held without a renewal. A running step renews
   * both every third of it, so this only bounds how soon a killed step is picked up again.
   */
  VIBE_WORKER_VT_SECONDS: int(30, 1, 3600),
  /** Attempts of one step before the build fails (a step that threw). */
  VIBE_WORKER_MAX_ATTEMPTS: int(3, 1, 20),
  /**
   * Redeliveries of a step whose invocation died without finishing it (killed by the CPU or
   * wall-clock limit, or crashed): after this many, its next delivery fails the build.
   */
  VIBE_WORKER_MAX_REDELIVERIES: int(2, 0, 20),
  /** First retry delay; it doubles with every attempt. */
  VIBE_WORKER_BACKOFF_SECONDS: int(2, 0, 600),
  /**
   * Wall-clock budget of one invocation, under the platform's 150 s limit: a node that has not
   * returned by then (less a reserve for the commit) fails its attempt, and no further message
   * is started when less than half of it remains.
   */
  VIBE_WORKER_BUDGET_SECONDS: z.coerce.number().min(1).max(3600).default(140),
  /** Minimum interval between two live presence updates of a step (the last one always lands). */
  VIBE_PRESENCE_INTERVAL_MS: int(250, 0, 60_000),
  /**
   * Test-only fault injection, `<node>:<when>[,…]`: `before`/`after` end the process before or
   * after the node's external effect on the first start of its message; `kill` ends it before
   * the effect on every start (a step the platform keeps killing); `throw` fails every attempt.
   */
  VIBE_FAULT: z.string().regex(
    /^[a-z_]+:(before|after|kill|throw)(,[a-z_]+:(before|after|kill|throw))*$/,
  ).optional(),
  /** Test-only: hold the session's lease this long before running the node. */
  VIBE_WORKER_STEP_DELAY_MS: int(0, 0, 600_000),
});

/** Where a test-only fault strikes. */
export type FaultPoint = "before" | "after" | "kill" | "throw";

export interface WorkerSettings {
  /** Seconds a lease and a message stay held without renewal. */
  visibilityTimeoutSeconds: number;
  maxAttempts: number;
  /** Redeliveries of a step that never finished before its build fails. */
  maxRedeliveries: number;
  backoffBaseSeconds: number;
  /** Wall-clock budget of one invocation, in milliseconds. */
  budgetMs: number;
  /** Minimum interval between live presence updates, in milliseconds. */
  presenceIntervalMs: number;
  /** Test-only faults by node. */
  faults: Map<string, Set<FaultPoint>>;
  /** Test-only delay before a node runs, with its lease held. */
  stepDelayMs: number;
}

export function readWorkerSettings(env: Record<string, string | undefined>): WorkerSettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`Cannot start the worker: fix ${problems.join("; ")}`);
  }
  const e = parsed.data;
  const faults = new Map<string, Set<FaultPoint>>();
  for (const item of e.VIBE_FAULT?.split(",") ?? []) {
    const [node, when] = item.split(":") as [string, FaultPoint];
    faults.set(node, (faults.get(node) ?? new Set()).add(when));
  }
  return {
    visibilityTimeoutSeconds: e.VIBE_WORKER_VT_SECONDS,
    maxAttempts: e.VIBE_WORKER_MAX_ATTEMPTS,
    maxRedeliveries: e.VIBE_WORKER_MAX_REDELIVERIES,
    backoffBaseSeconds: e.VIBE_WORKER_BACKOFF_SECONDS,
    budgetMs: Math.round(e.VIBE_WORKER_BUDGET_SECONDS * 1000),
    presenceIntervalMs: e.VIBE_PRESENCE_INTERVAL_MS,
    faults,
    stepDelayMs: e.VIBE_WORKER_STEP_DELAY_MS,
  };
}

/** True when a test-only fault is set for this node at this point. */
export function hasFault(settings: WorkerSettings, node: string, when: FaultPoint): boolean {
  return settings.faults.get(node)?.has(when) ?? false;
}

/** Seconds to wait before attempt `attempt + 1` (attempt counts from 1). */
export function backoffSeconds(settings: WorkerSettings, attempt: number): number {
  return Math.min(600, settings.backoffBaseSeconds * 2 ** (attempt - 1));
}

/** Milliseconds kept at the end of an invocation's budget for committing the step. */
export function commitReserveMs(settings: WorkerSettings): number {
  return Math.min(10_000, Math.round(settings.budgetMs / 5));
}
