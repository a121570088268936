/**
 * @module The local Realtime server through the real `@supabase/supabase-js` client, over both
 * protocol versions: private `build:{sessionId}` channels deliver the build events and presence
 * that the database broadcasts (only committed ones, in seq order) to the session's owner only;
 * public channels relay client broadcasts and presence; the socket speaks Phoenix's framing.
 *
 * Clients get the user's JWT through supabase-js's `accessToken` option: without a GoTrue
 * session, a token set with `realtime.setAuth(token)` is replaced by the anon key the next time
 * realtime-js refreshes it (supabase-js always installs its own accessToken callback).
 */
import assert from "node:assert/strict";
import { createClient, type RealtimeChannel, type SupabaseClient } from "@supabase/supabase-js";
import { signJwt } from "../../functions-shared/auth/jwt.ts";
import type pg from "../../functions-shared/db/pg.ts";
import { newUser, stack, withClient } from "../support/stack.ts";

const VSNS = ["1.0.0", "2.0.0"] as const;
type Vsn = (typeof VSNS)[number];

const OPTIONS = '{"enableAnalytics":false,"enableDriftSentinel":true,"environmentMode":"branch"}';

/** A session row written directly (no queue message, so no build runs). */
async function insertSession(ownerId: string): Promise<string> {
  return await withClient(async (c) =>
    (await c.query<{ id: string }>(
      `insert into public.build_sessions (owner_id, template, vibe_text, options, status)
       values ($1, 'saas', 'A team tracker', $2, 'queued') returning id`,
      [ownerId, OPTIONS],
    )).rows[0]!.id
  );
}

function appendEvents(c: pg.Client, sessionId: string, events: object[]) {
  return c.query("select private.append_build_events($1, $2::jsonb)", [
    sessionId,
    JSON.stringify(events),
  ]);
}

/** A supabase-js client whose Realtime connection acts with `token`, already authenticated. */
async function realtimeClient(token: string, vsn: Vsn): Promise<SupabaseClient> {
  const s = await stack();
  const client = createClient(s.API_URL, s.ANON_KEY, {
    accessToken: () => Promise.resolve(token),
    realtime: { vsn },
  });
  await client.realtime.setAuth(); // the first join then carries the token
  return client;
}

/** Subscribes and resolves with the first outcome (SUBSCRIBED, CHANNEL_ERROR, ...). */
function subscribe(channel: RealtimeChannel): Promise<{ status: string; error?: Error }> {
  return new Promise((resolve) => {
    let done = false;
    channel.subscribe((status, error) => {
      if (done) return;
      done = true;
      resolve(error ? { status, error } : { status });
    });
  });
}

