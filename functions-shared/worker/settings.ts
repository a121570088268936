/** @module The worker's tunables, from its environment. */
import { z } from "zod";

const int = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def);

const schema = z.object({
  /** Seconds a read message stays hidden while its step runs (longer than the slowest step). */
  VIBE_WORKER_VT_SECONDS: int(120, 1, 3600),
  /** Attempts of one step before the build fails. */
  VIBE_WORKER_MAX_ATTEMPTS: int(3, 1, 20),
  /** First retry delay; it doubles with every attempt. */
  VIBE_WORKER_BACKOFF_SECONDS: int(2, 0, 600),
  /**
   * Test-only fault injection, `<node>:<when>[,…]`: `before`/`after` end the process before or
   * after the node's external effect on its first attempt; `throw` fails every attempt.
   */
  VIBE_FAULT: z.string().regex(/^[a-z_]+:(before|after|throw)(,[a-z_]+:(before|after|throw))*$/)
    .optional(),
  /** Test-only: hold the session's lock this long before running the node. */
  VIBE_WORKER_STEP_DELAY_MS: int(0, 0, 60_000),
});

/** Where a test-only fault strikes. */
export type FaultPoint = "before" | "after" | "throw";

export interface WorkerSettings {
  visibilityTimeoutSeconds: number;
  maxAttempts: number;
  backoffBaseSeconds: number;
  /** Test-only faults by node. */
  faults: Map<string, Set<FaultPoint>>;
  /** Test-only delay before a node runs, with its lock held. */
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
    backoffBaseSeconds: e.VIBE_WORKER_BACKOFF_SECONDS,
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
