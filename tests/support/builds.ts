/**
 * @module Running real builds in tests: submit through the sessions API as a signed-in user,
 * follow the events, and play the cron (POST the worker) when no kick arrives — locally pg_cron
 * ticks once a minute, which tests cannot wait for.
 */
import assert from "node:assert/strict";
import pg from "../../functions-shared/db/pg.ts";
import { withAdmin } from "../../stack/cluster.ts";
import { environmentKeys } from "../../stack/platform/environments.ts";
import { REGISTRY_DATABASE } from "../../stack/platform/registry.ts";
import { readSettings } from "../../stack/settings.ts";
import type { SignedInUser } from "../../stack/token.ts";
import { callFunction, dbUrl, stack, withClient } from "./stack.ts";

export interface BuildEvent {
  id: string;
  sessionId: string;
  seq: number;
  type: string;
  message: string;
  payload: Record<string, unknown>;
  ts: string;
}

export interface SessionView {
  id: string;
  status: string;
  template: string;
  vibeText: string;
  options: Record<string, unknown>;
  environment:
    | { kind: string; ref: string; url: string; anonKey: string; name: string; parentRef?: string }
    | null;
  outputs: Record<string, unknown> | null;
  error?: string;
  presence: Presence | null;
}

/** The architect's presence (`architect_presence`, and the session's latest). */
export interface Presence {
  actor: string;
  step: string;
  focus: { type: string; name: string };
  progress: number;
  ts: string;
}

export interface BuildOptions {
  template?: "marketplace" | "saas";
  mode?: "branch" | "project";
  analytics?: boolean;
  vibeText?: string;
}

export const MARKETPLACE_VIBE = `# Vintage synth marketplace
Listings have a condition and a year.
Buyers can leave a 1-5 star review on an order they placed.
Sellers can see bids on their listings.`;

export const SAAS_VIBE = `# Team task tracker
Tasks have a due date.
Projects have a description.`;

/** Posts a session and returns its id. */
export async function submitBuild(user: SignedInUser, opts: BuildOptions = {}): Promise<string> {
  const template = opts.template ?? "marketplace";
  const res = await callFunction("sessions", {
    method: "POST",
    token: user.token,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      vibeText: opts.vibeText ?? (template === "marketplace" ? MARKETPLACE_VIBE : SAAS_VIBE),
      template,
      options: {
        enableAnalytics: opts.analytics ?? false,
        enableDriftSentinel: true,
        environmentMode: opts.mode ?? "branch",
      },
    }),
  });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  return body.sessionId;
}

/** Runs one worker invocation as pg_cron would. */
export async function pokeWorker(): Promise<Record<string, unknown>> {
  const s = await stack();
  const res = await callFunction("worker", {
    method: "POST",
    token: s.SERVICE_ROLE_KEY,
    body: "{}",
  });
  const text = await res.text();
  try {
    return { status: res.status, ...JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

export async function getSession(id: string, token: string): Promise<SessionView> {
  const res = await callFunction(`sessions/${id}`, { token });
  assert.equal(res.status, 200);
  return await res.json();
}

export async function getEvents(id: string, token: string): Promise<BuildEvent[]> {
  const res = await callFunction(`sessions/${id}/events`, { token });
  assert.equal(res.status, 200);
  return await res.json();
}

const TERMINAL = new Set(["succeeded", "failed", "canceled"]);

/**
 * Follows a build until it ends. Whenever nothing happened for `idleMs` (a kick was lost, or a
 * crash or a retry is waiting for its visibility timeout), runs the worker once, as the cron
 * drain would.
 */
export async function driveBuild(
  id: string,
  token: string,
  opts: { timeoutMs?: number; idleMs?: number; onSession?: (s: SessionView) => void } = {},
): Promise<{ session: SessionView; events: BuildEvent[] }> {
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  let lastSeq = -1;
  let lastChange = Date.now();
  for (;;) {
    const session = await getSession(id, token);
    opts.onSession?.(session);
    const events = await getEvents(id, token);
    if (TERMINAL.has(session.status)) return { session, events };
    const seq = events.at(-1)?.seq ?? 0;
    if (seq !== lastSeq) {
      lastSeq = seq;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > (opts.idleMs ?? 1500)) {
      await pokeWorker();
      lastChange = Date.now();
    }
    if (Date.now() > deadline) {
      throw new Error(`Build ${id} did not finish: status ${session.status}, last seq ${seq}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A row of the tool-call log (`public.mcp_tool_calls`). */
export interface LoggedToolCall {
  source: string;
  node: string | null;
  attempt: number | null;
  invocation: string | null;
  tool: string;
  ok: boolean;
  record: Record<string, unknown> & { arguments: Record<string, unknown> };
}

/** A session's tool-call log, in the order the calls finished. */
export async function toolCallLog(sessionId: string): Promise<LoggedToolCall[]> {
  return await withClient(async (c) =>
    (await c.query<LoggedToolCall>(
      `select source, node, attempt, invocation, tool, ok, record from public.mcp_tool_calls
        where session_id = $1 order by id`,
      [sessionId],
    )).rows
  );
}

/** A `postgres` connection to an environment's database. */
export async function environmentDb(ref: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: await dbUrl(`proj_${ref}`) });
  await client.connect();
  return client;
}

/** The environment's service-role key (server-side only; tests act as its owner). */
export async function environmentServiceKey(ref: string): Promise<string> {
  const secret = await withAdmin(
    readSettings().dbPort,
    REGISTRY_DATABASE,
    async (c) =>
      (await c.query<{ jwt_secret: string }>(
        "select jwt_secret from platform.environments where ref = $1",
        [ref],
      )).rows[0]?.jwt_secret,
  );
  assert.ok(secret, `environment ${ref} exists`);
  return (await environmentKeys({ ref, jwt_secret: secret })).serviceRoleKey;
}

/** Runs `fn` with test-only variables set on the worker, and always clears them again. */
export async function withWorkerEnv(
  env: Record<string, string>,
  fn: () => Promise<void>,
): Promise<void> {
  await setFunctionEnv("worker", env);
  try {
    await fn();
  } finally {
    await setFunctionEnv("worker", {});
  }
}

/** Sets test-only variables of a control-plane function (restarts it). */
export async function setFunctionEnv(name: string, env: Record<string, string>): Promise<void> {
  const s = await stack();
  const res = await fetch(`${s.API_URL}/_stack/functions/${name}/env`, {
    method: "POST",
    headers: { authorization: `Bearer ${s.SERVICE_ROLE_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(env),
  });
  assert.equal(res.status, 200);
  await res.body?.cancel();
}

/**
 * The event types of a successful build in seq order (DESIGN §3): analytics off ends with
 * analytics_skipped, analytics on with analytics_configured.
 */
export function expectedEventTypes(
  tables: number,
  policies: number,
  opts: { analytics?: boolean } = {},
): string[] {
  return [
    "plan_created",
    "plan_created",
    "environment_created",
    "migration_started",
    ...Array(tables).fill("table_created"),
    ...Array(tables).fill("rls_enabled"),
    ...Array(policies).fill("policy_created"),
    "edge_function_deployed",
    "edge_function_deployed",
    opts.analytics ? "analytics_configured" : "analytics_skipped",
    "build_succeeded",
  ];
}
