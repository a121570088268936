/**
 * @module Conformance of the local pgmq to the pgmq 1.5 API hosted Supabase runs: the function
 * signatures, visibility timeouts, read_ct, delays, headers, conditional reads, archive, delete,
 * pop, set_vt, purge, metrics, read_with_poll, and that concurrent readers never receive the
 * same message. Everything runs as `postgres` (not a superuser) in a scratch database, which
 * creates the extension itself as a migration would.
 */
import assert from "node:assert/strict";
import type pg from "../../functions-shared/db/pg.ts";
import { one, poll, rows, type Scratch, sleep, sqlState, withScratch } from "../support/compat.ts";

interface Msg {
  msg_id: string;
  read_ct: number;
  enqueued_at: Date;
  vt: Date;
  message: Record<string, unknown> | null;
  headers: Record<string, unknown> | null;
}

interface Metrics {
  queue_name: string;
  queue_length: string;
  newest_msg_age_sec: number | null;
  oldest_msg_age_sec: number | null;
  total_messages: string;
  scrape_time: Date;
  queue_visible_length: string;
}

const json = (v: unknown) => JSON.stringify(v);

async function send(c: pg.Client, q: string, msg: unknown): Promise<string> {
  return (await one<{ id: string }>(c, "select * from pgmq.send($1, $2::jsonb) as id", [
    q,
    json(msg),
  ]))
    .id;
}

async function sendBatch(c: pg.Client, q: string, msgs: unknown[]): Promise<string[]> {
  const r = await rows<{ id: string }>(c, "select * from pgmq.send_batch($1, $2::jsonb[]) as id", [
    q,
    msgs.map(json),
  ]);
  return r.map((x) => x.id);
}

function read(c: pg.Client, q: string, vt: number, qty: number): Promise<Msg[]> {
  return rows<Msg>(c, "select * from pgmq.read($1, $2, $3)", [q, vt, qty]);
}

function pop(c: pg.Client, q: string): Promise<Msg[]> {
  return rows<Msg>(c, "select * from pgmq.pop($1)", [q]);
}

function metrics(c: pg.Client, q: string): Promise<Metrics> {
  return one<Metrics>(c, "select * from pgmq.metrics($1)", [q]);
}

async function dbNow(c: pg.Client): Promise<Date> {
  return (await one<{ now: Date }>(c, "select clock_timestamp() as now")).now;
}

/** Reads with `vt` until `count` messages were received (no more), within the deadline. */
async function readUntil(c: pg.Client, q: string, vt: number, count: number): Promise<Msg[]> {
  const got: Msg[] = [];
  await poll(`${count} messages on ${q}`, async () => {
    got.push(...await read(c, q, vt, 100));
    return got.length >= count ? true : undefined;
  }, 8_000);
  assert.equal(got.length, count);
  return got;
}

const ids = (ms: Msg[]) => ms.map((m) => m.msg_id).sort((a, b) => Number(a) - Number(b));

function setup(fn: (s: Scratch) => Promise<void>) {
  return withScratch("pgmq", async (s) => {
    // As a migration does: postgres (not a superuser) creates the trusted extension.
    await s.client.query("create extension pgmq");
    await fn(s);
  });
}