async function waitFor(label: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface BroadcastMessage {
  type: string;
  event: string;
  payload: Record<string, unknown>;
  meta?: { id: string };
}

Deno.test({
  name: "an owner receives their build's committed events in seq order and architect presence",
  fn: async (t) => {
    for (const vsn of VSNS) {
      await t.step(`vsn ${vsn}`, async () => {
        const owner = await newUser("rt-owner");
        const sessionId = await insertSession(owner.id);
        const client = await realtimeClient(owner.token, vsn);
        try {
          const events: BroadcastMessage[] = [];
          const presence: BroadcastMessage[] = [];
          const channel = client.channel(`build:${sessionId}`, { config: { private: true } })
            .on("broadcast", { event: "build_event" }, (m) => events.push(m as BroadcastMessage))
            .on(
              "broadcast",
              { event: "architect_presence" },
              (m) => presence.push(m as BroadcastMessage),
            );
          assert.deepEqual(await subscribe(channel), { status: "SUBSCRIBED" });

          await withClient(async (c) => {
            await c.query("begin");
            await appendEvents(c, sessionId, [
              { type: "plan_created", message: "rolled back", node: "ingest_vibe", key: "x" },
            ]);
            await c.query("rollback");
          });
          await withClient((c) =>
            appendEvents(c, sessionId, [
              { type: "plan_created", message: "draft", node: "ingest_vibe", key: "draft" },
              { type: "plan_created", message: "final", node: "generate_plan", key: "final" },
              { type: "environment_created", message: "env", node: "provision", key: "env" },
            ])
          );
          const focus = { type: "table", name: "listings" };
          const architect = { actor: "architect", step: "apply_migrations", focus, progress: 0.5 };
          await withClient((c) =>
            c.query("select private.set_presence($1, $2::jsonb)", [
              sessionId,
              JSON.stringify({ ...architect, ts: "2026-11-22T00:00:00Z" }),
            ])
          );

          await waitFor(
            "3 build events and the presence",
            () => events.length >= 3 && presence.length >= 1,
          );
          await sleep(200); // nothing else (the rolled-back event) may follow
          assert.deepEqual(events.map((e) => e.payload.seq), [1, 2, 3]);
          assert.deepEqual(events.map((e) => e.payload.message), ["draft", "final", "env"]);
          for (const e of events) {
            assert.equal(e.type, "broadcast");
            assert.deepEqual(
              Object.keys(e.payload).sort(),
              ["id", "message", "payload", "seq", "sessionId", "ts", "type"],
            );
            assert.equal(e.payload.sessionId, sessionId);
            assert.match(e.meta?.id ?? "", /^[0-9a-f-]{36}$/, "the realtime.messages row id");
          }
          assert.equal(presence.length, 1);
          assert.deepEqual(
            { ...presence[0]!.payload, id: undefined, ts: undefined },
            { ...architect, id: undefined, ts: undefined },
          );
        } finally {
          await client.removeAllChannels();
        }
      });
    }
  },
});

Deno.test({
  name: "a private build channel refuses other users, anon and bad tokens, and their sends",
  fn: async (t) => {
    const s = await stack();
    const owner = await newUser("rt-owner");
    const other = await newUser("rt-other");
    const sessionId = await insertSession(owner.id);
    const topic = `build:${sessionId}`;
    const now = Math.floor(Date.now() / 1000);
    const claims = { role: "authenticated", sub: owner.id, aud: "authenticated" };
    const forged = await signJwt(
      { ...claims, exp: now + 600 },
      "some-other-secret-0123456789abcdef",
    );
    const expired = await signJwt({ ...claims, exp: now - 60 }, s.JWT_SECRET);
    const unauthorized =
      `Unauthorized: You do not have permissions to read from this Channel topic: ${topic}`;
    const cases: [string, string, RegExp][] = [
      ["another signed-in user", other.token, new RegExp(`^${unauthorized}$`)],
      ["anon", s.ANON_KEY, new RegExp(`^${unauthorized}$`)],
      ["a token signed with another secret", forged, /^JwtSignatureError: /],
      ["an expired token", expired, /^InvalidJWTToken: Token has expired \d+ seconds ago$/],
    ];
    for (const vsn of VSNS) {
      for (const [label, token, reason] of cases) {
        await t.step(`${label} (vsn ${vsn})`, async () => {
          const client = await realtimeClient(token, vsn);
          try {
            const channel = client.channel(topic, { config: { private: true } });
            const outcome = await subscribe(channel);
            assert.equal(outcome.status, "CHANNEL_ERROR");
            assert.match(outcome.error?.message ?? "", reason);
          } finally {
            await client.removeAllChannels();
          }
        });
      }
    }

    await t.step("the owner may read but not send: a send is dropped, never acked", async () => {
      const sender = await realtimeClient(owner.token, "2.0.0");
      const reader = await realtimeClient(owner.token, "1.0.0");
      try {
        const received: BroadcastMessage[] = [];
        const readerChannel = reader.channel(topic, { config: { private: true } })
          .on("broadcast", { event: "*" }, (m) => received.push(m as BroadcastMessage));
        const senderChannel = sender.channel(topic, {
          config: { private: true, broadcast: { ack: true } },
        });
        assert.equal((await subscribe(readerChannel)).status, "SUBSCRIBED");
        assert.equal((await subscribe(senderChannel)).status, "SUBSCRIBED");
        const sent = await senderChannel.send(
          { type: "broadcast", event: "build_event", payload: { seq: 99 } },
          { timeout: 1000 },
        );
        assert.equal(sent, "timed out", "no INSERT policy on realtime.messages: no ack");
        assert.deepEqual(received, []);
      } finally {
        await sender.removeAllChannels();
        await reader.removeAllChannels();
      }
    });

    await t.step("a refreshed token that may not read closes the joined channel", async () => {
      const client = await realtimeClient(owner.token, "2.0.0");
      try {
        const system: Record<string, unknown>[] = [];
        const statuses: string[] = [];
        const channel = client.channel(topic, { config: { private: true } })
          .on("system", {}, (m) => system.push(m));
        channel.subscribe((status) => statuses.push(status));
        await waitFor("SUBSCRIBED", () => statuses.includes("SUBSCRIBED"));
        await client.realtime.setAuth(other.token); // pushes access_token
        await waitFor("CLOSED", () => statuses.includes("CLOSED"));
        assert.deepEqual(system, [{
          extension: "system",
          status: "error",
          message: `You do not have permissions to read from this Channel topic: ${topic}`,
          channel: topic,
        }]);
      } finally {
        await client.removeAllChannels();
      }
    });
  },
});

Deno.test({
  name: "a public channel relays client broadcasts (self and ack as configured) and presence",
  fn: async (t) => {
    const alice = await newUser("rt-alice");
    const bob = await newUser("rt-bob");
    const pairs: [Vsn, Vsn][] = [["1.0.0", "1.0.0"], ["2.0.0", "2.0.0"], ["1.0.0", "2.0.0"]];
    for (const [va, vb] of pairs) {
      await t.step(`alice on vsn ${va}, bob on vsn ${vb}`, async () => {
        const a = await realtimeClient(alice.token, va);
        const b = await realtimeClient(bob.token, vb);
        try {
          const topic = `room:${crypto.randomUUID()}`;
          const gotA: BroadcastMessage[] = [];
          const gotB: BroadcastMessage[] = [];
          const chA = a.channel(topic, {
            config: { broadcast: { self: false }, presence: { key: "alice" } },
          })
            .on("broadcast", { event: "*" }, (m) => gotA.push(m as BroadcastMessage))
            .on("presence", { event: "sync" }, () => {});
          const chB = b.channel(topic, {
            config: { broadcast: { self: true, ack: true }, presence: { key: "bob" } },
          })
            .on("broadcast", { event: "*" }, (m) => gotB.push(m as BroadcastMessage))
            .on("presence", { event: "sync" }, () => {});
          assert.equal((await subscribe(chA)).status, "SUBSCRIBED");
          assert.equal((await subscribe(chB)).status, "SUBSCRIBED");

          assert.equal(await chA.track({ name: "Alice" }), "ok");
          assert.equal(await chB.track({ name: "Bob" }), "ok");
          const keys = (ch: RealtimeChannel) => Object.keys(ch.presenceState()).sort().join();
          await waitFor(
            "both presences on both sides",
            () => keys(chA) === "alice,bob" && keys(chB) === "alice,bob",
          );
          const names = (ch: RealtimeChannel) =>
            Object.values(ch.presenceState()).flat().map((p) => (p as { name?: string }).name)
              .sort();
          assert.deepEqual(names(chA), ["Alice", "Bob"]);
          assert.deepEqual(names(chB), ["Alice", "Bob"]);

          assert.equal(
            await chA.send({ type: "broadcast", event: "ping", payload: { n: 1 } }),
            "ok",
          );
          assert.equal(
            await chB.send({ type: "broadcast", event: "pong", payload: { n: 2 } }),
            "ok",
            "acked by the server",
          );
          const rest = await chB.httpSend("rest", { n: 3 });
          assert.deepEqual(rest, { success: true });
          await waitFor("the broadcasts", () => gotA.length >= 2 && gotB.length >= 3);
          await sleep(200);
          const summary = (got: BroadcastMessage[]) =>
            got.map((m) => `${m.type}:${m.event}:${m.payload.n}`).sort();
          assert.deepEqual(summary(gotA), ["broadcast:pong:2", "broadcast:rest:3"], "not its own");
          assert.deepEqual(summary(gotB), [
            "broadcast:ping:1",
            "broadcast:pong:2",
            "broadcast:rest:3",
          ]);

          assert.equal(await a.removeChannel(chA), "ok");
          await waitFor("alice to leave", () => keys(chB) === "bob");
        } finally {
          await a.removeAllChannels();
          await b.removeAllChannels();
        }
      });
    }
  },
});

/** Opens a raw socket and returns it with a queue of decoded text frames. */
async function rawSocket(query: string): Promise<{ ws: WebSocket; next: () => Promise<unknown> }> {
  const s = await stack();
  const ws = new WebSocket(`${s.API_URL.replace(/^http/, "ws")}/realtime/v1/websocket?${query}`);
  const frames: unknown[] = [];
  const waiting: ((v: unknown) => void)[] = [];
  ws.onmessage = (e) => {
    const frame = JSON.parse(e.data as string);
    const w = waiting.shift();
    if (w) w(frame);
    else frames.push(frame);
  };
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error("The socket did not open"));
  });
  const next = () =>
    frames.length > 0
      ? Promise.resolve(frames.shift())
      : new Promise((resolve) => waiting.push(resolve));
  return { ws, next };
}

