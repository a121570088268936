/**
 * @module The drift_check app's report endpoint in-process against the real control-plane
 * database: an environment token (its SHA-256 in private.environment_tokens) is the only
 * credential `/drift_check/report` accepts; reported findings become alerts linked to the
 * nearest spec chunk and `drift_detected` events; the next report without them resolves them;
 * a revoked token gets 401; every other route still verifies JWTs. The gateway path (and the
 * environment's deployed drift_check) is covered by tests/e2e/drift_sentinel_test.ts.
 */
import assert from "node:assert/strict";
import { createPool } from "../../functions-shared/db/pool.ts";
import { createDriftCheckApp } from "../../functions-shared/drift/sentinel/app.ts";
import { recordDrift } from "../../functions-shared/drift/sentinel/record_drift.ts";
import { finding } from "../../functions-shared/drift/findings.ts";
import { createLexicalEmbedder } from "../../functions-shared/embed/lexical_embedder.ts";
import { embedderNamed } from "../../functions-shared/embed/embedder_by_name.ts";
import { sha256Hex } from "../../functions-shared/auth/digest.ts";
import { upsertSpecChunks } from "../../functions-shared/graph/sql.ts";
import { createTokenVerifier } from "../../functions-shared/auth/identity.ts";
import { rlsDisabledOnOrders } from "../support/drift_findings.ts";
import { connect, newUser, stack } from "../support/stack.ts";

const CHUNKS = [
  "Listings are public: anyone can browse them.",
  "Orders are private: a buyer sees only their own orders, and row-level security enforces it.",
  "Reviews have a rating from 1 to 5.",
];

