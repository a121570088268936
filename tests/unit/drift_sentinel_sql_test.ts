/** @module The drift sentinel's SQL builders: exact texts and parameters. */
import assert from "node:assert/strict";
import { vectorLiteral } from "../../functions-shared/graph/sql.ts";
import {
  appendDriftEvents,
  insertAlerts,
  lockSessionDrift,
  markDriftChecked,
  nearestSpecChunks,
  resolveAlerts,
  revokeEnvironmentToken,
  selectChunkEmbedder,
  selectEnvironmentToken,
  selectOpenAlerts,
  selectSessionContract,
  selectWatchedSessions,
  useIterativeIndexScans,
} from "../../functions-shared/drift/sentinel/sql.ts";
import { selectOpenDriftAlerts } from "../../functions-shared/sessions/sql.ts";

const SESSION = "6f1c7d5e-8a4b-4c3d-9e2f-1a2b3c4d5e6f";
const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();

Deno.test("watched sessions: succeeded, opted in, with a contract; least recently checked first", () => {
  const q = selectWatchedSessions(25);
  assert.equal(
    oneLine(q.text),
    "select id, environment ->> 'ref' as environment_ref from public.build_sessions " +
      "where status = 'succeeded' and contract is not null and environment ->> 'ref' is not null " +
      "and coalesce((options ->> 'enableDriftSentinel')::boolean, false) " +
      "order by drift_checked_at nulls first, created_at, id limit $1",
  );
  assert.deepEqual(q.values, [25]);
  assert.deepEqual(markDriftChecked(SESSION), {
    text: "update public.build_sessions set drift_checked_at = now() where id = $1",
    values: [SESSION],
  });
});

Deno.test("one session's contract comes back as JSON text with its status", () => {
  const q = selectSessionContract(SESSION);
  assert.match(
    oneLine(q.text),
    /contract::text as contract from public\.build_sessions where id = \$1$/,
  );
  assert.match(q.text, /status/);
  assert.deepEqual(q.values, [SESSION]);
});

Deno.test("drift processing of a session is serialised by a transaction-scoped advisory lock", () => {
  const q = lockSessionDrift(SESSION);
  assert.equal(q.text, "select pg_advisory_xact_lock(hashtextextended('vibe-drift:' || $1, 0))");
  assert.deepEqual(q.values, [SESSION]);
});

Deno.test("open alerts and the chunks' embedder", () => {
  assert.equal(
    oneLine(selectOpenAlerts(SESSION).text),
    "select id, fingerprint, details ->> 'source' as source from public.drift_alerts " +
      "where session_id = $1 and resolved_at is null",
  );
  const e = selectChunkEmbedder(SESSION);
  assert.equal(
    oneLine(e.text),
    "select metadata ->> 'embedder' as embedder, count(*)::int as chunks from public.spec_chunks " +
      "where session_id = $1 and embedding is not null and metadata ? 'embedder' " +
      "group by 1 order by 2 desc, 1 limit 1",
  );
  assert.deepEqual(e.values, [SESSION]);
});

Deno.test("iterative HNSW scans are enabled only where pgvector has them (0.8+)", () => {
  const q = useIterativeIndexScans();
  assert.match(q.text, /set_config\('hnsw\.iterative_scan', 'strict_order', true\)/);
  assert.match(q.text, />= array\[0, 8\]/);
});

Deno.test("nearest spec chunk: cosine distance order, limit 1, similarity = 1 - distance", () => {
  const q = nearestSpecChunks(SESSION, "lexical-v1", [[0.5, -0.25], [1, Number.NaN]]);
  const text = oneLine(q.text);
  assert.match(text, /from unnest\(\$3::text\[\]\) with ordinality as q\(vector, ord\)/);
  assert.match(
    text,
    /\(1 - \(s\.embedding operator\(extensions\.<=>\) q\.vector::extensions\.vector\)\)::real as similarity/,
  );
  assert.match(
    text,
    /where s\.session_id = \$1 and s\.metadata ->> 'embedder' = \$2 and s\.embedding is not null order by s\.embedding operator\(extensions\.<=>\) q\.vector::extensions\.vector limit 1/,
  );
  assert.deepEqual(q.values, [SESSION, "lexical-v1", ["[0.5,-0.25]", "[1,0]"]]);
  assert.equal(vectorLiteral([1, 2.5]), "[1,2.5]");
});

Deno.test("alerts insert skips fingerprints already open (the partial unique index)", () => {
  const row = {
    fingerprint: "0123456789abcdef",
    severity: "critical",
    type: "table.rls_disabled",
    resource: "public.orders",
    recommendation: "fix",
    spec_chunk_id: null,
    similarity: null,
    details: { category: "C" },
  };
  const q = insertAlerts(SESSION, [row]);
  assert.match(
    oneLine(q.text),
    /on conflict \(session_id, fingerprint\) where resolved_at is null do nothing returning id, fingerprint$/,
  );
  assert.match(oneLine(q.text), /from jsonb_to_recordset\(\$2::jsonb\)/);
  assert.deepEqual(q.values, [SESSION, JSON.stringify([row])]);
});

Deno.test("alerts whose fingerprint disappeared are resolved, by the source that raised them", () => {
  const q = resolveAlerts(SESSION, ["a", "b"], "sentinel");
  assert.equal(
    oneLine(q.text),
    "update public.drift_alerts set resolved_at = now() where session_id = $1 and " +
      "resolved_at is null and fingerprint <> all($2::text[]) and details ->> 'source' = $3 " +
      "returning id, fingerprint",
  );
  assert.deepEqual(q.values, [SESSION, ["a", "b"], "sentinel"]);
  assert.deepEqual(
    resolveAlerts(SESSION, [], "environment").values,
    [SESSION, [], "environment"],
    "an empty report resolves only what environments reported",
  );
});

Deno.test("drift events go through private.append_build_events", () => {
  const events = [{
    node: "drift_check",
    key: "alert:1",
    type: "drift_detected" as const,
    message: "m",
    payload: {},
  }];
  const q = appendDriftEvents(SESSION, events);
  assert.equal(q.text, "select seq from private.append_build_events($1, $2::jsonb)");
  assert.deepEqual(q.values, [SESSION, JSON.stringify(events)]);
});

Deno.test("environment tokens: read by session, revoked once", () => {
  assert.equal(
    oneLine(selectEnvironmentToken(SESSION).text),
    "select token_hash, environment_ref, revoked_at from private.environment_tokens where session_id = $1",
  );
  assert.equal(
    oneLine(revokeEnvironmentToken(SESSION).text),
    "update private.environment_tokens set revoked_at = coalesce(revoked_at, now()) " +
      "where session_id = $1 returning session_id, environment_ref, revoked_at, generation",
  );
});

Deno.test("the sessions API lists open alerts, most severe first, with their spec chunk", () => {
  const q = selectOpenDriftAlerts(SESSION);
  const text = oneLine(q.text);
  assert.match(text, /left join public\.spec_chunks c on c\.id = a\.spec_chunk_id/);
  assert.match(text, /where a\.session_id = \$1 and a\.resolved_at is null/);
  assert.match(text, /order by case a\.severity when 'critical' then 0/);
  assert.deepEqual(q.values, [SESSION]);
});