async function closeSocket(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return;
  const closed = new Promise((resolve) => ws.addEventListener("close", resolve));
  ws.close();
  await closed;
}

Deno.test("the websocket refuses bad API keys and speaks Phoenix framing per vsn", async (t) => {
  const s = await stack();
  await t.step("a bad apikey is refused at the handshake", async () => {
    const res = await fetch(`${s.API_URL}/realtime/v1/websocket?apikey=nope&vsn=2.0.0`, {
      headers: { upgrade: "websocket" },
    });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { error: "The token provided is not a valid JWT" });
    const missing = await fetch(`${s.API_URL}/realtime/v1/websocket?vsn=2.0.0`, {
      headers: { upgrade: "websocket" },
    });
    assert.equal(missing.status, 401);
    assert.deepEqual(await missing.json(), { error: "API key is missing" });
  });

  await t.step("vsn 2.0.0: array frames", async () => {
    const { ws, next } = await rawSocket(`apikey=${s.ANON_KEY}&vsn=2.0.0`);
    try {
      ws.send(JSON.stringify([null, "1", "phoenix", "heartbeat", {}]));
      assert.deepEqual(await next(), [null, "1", "phoenix", "phx_reply", {
        status: "ok",
        response: {},
      }]);
      ws.send(JSON.stringify(["3", "4", "realtime:nowhere", "broadcast", {}]));
      assert.deepEqual(await next(), ["3", "4", "realtime:nowhere", "phx_reply", {
        status: "error",
        response: { reason: "unmatched topic" },
      }]);
      const config = { broadcast: { replication_ready: true } };
      ws.send(JSON.stringify(["5", "5", "realtime:lobby", "phx_join", { config }]));
      assert.deepEqual(await next(), ["5", "5", "realtime:lobby", "phx_reply", {
        status: "ok",
        response: { postgres_changes: [] },
      }]);
      assert.deepEqual(await next(), ["5", null, "realtime:lobby", "system", {
        extension: "system",
        status: "ok",
        message: "Replication connection established",
        channel: "lobby",
      }]);
      ws.send(JSON.stringify(["5", "6", "realtime:lobby", "phx_leave", {}]));
      assert.deepEqual(await next(), ["5", "6", "realtime:lobby", "phx_reply", {
        status: "ok",
        response: {},
      }]);
      assert.deepEqual(await next(), ["5", "5", "realtime:lobby", "phx_close", {}]);
    } finally {
      await closeSocket(ws);
    }
  });

  await t.step("vsn 1.0.0: object frames", async () => {
    const { ws, next } = await rawSocket(`apikey=${s.ANON_KEY}&vsn=1.0.0`);
    try {
      ws.send(JSON.stringify({ topic: "phoenix", event: "heartbeat", payload: {}, ref: "7" }));
      assert.deepEqual(await next(), {
        topic: "phoenix",
        event: "phx_reply",
        payload: { status: "ok", response: {} },
        ref: "7",
      });
      ws.send(JSON.stringify({ topic: "realtime:", event: "phx_join", payload: {}, ref: "8" }));
      assert.deepEqual(await next(), {
        topic: "realtime:",
        event: "phx_reply",
        payload: {
          status: "error",
          response: { reason: "TopicNameRequired: You must provide a topic name" },
        },
        ref: "8",
      });
    } finally {
      await closeSocket(ws);
    }
  });
});
