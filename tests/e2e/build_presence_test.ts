/**
 * @module The ghost cursor during a real build, through the real `@supabase/supabase-js`
 * client on the private channel `build:{sessionId}`: presence arrives live while a node works
 * (before the node's events are committed), walks the tables, policies and functions one by
 * one, never goes back in progress, and GET /sessions/:id returns the latest. With the default
 * throttle a node's many updates collapse into a few, and the cursor still moves.
 */
import assert from "node:assert/strict";
import { createClient, type RealtimeChannel, type SupabaseClient } from "@supabase/supabase-js";
import {
  type BuildEvent,
  driveBuild,
  MARKETPLACE_VIBE,
  type Presence,
  type SessionView,
  setFunctionEnv,
} from "../support/builds.ts";
import { newUser, stack, withClient } from "../support/stack.ts";

const OPTIONS = '{"enableAnalytics":false,"enableDriftSentinel":true,"environmentMode":"branch"}';

/** A queued session whose first step is not sent yet, so the channel is joined before it runs. */
async function idleSession(ownerId: string): Promise<string> {
  return await withClient(async (c) =>
    (await c.query<{ id: string }>(
      `insert into public.build_sessions (owner_id, template, vibe_text, options)
       values ($1, 'marketplace', $2, $3) returning id`,
      [ownerId, MARKETPLACE_VIBE, OPTIONS],
    )).rows[0]!.id
  );
}

/** Queues the build's first step and kicks the worker, as POST /sessions does. */
async function startBuild(sessionId: string): Promise<void> {
  await withClient(async (c) => {
    await c.query("select pgmq.send('build_steps', $1::jsonb)", [
      JSON.stringify({ sessionId, node: "ingest_vibe" }),
    ]);
    await c.query(
      "select private.call_function('worker', jsonb_build_object('sessionId', $1::text))",
      [
        sessionId,
      ],
    );
  });
}

/** A supabase-js client whose Realtime connection acts as the signed-in user. */
async function realtimeClient(token: string): Promise<SupabaseClient> {
  const s = await stack();
  const client = createClient(s.API_URL, s.ANON_KEY, { accessToken: () => Promise.resolve(token) });
  await client.realtime.setAuth();
  return client;
}

function subscribed(channel: RealtimeChannel): Promise<string> {
  return new Promise((resolve) => channel.subscribe((status) => resolve(status)));
}

