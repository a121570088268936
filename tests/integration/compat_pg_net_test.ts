/**
 * @module Conformance of the local pg_net to pg_net 0.14's SQL API: requests queued by
 * net.http_post / http_get / http_delete are performed only after their transaction commits,
 * against a real HTTP handler started here, and their responses (or timeouts and errors) are
 * recorded in net._http_response as pg_net's background worker records them.
 */
import assert from "node:assert/strict";
import type pg from "../../functions-shared/db/pg.ts";
import { one, poll, rows, sleep, sqlState, withScratch } from "../support/compat.ts";
import { stack } from "../support/stack.ts";

interface Received {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
}

interface NetResponse {
  status_code: number | null;
  content_type: string | null;
  headers: Record<string, string> | null;
  content: string | null;
  timed_out: boolean | null;
  error_msg: string | null;
}

/** A local HTTP handler recording what it receives; /slow answers only after 3 s (or at stop). */
function startHandler() {
  const received: Received[] = [];
  const stopping = new AbortController();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    received.push({ method: req.method, url, headers: req.headers, body: await req.text() });
    if (url.pathname === "/slow") {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 3000);
        stopping.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      return new Response("late");
    }
    return Response.json({ ok: true, path: url.pathname }, {
      status: 201,
      headers: { "x-test": "yes" },
    });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const arrived = (path: string) => received.filter((r) => r.url.pathname === path);
  const stop = async () => {
    stopping.abort();
    await server.shutdown();
  };
  return { base, received, arrived, stop };
}

function response(c: pg.Client, id: string): Promise<NetResponse> {
  return poll(`net._http_response for request ${id}`, async () => {
    const [r] = await rows<NetResponse>(
      c,
      `select status_code, content_type, headers, content, timed_out, error_msg
         from net._http_response where id = $1`,
      [id],
    );
    return r;
  }, 15_000);
}

