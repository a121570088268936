/**
 * @module A build planned by the LLM planner, end to end through the real worker pipeline: the
 * worker's OpenAI client (OPENAI_BASE_URL) talks HTTP to a local stand-in that answers with
 * recorded structured outputs — first a plan the validator rejects, then the repaired one. The
 * rejection goes back to the model with its reasons, the repaired plan is validated and built,
 * and the environment has exactly what the repaired plan says (and nothing of the rejected one).
 */
import assert from "node:assert/strict";
import {
  driveBuild,
  environmentDb,
  expectedEventTypes,
  submitBuild,
  withWorkerEnv,
} from "../support/builds.ts";
import { recordedOutput, startFakeOpenAI } from "../support/fake_openai.ts";
import { newUser } from "../support/stack.ts";

Deno.test("an LLM-planned build: rejected plan repaired through the model, validated, built", async () => {
  const first = await recordedOutput("synth_wishlist_first");
  const repaired = await recordedOutput("synth_wishlist_repaired");
  const llm = startFakeOpenAI([first, repaired]);
  try {
    await withWorkerEnv({ OPENAI_BASE_URL: llm.baseUrl, OPENAI_API_KEY: "test-key" }, async () => {
      const user = await newUser("llm-build");
      const id = await submitBuild(user, { vibeText: first.vibe });
      const { session, events } = await driveBuild(id, user.token, { timeoutMs: 120_000 });
      assert.equal(session.status, "succeeded", session.error ?? "no error");

      const chats = llm.chatRequests();
      assert.equal(chats.length, 2, "one plan, one repair");
      const feedback = JSON.stringify(chats[1]?.messages ?? []);
      assert.match(feedback, /The plan was rejected \(2 problems\)/);
      assert.match(feedback, /profiles\.referral_code/);

      const final = events.find((e) => e.type === "plan_created" && e.payload.draft === false);
      const tables = final?.payload.tables as string[];
      assert.ok(tables.includes("synthesizers") && tables.includes("wishlist_items"), `${tables}`);
      assert.deepEqual(
        events.map((e) => e.type),
        expectedEventTypes(tables.length, (final?.payload.policies as string[]).length),
      );

      const db = await environmentDb(session.environment!.ref);
      try {
        const columns = await db.query<{ table_name: string; column_name: string }>(
          `select table_name, column_name from information_schema.columns
            where table_schema = 'public' and table_name = any($1) order by table_name, ordinal_position`,
          [["profiles", "wishlist_items"]],
        );
        const names = columns.rows.map((r) => `${r.table_name}.${r.column_name}`);
        assert.ok(!names.includes("profiles.referral_code"), "nothing of the rejected plan");
        assert.ok(names.includes("wishlist_items.synthesizer_id"));
        const policy = await db.query<{ qual: string }>(
          `select qual from pg_policies where tablename = 'wishlist_items' and cmd = 'SELECT'`,
        );
        assert.match(policy.rows[0]?.qual ?? "", /\( SELECT auth\.uid\(\) AS uid\) = user_id/);
      } finally {
        await db.end();
      }
    });
  } finally {
    await llm.close();
  }
});
