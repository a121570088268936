/** @module End-to-end builds over HTTP on the local stack, for both templates and both
 * environment modes: the event sequence of DESIGN §3, a reachable environment with RLS on every
 * domain table and nothing readable as anon beyond what the contract makes public, the deployed
 * spec_gate refusing a migration that disables RLS, no secret in any event, and every MCP call
 * in the tool-call log (function bundles as hashes and sizes). */
import assert from "node:assert/strict";
import { loadSecrets } from "../../stack/secrets.ts";
import {
  type BuildEvent,
  driveBuild,
  environmentDb,
  environmentServiceKey,
  expectedEventTypes,
  type SessionView,
  submitBuild,
  toolCallLog,
} from "../support/builds.ts";
import { seedRows } from "../support/seed.ts";
import { newUser, stack } from "../support/stack.ts";

/** Tables whose contract lets anon read rows (listings: "select public"). */
const PUBLIC_TABLES = new Set(["listings"]);

async function checkEnvironment(session: SessionView, events: BuildEvent[]) {
  const env = session.environment!;
  const final = events.find((e) => e.type === "plan_created" && e.payload.draft === false)!;
  const tables = final.payload.tables as string[];

  // Reachable: the deployed drift_check answers, and finds the environment as built.
  const serviceKey = await environmentServiceKey(env.ref);
  const anonCall = await fetch(`${env.url}/functions/v1/drift_check`, {
    method: "POST",
    headers: { authorization: `Bearer ${env.anonKey}` },
  });
  assert.equal(anonCall.status, 403, "environment functions answer only its service role");
  await anonCall.body?.cancel();
  const check = await fetch(`${env.url}/functions/v1/drift_check`, {
    method: "POST",
    headers: { authorization: `Bearer ${serviceKey}` },
  });
  const checkBody = await check.json();
  assert.equal(check.status, 200, JSON.stringify(checkBody));
  assert.equal(
    checkBody.drift,
    0,
    `a fresh environment has no drift: ${JSON.stringify(checkBody)}`,
  );

  const db = await environmentDb(env.ref);
  try {
    const rls = await db.query<{ relname: string; relrowsecurity: boolean }>(
      `select relname, relrowsecurity from pg_class
        where relnamespace = 'public'::regnamespace and relname = any($1)`,
      [tables],
    );
    assert.equal(rls.rowCount, tables.length, "every planned table exists");
    for (const r of rls.rows) assert.ok(r.relrowsecurity, `RLS is enabled on ${r.relname}`);

    // Seed one row per table as the owner would have, then look as anon.
    await db.query("begin");
    const owner = await db.query<{ id: string }>(
      "insert into auth.users (email) values ($1) returning id",
      [`seed-${crypto.randomUUID()}@example.test`],
    );
    const uid = owner.rows[0]!.id;
    await db.query(
      "select set_config('request.jwt.claims', $1, true)",
      [JSON.stringify({ sub: uid, role: "authenticated" })],
    );
    await seedRows(db, session.outputs!.tables as string[]);
    await db.query("set local role anon");
    for (const table of tables) {
      await db.query("savepoint probe");
      try {
        const r = await db.query<{ n: number }>(`select count(*)::int as n from public.${table}`);
        if (!PUBLIC_TABLES.has(table)) {
          assert.equal(r.rows[0]!.n, 0, `anon reads no row of public.${table}`);
        }
      } catch (e) {
        assert.equal(
          (e as { code?: string }).code,
          "42501",
          `anon on ${table}: ${(e as Error).message}`,
        );
      }
      await db.query("rollback to savepoint probe");
    }
    await db.query("rollback");
  } finally {
    await db.end();
  }

  // spec_gate: refuses a migration that disables RLS, accepts a harmless one.
  const gate = (sql: string, key = serviceKey) =>
    fetch(`${env.url}/functions/v1/spec_gate`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ sql }),
    });
  const target = tables.find((t) => t !== "profiles")!;
  const refused = await gate(`alter table public.${target} disable row level security`);
  const refusedBody = await refused.json();
  assert.equal(refused.status, 200);
  assert.equal(refusedBody.allowed, false, JSON.stringify(refusedBody));
  assert.ok(
    refusedBody.reasons.some((r: string) => r.includes(target)),
    `the reasons name ${target}: ${JSON.stringify(refusedBody.reasons)}`,
  );
  const accepted = await (await gate(
    `create index if not exists ${target}_created_at_idx on public.${target} (created_at);
     comment on table public.${target} is 'checked by spec_gate'`,
  )).json();
  assert.deepEqual(accepted, { allowed: true, reasons: [] });
  // A migration that tries to commit is refused, and commits nothing.
  const committing = await (await gate(
    `begin; alter table public.${target} disable row level security; commit;`,
  )).json();
  assert.equal(committing.allowed, false);
  assert.match(committing.reasons[0], /remove BEGIN\/COMMIT/);
  const byAnon = await gate("select 1", env.anonKey);
  assert.equal(byAnon.status, 403);
  await byAnon.body?.cancel();
  // spec_gate rolled its probe back: RLS is still on.
  const db2 = await environmentDb(env.ref);
  try {
    const still = await db2.query(
      "select relrowsecurity from pg_class where oid = $1::regclass",
      [`public.${target}`],
    );
    assert.equal(still.rows[0]?.relrowsecurity, true);
  } finally {
    await db2.end();
  }
}

