/**
 * @module The worker's per-build exclusion on the real control-plane database, two holders
 * stepping through explicit orderings: a lease is taken only when free or expired, renewal
 * keeps it, a holder whose lease expired and was taken over commits nothing, starts of one
 * message are counted across holders until the run finishes, and a missing session is told
 * apart. Also the deferred checkpoint: nothing is written until the commit flushes it.
 */
import assert from "node:assert/strict";
import type { Checkpoint } from "@langchain/langgraph";
import { createPool, inTransaction } from "../../functions-shared/db/pool.ts";
import {
  deferredCheckpointer,
  transactionCheckpointer,
} from "../../functions-shared/graph/checkpointer.ts";
import { buildGraph } from "../../functions-shared/graph/index.ts";
import { LeaseLostError, StepLease } from "../../functions-shared/worker/step_lease.ts";
import { dbUrl, newUser, withClient } from "../support/stack.ts";

async function session(): Promise<string> {
  const user = await newUser("lease");
  return await withClient(async (c) =>
    (await c.query<{ id: string }>(
      `insert into public.build_sessions (owner_id, template, vibe_text)
       values ($1, 'saas', 'A team tracker') returning id`,
      [user.id],
    )).rows[0]!.id
  );
}

// Message ids are negative: renewals set the visibility of the message they name, and no real
// message of the shared queue may be touched.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function held(outcome: Awaited<ReturnType<typeof StepLease.acquire>>): StepLease {
  assert.equal(outcome.kind, "held");
  const { lease, session } = outcome as { lease: StepLease; session: { id: string } };
  assert.equal(session.id, lease.sessionId, "the session is read as the lease is taken");
  return lease;
}

Deno.test("a build's lease: one holder at a time, renewed while held, taken over once expired", async () => {
  const pool = createPool(await dbUrl(), { max: 4 });
  try {
    const id = await session();
    const a = held(await StepLease.acquire(pool, id, "-1", 1));
    assert.equal((await StepLease.acquire(pool, id, "-1", 1)).kind, "busy", "A holds it");

    // A renews it every third of a second: it outlives its one-second duration.
    a.keepAlive();
    await sleep(1500);
    assert.equal((await StepLease.acquire(pool, id, "-2", 1)).kind, "busy", "renewed");
    a.stop();

    // A stops renewing (as a killed worker does): B takes over, and A can no longer commit.
    await sleep(1200);
    const b = held(await StepLease.acquire(pool, id, "-2", 30));
    assert.equal(a.lost, false, "A has not noticed yet");
    const events = async () =>
      await withClient(async (c) =>
        (await c.query("select count(*)::int as n from public.build_events where session_id = $1", [
          id,
        ])).rows[0].n
      );
    await assert.rejects(
      inTransaction(pool, async (tx) => {
        await tx.query(
          `insert into public.build_events (session_id, seq, type, node, event_key)
           values ($1, 1, 'plan_created', 'ingest_vibe', 'draft')`,
          [id],
        );
        await a.release(tx, true); // last in the commit: the lease is gone, all rolls back
      }),
      LeaseLostError,
    );
    assert.equal(await events(), 0, "the lost step's commit left nothing");
    await inTransaction(pool, (tx) => b.release(tx, true));
    held(await StepLease.acquire(pool, id, "-3", 30));
    assert.equal((await StepLease.acquire(pool, crypto.randomUUID(), "-4", 30)).kind, "no_session");
  } finally {
    await pool.end();
  }
});

Deno.test("starts of one message are counted across holders until its run finishes", async () => {
  const pool = createPool(await dbUrl(), { max: 4 });
  try {
    const id = await session();
    const first = held(await StepLease.acquire(pool, id, "-10", 1));
    assert.equal(await first.startRun(), 1);
    await sleep(1100); // killed: the lease expires with the run unfinished
    const second = held(await StepLease.acquire(pool, id, "-10", 1));
    assert.equal(await second.startRun(), 2, "the same message, started again");
    await sleep(1100);
    // A stale duplicate message takes the lease in between without starting a run.
    const stale = held(await StepLease.acquire(pool, id, "-99", 1));
    await inTransaction(pool, (tx) => stale.release(tx, false));
    const third = held(await StepLease.acquire(pool, id, "-10", 30));
    assert.equal(await third.startRun(), 3, "the duplicate did not reset the count");
    await inTransaction(pool, (tx) => third.release(tx, true)); // the node finished
    const next = held(await StepLease.acquire(pool, id, "-11", 30));
    assert.equal(await next.startRun(), 1, "a new message starts from one");
    // A run that lost its lease cannot count a start.
    await withClient((c) =>
      c.query("update private.build_leases set expires_at = now() where session_id = $1", [id])
    );
    held(await StepLease.acquire(pool, id, "-11", 30));
    assert.equal(await next.startRun(), null);
    assert.equal(next.lost, true);
  } finally {
    await pool.end();
  }
});

Deno.test("a deferred checkpoint is written only when flushed inside the step's transaction", async () => {
  const pool = createPool(await dbUrl(), { max: 2 });
  const threadId = crypto.randomUUID();
  const count = async () =>
    await withClient(async (c) =>
      (await c.query<{ n: number }>(
        "select count(*)::int as n from langgraph.checkpoints where thread_id = $1",
        [threadId],
      )).rows[0]!.n
    );
  try {
    const config = { configurable: { thread_id: threadId } };
    const checkpoint: Checkpoint = {
      v: 4,
      id: "1ef00000-0000-6000-8000-000000000001",
      ts: new Date().toISOString(),
      channel_values: { sessionId: threadId },
      channel_versions: { sessionId: 1 },
      versions_seen: {},
    };
    const deferred = deferredCheckpointer(pool);
    await deferred.saver.put(config, checkpoint, { source: "input", step: -1, parents: {} }, {
      sessionId: 1,
    });
    assert.ok(deferred.pending > 0, "statements kept");
    assert.equal(await count(), 0, "nothing written yet");
    assert.equal(await deferred.saver.getTuple(config), undefined, "reads go to the database");

    // Rolled back with the step: still nothing.
    await assert.rejects(inTransaction(pool, async (tx) => {
      await deferred.flush(tx);
      throw new Error("the step failed to commit");
    }));
    assert.equal(await count(), 0);

    const again = deferredCheckpointer(pool);
    await again.saver.put(config, checkpoint, { source: "input", step: -1, parents: {} }, {
      sessionId: 1,
    });
    await inTransaction(pool, async (tx) => {
      await again.flush(tx);
      const seen = await transactionCheckpointer(tx).getTuple(config);
      assert.equal(seen?.checkpoint.id, checkpoint.id, "visible inside the commit");
    });
    assert.equal(await count(), 1, "committed with the step");
    const state = await buildGraph(deferredCheckpointer(pool).saver).getState(config);
    assert.equal(state.values.sessionId, threadId);
  } finally {
    await withClient((c) =>
      c.query("delete from langgraph.checkpoint_blobs where thread_id = $1", [threadId])
        .then(() => c.query("delete from langgraph.checkpoints where thread_id = $1", [threadId]))
    );
    await pool.end();
  }
});
