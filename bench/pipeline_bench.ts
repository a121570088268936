/**
 * @module Build pipeline timings on the local stack: end-to-end time of a marketplace build
 * (POST /sessions until build_succeeded is readable through the API; median of 5; target ≤ 3 s
 * on a 2-core machine) and the worker's per-step overhead (a step's time minus its node's time:
 * lock, checkpoint, events, queue moves, commit), read from the worker's own answers to its
 * kicks as pg_net recorded them.
 *
 *   deno run -A bench/pipeline_bench.ts      prints the figures
 *   deno task bench                          runs the same builds as Deno.bench cases
 */
import { callFunction, newUser, withClient } from "../tests/support/stack.ts";

const RUNS = 5;

const VIBE = `# Vintage synth marketplace
Listings have a condition and a year.
Buyers can leave a 1-5 star review on an order they placed.
Sellers can see bids on their listings.`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One build through the public API; returns its wall time in milliseconds and its id. */
async function timedBuild(token: string): Promise<{ ms: number; sessionId: string }> {
  const started = performance.now();
  const res = await callFunction("sessions", {
    method: "POST",
    token,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      vibeText: VIBE,
      template: "marketplace",
      options: { enableAnalytics: false, enableDriftSentinel: true, environmentMode: "branch" },
    }),
  });
  const { sessionId } = await res.json();
  for (let after = 0;;) {
    const events = await (await callFunction(`sessions/${sessionId}/events?after=${after}`, {
      token,
    })).json() as { seq: number; type: string }[];
    for (const e of events) {
      after = e.seq;
      if (e.type === "build_succeeded") return { ms: performance.now() - started, sessionId };
      if (e.type === "build_failed") throw new Error(`Build ${sessionId} failed`);
    }
    if (performance.now() - started > 60_000) throw new Error(`Build ${sessionId} timed out`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The worker's step timings for a session, from its recorded answers to kicks. */
async function stepTimings(sessionId: string): Promise<{ nodeMs: number; stepMs: number }[]> {
  // pg_net records a response shortly after the request ends.
  await new Promise((r) => setTimeout(r, 300));
  return await withClient(async (c) => {
    const r = await c.query<{ content: string }>(
      `select content from net._http_response
        where content like '{"kind":"ran"%' and content like '%' || $1 || '%'`,
      [sessionId],
    );
    return r.rows.map((row) => JSON.parse(row.content));
  });
}

export interface PipelineFigures {
  buildMedianMs: number;
  buildsMs: number[];
  stepOverheadMedianMs: number;
  stepMedianMs: number;
  steps: number;
}

export async function measurePipeline(runs = RUNS): Promise<PipelineFigures> {
  const user = await newUser("bench");
  await timedBuild(user.token); // warm up: functions started, modules compiled
  const builds: number[] = [];
  const overheads: number[] = [];
  const stepTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { ms, sessionId } = await timedBuild(user.token);
    builds.push(ms);
    for (const t of await stepTimings(sessionId)) {
      stepTimes.push(t.stepMs);
      overheads.push(t.stepMs - t.nodeMs);
    }
  }
  return {
    buildMedianMs: median(builds),
    buildsMs: builds.map((b) => Math.round(b)),
    stepOverheadMedianMs: median(overheads),
    stepMedianMs: median(stepTimes),
    steps: stepTimes.length,
  };
}

if (import.meta.main) {
  const f = await measurePipeline();
  console.log(
    `marketplace build, end to end (median of ${RUNS}): ${f.buildMedianMs.toFixed(0)} ms`,
  );
  console.log(`  runs: ${f.buildsMs.join(", ")} ms (target: median ≤ 3000 ms)`);
  console.log(
    `worker step: median ${f.stepMedianMs.toFixed(1)} ms, of which overhead ` +
      `${f.stepOverheadMedianMs.toFixed(1)} ms (over ${f.steps} steps)`,
  );
} else {
  const user = await newUser("bench");
  Deno.bench({
    name: "marketplace build, end to end (POST to build_succeeded)",
    n: RUNS,
    warmup: 1,
    async fn() {
      await timedBuild(user.token);
    },
  });
}
