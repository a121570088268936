/**
 * @module Conformance of the local Realtime database surface to hosted Supabase:
 * realtime.send(payload, event, topic, private) writes broadcast rows to realtime.messages and
 * never aborts its caller; realtime.topic(); the supabase_realtime publication, owned by postgres
 * so migrations can add their tables to it.
 */
import assert from "node:assert/strict";
import { one, rows, withScratch } from "../support/compat.ts";
import { asRole } from "../support/stack.ts";

Deno.test("compat realtime: realtime.send, realtime.topic, supabase_realtime publication", async (t) => {
  await withScratch("realtime", async ({ client: c }) => {
    await t.step("realtime.send has hosted's signature and writes broadcast messages", async () => {
      const sig = await one<{ args: string; result: string }>(
        c,
        `select pg_get_function_arguments('realtime.send(jsonb, text, text, boolean)'::regprocedure) as args,
                pg_get_function_result('realtime.send(jsonb, text, text, boolean)'::regprocedure) as result`,
      );
      assert.deepEqual(sig, {
        args: "payload jsonb, event text, topic text, private boolean DEFAULT true",
        result: "void",
      });
      await c.query(`select realtime.send('{"n":1}'::jsonb, 'progress', 'session:1')`);
      await c.query(
        `select realtime.send('{"n":2,"id":"mine"}'::jsonb, 'progress', 'session:1', false)`,
      );
      const sent = await rows<
        {
          id: string;
          topic: string;
          event: string;
          payload: Record<string, unknown>;
          private: boolean;
          extension: string;
        }
      >(
        c,
        "select id, topic, event, payload, private, extension from realtime.messages order by payload->>'n'",
      );
      assert.equal(sent.length, 2);
      const [first, second] = sent;
      assert.deepEqual(first, {
        id: first?.id,
        topic: "session:1",
        event: "progress",
        payload: { n: 1, id: first?.id }, // hosted adds the message id to a payload without one
        private: true,
        extension: "broadcast",
      });
      assert.deepEqual(second?.payload, { n: 2, id: "mine" });
      assert.equal(second?.private, false);
    });

    await t.step("realtime.send sets realtime.topic for the rest of the transaction", async () => {
      await c.query("begin");
      await c.query(`select realtime.send('{}'::jsonb, 'e', 'room:7')`);
      assert.equal((await one<{ t: string }>(c, "select realtime.topic() as t")).t, "room:7");
      await c.query("rollback");
    });

    await t.step("a failing realtime.send does not abort the caller's transaction", async () => {
      await c.query("begin");
      await c.query("create temp table kept (n int) on commit drop");
      await c.query("select realtime.send('{}'::jsonb, 'e', null)"); // topic is required
      await c.query("insert into kept values (1)");
      assert.equal((await one<{ n: number }>(c, "select count(*)::int as n from kept")).n, 1);
      await c.query("commit");
    });

    await t.step(
      "realtime.send runs with the caller's rights: RLS applies to API roles",
      async () => {
        const topic = `private:${crypto.randomUUID()}`;
        const count = async () =>
          (await one<{ n: number }>(
            c,
            "select count(*)::int as n from realtime.messages where topic = $1",
            [topic],
          )).n;
        await asRole(c, "authenticated", { sub: crypto.randomUUID() }, async () => {
          // No INSERT policy on realtime.messages: nothing is written, and nothing fails.
          await c.query("select realtime.send('{}'::jsonb, 'e', $1)", [topic]);
          await c.query("reset role");
          assert.equal(await count(), 0);
        });
        await asRole(c, "service_role", {}, async () => {
          await c.query("select realtime.send('{}'::jsonb, 'e', $1)", [topic]);
          assert.equal(await count(), 1, "service_role bypasses RLS");
        });
      },
    );

    await t.step("realtime.topic() reads the channel topic setting", async () => {
      assert.equal((await one<{ t: string | null }>(c, "select realtime.topic() as t")).t, null);
      await c.query("begin");
      await c.query("select set_config('realtime.topic', 'room:42', true)");
      assert.equal((await one<{ t: string }>(c, "select realtime.topic() as t")).t, "room:42");
      await c.query("rollback");
    });

    await t.step(
      "supabase_realtime exists, is owned by postgres, and postgres can add its tables",
      async () => {
        const pub = await one<{ owner: string; all: boolean }>(
          c,
          `select pg_get_userbyid(pubowner) as owner, puballtables as all
           from pg_publication where pubname = 'supabase_realtime'`,
        );
        assert.deepEqual(pub, { owner: "postgres", all: false });
        await c.query("create table public.live (id int primary key)");
        await c.query("alter publication supabase_realtime add table public.live");
        const tables = await rows<{ t: string }>(
          c,
          "select schemaname || '.' || tablename as t from pg_publication_tables where pubname = 'supabase_realtime'",
        );
        assert.deepEqual(tables.map((r) => r.t), ["public.live"]);
        await c.query("alter publication supabase_realtime drop table public.live");
      },
    );
  });
});
