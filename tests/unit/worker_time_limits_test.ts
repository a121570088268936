/** @module Time limits of a step: a slow planner or embedder fails with the setting to change. */
import assert from "node:assert/strict";
import type { Planner } from "../../functions-shared/plan/planner.ts";
import {
  timeLimitedEmbedder,
  timeLimitedPlanner,
  TimeLimitError,
  withinTime,
} from "../../functions-shared/worker/time_limits.ts";
import { baselinePlan } from "../../functions-shared/plan/baseline.ts";

const after = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

Deno.test("withinTime: the work's result in time, a TimeLimitError after the limit", async () => {
  assert.equal(await withinTime(after(5, "done"), 1000, "late"), "done");
  await assert.rejects(
    withinTime(after(200, "done"), 10, "too slow"),
    (e) => e instanceof TimeLimitError && e.message === "too slow",
  );
  await assert.rejects(withinTime(Promise.reject(new Error("broke")), 1000, "late"), /broke/);
});

Deno.test("a planner and an embedder that outlive VIBE_LLM_TIMEOUT_SECONDS fail their call", async () => {
  const slow: Planner = { name: "llm", plan: () => after(200, baselinePlan("saas")) };
  await assert.rejects(
    timeLimitedPlanner(slow, 20).plan({ vibeText: "x", template: "saas" }),
    /The llm planner did not answer within 0.02 s \(VIBE_LLM_TIMEOUT_SECONDS\)/,
  );
  const fast = timeLimitedPlanner(slow, 5000);
  assert.equal(fast.name, "llm");
  assert.equal((await fast.plan({ vibeText: "x", template: "saas" })).tables.length > 0, true);
  const embedder = timeLimitedEmbedder({
    name: "openai:test",
    dimensions: 384,
    embed: () => after(200, [[1]]),
  }, 20);
  await assert.rejects(embedder.embed(["a"]), /embedder openai:test did not answer/);
});
