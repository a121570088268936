/**
 * @module From findings to alerts and events: the recommendation carries the fix SQL (or the
 * covering finding's), secrets never reach an alert or an event, reports from environments are
 * validated and re-fingerprinted, and public paths skip only the identity check.
 */
import assert from "node:assert/strict";
import { type Finding, finding } from "../../functions-shared/drift/findings.ts";
import {
  alertRow,
  alertText,
  driftDetectedEvent,
  effectiveFixSql,
} from "../../functions-shared/drift/sentinel/alerts.ts";
import {
  bearerToken,
  parseEnvironmentReport,
} from "../../functions-shared/drift/sentinel/environment_report.ts";
import { embedderNamed } from "../../functions-shared/embed/embedder_by_name.ts";
import { createFunctionApp } from "../../functions-shared/http/function_app.ts";
import { REDACTED } from "../../functions-shared/redact.ts";
import { rlsDisabledOnOrders } from "../support/drift_findings.ts";

const rlsDisabled = (): Finding => rlsDisabledOnOrders("Anyone with a grant reads every row.");

function coveredLint(by: Finding): Finding {
  return finding({
    check: "rls_disabled_in_public",
    category: "C",
    severity: "critical",
    objectKind: "table",
    resource: "public.orders",
    key: "rls_disabled_in_public_public_orders",
    issue: "Table `public.orders` is public, but RLS has not been enabled.",
    expected: null,
    actual: null,
    evidence: "select 1;",
    impact: "Exposed.",
    fix: [],
    coveredBy: [by.id],
    source: "lint",
  });
}

const CTX = { source: "sentinel" as const, environmentRef: "abcdefghijklmnopqrst" };

Deno.test("an alert's recommendation carries the idempotent fix SQL", () => {
  const f = rlsDisabled();
  const row = alertRow(f, CTX, null);
  assert.equal(row.fingerprint, f.fingerprint);
  assert.equal(row.type, "table.rls_disabled");
  assert.equal(row.severity, "critical");
  assert.equal(row.resource, "public.orders");
  assert.match(row.recommendation, /idempotent SQL, safe to run twice/);
  assert.ok(
    row.recommendation.includes('alter table "public"."orders" enable row level security;'),
  );
  assert.equal(row.details.fixSql, 'alter table "public"."orders" enable row level security;');
  assert.equal(row.details.category, "C");
  assert.equal(row.details.gapId, f.id);
  assert.equal(row.spec_chunk_id, null);
});

Deno.test("a lint covered by a diff finding recommends the covering fix", () => {
  const cause = rlsDisabled();
  const lint = coveredLint(cause);
  assert.equal(effectiveFixSql(lint, [cause, lint]), effectiveFixSql(cause, [cause]));
  const row = alertRow(lint, CTX, null, [cause, lint]);
  assert.match(row.recommendation, new RegExp(`Fixed by the fix of ${cause.id}`));
  assert.ok(row.recommendation.includes("enable row level security"));
  assert.equal(alertRow(lint, CTX, null, []).details.fixSql, "", "nothing to borrow");
});

