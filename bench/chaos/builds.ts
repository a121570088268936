/**
 * @module Real builds under load and under faults: many submitted at once through the sessions
 * API, followed in the control-plane database, with the worker run as pg_cron would whenever
 * nothing moved for a while; optionally the worker's process killed at random moments (noting
 * which nodes were in flight) and PostgreSQL restarted mid-run.
 */
import pg from "../../functions-shared/db/pg.ts";
import { startCluster, stopCluster, withAdmin } from "../../stack/cluster.ts";
import { REGISTRY_DATABASE } from "../../stack/platform/registry.ts";
import { readSettings } from "../../stack/settings.ts";
import type { StackStatus } from "../../stack/lifecycle.ts";
import { type SignedInUser, signIn } from "../../stack/token.ts";
import { buildViolations, readBuildFacts } from "./build_invariants.ts";
import { percentile } from "./realtime_latency.ts";

const VIBES = {
  marketplace: `# Vintage synth marketplace
Sellers list synthesizers with a title, a price and a condition.
Buyers can leave a 1-5 star review on an order they placed.`,
  saas: `# Team task tracker
Tasks have a due date and a priority.
Projects have a description.`,
};

export interface BuildRun {
  sessions: string[];
  submitted: number;
  succeeded: number;
  failed: number;
  wallMs: number;
  buildsPerMinute: number;
  buildP50Ms: number;
  buildP95Ms: number;
  violations: string[];
}

