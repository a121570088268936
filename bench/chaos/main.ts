/**
 * @module `deno task chaos`: the control plane under load and faults, with the figures written
 * to a JSON file (default bench/results/chaos.json):
 *   - 1,000 malformed request bodies and paths → 0 5xx, 0 rows;
 *   - N concurrent builds (default 50) on this machine → all succeed, builds/min;
 *   - builds while the worker's process is killed at random moments (every node in flight at
 *     least once) and PostgreSQL is restarted → 0 duplicate or missing events, 0 duplicate objects;
 *   - event commit → supabase-js client latency (p50/p95), quiet and under build load;
 *   - worker step overhead (p50) from the worker's own answers;
 *   - a secret sweep over every event, tool call, output, alert and log → 0 secrets;
 *   - our drift check's time over splinter's on a built environment's database (with
 *     SPLINTER_DIR set to a splinter checkout's lints/ folder; its SQL is not in this repository).
 *
 *   deno task chaos [--builds 50] [--faulted 8] [--out bench/results/chaos.json] [--skip a,b]
 */
import pg from "../../functions-shared/db/pg.ts";
import { NODES } from "../../functions-shared/graph/index.ts";
import { adminClient, withAdmin } from "../../stack/cluster.ts";
import { stackStatus, up } from "../../stack/lifecycle.ts";
import { withStackLock } from "../../stack/lock.ts";
import { paths, readSettings } from "../../stack/settings.ts";
import { signIn } from "../../stack/token.ts";
import { runBuilds } from "./builds.ts";
import { measureDriftVsSplinter } from "./drift_vs_splinter.ts";
import { runMalformed } from "./malformed_run.ts";
import { measureRealtimeLatency, percentile } from "./realtime_latency.ts";
import { sweepStack } from "./sweep_sources.ts";

function flag(name: string, fallback: string): string {
  const i = Deno.args.indexOf(name);
  return i >= 0 && Deno.args[i + 1] ? Deno.args[i + 1]! : fallback;
}

const builds = Number(flag("--builds", "50"));
const faulted = Number(flag("--faulted", "8"));
const out = flag("--out", `${paths.root}/bench/results/chaos.json`);
const skip = new Set(flag("--skip", "").split(",").filter(Boolean));
const log = (m: string) => console.error(`chaos: ${m}`);

/** The worker's step timings for these sessions, from its answers to kicks (pg_net records). */
async function stepOverheads(sessions: string[]): Promise<number[]> {
  return await withAdmin(readSettings().dbPort, "postgres", async (c) => {
    const r = await c.query<{ content: string }>(
      `select content from net._http_response where content like '{"kind":"ran"%'`,
    );
    const ids = new Set(sessions);
    return r.rows.map((row) => JSON.parse(row.content) as Record<string, number | string>)
      .filter((t) => ids.has(String(t.sessionId)) && typeof t.stepMs === "number")
      .map((t) => Number(t.stepMs) - Number(t.nodeMs));
  });
}

