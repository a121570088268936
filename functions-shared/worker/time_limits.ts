/**
 * @module Time limits of a step under the platform's 150 s wall-clock limit: a promise raced
 * against a timer, and the planner and embedder (LLM calls) bounded the same way, so a slow
 * model fails its attempt with a clear reason instead of outliving the invocation.
 */
import type { Embedder } from "../embed/embedder.ts";
import type { Planner } from "../plan/planner.ts";

/** Work that did not finish within its limit. */
export class TimeLimitError extends Error {
  override name = "TimeLimitError";
}

/** Resolves as `work` does, or rejects with a {@link TimeLimitError} after `ms`. */
export function withinTime<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeLimitError(message)), Math.max(0, ms));
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

/** A planner whose every plan must arrive within `ms`. */
export function timeLimitedPlanner(planner: Planner, ms: number): Planner {
  return {
    name: planner.name,
    plan: (input) =>
      withinTime(
        planner.plan(input),
        ms,
        `The ${planner.name} planner did not answer within ${ms / 1000} s ` +
          "(VIBE_LLM_TIMEOUT_SECONDS)",
      ),
  };
}

/** An embedder whose every batch must arrive within `ms`. */
export function timeLimitedEmbedder(embedder: Embedder, ms: number): Embedder {
  return {
    name: embedder.name,
    dimensions: embedder.dimensions,
    embed: (texts) =>
      withinTime(
        embedder.embed(texts),
        ms,
        `The embedder ${embedder.name} did not answer within ${ms / 1000} s ` +
          "(VIBE_LLM_TIMEOUT_SECONDS)",
      ),
  };
}