Deno.test("the report endpoint accepts only the session's unrevoked environment token", async (t) => {
  const s = await stack();
  const pool = createPool(s.DB_URL);
  const db = await connect();
  const user = await newUser("report");
  const sessionId = crypto.randomUUID();
  const token = `vrt_${crypto.randomUUID()}`;
  const app = createDriftCheckApp({
    auth: { verifier: createTokenVerifier({ jwtSecret: s.JWT_SECRET }), secretKeys: [] },
    pool,
    connect: () => Promise.reject(new Error("the report path needs no MCP")),
    embedderNamed: (name) => embedderNamed(name, { openai: {} }),
    secrets: [s.SERVICE_ROLE_KEY],
  });
  const post = (path: string, body: unknown, bearer?: string) =>
    app.request(`http://local/drift_check${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      body: JSON.stringify(body),
    });
  try {
    await db.query(
      `insert into public.build_sessions (id, owner_id, status, template, vibe_text, options)
       values ($1, $2, 'succeeded', 'marketplace', 'x', '{"enableDriftSentinel": true}')`,
      [sessionId, user.id],
    );
    const embedder = createLexicalEmbedder();
    const q = upsertSpecChunks(
      sessionId,
      CHUNKS.map((content, index) => ({
        index,
        content,
        metadata: { section: null, sectionIndex: 0 },
      })),
      await embedder.embed(CHUNKS),
      embedder.name,
    );
    await db.query(q.text, q.values);
    await db.query(
      `insert into private.environment_tokens (session_id, environment_ref, token_hash)
       values ($1, 'reportenvironmentref', $2)`,
      [sessionId, await sha256Hex(token)],
    );

    await t.step("findings reported with the token become linked alerts and events", async () => {
      const f = rlsDisabledOnOrders(
        "Every role with a grant on orders reads and changes every order.",
      );
      const res = await post("/report", { sessionId, findings: [f], summary: { drift: 1 } }, token);
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.newAlerts.length, 1);
      const alert = (await db.query(
        `select a.*, c.content from public.drift_alerts a
           join public.spec_chunks c on c.id = a.spec_chunk_id where a.session_id = $1`,
        [sessionId],
      )).rows[0];
      assert.equal(alert.fingerprint, f.fingerprint);
      assert.equal(alert.details.source, "environment");
      assert.equal(alert.details.environmentRef, "reportenvironmentref");
      assert.equal(alert.content, CHUNKS[1], "linked to the chunk about orders and RLS");
      assert.ok(alert.similarity > 0 && alert.similarity <= 1);
      const events = await db.query(
        "select payload from public.build_events where session_id = $1 and type = 'drift_detected'",
        [sessionId],
      );
      assert.equal(events.rowCount, 1);
      assert.equal(events.rows[0].payload.alertId, alert.id);

      const again = await (await post("/report", { sessionId, findings: [f] }, token)).json();
      assert.deepEqual(again.newAlerts, [], "deduplicated");
      const clean = await (await post("/report", { sessionId, findings: [] }, token)).json();
      assert.equal(clean.resolved, 1);
      assert.equal(clean.open, 0);
    });

    await t.step(
      "the sentinel's findings override the environment's with the same fingerprint",
      async () => {
        const truth = rlsDisabledOnOrders("Every role reads and changes every order.");
        // The environment reports the same finding, played down.
        const lie = finding({
          ...truth,
          severity: "low",
          issue: "Nothing to worry about.",
          fix: [{ phase: "rls", sql: "select 1;", destructive: false }],
        });
        assert.equal(lie.fingerprint, truth.fingerprint);
        const reported = await (await post("/report", { sessionId, findings: [lie] }, token))
          .json();
        assert.equal(reported.newAlerts.length, 1);
        const eventsBefore = (await db.query(
          "select count(*)::int as n from public.build_events where session_id = $1",
          [sessionId],
        )).rows[0].n;

        const deps = {
          pool,
          embedderNamed: (name: string) => embedderNamed(name, { openai: {} }),
          secrets: [],
        };
        const sentinel = await recordDrift(deps, {
          sessionId,
          environmentRef: "reportenvironmentref",
          source: "sentinel",
          findings: [truth],
        });
        assert.equal(sentinel.overridden, 1);
        assert.deepEqual(sentinel.newAlerts, [], "the same alert, not a second one");
        const alert = (await db.query(
          `select severity, recommendation, details from public.drift_alerts
          where session_id = $1 and resolved_at is null`,
          [sessionId],
        )).rows;
        assert.equal(alert.length, 1);
        assert.equal(alert[0].severity, "critical", "the sentinel's severity");
        assert.equal(alert[0].details.source, "sentinel");
        assert.equal(alert[0].details.overrode, "environment");
        assert.equal(alert[0].details.issue, truth.issue);
        assert.match(alert[0].recommendation, /enable row level security/);
        assert.doesNotMatch(alert[0].recommendation, /Reported by the environment itself/);
        const eventsAfter = (await db.query(
          "select count(*)::int as n from public.build_events where session_id = $1",
          [sessionId],
        )).rows[0].n;
        assert.equal(eventsAfter, eventsBefore, "no second drift_detected event");

        // Now the environment cannot make it go away; only the sentinel's own reading can.
        const cleared = await (await post("/report", { sessionId, findings: [] }, token)).json();
        assert.equal(cleared.resolved, 0);
        assert.equal(cleared.open, 1);
        const fixed = await recordDrift(deps, {
          sessionId,
          environmentRef: "reportenvironmentref",
          source: "sentinel",
          findings: [],
        });
        assert.equal(fixed.resolved.length, 1);
        assert.equal(fixed.open, 0);
      },
    );

    await t.step("wrong, missing and JWT credentials get 401; bad bodies 400", async () => {
      const report = { sessionId, findings: [] };
      assert.equal((await post("/report", report, "vrt_wrong")).status, 401);
      assert.equal((await post("/report", report)).status, 401);
      assert.equal((await post("/report", report, s.SERVICE_ROLE_KEY)).status, 401);
      const other = { sessionId: crypto.randomUUID(), findings: [] };
      assert.equal((await post("/report", other, token)).status, 401);
      assert.equal((await post("/report", { findings: [] }, token)).status, 400);
      const bad = await post("/report", { sessionId, findings: [{ check: "x" }] }, token);
      assert.equal(bad.status, 400);
      assert.ok((await bad.json()).details.length > 0);
    });

    await t.step("other routes verify JWTs themselves", async () => {
      assert.equal((await post("", {})).status, 401);
      assert.equal((await post("", {}, "not-a-jwt")).status, 401);
      assert.equal((await post("", {}, s.ANON_KEY)).status, 403);
      assert.equal((await post(`/tokens/${sessionId}/revoke`, {}, user.token)).status, 403);
      const notFound = await post("", { sessionId: crypto.randomUUID() }, s.SERVICE_ROLE_KEY);
      assert.equal(notFound.status, 404);
      const notReady = await post("", { sessionId }, s.SERVICE_ROLE_KEY);
      assert.equal(notReady.status, 409, "a session without a contract cannot be checked");
    });

    await t.step("a revoked token gets 401", async () => {
      const res = await post(`/tokens/${sessionId}/revoke`, {}, s.SERVICE_ROLE_KEY);
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.revoked, true);
      assert.ok(!Number.isNaN(Date.parse(body.revokedAt)));
      assert.equal((await post("/report", { sessionId, findings: [] }, token)).status, 401);
      const reissue = await post(`/tokens/${sessionId}/reissue`, {}, s.SERVICE_ROLE_KEY);
      assert.equal(reissue.status, 501, "no reissue without its configuration");
      assert.match((await reissue.json()).error, /VIBE_REPORT_TOKEN_SECRET/);
    });
  } finally {
    await db.query("delete from public.build_sessions where id = $1", [sessionId]);
    await db.end();
    await pool.end();
  }
});