async function waitFor(label: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Names in order, consecutive repeats dropped. */
function walk(presence: Presence[], step: string, type?: string): string[] {
  return presence.filter((p) => p.step === step && (!type || p.focus.type === type))
    .map((p) => p.focus.name)
    .filter((name, i, all) => i === 0 || all[i - 1] !== name);
}

/** What the channel delivered during one real build, in arrival order. */
interface Observed {
  sessionId: string;
  /** Broadcasts in arrival order: presence and events interleaved. */
  arrivals: ({ kind: "presence"; presence: Presence } | { kind: "event"; event: BuildEvent })[];
  presence: Presence[];
  session: SessionView;
  events: BuildEvent[];
  /** GET /sessions/:id while the build ran. */
  snapshots: SessionView[];
}

async function observeBuild(label: string): Promise<Observed> {
  const owner = await newUser(label);
  const sessionId = await idleSession(owner.id);
  const client = await realtimeClient(owner.token);
  const arrivals: Observed["arrivals"] = [];
  try {
    const channel = client.channel(`build:${sessionId}`, { config: { private: true } })
      .on("broadcast", { event: "architect_presence" }, (m) => {
        // Realtime adds the message's id to a database broadcast's payload.
        const { id: _id, ...presence } = m.payload as Presence & { id?: string };
        arrivals.push({ kind: "presence", presence });
      })
      .on(
        "broadcast",
        { event: "build_event" },
        (m) => arrivals.push({ kind: "event", event: m.payload as BuildEvent }),
      );
    assert.equal(await subscribed(channel), "SUBSCRIBED");
    await startBuild(sessionId);
    const snapshots: SessionView[] = [];
    const { session, events } = await driveBuild(sessionId, owner.token, {
      onSession: (s) => snapshots.push(s),
    });
    await waitFor(
      "the build's last broadcasts",
      () =>
        arrivals.some((a) => a.kind === "presence" && a.presence.step === "finalize") &&
        arrivals.filter((a) => a.kind === "event").length === events.length,
    );
    const presence = arrivals.flatMap((a) => a.kind === "presence" ? [a.presence] : []);
    return { sessionId, arrivals, presence, session, events, snapshots };
  } finally {
    await client.removeAllChannels();
  }
}

function assertMonotonic(presence: Presence[]): void {
  for (const [i, p] of presence.entries()) {
    assert.equal(p.actor, "architect");
    assert.ok(["table", "policy", "function", "analytics"].includes(p.focus.type), p.focus.type);
    assert.ok(p.progress >= 0 && p.progress <= 1);
    assert.ok(!Number.isNaN(Date.parse(p.ts)));
    if (i > 0) {
      assert.ok(
        p.progress >= presence[i - 1]!.progress,
        `progress went back: ${presence[i - 1]!.progress} then ${p.progress} (${p.step})`,
      );
    }
  }
}

Deno.test("the ghost cursor walks every table, policy and function live during a real build", async () => {
  await setFunctionEnv("worker", { VIBE_PRESENCE_INTERVAL_MS: "0" });
  try {
    const o = await observeBuild("presence");
    assert.equal(o.session.status, "succeeded", o.session.error ?? "no error");
    const plan = o.events.find((e) => e.type === "plan_created" && e.payload.draft === false)!;
    const tables = plan.payload.tables as string[];
    const policies = plan.payload.policies as string[];
    const functions = plan.payload.functions as string[];
    assertMonotonic(o.presence);

    assert.deepEqual(walk(o.presence, "apply_migrations", "table"), tables, "per table");
    assert.deepEqual(walk(o.presence, "configure_rls", "table"), tables, "RLS per table");
    assert.deepEqual(
      walk(o.presence, "configure_rls", "policy"),
      policies,
      "per policy (the first one shown before the migration, then each in turn)",
    );
    assert.deepEqual(walk(o.presence, "deploy_edge_functions", "function"), functions);
    assert.deepEqual(
      [...new Set(o.presence.map((p) => p.step))],
      [
        "ingest_vibe",
        "generate_plan",
        "provision_environment",
        "apply_migrations",
        "configure_rls",
        "deploy_edge_functions",
        "configure_analytics",
        "finalize",
      ],
    );

    // Live: a node's presence arrives before the events it commits at its end.
    const firstTable = o.arrivals.findIndex((a) =>
      a.kind === "event" && a.event.type === "table_created"
    );
    const cursorOnTables = o.arrivals.findIndex((a) =>
      a.kind === "presence" && a.presence.step === "apply_migrations"
    );
    assert.ok(cursorOnTables >= 0 && cursorOnTables < firstTable, "presence streams mid-node");

    // GET /sessions/:id returns the latest presence, during the build and at its end.
    const running = o.snapshots.filter((s) => s.status === "running" && s.presence);
    assert.ok(running.length > 0, "presence was readable while the build ran");
    assert.ok(running.some((s) => s.presence!.progress < 1), "mid-build presence");
    assertMonotonic(running.map((s) => s.presence!));
    const last = o.presence.at(-1)!;
    assert.deepEqual(o.session.presence, last);
    assert.equal(last.step, "finalize");
    assert.equal(last.progress, 1);
  } finally {
    await setFunctionEnv("worker", {});
  }
});

Deno.test("throttled presence: a node's many updates collapse into a few, and the cursor moves", async () => {
  // The default interval (250 ms): a node that walks many objects at once sends its first
  // update at once, then at most one per interval, and its last one with its commit.
  const o = await observeBuild("presence-throttle");
  assert.equal(o.session.status, "succeeded", o.session.error ?? "no error");
  assertMonotonic(o.presence);
  const plan = o.events.find((e) => e.type === "plan_created" && e.payload.draft === false)!;
  const tables = plan.payload.tables as string[];
  const policies = plan.payload.policies as string[];
  const rls = o.presence.filter((p) => p.step === "configure_rls");
  assert.ok(
    rls.length < (tables.length + policies.length) / 2,
    `${rls.length} updates for ${tables.length + policies.length} objects`,
  );
  const names = walk(o.presence, "configure_rls");
  assert.ok(names.length >= 2, `the cursor moved within configure_rls: ${names}`);
  assert.equal(names.at(-1), policies.at(-1), "it ends on the last policy");
  assert.equal(walk(o.presence, "apply_migrations").at(-1), tables.at(-1));
  assert.deepEqual(o.session.presence, o.presence.at(-1));
});
