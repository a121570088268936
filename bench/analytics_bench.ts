/**
 * @module Analytics timings on the local stack: `GET /sessions/:id/analytics` end to end (MCP
 * connect, execute_sql read-only, one Iceberg scan by the wrappers extension's reader,
 * provenance), and the foreign-table scan alone in the environment's database; medians of 10
 * after one warm-up, for a marketplace build with analytics.
 *
 *   deno run -A bench/analytics_bench.ts      prints the figures
 *   deno task bench                          runs the same queries as Deno.bench cases
 */
import { driveBuild, environmentDb, submitBuild } from "../tests/support/builds.ts";
import { callFunction, newUser } from "../tests/support/stack.ts";

const RUNS = 10;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A succeeded marketplace session with the demo dataset attached. */
async function analyticsSession(): Promise<{ id: string; token: string; ref: string }> {
  const user = await newUser("bench-analytics");
  const id = await submitBuild(user, { analytics: true });
  const { session } = await driveBuild(id, user.token, { timeoutMs: 120_000 });
  if (session.status !== "succeeded") throw new Error(`Build ${id}: ${session.error}`);
  return { id, token: user.token, ref: session.environment!.ref };
}

async function query(s: { id: string; token: string }): Promise<void> {
  const res = await callFunction(`sessions/${s.id}/analytics`, { token: s.token });
  if (res.status !== 200) throw new Error(`analytics answered ${res.status}: ${await res.text()}`);
  await res.body?.cancel();
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

if (import.meta.main) {
  const s = await analyticsSession();
  await query(s);
  const api: number[] = [];
  for (let i = 0; i < RUNS; i++) api.push(await timed(() => query(s)));
  const db = await environmentDb(s.ref);
  const scans: number[] = [];
  try {
    for (let i = 0; i <= RUNS; i++) {
      const ms = await timed(() => db.query("select count(*) from analytics.sales"));
      if (i > 0) scans.push(ms);
    }
  } finally {
    await db.end();
  }
  console.log(
    `GET /sessions/:id/analytics (median of ${RUNS}): ${median(api).toFixed(0)} ms ` +
      `(min ${Math.min(...api).toFixed(0)}, max ${Math.max(...api).toFixed(0)})`,
  );
  console.log(
    `scan of analytics.sales, 480 rows (median of ${RUNS}): ${median(scans).toFixed(0)} ms`,
  );
} else {
  const s = await analyticsSession();
  Deno.bench({
    name: "GET /sessions/:id/analytics (run_analytics_query)",
    n: RUNS,
    warmup: 1,
    async fn() {
      await query(s);
    },
  });
}
