/**
 * @module The local Realtime server's pure parts: Phoenix framing for vsn 1.0.0 and 2.0.0 with
 * realtime-js's binary broadcast frames, presence diffs as Phoenix.Presence sends them, and the
 * exact SQL of the private-channel policy checks.
 */
import assert from "node:assert/strict";
import {
  decodeFrame,
  encodeBroadcast,
  encodeMessage,
  reply,
} from "../../stack/gateway/realtime/protocol.ts";
import { TopicPresence } from "../../stack/gateway/realtime/presence.ts";
import {
  insertAsUser,
  insertProbes,
  selectVisibleProbes,
  setPolicyContext,
} from "../../stack/gateway/realtime/policy_queries.ts";

const bytes = (s: string) => [...new TextEncoder().encode(s)];

/** A kind-3 frame as realtime-js's Serializer encodes `channel.send` over vsn 2.0.0. */
function userBroadcastPush(fields: string[], encoding: number, body: number[]): ArrayBuffer {
  const encoded = fields.map(bytes);
  return new Uint8Array([3, ...encoded.map((f) => f.length), encoding, ...encoded.flat(), ...body])
    .buffer;
}

Deno.test("vsn 2.0.0 decodes array frames and binary broadcast pushes", () => {
  assert.deepEqual(decodeFrame("2.0.0", '["1","2","realtime:room","phx_join",{"a":1}]'), {
    kind: "message",
    message: {
      joinRef: "1",
      ref: "2",
      topic: "realtime:room",
      event: "phx_join",
      payload: { a: 1 },
    },
  });
  const push = userBroadcastPush(
    ["1", "3", "realtime:room", "ping", ""],
    1,
    bytes('{"n":1}'),
  );
  assert.deepEqual(decodeFrame("2.0.0", push), {
    kind: "broadcast_push",
    joinRef: "1",
    ref: "3",
    topic: "realtime:room",
    broadcast: { kind: "user", event: "ping", payload: { encoding: "json", text: '{"n":1}' } },
  });
  const binary = decodeFrame("2.0.0", userBroadcastPush(["1", "", "realtime:r", "b", ""], 0, [7]));
  assert.equal(binary.kind, "broadcast_push");
  if (binary.kind === "broadcast_push") {
    assert.deepEqual(binary.broadcast.kind === "user" && binary.broadcast.payload, {
      encoding: "binary",
      bytes: new Uint8Array([7]),
    });
  }
  assert.throws(() => decodeFrame("2.0.0", '{"topic":"x"}'), /expected a V2 array/);
  assert.throws(() => decodeFrame("1.0.0", push), /binary frame with protocol 1.0.0/);
});

Deno.test("vsn 1.0.0 decodes and encodes object frames (no join_ref on the way out)", () => {
  assert.deepEqual(
    decodeFrame("1.0.0", '{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"9"}'),
    {
      kind: "message",
      message: { joinRef: null, ref: "9", topic: "phoenix", event: "heartbeat", payload: {} },
    },
  );
  const r = reply({ joinRef: "1", ref: "9", topic: "phoenix" }, "ok");
  assert.equal(
    encodeMessage("1.0.0", r),
    '{"topic":"phoenix","event":"phx_reply","payload":{"status":"ok","response":{}},"ref":"9"}',
  );
  assert.equal(
    encodeMessage("2.0.0", r),
    '["1","9","phoenix","phx_reply",{"status":"ok","response":{}}]',
  );
});

Deno.test("broadcasts: kind-4 binary frames for vsn 2.0.0, JSON messages for vsn 1.0.0", () => {
  const b = {
    kind: "user" as const,
    event: "build_event",
    payload: { encoding: "json" as const, text: '{"seq":1}' },
    meta: { id: "m1" },
  };
  const frame = encodeBroadcast("2.0.0", "realtime:t", b) as Uint8Array;
  const meta = bytes('{"id":"m1"}');
  assert.deepEqual([...frame], [
    4,
    10,
    11,
    meta.length,
    1,
    ...bytes("realtime:t"),
    ...bytes("build_event"),
    ...meta,
    ...bytes('{"seq":1}'),
  ]);
  assert.deepEqual(JSON.parse(encodeBroadcast("1.0.0", "realtime:t", b) as string), {
    topic: "realtime:t",
    event: "broadcast",
    payload: { type: "broadcast", event: "build_event", payload: { seq: 1 }, meta: { id: "m1" } },
    ref: null,
  });
  const binary = { ...b, payload: { encoding: "binary" as const, bytes: new Uint8Array([1]) } };
  assert.equal(encodeBroadcast("1.0.0", "realtime:t", binary), undefined, "v1 cannot carry it");
  const map = { kind: "map" as const, payload: { type: "broadcast", event: "e", payload: {} } };
  assert.deepEqual(JSON.parse(encodeBroadcast("2.0.0", "realtime:t", map) as string), [
    null,
    null,
    "realtime:t",
    "broadcast",
    map.payload,
  ]);
});

Deno.test("presence: track, update and untrack produce Phoenix.Presence diffs", () => {
  const p = new TopicPresence<string>();
  const joined = p.track("a", "alice", { name: "A" })!;
  const ref = joined.joins.alice!.metas[0]!.phx_ref;
  assert.deepEqual(joined, {
    joins: { alice: { metas: [{ name: "A", phx_ref: ref }] } },
    leaves: {},
  });
  assert.equal(p.track("a", "alice", { name: "A" }), undefined, "unchanged payload: no diff");
  const updated = p.track("a", "alice", { name: "A2" })!;
  assert.equal(updated.joins.alice!.metas[0]!.phx_ref_prev, ref);
  assert.deepEqual(updated.leaves, { alice: { metas: [{ name: "A", phx_ref: ref }] } });
  p.track("b", "alice", { name: "second tab" });
  assert.equal(p.state().alice!.metas.length, 2, "one key, two metas");
  assert.deepEqual(p.untrack("a")!.joins, {});
  assert.equal(p.untrack("a"), undefined);
  assert.equal(p.size, 1);
});

Deno.test("policy checks: exact SQL of probes, settings, reads and writes", () => {
  assert.deepEqual(
    insertProbes("build:1", [{ id: "i1", extension: "broadcast" }, {
      id: "i2",
      extension: "presence",
    }]),
    {
      text:
        "insert into realtime.messages (id, topic, extension) values ($2::uuid, $1, $3), ($4::uuid, $1, $5)",
      values: ["build:1", "i1", "broadcast", "i2", "presence"],
    },
  );
  const ctx = setPolicyContext({
    topic: "build:1",
    role: "authenticated",
    claims: { sub: "u1", role: "authenticated" },
    headers: { "x-client-info": "t" },
  });
  assert.match(ctx.text, /set_config\('role', \$1, true\)/);
  assert.match(ctx.text, /set_config\('realtime.topic', \$2, true\)/);
  assert.deepEqual(ctx.values, [
    "authenticated",
    "build:1",
    '{"sub":"u1","role":"authenticated"}',
    "u1",
    '{"x-client-info":"t"}',
  ]);
  assert.deepEqual(selectVisibleProbes(["i1"]), {
    text: "select id::text as id from realtime.messages where id = any($1::uuid[])",
    values: [["i1"]],
  });
  assert.deepEqual(insertAsUser("build:1", "broadcast"), {
    text: "insert into realtime.messages (topic, extension) values ($1, $2)",
    values: ["build:1", "broadcast"],
  });
});
