/**
 * @module Live presence on the real control-plane database: a step's updates go through
 * `private.set_presence` (stored on the session, broadcast as `architect_presence` on
 * `build:{id}`) throttled to one per interval — 50 updates in a burst become two broadcasts,
 * the first and the last — and the progress stored never goes back.
 */
import assert from "node:assert/strict";
import { createPool } from "../../functions-shared/db/pool.ts";
import type { Presence } from "../../functions-shared/graph/context.ts";
import { PresenceStream } from "../../functions-shared/worker/presence_stream.ts";
import { withAdmin } from "../../stack/cluster.ts";
import { readSettings } from "../../stack/settings.ts";
import { dbUrl, newUser, withClient } from "../support/stack.ts";

async function session(): Promise<string> {
  const user = await newUser("presence");
  return await withClient(async (c) =>
    (await c.query<{ id: string }>(
      `insert into public.build_sessions (owner_id, template, vibe_text)
       values ($1, 'marketplace', 'A synth marketplace') returning id`,
      [user.id],
    )).rows[0]!.id
  );
}

function at(name: string, progress: number): Presence {
  return {
    actor: "architect",
    step: "apply_migrations",
    focus: { type: "table", name },
    progress,
    ts: new Date().toISOString(),
  };
}

/** The presence broadcasts of a session, oldest first (realtime.messages, as Realtime reads). */
async function broadcasts(id: string): Promise<Presence[]> {
  return await withAdmin(
    readSettings().dbPort,
    "postgres",
    async (c) =>
      (await c.query<{ payload: Presence }>(
        `select payload from realtime.messages
        where topic = $1 and event = 'architect_presence' order by inserted_at, id`,
        [`build:${id}`],
      )).rows.map((r) => r.payload),
  );
}

async function stored(id: string): Promise<Presence> {
  return await withClient(async (c) =>
    (await c.query<{ presence: Presence }>(
      "select presence from public.build_sessions where id = $1",
      [id],
    )).rows[0]!.presence
  );
}

Deno.test("a burst of 50 presence updates is sent as its first and its last", async () => {
  const pool = createPool(await dbUrl(), { max: 2 });
  try {
    const id = await session();
    const stream = new PresenceStream(pool, id, { intervalMs: 200 });
    for (let i = 0; i < 50; i++) stream.push(at(`t${i}`, 0.4 + 0.1 * i / 49));
    // Once the interval has passed the latest goes.
    const deadline = Date.now() + 10_000;
    while (stream.sent < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await stream.close(), null, "nothing left waiting");
    assert.equal(stream.sent, 2);
    const sent = await broadcasts(id);
    assert.deepEqual(sent.map((p) => p.focus.name), ["t0", "t49"]);
    assert.equal((await stored(id)).focus.name, "t49");
    assert.equal((await stored(id)).progress, 0.5);
  } finally {
    await pool.end();
  }
});

Deno.test("the update still waiting when a step ends is handed back for its commit", async () => {
  const pool = createPool(await dbUrl(), { max: 2 });
  try {
    const id = await session();
    const stream = new PresenceStream(pool, id, { intervalMs: 60_000 });
    stream.push(at("listings", 0.4));
    stream.push(at("bids", 0.45));
    stream.push(at("orders", 0.5));
    const waiting = await stream.close();
    assert.equal(waiting?.focus.name, "orders");
    stream.push(at("late", 0.6)); // after close: ignored
    assert.equal(stream.sent, 1);
    assert.deepEqual((await broadcasts(id)).map((p) => p.focus.name), ["listings"]);
  } finally {
    await pool.end();
  }
});

Deno.test("progress never goes back: a re-run node moves the cursor at the highest progress", async () => {
  const pool = createPool(await dbUrl(), { max: 2 });
  try {
    const id = await session();
    const stream = new PresenceStream(pool, id, { intervalMs: 0 });
    stream.push(at("orders", 0.5));
    stream.push(at("listings", 0.4)); // the node re-runs after a crash
    await stream.close();
    assert.equal(stream.sent, 2, "with no interval every update is sent, in order");
    const sent = await broadcasts(id);
    assert.deepEqual(sent.map((p) => [p.focus.name, p.progress]), [["orders", 0.5], [
      "listings",
      0.5,
    ]]);
    const now = await stored(id);
    assert.deepEqual([now.focus.name, now.progress], ["listings", 0.5]);
  } finally {
    await pool.end();
  }
});
