/**
 * @module The control plane's health report (service role only): database reachability and
 * latency, the schema the functions rely on, RLS on the control-plane tables, the queue, the
 * cron jobs and the worker's heartbeat.
 */
import { firstRow, type Queryable, rows } from "../db/query.ts";
import { queueMetrics } from "../queue/messages.ts";

const REQUIRED_TABLES = [
  "public.build_sessions",
  "public.build_events",
  "public.spec_chunks",
  "public.drift_alerts",
  "langgraph.checkpoints",
  "langgraph.checkpoint_blobs",
  "langgraph.checkpoint_writes",
  "private.worker_heartbeat",
  "private.build_leases",
  "public.mcp_tool_calls",
];
const REQUIRED_FUNCTIONS = [
  "private.append_build_events(uuid,jsonb)",
  "private.set_presence(uuid,jsonb)",
  "private.call_function(text,jsonb)",
  "pgmq.send(text,jsonb,integer)",
  "pgmq.read(text,integer,integer,jsonb)",
  "net.http_post(text,jsonb,jsonb,jsonb,integer)",
  "realtime.send(jsonb,text,text,boolean)",
];
const RLS_TABLES = REQUIRED_TABLES.slice(0, 4);

export interface HealthReport {
  ok: boolean;
  database: { reachable: boolean; latencyMs: number };
  schema: { missingTables: string[]; missingFunctions: string[] };
  rls: { disabledOn: string[] };
  queue: { depth: number; oldestMessageAgeSeconds: number | null } | null;
  cron: {
    job: string;
    schedule: string;
    active: boolean;
    lastRun: string | null;
    lastStatus: string | null;
  }[];
  worker: { lastHeartbeat: string | null; lastNode: string | null; lastOutcome: string | null };
  problems: string[];
}

export async function healthReport(db: Queryable): Promise<HealthReport> {
  const problems: string[] = [];
  const t0 = performance.now();
  await db.query("select 1");
  const latencyMs = Math.round((performance.now() - t0) * 10) / 10;

  const missingTables = (await rows<{ name: string }>(db, {
    text: "select name from unnest($1::text[]) as name where to_regclass(name) is null",
    values: [REQUIRED_TABLES],
  })).map((r) => r.name);
  const missingFunctions = (await rows<{ name: string }>(db, {
    text: "select name from unnest($1::text[]) as name where to_regprocedure(name) is null",
    values: [REQUIRED_FUNCTIONS],
  })).map((r) => r.name);
  for (const t of missingTables) problems.push(`Table ${t} is missing: run the migrations`);
  for (const f of missingFunctions) problems.push(`Function ${f} is missing: run the migrations`);

  const disabledOn = (await rows<{ name: string }>(db, {
    text: `select name from unnest($1::text[]) as name
            where to_regclass(name) is not null
              and not (select relrowsecurity from pg_class where oid = to_regclass(name))`,
    values: [RLS_TABLES],
  })).map((r) => r.name);
  for (const t of disabledOn) problems.push(`Row-level security is disabled on ${t}: enable it`);

  let queue: HealthReport["queue"] = null;
  try {
    const m = await firstRow<{ queue_length: number; oldest_msg_age_sec: number | null }>(
      db,
      queueMetrics(),
    );
    queue = { depth: m?.queue_length ?? 0, oldestMessageAgeSeconds: m?.oldest_msg_age_sec ?? null };
  } catch (e) {
    problems.push(`The build queue cannot be read: ${(e as Error).message}`);
  }

  let cron: HealthReport["cron"] = [];
  try {
    cron = (await rows<{
      jobname: string;
      schedule: string;
      active: boolean;
      last_run: Date | null;
      last_status: string | null;
    }>(db, {
      text: `select j.jobname, j.schedule, j.active, d.end_time as last_run, d.status as last_status
               from cron.job j
               left join lateral (select end_time, status from cron.job_run_details r
                                   where r.jobid = j.jobid order by r.runid desc limit 1) d on true
              where j.jobname like 'vibe-%' order by j.jobname`,
      values: [],
    })).map((r) => ({
      job: r.jobname,
      schedule: r.schedule,
      active: r.active,
      lastRun: r.last_run?.toISOString() ?? null,
      lastStatus: r.last_status,
    }));
    for (const name of ["vibe-worker-drain", "vibe-drift-sentinel", "vibe-environment-cleanup"]) {
      if (!cron.some((j) => j.job === name && j.active)) {
        problems.push(`Cron job ${name} is missing or inactive: run the migrations`);
      }
    }
  } catch (e) {
    problems.push(`The cron jobs cannot be read: ${(e as Error).message}`);
  }

  const hb = await firstRow<{ at: Date; node: string | null; outcome: string | null }>(db, {
    text: "select at, node, outcome from private.worker_heartbeat limit 1",
    values: [],
  }).catch(() => undefined);

  return {
    ok: problems.length === 0,
    database: { reachable: true, latencyMs },
    schema: { missingTables, missingFunctions },
    rls: { disabledOn },
    queue,
    cron,
    worker: {
      lastHeartbeat: hb?.at.toISOString() ?? null,
      lastNode: hb?.node ?? null,
      lastOutcome: hb?.outcome ?? null,
    },
    problems,
  };
}
