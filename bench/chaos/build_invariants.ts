/**
 * @module What must hold for every build after any fault: it ended, its events are gapless and
 * unique and are exactly the documented sequence for its plan, it has one environment of its
 * own, and nothing in that environment was created twice (migrations recorded once, each Edge
 * Function deployed once, every planned table and policy present once).
 */
import type pg from "../../functions-shared/db/pg.ts";

export interface BuildFacts {
  sessionId: string;
  status: string;
  /** Event type and identifying payload fields, in seq order, with their seq. */
  events: { seq: number; type: string; key: string }[];
  plan: { tables: { name: string }[]; policies: { name: string; table: string }[] } | null;
  environmentRef: string | null;
  /** Environments whose name or metadata point at this session (the registry's view). */
  environmentsForSession: number;
  /** Migration names recorded in the environment, with repeats. */
  migrations: string[];
  /** Deployed functions: slug → versions recorded. */
  functions: Record<string, number>;
  tablesInEnvironment: string[];
  policiesInEnvironment: string[];
}

/** The violations of one build; empty when it is right. */
export function buildViolations(f: BuildFacts, expectSucceeded = true): string[] {
  const v: string[] = [];
  const id = f.sessionId.slice(0, 8);
  if (expectSucceeded && f.status !== "succeeded") v.push(`${id}: status ${f.status}`);
  f.events.forEach((e, i) => {
    if (e.seq !== i + 1) v.push(`${id}: event ${i + 1} has seq ${e.seq} (a gap or a repeat)`);
  });
  const seen = new Set<string>();
  for (const e of f.events) {
    const key = `${e.type}:${e.key}`;
    if (seen.has(key) && !/^(step_retrying|step_failed|architect_)/.test(e.type)) {
      v.push(`${id}: duplicate event ${key}`);
    }
    seen.add(key);
  }
  if (f.status === "succeeded" && f.plan) {
    const types = f.events.map((e) => e.type).filter((t) => t !== "step_retrying");
    const count = (t: string) => types.filter((x) => x === t).length;
    if (count("table_created") !== f.plan.tables.length) {
      v.push(`${id}: ${count("table_created")} table_created for ${f.plan.tables.length} tables`);
    }
    if (count("policy_created") !== f.plan.policies.length) {
      v.push(
        `${id}: ${count("policy_created")} policy_created for ${f.plan.policies.length} policies`,
      );
    }
    for (const t of ["environment_created", "migration_started", "build_succeeded"]) {
      if (count(t) !== 1) v.push(`${id}: ${count(t)} ${t} events`);
    }
    if (types.at(-1) !== "build_succeeded") v.push(`${id}: last event is ${types.at(-1)}`);
    const missingTables = f.plan.tables.map((t) => t.name)
      .filter((t) => !f.tablesInEnvironment.includes(t));
    if (missingTables.length) v.push(`${id}: tables missing: ${missingTables.join(", ")}`);
    const missingPolicies = f.plan.policies.map((p) => `${p.table}.${p.name}`)
      .filter((p) => !f.policiesInEnvironment.includes(p));
    if (missingPolicies.length) v.push(`${id}: policies missing: ${missingPolicies.join(", ")}`);
  }
  if (f.status === "succeeded" && !f.environmentRef) v.push(`${id}: no environment recorded`);
  if (f.environmentsForSession > 1) {
    v.push(`${id}: ${f.environmentsForSession} environments for one session`);
  }
  const names = new Set<string>();
  for (const m of f.migrations) {
    if (names.has(m)) v.push(`${id}: migration ${m} recorded twice`);
    names.add(m);
  }
  for (const [slug, versions] of Object.entries(f.functions)) {
    if (versions !== 1) v.push(`${id}: function ${slug} deployed ${versions} times`);
  }
  return v;
}

/** Identifying payload fields of an event, so two events about one object compare equal. */
export function eventKey(payload: Record<string, unknown>): string {
  const parts = ["draft", "table", "policy", "slug", "name", "attempt"]
    .filter((k) => payload[k] !== undefined)
    .map((k) => `${k}=${JSON.stringify(payload[k])}`);
  return parts.join(",");
}

/** Reads a build's facts from the control plane and the local platform. */
export async function readBuildFacts(
  controlPlane: pg.Client,
  registry: pg.Client,
  environmentDb: (ref: string) => Promise<pg.Client>,
  sessionId: string,
): Promise<BuildFacts> {
  const session = (await controlPlane.query<{
    status: string;
    plan: BuildFacts["plan"];
    ref: string | null;
  }>(
    "select status, plan, environment->>'ref' as ref from build_sessions where id = $1",
    [sessionId],
  )).rows[0];
  if (!session) throw new Error(`No session ${sessionId}`);
  const events = (await controlPlane.query<
    { seq: number; type: string; payload: Record<string, unknown> }
  >(
    "select seq, type, payload from build_events where session_id = $1 order by seq",
    [sessionId],
  )).rows.map((e) => ({ seq: Number(e.seq), type: e.type, key: eventKey(e.payload) }));
  const compact = sessionId.replace(/-/g, "");
  const envCount = (await registry.query<{ n: number }>(
    `select count(*)::int as n from platform.environments
      where name like '%' || $1 || '%' or name like '%' || left($1, 12) || '%'`,
    [compact],
  )).rows[0]!.n;
  const facts: BuildFacts = {
    sessionId,
    status: session.status,
    events,
    plan: session.plan,
    environmentRef: session.ref,
    environmentsForSession: envCount,
    migrations: [],
    functions: {},
    tablesInEnvironment: [],
    policiesInEnvironment: [],
  };
  if (!session.ref) return facts;
  const fns = await registry.query<{ slug: string; versions: number }>(
    `select f.slug, count(v.*)::int as versions from platform.functions f
       left join platform.function_versions v on v.function_id = f.id
      where f.project_ref = $1 group by f.slug`,
    [session.ref],
  );
  for (const f of fns.rows) facts.functions[f.slug] = f.versions;
  const env = await environmentDb(session.ref);
  try {
    facts.migrations = (await env.query<{ name: string }>(
      "select coalesce(name, version) as name from supabase_migrations.schema_migrations",
    ).catch(() => ({ rows: [] }))).rows.map((r) => r.name);
    facts.tablesInEnvironment = (await env.query<{ t: string }>(
      "select tablename as t from pg_tables where schemaname = 'public'",
    )).rows.map((r) => r.t);
    facts.policiesInEnvironment = (await env.query<{ p: string }>(
      "select tablename || '.' || policyname as p from pg_policies where schemaname = 'public'",
    )).rows.map((r) => r.p);
  } finally {
    await env.end();
  }
  return facts;
}