// The public API of pgmq 1.5.1 (pgmq-extension/sql/pgmq.sql at tag v1.5.1), as
// `name(pg_get_function_arguments) -> pg_get_function_result`.
const PGMQ_1_5_API = [
  "archive(queue_name text, msg_id bigint) -> boolean",
  "archive(queue_name text, msg_ids bigint[]) -> SETOF bigint",
  "convert_archive_partitioned(table_name text, partition_interval text DEFAULT '10000'::text, " +
  "retention_interval text DEFAULT '100000'::text, leading_partition integer DEFAULT 10) -> void",
  "create(queue_name text) -> void",
  "create_non_partitioned(queue_name text) -> void",
  "create_partitioned(queue_name text, partition_interval text DEFAULT '10000'::text, " +
  "retention_interval text DEFAULT '100000'::text) -> void",
  "create_unlogged(queue_name text) -> void",
  "delete(queue_name text, msg_id bigint) -> boolean",
  "delete(queue_name text, msg_ids bigint[]) -> SETOF bigint",
  "detach_archive(queue_name text) -> void",
  "drop_queue(queue_name text) -> boolean",
  "drop_queue(queue_name text, partitioned boolean) -> boolean",
  "format_table_name(queue_name text, prefix text) -> text",
  "list_queues() -> SETOF pgmq.queue_record",
  "metrics(queue_name text) -> pgmq.metrics_result",
  "metrics_all() -> SETOF pgmq.metrics_result",
  "pop(queue_name text) -> SETOF pgmq.message_record",
  "purge_queue(queue_name text) -> bigint",
  "read(queue_name text, vt integer, qty integer, conditional jsonb DEFAULT '{}'::jsonb) " +
  "-> SETOF pgmq.message_record",
  "read_with_poll(queue_name text, vt integer, qty integer, max_poll_seconds integer DEFAULT 5, " +
  "poll_interval_ms integer DEFAULT 100, conditional jsonb DEFAULT '{}'::jsonb) " +
  "-> SETOF pgmq.message_record",
  "send(queue_name text, msg jsonb) -> SETOF bigint",
  "send(queue_name text, msg jsonb, delay integer) -> SETOF bigint",
  "send(queue_name text, msg jsonb, delay timestamp with time zone) -> SETOF bigint",
  "send(queue_name text, msg jsonb, headers jsonb) -> SETOF bigint",
  "send(queue_name text, msg jsonb, headers jsonb, delay integer) -> SETOF bigint",
  "send(queue_name text, msg jsonb, headers jsonb, delay timestamp with time zone) -> SETOF bigint",
  "send_batch(queue_name text, msgs jsonb[]) -> SETOF bigint",
  "send_batch(queue_name text, msgs jsonb[], delay integer) -> SETOF bigint",
  "send_batch(queue_name text, msgs jsonb[], delay timestamp with time zone) -> SETOF bigint",
  "send_batch(queue_name text, msgs jsonb[], headers jsonb[]) -> SETOF bigint",
  "send_batch(queue_name text, msgs jsonb[], headers jsonb[], delay integer) -> SETOF bigint",
  "send_batch(queue_name text, msgs jsonb[], headers jsonb[], delay timestamp with time zone) " +
  "-> SETOF bigint",
  "set_vt(queue_name text, msg_id bigint, vt integer) -> SETOF pgmq.message_record",
  "validate_queue_name(queue_name text) -> void",
];

async function columns(c: pg.Client, rel: string): Promise<string[]> {
  return (await rows<{ col: string }>(
    c,
    `select attname || ' ' || format_type(atttypid, atttypmod) as col from pg_attribute
      where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`,
    [rel],
  )).map((r) => r.col);
}

