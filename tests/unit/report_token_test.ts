/** @module Environment reporting tokens: derived from their own secret, the session and the
 * generation; the secret is required with a message that says how to set it; exact SQL. */
import assert from "node:assert/strict";
import {
  readReportTokenSecret,
  reportToken,
} from "../../functions-shared/env_functions/report_token.ts";
import {
  reissueReportToken,
  upsertReportToken,
} from "../../functions-shared/env_functions/report_token_sql.ts";

const SESSION = "6f1c7d5e-8a4b-4c3d-9e2f-1a2b3c4d5e6f";
const SECRET = "0123456789abcdef0123456789abcdef";
const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();

Deno.test("a token per secret, session and generation; stable for the same ones", async () => {
  const t1 = await reportToken(SECRET, SESSION, 1);
  assert.match(t1, /^vrt_[A-Za-z0-9_-]{43}$/);
  assert.equal(await reportToken(SECRET, SESSION, 1), t1, "a re-run deploys the same token");
  const others = [
    await reportToken(SECRET, SESSION, 2),
    await reportToken(`${SECRET}x`, SESSION, 1),
    await reportToken(SECRET, "7f1c7d5e-8a4b-4c3d-9e2f-1a2b3c4d5e6f", 1),
  ];
  assert.equal(new Set([t1, ...others]).size, 4);
  await assert.rejects(reportToken(SECRET, SESSION, 0), RangeError);
});

Deno.test("VIBE_REPORT_TOKEN_SECRET is required, at least 32 characters", () => {
  assert.equal(readReportTokenSecret({ VIBE_REPORT_TOKEN_SECRET: SECRET }, "the worker"), SECRET);
  assert.throws(
    () => readReportTokenSecret({ SUPABASE_SERVICE_ROLE_KEY: "k" }, "the worker"),
    /Cannot start the worker: VIBE_REPORT_TOKEN_SECRET is not set.*supabase secrets set VIBE_REPORT_TOKEN_SECRET/s,
  );
  assert.throws(
    () => readReportTokenSecret({ VIBE_REPORT_TOKEN_SECRET: "short" }, "drift_check"),
    /shorter than 32 characters/,
  );
});

Deno.test("token SQL: the deploy keeps the generation; a reissue moves to the next one", () => {
  const up = upsertReportToken(SESSION, "ref", "hash", 3);
  assert.deepEqual(up.values, [SESSION, "ref", "hash", 3]);
  assert.match(oneLine(up.text), /on conflict \(session_id\) do update set environment_ref/);
  assert.doesNotMatch(up.text, /revoked_at/, "a redeploy does not lift a revocation");
  const re = reissueReportToken(SESSION, 4, "hash4");
  assert.match(
    oneLine(re.text),
    /set generation = \$2, token_hash = \$3, revoked_at = null, reissued_at = now\(\) where session_id = \$1 and generation = \$2 - 1/,
  );
});