export interface FaultFigures {
  workerKills: number;
  /** Nodes that were in flight when the worker was killed. */
  nodesKilledMidStep: string[];
  postgresRestarts: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function submit(s: StackStatus, user: SignedInUser, i: number): Promise<string> {
  const template = i % 2 === 0 ? "marketplace" : "saas";
  for (let attempt = 0;; attempt++) {
    const res = await fetch(`${s.FUNCTIONS_URL}/sessions`, {
      method: "POST",
      headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json" },
      body: JSON.stringify({
        vibeText: VIBES[template],
        template,
        options: { enableAnalytics: false, enableDriftSentinel: false, environmentMode: "branch" },
      }),
    }).catch((e) => e as Error);
    if (!(res instanceof Error) && res.status === 201) return (await res.json()).sessionId;
    const detail = res instanceof Error ? res.message : `${res.status} ${await res.text()}`;
    if (attempt >= 5) throw new Error(`Cannot submit build ${i}: ${detail}`);
    await sleep(500 * (attempt + 1));
  }
}

/** Runs the worker once, as the pg_cron drain does. */
async function poke(s: StackStatus): Promise<void> {
  await fetch(`${s.FUNCTIONS_URL}/worker`, {
    method: "POST",
    headers: { authorization: `Bearer ${s.SERVICE_ROLE_KEY}`, "content-type": "application/json" },
    body: "{}",
  }).then((r) => r.body?.cancel()).catch(() => {});
}

interface Progress {
  statuses: Map<string, string>;
  lastSeq: number;
}

async function progress(db: pg.Client, ids: string[]): Promise<Progress> {
  const r = await db.query<{ id: string; status: string; last_seq: number }>(
    "select id, status, last_seq from build_sessions where id = any($1::uuid[])",
    [ids],
  );
  return {
    statuses: new Map(r.rows.map((row) => [row.id, row.status])),
    lastSeq: r.rows.reduce((n, row) => n + Number(row.last_seq), 0),
  };
}

async function connectControlPlane(s: StackStatus): Promise<pg.Client> {
  for (let attempt = 0;; attempt++) {
    const db = new pg.Client({ connectionString: s.DB_URL });
    try {
      await db.connect();
      db.on("error", () => {}); // a restart ends it; the next poll reconnects
      return db;
    } catch (e) {
      await db.end().catch(() => {});
      if (attempt > 50) throw e;
      await sleep(200);
    }
  }
}

const TERMINAL = new Set(["succeeded", "failed", "canceled"]);

/** What goes wrong on purpose during a run. */
export interface Faults {
  /** Kill the worker's process every this many ms (randomised ±50%). */
  killEveryMs?: number;
  /** Restart PostgreSQL once, after this many ms. */
  restartPostgresAfterMs?: number;
}

/**
 * Submits `count` builds at once (one user each) and follows them to the end, with `faults`.
 * Checks every build's invariants afterwards.
 */
export async function runBuilds(
  s: StackStatus,
  count: number,
  opts: { faults?: Faults; timeoutMs?: number; label?: string } = {},
): Promise<BuildRun & FaultFigures> {
  const users = await Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        signIn(`chaos-${opts.label ?? "b"}-${i}-${crypto.randomUUID().slice(0, 6)}@example.test`),
    ),
  );
  const started = performance.now();
  const sessions = await Promise.all(users.map((u, i) => submit(s, u, i)));
  const faults: FaultFigures = { workerKills: 0, nodesKilledMidStep: [], postgresRestarts: 0 };
  const killed = new Set<string>();
  let db = await connectControlPlane(s);
  let restarted = false;
  // The first kill comes early, while the builds' first nodes (ingest_vibe) are still running.
  let nextKill = opts.faults?.killEveryMs
    ? performance.now() + 100 + Math.random() * 300
    : Infinity;
  let last = -1;
  let lastChange = performance.now();
  const deadline = performance.now() + (opts.timeoutMs ?? 15 * 60_000);
  let finished = false;
  while (!finished) {
    const now = performance.now();
    if (now > deadline) throw new Error(`Builds did not finish in time (${opts.label})`);
    if (
      !restarted && opts.faults?.restartPostgresAfterMs !== undefined &&
      now - started > opts.faults.restartPostgresAfterMs
    ) {
      restarted = true;
      await db.end().catch(() => {});
      await stopCluster();
      await startCluster(readSettings().dbPort);
      faults.postgresRestarts++;
      db = await connectControlPlane(s);
    }
    if (now > nextKill) {
      // The nodes whose messages are being worked on right now are the ones the kill interrupts.
      const inFlight = await db.query<{ node: string }>(
        `select distinct message->>'node' as node from pgmq.q_build_steps
          where vt > now() and read_ct > 0`,
      ).catch(() => ({ rows: [] as { node: string }[] }));
      await fetch(`${s.API_URL}/_stack/functions/worker/kill`, {
        method: "POST",
        headers: { authorization: `Bearer ${s.SERVICE_ROLE_KEY}` },
      }).then((r) => r.body?.cancel()).catch(() => {});
      faults.workerKills++;
      for (const r of inFlight.rows) killed.add(r.node);
      const every = opts.faults!.killEveryMs!;
      nextKill = now + every * (0.5 + Math.random());
    }
    let p: Progress;
    try {
      p = await progress(db, sessions);
    } catch {
      await db.end().catch(() => {});
      db = await connectControlPlane(s);
      continue;
    }
    finished = [...p.statuses.values()].every((st) => TERMINAL.has(st));
    if (p.lastSeq !== last) {
      last = p.lastSeq;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > 2000) {
      await poke(s); // as the cron drain would
      lastChange = performance.now();
    }
    await sleep(150);
  }
  const wallMs = performance.now() - started;
  faults.nodesKilledMidStep = [...killed].sort();

  const durations = (await db.query<{ ms: number }>(
    `select extract(epoch from (finished_at - created_at)) * 1000 as ms from build_sessions
      where id = any($1::uuid[]) and finished_at is not null`,
    [sessions],
  )).rows.map((r) => Number(r.ms));
  const { statuses } = await progress(db, sessions);
  const violations: string[] = [];
  await withAdmin(readSettings().dbPort, REGISTRY_DATABASE, async (registry) => {
    for (const id of sessions) {
      const facts = await readBuildFacts(db, registry, async (ref) => {
        const c = new pg.Client({
          connectionString: s.DB_URL.replace(/\/postgres$/, `/proj_${ref}`),
        });
        await c.connect();
        return c;
      }, id);
      violations.push(...buildViolations(facts));
    }
  });
  await db.end();
  const succeeded = [...statuses.values()].filter((st) => st === "succeeded").length;
  return {
    sessions,
    submitted: count,
    succeeded,
    failed: count - succeeded,
    wallMs: Math.round(wallMs),
    buildsPerMinute: Math.round((count / (wallMs / 60_000)) * 10) / 10,
    buildP50Ms: Math.round(percentile(durations, 50)),
    buildP95Ms: Math.round(percentile(durations, 95)),
    violations,
    ...faults,
  };
}