Deno.test("compat pgmq: functions, types and queue tables have pgmq 1.5's signatures", async () => {
  await setup(async ({ client: c }) => {
    const fns = await rows<{ sig: string }>(
      c,
      `select p.proname || '(' || pg_get_function_arguments(p.oid) || ') -> ' ||
              pg_get_function_result(p.oid) as sig
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'pgmq' and p.proname !~ '^_' order by 1`,
    );
    assert.deepEqual(fns.map((f) => f.sig), [...PGMQ_1_5_API].sort());

    const ts = "timestamp with time zone";
    assert.deepEqual(await columns(c, "pgmq.message_record"), [
      "msg_id bigint",
      "read_ct integer",
      `enqueued_at ${ts}`,
      `vt ${ts}`,
      "message jsonb",
      "headers jsonb",
    ]);
    assert.deepEqual(await columns(c, "pgmq.metrics_result"), [
      "queue_name text",
      "queue_length bigint",
      "newest_msg_age_sec integer",
      "oldest_msg_age_sec integer",
      "total_messages bigint",
      `scrape_time ${ts}`,
      "queue_visible_length bigint",
    ]);
    assert.deepEqual(await columns(c, "pgmq.queue_record"), [
      "queue_name character varying",
      "is_partitioned boolean",
      "is_unlogged boolean",
      `created_at ${ts}`,
    ]);

    await c.query("select pgmq.create('sig_q')");
    assert.deepEqual(await columns(c, "pgmq.q_sig_q"), [
      "msg_id bigint",
      "read_ct integer",
      `enqueued_at ${ts}`,
      `vt ${ts}`,
      "message jsonb",
      "headers jsonb",
    ]);
    assert.deepEqual(await columns(c, "pgmq.a_sig_q"), [
      "msg_id bigint",
      "read_ct integer",
      `enqueued_at ${ts}`,
      `archived_at ${ts}`,
      `vt ${ts}`,
      "message jsonb",
      "headers jsonb",
    ]);
    // Untyped calls resolve as on hosted: the 2-argument forms exist without defaults.
    const id = await send(c, "sig_q", { a: 1 });
    assert.match(id, /^\d+$/);
    assert.equal((await sendBatch(c, "sig_q", [{ b: 1 }, { b: 2 }])).length, 2);
  });
});

