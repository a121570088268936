/** @module The chaos harness's pure parts: the malformed-request generator and the secret sweep. */
import assert from "node:assert/strict";
import { malformedRequests } from "../../bench/chaos/malformed_requests.ts";
import { secretsIn, SecretSweep } from "../../bench/chaos/secret_sweep.ts";

const b64 = (o: unknown) =>
  btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
const jwt = (claims: Record<string, unknown>) =>
  `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}.${"s".repeat(43)}`;

Deno.test("malformed requests are deterministic per seed and cover every kind", () => {
  const a = malformedRequests(7, 1000);
  const b = malformedRequests(7, 1000);
  assert.deepEqual(a.map((r) => [r.kind, r.path]), b.map((r) => [r.kind, r.path]));
  assert.equal(a.length, 1000);
  const kinds = new Set(a.map((r) => r.kind));
  for (
    const k of [
      "empty body",
      "truncated JSON",
      "not JSON",
      "invalid UTF-8",
      "deeply nested",
      "oversized body",
      "NUL in vibeText",
      "prototype pollution key",
      "bad session id",
      "bad events cursor",
      "unsupported method",
    ]
  ) assert.ok([...kinds].some((x) => x.startsWith(k)), `covers ${k}: ${[...kinds]}`);
});

Deno.test("no generated POST body is a valid session request", () => {
  const dec = new TextDecoder("utf-8", { fatal: true });
  for (const r of malformedRequests(11, 2000).filter((r) => r.method === "POST" && r.body)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(dec.decode(r.body));
    } catch {
      continue; // not UTF-8 or not JSON: invalid by construction
    }
    const o = parsed as Record<string, unknown> | null;
    const valid = o !== null && typeof o === "object" && !Array.isArray(o) &&
      Object.keys(o).every((k) => ["vibeText", "template", "options"].includes(k)) &&
      typeof o.vibeText === "string" && o.vibeText.trim() !== "" && o.vibeText.length <= 20_000 &&
      !o.vibeText.includes("\u0000") && o.vibeText.isWellFormed() &&
      (o.template === "marketplace" || o.template === "saas") &&
      (r.headers["content-type"] ?? "").startsWith("application/json") &&
      (o.options === undefined || (typeof o.options === "object" && o.options !== null &&
        !Array.isArray(o.options) &&
        Object.entries(o.options).every(([k, v]) =>
          (k === "environmentMode" && (v === "branch" || v === "project")) ||
          ((k === "enableAnalytics" || k === "enableDriftSentinel") && typeof v === "boolean")
        )));
    assert.equal(valid, false, `${r.kind} is invalid: ${JSON.stringify(o).slice(0, 200)}`);
  }
});

Deno.test("the sweep finds known values, secret shapes and non-anon JWTs", () => {
  const known = [{ name: "service key", value: "super-secret-value-123" }];
  assert.deepEqual(secretsIn("nothing here", known), []);
  assert.deepEqual(secretsIn("x super-secret-value-123 y", known), ["service key"]);
  assert.deepEqual(secretsIn("Authorization: Bearer vrt_abcdefghijklmnopqrstu", []), [
    "report token",
  ]);
  assert.deepEqual(secretsIn("token sbp_0123456789abcdef0123456789", []), [
    "Supabase access token",
  ]);
  assert.deepEqual(secretsIn("key sk-proj-abcdefghijklmnopqrstuvwx", []), ["OpenAI key"]);
  assert.deepEqual(secretsIn("postgresql://postgres:hunter2@db:5432/postgres", []), [
    "password in a connection string",
  ]);
  assert.deepEqual(secretsIn("postgresql://postgres:[redacted]@db:5432/postgres", []), []);
  assert.deepEqual(secretsIn("PGPASSWORD=hunter2 psql", []), ["PGPASSWORD"]);
  assert.deepEqual(secretsIn(`anon ${jwt({ role: "anon" })}`, []), []);
  assert.deepEqual(secretsIn(`svc ${jwt({ role: "service_role" })}`, []), [
    "JWT (role service_role)",
  ]);
  assert.deepEqual(secretsIn(`user ${jwt({ role: "authenticated", sub: "u" })}`, []), [
    "JWT (role authenticated)",
  ]);
});

Deno.test("a sweep names the line of a hit in a log", () => {
  const sweep = new SecretSweep([{ name: "jwt secret", value: "0123456789abcdef" }]);
  sweep.scanLines("logs", "gateway.log", "ok\nleaked 0123456789abcdef\nok");
  assert.deepEqual(sweep.hits, [{ source: "logs", where: "gateway.log:2", secret: "jwt secret" }]);
  assert.equal(sweep.scanned.logs, 3);
});

Deno.test("build invariants: gaps, duplicates, missing objects and repeated deploys are violations", async () => {
  const { buildViolations } = await import("../../bench/chaos/build_invariants.ts");
  const events = [
    "plan_created",
    "plan_created",
    "environment_created",
    "migration_started",
    "table_created",
    "rls_enabled",
    "policy_created",
    "edge_function_deployed",
    "analytics_skipped",
    "build_succeeded",
  ].map((type, i) => ({
    seq: i + 1,
    type,
    key: type === "plan_created" ? `draft=${i === 0}` : "",
  }));
  const good = {
    sessionId: "0123456789",
    status: "succeeded",
    events,
    plan: { tables: [{ name: "listings" }], policies: [{ name: "p", table: "listings" }] },
    environmentRef: "abc",
    environmentsForSession: 1,
    migrations: ["vibe_schema", "vibe_rls"],
    functions: { drift_check: 1 },
    tablesInEnvironment: ["listings"],
    policiesInEnvironment: ["listings.p"],
  };
  assert.deepEqual(buildViolations(good), []);
  const gap = { ...good, events: events.map((e, i) => i === 3 ? { ...e, seq: 9 } : e) };
  assert.match(buildViolations(gap).join("\n"), /seq 9/);
  const dup = { ...good, events: [...events, { seq: 11, type: "table_created", key: "" }] };
  assert.match(buildViolations(dup).join("\n"), /duplicate event table_created/);
  assert.match(
    buildViolations({ ...good, migrations: ["vibe_schema", "vibe_schema"] }).join("\n"),
    /recorded twice/,
  );
  assert.match(buildViolations({ ...good, functions: { drift_check: 2 } }).join("\n"), /2 times/);
  assert.match(buildViolations({ ...good, tablesInEnvironment: [] }).join("\n"), /tables missing/);
  assert.match(
    buildViolations({ ...good, environmentsForSession: 2 }).join("\n"),
    /2 environments/,
  );
});
