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
  /** Test-only fault injection: `<node>:before|after` exits the process on a first attempt. */
  VIBE_FAULT: z.string().regex(/^[a-z_]+:(before|after)$/).optional(),
});

export interface WorkerSettings {
  visibilityTimeoutSeconds: number;
  maxAttempts: number;
  backoffBaseSeconds: number;
  fault: { node: string; when: "before" | "after" } | null;
}

export function readWorkerSettings(env: Record<string, string | undefined>): WorkerSettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`Cannot start the worker: fix ${problems.join("; ")}`);
  }
  const e = parsed.data;
  const [node, when] = e.VIBE_FAULT?.split(":") ?? [];
  return {
    visibilityTimeoutSeconds: e.VIBE_WORKER_VT_SECONDS,
    maxAttempts: e.VIBE_WORKER_MAX_ATTEMPTS,
    backoffBaseSeconds: e.VIBE_WORKER_BACKOFF_SECONDS,
    fault: node && when ? { node, when: when as "before" | "after" } : null,
  };
}

/** Seconds to wait before attempt `attempt + 1` (attempt counts from 1). */
export function backoffSeconds(settings: WorkerSettings, attempt: number): number {
  return Math.min(600, settings.backoffBaseSeconds * 2 ** (attempt - 1));
}