Deno.test("compat pgmq: message semantics", async (t) => {
  await setup(async ({ client: c, connect }) => {
    await t.step(
      "a read message is invisible until its vt passes, then read again with read_ct + 1",
      async () => {
        await c.query("select pgmq.create('vt_q')");
        const id = await send(c, "vt_q", { n: 1 });
        const [first, ...more] = await read(c, "vt_q", 1, 10);
        assert.ok(first);
        assert.equal(more.length, 0);
        assert.equal(first.msg_id, id);
        assert.equal(first.read_ct, 1);
        assert.deepEqual(first.message, { n: 1 });
        assert.equal(first.headers, null);
        const lead = first.vt.getTime() - (await dbNow(c)).getTime();
        assert.ok(lead > 0 && lead <= 1000, `vt is the read time + 1 s (was ${lead} ms ahead)`);

        const hidden = await one<{ before: boolean; n: number }>(
          c,
          "select clock_timestamp() < $2 as before, (select count(*)::int from pgmq.read($1, 1, 10)) as n",
          ["vt_q", first.vt],
        );
        assert.ok(hidden.before, "the re-read ran before the vt passed");
        assert.equal(hidden.n, 0, "a message within its vt is not read again");

        const [again] = await readUntil(c, "vt_q", 30, 1);
        assert.ok(again);
        assert.equal(again.msg_id, id);
        assert.equal(again.read_ct, 2);
        assert.equal(again.enqueued_at.getTime(), first.enqueued_at.getTime());
        assert.ok(
          again.vt.getTime() - 30_000 >= first.vt.getTime(),
          "visible again only once the first vt had passed",
        );
      },
    );

    await t.step("delay on send and send_batch (integer seconds and timestamptz)", async () => {
      await c.query("select pgmq.create('delay_q')");
      const sent = await rows<{ id: string }>(
        c,
        `select * from pgmq.send('delay_q', '{"k":"int"}'::jsonb, 1) as id
         union all select * from pgmq.send('delay_q', '{"k":"ts"}'::jsonb,
                                           clock_timestamp() + interval '1 second')
         union all select * from pgmq.send('delay_q', '{"k":"hdr-int"}'::jsonb, '{"h":1}'::jsonb, 1)
         union all select * from pgmq.send('delay_q', '{"k":"hdr-ts"}'::jsonb, '{"h":2}'::jsonb,
                                           clock_timestamp() + interval '1 second')
         union all select * from pgmq.send_batch('delay_q', array['{"k":"b-int"}']::jsonb[], 1)
         union all select * from pgmq.send_batch('delay_q', array['{"k":"b-ts"}']::jsonb[],
                                                 clock_timestamp() + interval '1 second')
         union all select * from pgmq.send('delay_q', '{"k":"far"}'::jsonb,
                                           clock_timestamp() + interval '1 hour')`,
      );
      assert.equal(sent.length, 7);
      const early = await one<{ n: number; visible: string; length: string }>(
        c,
        `select (select count(*)::int from pgmq.read('delay_q', 30, 100)) as n,
                (pgmq.metrics('delay_q')).queue_visible_length as visible,
                (pgmq.metrics('delay_q')).queue_length as length`,
      );
      assert.equal(early.n, 0, "no delayed message is readable before its delay");
      assert.equal(early.visible, "0");
      assert.equal(early.length, "7");

      const got = await readUntil(c, "delay_q", 30, 6);
      assert.deepEqual(got.map((m) => m.message?.k).sort(), [
        "b-int",
        "b-ts",
        "hdr-int",
        "hdr-ts",
        "int",
        "ts",
      ]);
      for (const m of got) {
        const readAt = m.vt.getTime() - 30_000;
        assert.ok(readAt >= m.enqueued_at.getTime() + 1000, `${m.message?.k} read after its delay`);
      }
      assert.deepEqual(got.find((m) => m.message?.k === "hdr-int")?.headers, { h: 1 });
      assert.deepEqual(got.find((m) => m.message?.k === "hdr-ts")?.headers, { h: 2 });
      assert.deepEqual(await read(c, "delay_q", 30, 100), [], "the 1-hour delay still holds");
    });

    await t.step("headers on send and send_batch without delay", async () => {
      await c.query("select pgmq.create('hdr_q')");
      await c.query(`select pgmq.send('hdr_q', '{"n":1}'::jsonb, '{"trace":"a"}'::jsonb)`);
      await c.query(
        `select pgmq.send_batch('hdr_q', array['{"n":2}', '{"n":3}']::jsonb[],
                                array['{"trace":"b"}', '{"trace":"c"}']::jsonb[])`,
      );
      const got = await read(c, "hdr_q", 30, 10);
      assert.deepEqual(
        got.map((m) => [m.message?.n, m.headers?.trace]),
        [[1, "a"], [2, "b"], [3, "c"]],
        "read returns messages in msg_id order with their headers",
      );
    });

    await t.step("conditional read returns only messages containing the condition", async () => {
      await c.query("select pgmq.create('cond_q')");
      await sendBatch(c, "cond_q", [{ kind: "a", n: 1 }, { kind: "b", n: 2 }, { kind: "a", n: 3 }]);
      const bs = await rows<Msg>(c, "select * from pgmq.read('cond_q', 30, 10, $1::jsonb)", [
        json({ kind: "b" }),
      ]);
      assert.deepEqual(bs.map((m) => m.message), [{ kind: "b", n: 2 }]);
      const rest = await read(c, "cond_q", 30, 10);
      assert.deepEqual(rest.map((m) => m.message?.n), [1, 3]);
    });

    await t.step(
      "archive (single id and array) moves rows to pgmq.a_<queue> with archived_at",
      async () => {
        await c.query("select pgmq.create('arch_q')");
        const [a, b, cc, d] = await sendBatch(c, "arch_q", [{ i: 0 }, { i: 1 }, { i: 2 }, {
          i: 3,
        }]);
        await read(c, "arch_q", 0, 1); // a: read_ct 1, still visible
        assert.equal(
          (await one<{ ok: boolean }>(c, "select pgmq.archive('arch_q', $1::bigint) as ok", [a]))
            .ok,
          true,
        );
        assert.equal(
          (await one<{ ok: boolean }>(c, "select pgmq.archive('arch_q', $1::bigint) as ok", [a]))
            .ok,
          false,
        );
        const archived = await rows<{ id: string }>(
          c,
          "select * from pgmq.archive('arch_q', $1::bigint[]) as id",
          [[b, cc, "999999"]],
        );
        assert.deepEqual(archived.map((r) => r.id).sort(), [b, cc].sort());
        assert.deepEqual(ids(await read(c, "arch_q", 30, 10)), [d]);
        const inArchive = await rows<
          {
            msg_id: string;
            read_ct: number;
            message: { i: number };
            enqueued_at: Date;
            archived_at: Date;
          }
        >(
          c,
          "select msg_id, read_ct, message, enqueued_at, archived_at from pgmq.a_arch_q order by msg_id",
        );
        assert.deepEqual(inArchive.map((r) => [r.msg_id, r.read_ct, r.message.i]), [[a, 1, 0], [
          b,
          0,
          1,
        ], [
          cc,
          0,
          2,
        ]]);
        for (const r of inArchive) assert.ok(r.archived_at.getTime() >= r.enqueued_at.getTime());
      },
    );

    await t.step("delete (single id and array) removes messages without archiving", async () => {
      await c.query("select pgmq.create('del_q')");
      const [a, b, cc] = await sendBatch(c, "del_q", [{ i: 0 }, { i: 1 }, { i: 2 }]);
      const del1 = "select pgmq.delete('del_q', $1::bigint) as ok";
      assert.equal((await one<{ ok: boolean }>(c, del1, [a])).ok, true);
      assert.equal((await one<{ ok: boolean }>(c, del1, [a])).ok, false);
      const deleted = await rows<{ id: string }>(
        c,
        "select * from pgmq.delete('del_q', $1::bigint[]) as id",
        [
          [b, "999999"],
        ],
      );
      assert.deepEqual(deleted.map((r) => r.id), [b]);
      assert.deepEqual(ids(await read(c, "del_q", 30, 10)), [cc]);
      assert.equal(
        (await one<{ n: number }>(c, "select count(*)::int as n from pgmq.a_del_q")).n,
        0,
      );
    });

    await t.step("pop returns and removes the oldest visible message", async () => {
      await c.query("select pgmq.create('pop_q')");
      const [a, b] = await sendBatch(c, "pop_q", [{ i: 0 }, { i: 1 }]);
      await c.query(`select pgmq.send('pop_q', '{"i":2}'::jsonb, 60)`); // not visible
      const p1 = await pop(c, "pop_q");
      assert.deepEqual(p1.map((m) => [m.msg_id, m.read_ct, m.message]), [[a, 0, { i: 0 }]]);
      const d = await send(c, "pop_q", { i: 3 });
      assert.deepEqual(ids(await read(c, "pop_q", 30, 1)), [b]); // b now invisible
      assert.deepEqual(ids(await pop(c, "pop_q")), [d], "pop skips messages within their vt");
      assert.deepEqual(await pop(c, "pop_q"), []);
      assert.equal((await metrics(c, "pop_q")).queue_length, "2");
    });

    await t.step("set_vt changes when a message becomes visible", async () => {
      await c.query("select pgmq.create('setvt_q')");
      const id = await send(c, "setvt_q", { i: 0 });
      const before = await dbNow(c);
      const [set] = await rows<Msg>(c, "select * from pgmq.set_vt('setvt_q', $1, 30)", [id]);
      assert.ok(set);
      assert.equal(set.msg_id, id);
      const ahead = set.vt.getTime() - before.getTime();
      assert.ok(ahead >= 29_000 && ahead <= 31_000, `vt set 30 s ahead (${ahead} ms)`);
      assert.deepEqual(await read(c, "setvt_q", 30, 10), []);
      await c.query("select pgmq.set_vt('setvt_q', $1, 0)", [id]);
      const [back] = await read(c, "setvt_q", 30, 10);
      assert.equal(back?.msg_id, id);
      assert.equal(back?.read_ct, 1, "set_vt does not count as a read");
      assert.deepEqual(await rows(c, "select * from pgmq.set_vt('setvt_q', 999999, 10)"), []);
    });

    await t.step("purge_queue deletes every message and returns the count", async () => {
      await c.query("select pgmq.create('purge_q')");
      const first = await sendBatch(c, "purge_q", [{ i: 0 }, { i: 1 }]);
      await c.query(`select pgmq.send('purge_q', '{"i":2}'::jsonb, 60)`);
      await read(c, "purge_q", 30, 1);
      assert.equal((await one<{ n: string }>(c, "select pgmq.purge_queue('purge_q') as n")).n, "3");
      const m = await metrics(c, "purge_q");
      assert.equal(m.queue_length, "0");
      assert.equal(m.total_messages, "3", "total_messages counts every message ever sent");
      assert.deepEqual(await read(c, "purge_q", 30, 10), []);
      const next = await send(c, "purge_q", { i: 3 });
      assert.ok(Number(next) > Number(first[1]), "msg_ids keep increasing after a purge");
    });

    await t.step("metrics and metrics_all", async () => {
      await c.query("select pgmq.create('met_q')");
      const empty = await metrics(c, "met_q");
      assert.deepEqual(
        [empty.queue_name, empty.queue_length, empty.total_messages, empty.queue_visible_length],
        ["met_q", "0", "0", "0"],
      );
      assert.equal(empty.newest_msg_age_sec, null);
      assert.equal(empty.oldest_msg_age_sec, null);
      assert.ok(Math.abs(empty.scrape_time.getTime() - (await dbNow(c)).getTime()) < 5000);

      const old = await send(c, "met_q", { age: "old" });
      await poll("the first message to be over 1 s old", async () => {
        const r = await one<{ ok: boolean }>(
          c,
          "select clock_timestamp() - enqueued_at > interval '1.2 seconds' as ok from pgmq.q_met_q",
        );
        return r.ok ? true : undefined;
      });
      await c.query(`select pgmq.send('met_q', '{"age":"new"}'::jsonb, 60)`);
      const m = await metrics(c, "met_q");
      assert.equal(m.queue_length, "2");
      assert.equal(m.queue_visible_length, "1");
      assert.equal(m.total_messages, "2");
      assert.ok(
        m.oldest_msg_age_sec !== null && m.oldest_msg_age_sec >= 1,
        `oldest ${m.oldest_msg_age_sec}`,
      );
      assert.equal(m.newest_msg_age_sec, 0);

      await read(c, "met_q", 30, 1);
      assert.equal((await metrics(c, "met_q")).queue_visible_length, "0");
      await c.query("select pgmq.delete('met_q', $1::bigint)", [old]);
      const after = await metrics(c, "met_q");
      assert.equal(after.queue_length, "1");
      assert.equal(after.total_messages, "2");

      const all = await rows<Metrics>(c, "select * from pgmq.metrics_all()");
      const names = all.map((r) => r.queue_name);
      for (const q of ["vt_q", "delay_q", "arch_q", "met_q"]) assert.ok(names.includes(q), q);
      const mine = all.find((r) => r.queue_name === "met_q");
      assert.equal(mine?.queue_length, "1");
      assert.equal(mine?.total_messages, "2");
    });

    await t.step("read_with_poll returns empty after max_poll_seconds", async () => {
      await c.query("select pgmq.create('poll_q')");
      const t0 = performance.now();
      const got = await rows<Msg>(c, "select * from pgmq.read_with_poll('poll_q', 30, 1, 1, 50)");
      const elapsed = performance.now() - t0;
      assert.deepEqual(got, []);
      assert.ok(elapsed >= 900 && elapsed < 5000, `polled for ~1 s (${Math.round(elapsed)} ms)`);
    });

    await t.step("read_with_poll returns as soon as another connection sends", async () => {
      const reader = await connect();
      const pid = (await one<{ pid: number }>(reader, "select pg_backend_pid() as pid")).pid;
      const polling = rows<Msg>(
        reader,
        "select * from pgmq.read_with_poll('poll_q', 30, 5, 10, 50)",
      );
      await poll("the reader to be polling", async () => {
        const r = await rows(
          c,
          "select 1 from pg_stat_activity where pid = $1 and state = 'active' and query like '%read_with_poll%'",
          [pid],
        );
        return r.length ? true : undefined;
      });
      const t0 = performance.now();
      const id = await send(c, "poll_q", { hello: "poller" });
      const got = await polling;
      const elapsed = performance.now() - t0;
      assert.deepEqual(got.map((m) => [m.msg_id, m.read_ct, m.message]), [[id, 1, {
        hello: "poller",
      }]]);
      assert.ok(
        elapsed < 3000,
        `returned ${Math.round(elapsed)} ms after the send, not after 10 s`,
      );
    });

    await t.step("read_with_poll honours the condition", async () => {
      await sendBatch(c, "poll_q", [{ k: "x" }, { k: "y" }]);
      const got = await rows<Msg>(
        c,
        "select * from pgmq.read_with_poll('poll_q', 30, 5, 1, 50, $1::jsonb)",
        [json({ k: "y" })],
      );
      assert.deepEqual(got.map((m) => m.message), [{ k: "y" }]);
    });

    await t.step("create_unlogged, list_queues and drop_queue", async () => {
      await c.query("select pgmq.create_unlogged('unl_q')");
      const persistence = await rows<{ relname: string; relpersistence: string }>(
        c,
        "select relname, relpersistence from pg_class where relname in ('q_unl_q', 'a_unl_q') order by 1",
      );
      assert.deepEqual(persistence.map((r) => [r.relname, r.relpersistence]), [["a_unl_q", "p"], [
        "q_unl_q",
        "u",
      ]]);
      await send(c, "unl_q", { i: 1 });
      assert.equal((await read(c, "unl_q", 30, 1)).length, 1);

      const listed = await rows<
        { queue_name: string; is_partitioned: boolean; is_unlogged: boolean }
      >(
        c,
        "select * from pgmq.list_queues()",
      );
      const byName = new Map(listed.map((q) => [q.queue_name, q]));
      assert.deepEqual(byName.get("unl_q"), {
        ...byName.get("unl_q"),
        is_partitioned: false,
        is_unlogged: true,
      });
      assert.equal(byName.get("vt_q")?.is_unlogged, false);

      assert.equal(
        (await one<{ ok: boolean }>(c, "select pgmq.drop_queue('unl_q') as ok")).ok,
        true,
      );
      const gone = await one<{ q: string | null; a: string | null }>(
        c,
        "select to_regclass('pgmq.q_unl_q')::text as q, to_regclass('pgmq.a_unl_q')::text as a",
      );
      assert.deepEqual(gone, { q: null, a: null });
      assert.ok(
        !(await rows<{ queue_name: string }>(c, "select * from pgmq.list_queues()"))
          .some((q) => q.queue_name === "unl_q"),
      );
      await assert.rejects(send(c, "unl_q", { i: 2 }), sqlState("42P01"));
    });

    await t.step("operations on a missing queue fail with undefined_table", async () => {
      await assert.rejects(read(c, "no_such_q", 30, 1), sqlState("42P01"));
      await assert.rejects(pop(c, "no_such_q"), sqlState("42P01"));
      await assert.rejects(c.query("select pgmq.metrics('no_such_q')"), sqlState("42P01"));
    });
  });
});

