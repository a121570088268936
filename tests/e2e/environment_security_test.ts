/**
 * @module Security of a provisioned environment's functions and of its reporting token, over
 * real HTTP against an environment the pipeline built: the review's attack (`OPTIONS` with an
 * unsigned `{"role":"service_role"}` token) runs nothing; forged, foreign and other roles' tokens
 * are refused by drift_check and spec_gate themselves; a revoked token stays dead after a
 * reissue, which redeploys drift_check with a new token that works; oversized reports get 413.
 */
import assert from "node:assert/strict";
import { base64UrlEncode, signJwt } from "../../functions-shared/auth/jwt.ts";
import { bundledEnvironmentFunctions } from "../../functions-shared/env_functions/bundled_functions.ts";
import { reportToken } from "../../functions-shared/env_functions/report_token.ts";
import { sha256Hex } from "../../functions-shared/auth/digest.ts";
import { modelFromJson } from "../../functions-shared/drift/model.ts";
import { environmentServiceKey } from "../support/builds.ts";
import {
  alerts,
  callDriftCheck,
  environmentDriftCheck,
  provisionMarketplace,
} from "../support/drift_environment.ts";
import { httpClient } from "../support/mcp.ts";
import { callFunction, stack } from "../support/stack.ts";

function b64json(value: unknown): string {
  return base64UrlEncode(new TextEncoder().encode(JSON.stringify(value)));
}

/** The review's forged token: `{"role":"service_role"}` with no signature. */
const UNSIGNED = `${b64json({ alg: "none", typ: "JWT" })}.${b64json({ role: "service_role" })}.`;