async function main(): Promise<number> {
  const s = await withStackLock(() => up(() => {}));
  const figures: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cores: navigator.hardwareConcurrency, deno: Deno.version.deno },
    commit: new TextDecoder().decode(
      (await new Deno.Command("git", {
        args: ["rev-parse", "HEAD"],
        cwd: paths.root,
        stdout: "piped",
      })
        .output()).stdout,
    ).trim(),
  };
  const fail: string[] = [];

  if (!skip.has("malformed")) {
    log("1,000 malformed requests");
    const m = await runMalformed(s.FUNCTIONS_URL, await signIn("chaos-malformed@example.test"));
    figures.malformedRequests = m;
    if (m.serverErrors > 0 || m.rowsCreated > 0 || m.notRefused.length > 0) {
      fail.push(
        `malformed: ${m.serverErrors} 5xx, ${m.rowsCreated} rows, ${m.notRefused.length} not refused`,
      );
    }
  }

  const owner = await signIn("chaos-latency@example.test");
  if (!skip.has("latency")) {
    log("realtime latency, quiet");
    figures.realtimeLatencyQuiet = await measureRealtimeLatency({
      apiUrl: s.API_URL,
      anonKey: s.ANON_KEY,
      dbUrl: s.DB_URL,
      owner,
    });
  }

  if (!skip.has("concurrent")) {
    log("one build alone (quiet step overhead)");
    const alone = await runBuilds(s, 1, { label: "alone" });
    const quiet = await stepOverheads(alone.sessions);
    figures.singleBuild = {
      buildMs: alone.buildP50Ms,
      stepOverheadP50Ms: Math.round(percentile(quiet, 50) * 10) / 10,
      steps: quiet.length,
    };
    log(`${builds} concurrent builds`);
    const [run, latency] = await Promise.all([
      runBuilds(s, builds, { label: "load" }),
      skip.has("latency") ? Promise.resolve(undefined) : measureRealtimeLatency({
        apiUrl: s.API_URL,
        anonKey: s.ANON_KEY,
        dbUrl: s.DB_URL,
        owner,
        events: 100,
        gapMs: 100,
      }),
    ]);
    const overheads = await stepOverheads(run.sessions);
    const { sessions: _s, workerKills: _k, nodesKilledMidStep: _n, postgresRestarts: _p, ...rest } =
      run;
    figures.concurrentBuilds = {
      ...rest,
      stepOverheadP50Ms: Math.round(percentile(overheads, 50) * 10) / 10,
      steps: overheads.length,
    };
    if (latency) figures.realtimeLatencyUnderLoad = latency;
    if (run.succeeded !== builds || run.violations.length) {
      fail.push(
        `concurrent: ${run.succeeded}/${builds} succeeded, ${run.violations.length} violations`,
      );
    }
  }

  if (!skip.has("faults")) {
    log(`${faulted} builds with the worker killed at random and PostgreSQL restarted`);
    await fetch(`${s.API_URL}/_stack/functions/worker/env`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${s.SERVICE_ROLE_KEY}`,
        "content-type": "application/json",
      },
      // Short visibility timeouts so redeliveries come quickly; steps long enough to be hit.
      // More redeliveries than the default 2: the point is every node killed, not builds failed.
      body: JSON.stringify({
        VIBE_WORKER_VT_SECONDS: "3",
        VIBE_WORKER_STEP_DELAY_MS: "250",
        VIBE_WORKER_MAX_REDELIVERIES: "20",
      }),
    }).then((r) => r.body?.cancel());
    try {
      const nodes = new Set<string>();
      const runs = [];
      for (let round = 0; round < 4 && nodes.size < NODES.length; round++) {
        const run = await runBuilds(s, faulted, {
          label: `faults${round}`,
          faults: { killEveryMs: 1200, ...(round === 0 ? { restartPostgresAfterMs: 2500 } : {}) },
        });
        run.nodesKilledMidStep.forEach((n) => nodes.add(n));
        runs.push(run);
      }
      const violations = runs.flatMap((r) => r.violations);
      figures.faults = {
        builds: runs.reduce((n, r) => n + r.submitted, 0),
        succeeded: runs.reduce((n, r) => n + r.succeeded, 0),
        workerKills: runs.reduce((n, r) => n + r.workerKills, 0),
        postgresRestarts: runs.reduce((n, r) => n + r.postgresRestarts, 0),
        nodesKilledMidStep: [...nodes].sort(),
        nodesNeverHit: NODES.filter((n) => !nodes.has(n)),
        duplicateOrMissingEvents: violations.filter((v) => /event|seq/.test(v)).length,
        duplicateObjects: violations.filter((v) => /twice|times|environments for/.test(v)).length,
        violations,
      };
      if (violations.length || runs.some((r) => r.succeeded !== r.submitted)) {
        fail.push(`faults: ${violations.length} violations`);
      }
      const missed = NODES.filter((n) => !nodes.has(n));
      if (missed.length) fail.push(`faults: never killed mid-step: ${missed.join(", ")}`);
    } finally {
      await fetch(`${s.API_URL}/_stack/functions/worker/env`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${s.SERVICE_ROLE_KEY}`,
          "content-type": "application/json",
        },
        body: "{}",
      }).then((r) => r.body?.cancel());
    }
  }

  if (!skip.has("splinter")) {
    const dir = Deno.env.get("SPLINTER_DIR");
    const ref = await withAdmin(
      readSettings().dbPort,
      "postgres",
      async (c) =>
        (await c.query<{ ref: string }>(
          `select environment->>'ref' as ref from build_sessions
          where status = 'succeeded' and template = 'marketplace' order by created_at desc limit 1`,
        )).rows[0]?.ref,
    );
    if (!dir) {
      figures.driftVsSplinter = { skipped: "set SPLINTER_DIR to a splinter checkout's lints/" };
    } else if (!ref) {
      figures.driftVsSplinter = { skipped: "no succeeded marketplace build to measure on" };
    } else {
      log("our drift check against splinter");
      const database = `proj_${ref}`;
      const client = new pg.Client({
        connectionString: s.DB_URL.replace(/\/postgres$/, `/${database}`),
      });
      await client.connect();
      const admin = await adminClient(readSettings().dbPort, database);
      try {
        figures.driftVsSplinter = await measureDriftVsSplinter(client, admin, dir, database);
      } finally {
        await client.end();
        await admin.end();
      }
    }
  }

  if (!skip.has("secrets")) {
    log("secret sweep");
    const sweep = await sweepStack();
    figures.secretSweep = { ...sweep, hits: sweep.hits.slice(0, 50), hitCount: sweep.hits.length };
    if (sweep.hits.length) fail.push(`secret sweep: ${sweep.hits.length} secrets found`);
  }

  figures.verdict = fail.length ? { ok: false, failures: fail } : { ok: true };
  await Deno.mkdir(out.replace(/\/[^/]+$/, ""), { recursive: true });
  await Deno.writeTextFile(out, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(JSON.stringify(figures.verdict));
  log(`figures written to ${out}`);
  await stackStatus();
  return fail.length ? 1 : 0;
}

Deno.exit(await main());