Deno.test("compat pgmq: concurrent readers never receive the same message", async (t) => {
  await setup(async ({ client: c, connect }) => {
    // Fresh connections per step; a reader that blocks on a lock fails instead of hanging.
    const reader = async () => {
      const conn = await connect();
      await conn.query("set statement_timeout = '5s'");
      return conn;
    };

    await t.step("A reads inside an open transaction; B skips A's locked rows", async () => {
      const [a, b] = [await reader(), await reader()];
      await c.query("select pgmq.create('lock_q')");
      const sent = await sendBatch(c, "lock_q", [0, 1, 2, 3, 4].map((i) => ({ i })));
      await a.query("begin");
      const byA = await read(a, "lock_q", 30, 2);
      assert.deepEqual(ids(byA), sent.slice(0, 2));
      const byB = await read(b, "lock_q", 30, 10);
      assert.deepEqual(ids(byB), sent.slice(2), "B receives only the rows A has not locked");
      assert.deepEqual(await read(b, "lock_q", 30, 10), []);
      assert.deepEqual(await pop(b, "lock_q"), [], "pop skips A's locked rows too");
      await a.query("rollback");
      const again = await read(b, "lock_q", 30, 10);
      assert.deepEqual(ids(again), sent.slice(0, 2), "A's rolled-back read releases its messages");
      assert.deepEqual(again.map((m) => m.read_ct), [1, 1], "and its read_ct increment");
    });

    await t.step("a row A read with vt 0 stays invisible to B until A commits", async () => {
      const [a, b] = [await reader(), await reader()];
      await c.query("select pgmq.create('lock0_q')");
      const id = await send(c, "lock0_q", { i: 0 });
      await a.query("begin");
      assert.deepEqual(ids(await read(a, "lock0_q", 0, 1)), [id]);
      assert.deepEqual(await read(b, "lock0_q", 30, 1), [], "locked even though its vt has passed");
      await a.query("commit");
      const [m] = await read(b, "lock0_q", 30, 1);
      assert.equal(m?.msg_id, id);
      assert.equal(m?.read_ct, 2);
    });

    await t.step("A pops inside an open transaction; B gets the next message", async () => {
      const [a, b] = [await reader(), await reader()];
      await c.query("select pgmq.create('lockpop_q')");
      const [first, second] = await sendBatch(c, "lockpop_q", [{ i: 0 }, { i: 1 }]);
      await a.query("begin");
      assert.deepEqual(ids(await pop(a, "lockpop_q")), [first]);
      assert.deepEqual(ids(await pop(b, "lockpop_q")), [second]);
      assert.deepEqual(await read(b, "lockpop_q", 30, 10), []);
      await a.query("rollback");
      assert.deepEqual(ids(await read(b, "lockpop_q", 30, 10)), [first]);
    });

    await t.step(
      "randomized: 3 readers and a concurrent producer; every message exactly once",
      async () => {
        const [a, b] = [await reader(), await reader()];
        await c.query("select pgmq.create('stress_q')");
        const total = 400;
        const received: string[] = [];
        const sentIds: string[] = [];
        const deadline = Date.now() + 30_000;
        const producer = (async () => {
          for (let i = 0; i < total; i += 25) {
            const chunk = Array.from({ length: Math.min(25, total - i) }, (_, k) => ({ n: i + k }));
            sentIds.push(...await sendBatch(c, "stress_q", chunk));
            await sleep(Math.random() * 10);
          }
        })();
        const readers = [a, b, await reader()].map(async (conn) => {
          while (received.length < total && Date.now() < deadline) {
            const op = Math.random();
            let got: Msg[];
            if (op < 0.4) {
              got = await read(conn, "stress_q", 60, 1 + Math.floor(Math.random() * 7));
            } else if (op < 0.8) {
              // As a worker does: read, work a little, then delete in the same transaction.
              await conn.query("begin");
              got = await read(conn, "stress_q", 60, 1 + Math.floor(Math.random() * 3));
              await sleep(Math.random() * 5);
              if (got.length) {
                await conn.query("select pgmq.delete('stress_q', $1::bigint[])", [
                  got.map((m) => m.msg_id),
                ]);
              }
              await conn.query("commit");
            } else {
              got = await pop(conn, "stress_q");
            }
            received.push(...got.map((m) => m.msg_id));
            if (!got.length) await sleep(2);
          }
        });
        await Promise.all([producer, ...readers]);
        const dupes = received.filter((id, i) => received.indexOf(id) !== i);
        assert.deepEqual(dupes, [], "no message was received twice");
        assert.deepEqual(
          [...received].sort((x, y) => Number(x) - Number(y)),
          [...sentIds].sort((x, y) => Number(x) - Number(y)),
          "every message was received",
        );
      },
    );
  });
});