Deno.test("secrets in a fix are redacted from the alert and its event, and the alert says so", () => {
  const key = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
  const f = finding({
    ...rlsDisabled(),
    check: "function.body",
    category: "B",
    objectKind: "function",
    resource: "public.notify()",
    fix: [{
      phase: "function",
      sql:
        `create or replace function public.notify() returns text language sql as $$ select '${key}' $$;`,
      destructive: false,
    }],
  });
  const row = alertRow(f, { ...CTX, secrets: ["hunter2-hunter2"] }, null);
  assert.ok(!JSON.stringify(row).includes(key));
  assert.equal(row.details.fixRedacted, true);
  assert.match(row.recommendation, /was redacted: get it with `deno task contract verify/);
  const event = driftDetectedEvent({ id: "a1", row }, null);
  assert.ok(!JSON.stringify(event).includes(key));
  assert.ok(String(event.payload.fixSql).includes(REDACTED));
});

Deno.test("drift_detected: keyed by the alert, with the linked chunk and similarity", () => {
  const f = rlsDisabled();
  const link = { id: "c1", chunkIndex: 2, content: "Orders are private.", similarity: 0.42 };
  const row = alertRow(f, CTX, link);
  assert.equal(row.spec_chunk_id, "c1");
  assert.equal(row.similarity, 0.42);
  const event = driftDetectedEvent({ id: "alert-1", row }, link);
  assert.equal(event.type, "drift_detected");
  assert.equal(event.node, "drift_check");
  assert.equal(event.key, "alert:alert-1");
  assert.equal(
    event.message,
    "Drift detected on public.orders: Row-level security is disabled on public.orders.",
  );
  assert.deepEqual(event.payload.specChunk, link);
  for (
    const k of ["alertId", "fingerprint", "severity", "category", "resource", "issue", "fixSql"]
  ) {
    assert.ok(k in event.payload, k);
  }
  assert.ok(!("tool_calls" in event.payload));
});

Deno.test("the embedded alert text names the object in words", () => {
  const text = alertText(rlsDisabled());
  assert.match(text, /table public orders/);
});

Deno.test("environment reports are validated, and fingerprints recomputed by the control plane", () => {
  const f = rlsDisabled();
  const sessionId = "6F1C7D5E-8A4B-4C3D-9E2F-1A2B3C4D5E6F";
  const forged = { ...f, fingerprint: "ffffffffffffffff", id: "C-ffffffff", extra: true };
  const parsed = parseEnvironmentReport({ sessionId, findings: [forged], summary: { drift: 1 } });
  assert.ok(parsed.ok);
  assert.equal(parsed.report.sessionId, sessionId.toLowerCase());
  assert.deepEqual(parsed.report.findings, [f]);

  const bad = parseEnvironmentReport({
    sessionId,
    findings: [{ ...f, category: "Z", fix: [{ phase: "nope", sql: "", destructive: false }] }],
  });
  assert.ok(!bad.ok);
  assert.ok(bad.errors.some((e) => e.startsWith("findings.0.category")));
  assert.ok(!parseEnvironmentReport({ sessionId: "x", findings: [] }).ok);
  assert.equal(bearerToken("Bearer vrt_abc"), "vrt_abc");
  assert.equal(bearerToken("Basic abc"), null);
  assert.equal(bearerToken(undefined), null);
});

Deno.test("embedders by name: lexical here; the others say what they need", () => {
  const lexical = embedderNamed("lexical-v1", { openai: {} });
  assert.ok("embedder" in lexical && lexical.embedder.name === "lexical-v1");
  const ai = embedderNamed("supabase-ai:gte-small", { openai: {} }, {});
  assert.ok("unavailable" in ai && /Supabase\.ai/.test(ai.unavailable));
  const openai = embedderNamed("openai:text-embedding-3-small", { openai: {} });
  assert.ok("unavailable" in openai && /OPENAI_API_KEY/.test(openai.unavailable));
  const configured = embedderNamed("openai:text-embedding-3-small", {
    openai: { apiKey: "sk-test" },
  });
  assert.ok(
    "embedder" in configured && configured.embedder.name === "openai:text-embedding-3-small",
  );
  assert.ok("unavailable" in embedderNamed("word2vec", { openai: {} }));
});

Deno.test("public paths skip the identity check; every other path still requires a JWT", async () => {
  const auth = {
    verifier: { verify: () => Promise.reject(new Error("no JWT should be verified")) },
    secretKeys: ["sb_secret_test_key_1234567890"],
  };
  const app = createFunctionApp("fn", auth, { publicPaths: ["/report"] });
  app.post("/report", (c) => c.json({ public: true }));
  app.post("/", (c) => c.json({ role: c.get("identity").role }));
  const call = (path: string, headers: Record<string, string> = {}) =>
    app.request(`http://x/fn${path}`, { method: "POST", headers });

  const open = await call("/report");
  assert.equal(open.status, 200);
  assert.deepEqual(await open.json(), { public: true });
  assert.equal((await call("")).status, 401, "no credentials");
  assert.equal((await call("/report/")).status, 401, "only exact public paths");
  const service = await call("", { authorization: "Bearer sb_secret_test_key_1234567890" });
  assert.deepEqual(await service.json(), { role: "service_role" });
});