Deno.test("environment functions verify callers; reporting tokens revoke, reissue and cap reports", async (t) => {
  const s = await stack();
  const env = await provisionMarketplace("envsec");
  const fn = (slug: string) => `${env.session.environment!.url}/functions/v1/${slug}`;
  const call = (slug: string, method: string, token: string | null, body?: string) =>
    fetch(fn(slug), {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        "content-type": "application/json",
      },
      ...(body === undefined ? {} : { body }),
    });
  try {
    await t.step(
      "the review's attack: OPTIONS with an unsigned service_role token runs nothing",
      async () => {
        // Drift a run would report: had the introspection run, an alert would appear.
        await env.db.query("alter table public.bids disable row level security");
        for (const slug of ["drift_check", "spec_gate"]) {
          const res = await call(slug, "OPTIONS", UNSIGNED);
          assert.equal(res.status, 204, slug);
          assert.equal(await res.text(), "", `${slug}: no findings in a preflight answer`);
          assert.equal(res.headers.get("access-control-allow-methods"), "POST, OPTIONS");
        }
        await new Promise((r) => setTimeout(r, 300));
        assert.deepEqual(await alerts(env), [], "nothing was introspected or reported");
      },
    );

    await t.step(
      "forged, foreign and other roles' credentials are refused by the function",
      async () => {
        const envKeys = {
          service: await environmentServiceKey(env.ref),
          anon: env.session.environment!.anonKey,
        };
        const foreign = await signJwt(
          { role: "service_role", exp: Math.floor(Date.now() / 1000) + 600 },
          "a-secret-that-is-not-this-environments-secret",
        );
        for (const slug of ["drift_check", "spec_gate"]) {
          const body = slug === "spec_gate" ? JSON.stringify({ sql: "select 1" }) : "{}";
          // The gateway's verify_jwt answers 401 first for tokens it cannot verify; the
          // function itself refuses them too (unit-tested), and refuses the wrong role.
          for (const token of [UNSIGNED, foreign, s.SERVICE_ROLE_KEY, null]) {
            const res = await call(slug, "POST", token, body);
            assert.equal(res.status, 401, `${slug} ${token?.slice(0, 12)}`);
            await res.body?.cancel();
          }
          const anon = await call(slug, "POST", envKeys.anon, body);
          assert.equal(anon.status, 403, `${slug}: the anon key is not the service role`);
          assert.match((await anon.json()).error, /service role key/);
          const get = await call(slug, "GET", envKeys.service);
          assert.equal(get.status, 405, `${slug}: GET runs nothing`);
          await get.body?.cancel();
        }
        assert.deepEqual(await alerts(env), [], "still nothing ran");
        const res = await call("drift_check", "POST", envKeys.service, "{}");
        const body = await res.json();
        assert.equal(res.status, 200, JSON.stringify(body));
        assert.ok(body.findings.some((f: { resource: string }) => f.resource === "public.bids"));
        assert.equal(body.reported, 200);
        await env.db.query("alter table public.bids enable row level security");
        assert.equal((await environmentDriftCheck(env)).reported, 200);
      },
    );

    await t.step("without the gateway's verify_jwt, the function itself refuses them", async () => {
      // The same drift_check bundle, deployed with verify_jwt off: only the function checks.
      const row = await env.control.query<{ plan: string; contract: string }>(
        "select plan::text as plan, contract::text as contract from public.build_sessions where id = $1",
        [env.sessionId],
      );
      const files = bundledEnvironmentFunctions.files("drift_check", {
        sessionId: env.sessionId,
        plan: JSON.parse(row.rows[0]!.plan),
        model: modelFromJson(row.rows[0]!.contract),
        reportUrl: "http://127.0.0.1:9/nowhere",
        reportToken: "vrt_not-a-real-token-for-this-test",
      });
      const { client } = await httpClient();
      try {
        await client.callTool("deploy_edge_function", {
          project_id: env.ref,
          name: "drift_check_open",
          entrypoint_path: files.entrypoint,
          verify_jwt: false,
          files: files.files,
        });
      } finally {
        await client.close();
      }
      await env.db.query("alter table public.bids disable row level security");
      const foreign = await signJwt(
        { role: "service_role", exp: Math.floor(Date.now() / 1000) + 600 },
        "a-secret-that-is-not-this-environments-secret",
      );
      const preflight = await call("drift_check_open", "OPTIONS", UNSIGNED);
      assert.equal(preflight.status, 204);
      assert.equal(await preflight.text(), "");
      for (const token of [UNSIGNED, foreign, s.SERVICE_ROLE_KEY, null]) {
        const res = await call("drift_check_open", "POST", token, "{}");
        const body = await res.json();
        assert.equal(res.status, 401, `${token?.slice(0, 12)}: ${JSON.stringify(body)}`);
        assert.equal(body.findings, undefined);
      }
      const anon = await call("drift_check_open", "POST", env.session.environment!.anonKey, "{}");
      assert.equal(anon.status, 403);
      await anon.body?.cancel();
      const get = await call("drift_check_open", "GET", UNSIGNED);
      assert.equal(get.status, 405);
      await get.body?.cancel();
      const ok = await call("drift_check_open", "POST", await environmentServiceKey(env.ref), "{}");
      const body = await ok.json();
      assert.equal(ok.status, 200, JSON.stringify(body));
      assert.ok(body.findings.some((f: { resource: string }) => f.resource === "public.bids"));
      await env.db.query("alter table public.bids enable row level security");
    });

    await t.step("revoke, then reissue: the old token stays dead, the new one works", async () => {
      const first = await reportToken(s.REPORT_TOKEN_SECRET, env.sessionId, 1);
      const report = { sessionId: env.sessionId, findings: [], summary: {} };
      assert.equal((await callDriftCheck("/report", report, first)).status, 200);
      const revoked = await callDriftCheck(`/tokens/${env.sessionId}/revoke`, {});
      assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
      assert.equal((await environmentDriftCheck(env)).reported, 401, "revoked");

      const denied = await callDriftCheck(`/tokens/${env.sessionId}/reissue`, {}, s.ANON_KEY);
      assert.equal(denied.status, 403, "only the service role reissues");
      const missing = await callDriftCheck(`/tokens/${crypto.randomUUID()}/reissue`, {});
      assert.equal(missing.status, 404);
      const reissued = await callDriftCheck(`/tokens/${env.sessionId}/reissue`, {});
      assert.equal(reissued.status, 200, JSON.stringify(reissued.body));
      assert.equal(reissued.body.generation, 2);
      assert.equal(reissued.body.environmentRef, env.ref);
      assert.ok(!JSON.stringify(reissued.body).includes("vrt_"), "the token is not returned");

      // The redeployed drift_check carries the new token: its reports are accepted again.
      assert.equal((await environmentDriftCheck(env)).reported, 200, "the new token works");
      const second = await reportToken(s.REPORT_TOKEN_SECRET, env.sessionId, 2);
      const stored = await env.control.query<{ token_hash: string; revoked_at: Date | null }>(
        "select token_hash, revoked_at from private.environment_tokens where session_id = $1",
        [env.sessionId],
      );
      assert.equal(stored.rows[0]?.token_hash, await sha256Hex(second));
      assert.equal(stored.rows[0]?.revoked_at, null);
      assert.equal((await callDriftCheck("/report", report, second)).status, 200);
      assert.equal(
        (await callDriftCheck("/report", report, first)).status,
        401,
        "the revoked token stays dead",
      );

      const events = await env.control.query<{ type: string; payload: Record<string, unknown> }>(
        `select type, payload from public.build_events
          where session_id = $1 and type like 'report_token_%' order by seq`,
        [env.sessionId],
      );
      assert.deepEqual(events.rows.map((e) => e.type), [
        "report_token_revoked",
        "report_token_reissued",
      ]);
      const reissueEvent = events.rows[1]!.payload;
      assert.equal(reissueEvent.generation, 2);
      const calls = reissueEvent.tool_calls as { tool: string; ok: boolean }[];
      assert.ok(calls.some((c) => c.tool === "deploy_edge_function" && c.ok));
      assert.ok(!JSON.stringify(reissueEvent).includes(second), "the new token is redacted");
    });

    await t.step("on-demand drift checks: one at a time, then a cooldown", async () => {
      const check = () =>
        callFunction(`sessions/${env.sessionId}/drift/check`, {
          method: "POST",
          token: env.user.token,
        });
      const both = await Promise.all([check(), check()]);
      const statuses = both.map((r) => r.status).sort();
      const bodies = await Promise.all(both.map((r) => r.json()));
      assert.equal(statuses[0], 200, JSON.stringify(bodies));
      assert.ok([409, 429].includes(statuses[1]!), `never a second check: ${statuses}`);
      const later = await check();
      assert.equal(later.status, 429);
      const wait = Number(later.headers.get("retry-after"));
      assert.ok(wait > 0 && wait <= 60, `Retry-After ${wait}`);
      await later.body?.cancel();
    });

    await t.step("a report over the size cap gets 413 and records nothing", async () => {
      const token = await reportToken(s.REPORT_TOKEN_SECRET, env.sessionId, 2);
      const big = JSON.stringify({
        sessionId: env.sessionId,
        findings: [],
        padding: "x".repeat(5 * 1024 * 1024),
      });
      const before = await alerts(env);
      const sized = await callFunction("drift_check/report", {
        method: "POST",
        token,
        headers: { "content-type": "application/json" },
        body: big,
      });
      assert.equal(sized.status, 413);
      assert.match((await sized.json()).error, /at most/);
      // Streamed, without a content-length: the cap holds all the same.
      const bytes = new TextEncoder().encode(big);
      const streamed = await callFunction("drift_check/report", {
        method: "POST",
        token,
        headers: { "content-type": "application/json" },
        body: new ReadableStream({
          start(controller) {
            for (let i = 0; i < bytes.length; i += 256 * 1024) {
              controller.enqueue(bytes.subarray(i, i + 256 * 1024));
            }
            controller.close();
          },
        }),
      });
      assert.equal(streamed.status, 413);
      await streamed.body?.cancel();
      assert.deepEqual(await alerts(env), before);
    });
  } finally {
    await env.close();
  }
});