async function checkNoSecrets(events: unknown[], env: SessionView["environment"]) {
  const s = await stack();
  const text = JSON.stringify(events);
  const secrets = [
    s.SERVICE_ROLE_KEY,
    (await loadSecrets()).jwtSecret,
    await environmentServiceKey(env!.ref),
  ];
  for (const secret of secrets) assert.ok(!text.includes(secret), "no key or secret in events");
  assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/.test(text), "no JWT in events");
  assert.ok(!/vrt_[A-Za-z0-9_-]{20,}/.test(text), "no environment reporting token in events");
}

/**
 * Function bundles are recorded as hashes and sizes, and the append-only log has every call
 * the events carry (written as each finished), with no secret either.
 */
async function checkToolCallLog(
  id: string,
  events: BuildEvent[],
  env: SessionView["environment"],
) {
  type Call = { tool: string; started_at: string; arguments: Record<string, unknown> };
  const carried = events.flatMap((e) => (e.payload.tool_calls as Call[] | undefined) ?? []);
  const deploys = carried.filter((c) => c.tool === "deploy_edge_function");
  assert.equal(deploys.length, 2);
  for (const d of deploys) {
    for (const f of d.arguments.files as Record<string, unknown>[]) {
      assert.deepEqual(Object.keys(f).sort(), ["name", "sha256", "size"]);
      assert.match(String(f.sha256), /^[0-9a-f]{64}$/);
      assert.ok(Number(f.size) > 1000, "the bundle's size in bytes");
    }
  }
  assert.ok(JSON.stringify(events).length < 100_000, "no bundle in the events");
  const log = await toolCallLog(id);
  const logged = new Set(log.map((c) => `${c.record.started_at} ${c.tool}`));
  for (const c of carried) assert.ok(logged.has(`${c.started_at} ${c.tool}`), `${c.tool} logged`);
  assert.ok(log.every((c) => c.source === "worker" && c.node && c.invocation));
  await checkNoSecrets(log, env);
}

for (const template of ["marketplace", "saas"] as const) {
  for (const mode of ["branch", "project"] as const) {
    Deno.test(`a ${template} build in ${mode} mode succeeds with the documented events`, async () => {
      const user = await newUser(`${template}-${mode}`);
      const id = await submitBuild(user, { template, mode });
      const { session, events } = await driveBuild(id, user.token);
      assert.equal(session.status, "succeeded", session.error ?? "no error");

      assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), "seq is 1..n");
      const final = events.find((e) => e.type === "plan_created" && e.payload.draft === false);
      assert.ok(final, "the final plan event");
      const tables = (final.payload.tables as string[]).length;
      const policies = (final.payload.policies as string[]).length;
      assert.deepEqual(events.map((e) => e.type), expectedEventTypes(tables, policies));

      const created = events.find((e) => e.type === "environment_created")!;
      const calls = created.payload.tool_calls as { tool: string; ok: boolean }[];
      assert.ok(
        calls.some((c) =>
          c.tool === (mode === "branch" ? "create_branch" : "create_project") && c.ok
        ),
        `environment_created carries the MCP calls: ${calls.map((c) => c.tool)}`,
      );
      for (const type of ["table_created", "rls_enabled"]) {
        const first = events.find((e) => e.type === type)!;
        assert.ok(
          (first.payload.tool_calls as { tool: string }[]).some((c) =>
            c.tool === "apply_migration"
          ),
          `${type} carries its apply_migration call`,
        );
      }

      assert.equal(session.environment?.kind, mode);
      const outputs = session.outputs!;
      assert.equal(outputs.environmentUrl, session.environment!.url);
      assert.equal((outputs.tables as string[]).length, tables);
      assert.deepEqual(
        (outputs.functions as { slug: string }[]).map((f) => f.slug).sort(),
        ["drift_check", "spec_gate"],
      );
      await checkNoSecrets(events, session.environment);
      await checkToolCallLog(id, events, session.environment);
      await checkEnvironment(session, events);
    });
  }
}
