/** @module The environment cleanup's configuration and SQL: only failed and canceled sessions,
 * past the TTL, not yet cleaned, under too few failed attempts; a succeeded one never. */
import assert from "node:assert/strict";
import { readCleanupConfig } from "../../functions-shared/cleanup/settings.ts";
import {
  lockCleanupTarget,
  markEnvironmentDeleted,
  recordCleanupFailure,
  selectCleanupCandidates,
} from "../../functions-shared/cleanup/sql.ts";

const SESSION = "6f1c7d5e-8a4b-4c3d-9e2f-1a2b3c4d5e6f";
const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();
const MCP = { VIBE_MCP_URL: "http://127.0.0.1:1/mcp", SUPABASE_SERVICE_ROLE_KEY: "k" };

Deno.test("cleanup settings: a 24 h TTL by default, configurable, with clear errors", () => {
  const c = readCleanupConfig(MCP);
  assert.equal(c.ttlSeconds, 86_400);
  assert.equal(c.batchSize, 20);
  assert.equal(c.maxAttempts, 5);
  assert.equal(c.parentProjectRef, "main");
  assert.equal(readCleanupConfig({ ...MCP, VIBE_ENVIRONMENT_TTL_HOURS: "0.5" }).ttlSeconds, 1800);
  assert.throws(
    () => readCleanupConfig({ ...MCP, VIBE_ENVIRONMENT_TTL_HOURS: "-1" }),
    /Cannot start cleanup: fix VIBE_ENVIRONMENT_TTL_HOURS/,
  );
  assert.throws(() => readCleanupConfig({}), /VIBE_ACCESS_TOKEN/);
});

Deno.test("every cleanup statement is limited to failed and canceled sessions", () => {
  const statements = [
    selectCleanupCandidates(3600, 20, 5),
    lockCleanupTarget(SESSION, 3600),
    markEnvironmentDeleted(SESSION, { deletedAt: "now" }),
    recordCleanupFailure(SESSION, "why"),
  ];
  for (const q of statements) {
    assert.match(oneLine(q.text), /status in \('failed', 'canceled'\)/, q.text);
  }
  const candidates = oneLine(statements[0]!.text);
  assert.match(candidates, /environment_deleted_at is null/);
  assert.match(candidates, /finished_at < now\(\) - make_interval\(secs => \$1\)/);
  assert.match(candidates, /cleanup_attempts < \$3/);
  assert.match(oneLine(statements[1]!.text), /for update skip locked$/);
  assert.deepEqual(markEnvironmentDeleted(SESSION, null).values, [SESSION, null]);
});