Deno.test("compat pg_net: requests after commit, responses recorded", async (t) => {
  await stack(); // the gateway performs the requests: it must be running
  const h = startHandler();
  try {
    await withScratch("pgnet", async ({ client: c }) => {
      // As on hosted: postgres (not a superuser) enables pg_net in the extensions schema.
      await c.query("create extension pg_net with schema extensions");
      let postId = "";

      await t.step(
        "http_post is performed only after commit, with body, params and headers",
        async () => {
          await c.query("begin");
          await c.query("select net.http_post($1, '{\"never\":true}'::jsonb)", [
            `${h.base}/rolled-back`,
          ]);
          await c.query("rollback");

          await c.query("begin");
          postId = (await one<{ id: string }>(
            c,
            "select net.http_post(url => $1, body => $2::jsonb, params => $3::jsonb, headers => $4::jsonb) as id",
            [
              `${h.base}/post`,
              JSON.stringify({ hello: "world", n: [1, 2] }),
              JSON.stringify({ a: "1 2", b: "ü" }),
              JSON.stringify({ "X-Custom": "abc" }),
            ],
          )).id;
          const queued = await one<
            { method: string; url: string; headers: Record<string, string> }
          >(
            c,
            "select method, url, headers from net.http_request_queue where id = $1",
            [postId],
          );
          assert.equal(queued.method, "POST");
          assert.equal(queued.url, `${h.base}/post?a=1%202&b=%C3%BC`);
          assert.deepEqual(queued.headers, {
            "X-Custom": "abc",
            "Content-Type": "application/json",
          });
          // Longer than the runner's safety poll (1 s): nothing may be sent before commit.
          await sleep(1500);
          assert.equal(h.arrived("/post").length, 0, "no request while the transaction is open");
          await c.query("commit");

          const [req] = await poll("the POST to arrive", () => {
            const got = h.arrived("/post");
            return got.length ? got : undefined;
          }, 15_000);
          assert.ok(req);
          assert.equal(req.method, "POST");
          assert.equal(req.url.searchParams.get("a"), "1 2");
          assert.equal(req.url.searchParams.get("b"), "ü");
          assert.equal(req.headers.get("x-custom"), "abc");
          assert.equal(req.headers.get("content-type"), "application/json");
          assert.deepEqual(JSON.parse(req.body), { hello: "world", n: [1, 2] });

          const r = await response(c, postId);
          assert.equal(r.status_code, 201);
          assert.equal(r.content_type, "application/json");
          assert.deepEqual(JSON.parse(r.content ?? ""), { ok: true, path: "/post" });
          assert.equal(r.headers?.["x-test"], "yes");
          assert.equal(r.timed_out, false);
          assert.equal(r.error_msg, null);
          assert.equal(h.arrived("/post").length, 1, "performed once");
          assert.equal(h.arrived("/rolled-back").length, 0, "a rolled-back request is never sent");
        },
      );

      await t.step(
        "http_post defaults: '{}' body and a JSON content type; other types refused",
        async () => {
          const { id } = await one<{ id: string }>(c, "select net.http_post($1) as id", [
            `${h.base}/default`,
          ]);
          await response(c, id);
          const [req] = h.arrived("/default");
          assert.equal(req?.headers.get("content-type"), "application/json");
          assert.equal(req?.body, "{}");
          await assert.rejects(
            c.query(
              `select net.http_post($1, '{}'::jsonb, headers => '{"Content-Type":"text/plain"}'::jsonb)`,
              [
                `${h.base}/text`,
              ],
            ),
            /Content-Type header must be "application\/json"/,
          );
        },
      );

      await t.step(
        "http_get url-encodes params and appends them to an existing query",
        async () => {
          const { id } = await one<{ id: string }>(
            c,
            "select net.http_get($1, params => $2::jsonb, headers => $3::jsonb) as id",
            [
              `${h.base}/get?x=1`,
              JSON.stringify({ q: "a b&c=d/é+" }),
              JSON.stringify({ "X-Get": "1" }),
            ],
          );
          const r = await response(c, id);
          assert.equal(r.status_code, 201);
          const [req] = h.arrived("/get");
          assert.ok(req);
          assert.equal(req.method, "GET");
          assert.equal(req.url.search, "?x=1&q=a%20b%26c%3Dd%2F%C3%A9%2B");
          assert.equal(req.url.searchParams.get("q"), "a b&c=d/é+");
          assert.equal(req.headers.get("x-get"), "1");
          assert.equal(req.body, "");
        },
      );

      await t.step("http_delete", async () => {
        const { id } = await one<{ id: string }>(
          c,
          'select net.http_delete($1, params => \'{"id":"7"}\'::jsonb) as id',
          [`${h.base}/del`],
        );
        assert.equal((await response(c, id)).status_code, 201);
        const [req] = h.arrived("/del");
        assert.equal(req?.method, "DELETE");
        assert.equal(req?.url.searchParams.get("id"), "7");
      });

      let slowId = "";
      await t.step("a timeout is recorded with its error message and no status", async () => {
        slowId = (await one<{ id: string }>(
          c,
          "select net.http_get($1, timeout_milliseconds => 300) as id",
          [`${h.base}/slow`],
        )).id;
        const r = await response(c, slowId);
        assert.equal(r.status_code, null);
        assert.equal(r.content, null);
        assert.match(r.error_msg ?? "", /^Timeout of 300 ms reached/);
        // pg_net 0.14 leaves timed_out null on a timeout, later versions set it true; never false.
        assert.notEqual(r.timed_out, false);
      });

      await t.step("a connection error is recorded as an error without status", async () => {
        const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
        const port = (closed.addr as Deno.NetAddr).port;
        closed.close();
        const { id } = await one<{ id: string }>(c, "select net.http_get($1) as id", [
          `http://127.0.0.1:${port}/nobody`,
        ]);
        const r = await response(c, id);
        assert.equal(r.status_code, null);
        assert.ok(r.error_msg && r.error_msg.length > 0, "error_msg is set");
      });

      await t.step(
        "net._http_collect_response and the deprecated net.http_collect_response",
        async () => {
          const collect = (id: string, async = true) =>
            one<
              { status: string; message: string; status_code: number | null; body: string | null }
            >(
              c,
              `select (r).status::text as status, (r).message, ((r).response).status_code,
                    ((r).response).body
               from (select net._http_collect_response($1, $2) as r) x`,
              [id, async],
            );
          const ok = await collect(postId);
          assert.deepEqual([ok.status, ok.message, ok.status_code], ["SUCCESS", "ok", 201]);
          assert.deepEqual(JSON.parse(ok.body ?? ""), { ok: true, path: "/post" });

          const missing = await collect("987654321");
          assert.deepEqual(
            [missing.status, missing.message, missing.status_code],
            ["ERROR", "request matching request_id not found", null],
          );

          const timedOut = await collect(slowId);
          assert.equal(timedOut.status, "ERROR");
          assert.match(timedOut.message, /^Timeout of 300 ms reached/);

          // async => false waits for the response of a committed request.
          const { id } = await one<{ id: string }>(c, "select net.http_get($1) as id", [
            `${h.base}/sync`,
          ]);
          await c.query("set statement_timeout = '15s'");
          const waited = await collect(id, false);
          await c.query("reset statement_timeout");
          assert.deepEqual([waited.status, waited.status_code], ["SUCCESS", 201]);

          // As shipped in pg_net 0.14 (and on hosted), the public wrapper always fails.
          await assert.rejects(
            c.query("select net.http_collect_response($1)", [postId]),
            sqlState("42601"),
          );
        },
      );
    });
  } finally {
    await h.stop();
  }
});
