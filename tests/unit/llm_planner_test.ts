/**
 * @module Unit tests of the LLM planner: with a fake chat model, and with the real OpenAI client
 * over HTTP against a local stand-in answering with recorded structured outputs (validation,
 * the repair round trip, bounded attempts); the hostile corpus through it; planner selection.
 */
import assert from "node:assert/strict";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { baselinePlan } from "../../functions-shared/plan/baseline.ts";
import { planFromVibe } from "../../functions-shared/plan/deterministic_planner.ts";
import { createLlmPlanner } from "../../functions-shared/plan/llm_planner.ts";
import { selectPlanner } from "../../functions-shared/plan/planner.ts";
import { createOpenAIChatModel } from "../../functions-shared/plan/chat_model.ts";
import { recordedOutput, startFakeOpenAI } from "../support/fake_openai.ts";
import { HOSTILE } from "../support/hostile_plans.ts";
import { openAISettingsFrom } from "../../functions-shared/openai/settings.ts";
import type { Plan } from "../../functions-shared/plan/schema.ts";
import { InvalidPlanError, validatePlan } from "../../functions-shared/plan/validate.ts";

const VIBE =
  "Buyers can leave a 1-5 star review on an order they placed. Sellers can see bids on their listings.";

/** What a model might answer: the right tables and policies, but sloppy elsewhere. */
function proposal(): Plan {
  const plan = planFromVibe({ vibeText: VIBE, template: "marketplace" });
  return {
    ...plan,
    functions: [],
    triggers: [],
    edgeFunctions: [],
    policies: plan.policies.filter((p) => p.name !== "orders_insert_own"),
  };
}

function fakeModel(...answers: Plan[]): FakeListChatModel {
  return new FakeListChatModel({ responses: answers.map((answer) => JSON.stringify(answer)) });
}

Deno.test("the model's plan is merged onto the baseline and validated", async () => {
  const planner = createLlmPlanner({ chatModel: fakeModel(proposal()) });
  const plan = await planner.plan({ vibeText: VIBE, template: "marketplace" });
  assert.equal(planner.name, "llm");
  assert.ok(validatePlan(plan).ok);
  const baseline = baselinePlan("marketplace");
  assert.deepEqual(plan.functions, baseline.functions);
  assert.deepEqual(plan.triggers, baseline.triggers);
  assert.deepEqual(plan.edgeFunctions, baseline.edgeFunctions);
  assert.ok(plan.policies.some((p) => p.name === "orders_insert_own"), "baseline policy restored");
  assert.ok(plan.tables.some((t) => t.name === "reviews"));
  assert.match(
    plan.policies.find((p) => p.name === "bids_select_own")?.using ?? "",
    / or \(exists/,
  );
});

Deno.test("a rejected plan is sent back once and the corrected plan is used", async () => {
  const bad = proposal();
  const bids = bad.policies.find((p) => p.name === "bids_select_own");
  if (bids) bids.roles = ["anon", "authenticated"];
  const planner = createLlmPlanner({ chatModel: fakeModel(bad, proposal()) });
  const plan = await planner.plan({ vibeText: VIBE, template: "marketplace" });
  assert.deepEqual(plan.policies.find((p) => p.name === "bids_select_own")?.roles, [
    "authenticated",
  ]);
});

Deno.test("when every attempt is invalid the planner throws InvalidPlanError with the reasons", async () => {
  const bad = proposal();
  const orders = bad.policies.find((p) => p.name === "orders_select_own");
  if (orders) orders.using = "true";
  const planner = createLlmPlanner({ chatModel: fakeModel(bad), maxAttempts: 2 });
  await assert.rejects(
    planner.plan({ vibeText: VIBE, template: "marketplace" }),
    (error: unknown) =>
      error instanceof InvalidPlanError &&
      error.problems.some((p) =>
        p.message.startsWith('Cannot replace the using condition of policy "orders_select_own"')
      ),
  );
});

Deno.test("vibe sentences the model left out are reported as not applied", async () => {
  const partial = { ...proposal(), requirements: [] };
  const planner = createLlmPlanner({ chatModel: fakeModel(partial) });
  const plan = await planner.plan({ vibeText: VIBE, template: "marketplace" });
  assert.deepEqual(plan.requirements.map((r) => r.status), ["not_applied", "not_applied"]);
  assert.match(plan.requirements[0]?.reason ?? "", /^The planner did not address this sentence/);
});

Deno.test("selectPlanner: a chat model or OpenAI settings pick the LLM planner, else offline", () => {
  assert.equal(selectPlanner({ openai: {} }).name, "deterministic");
  assert.equal(selectPlanner({ openai: {} }, { chatModel: fakeModel(proposal()) }).name, "llm");
  assert.equal(selectPlanner({ openai: { apiKey: "sk-test" } }).name, "llm");
  assert.equal(selectPlanner({ openai: { baseUrl: "http://localhost:11434/v1" } }).name, "llm");
});

Deno.test("openAISettingsFrom reads the OPENAI_* variables and treats blanks as unset", () => {
  assert.deepEqual(
    openAISettingsFrom({
      OPENAI_API_KEY: " sk-1 ",
      OPENAI_BASE_URL: "",
      OPENAI_MODEL: "gpt-4.1-mini",
    }),
    { apiKey: "sk-1", baseUrl: undefined, chatModel: "gpt-4.1-mini", embeddingModel: undefined },
  );
  assert.equal(
    selectPlanner({ openai: openAISettingsFrom({ OPENAI_API_KEY: "  " }) }).name,
    "deterministic",
  );
});

/** The real ChatOpenAI client, talking HTTP to the local stand-in. */
function httpModel(baseUrl: string) {
  return createOpenAIChatModel({ apiKey: "test-key", baseUrl, chatModel: "gpt-4o-mini" });
}

function messagesText(request: Record<string, unknown>): string {
  return JSON.stringify(request.messages ?? []);
}

Deno.test("over HTTP: a recorded structured output is merged, validated and used", async () => {
  const repaired = await recordedOutput("synth_wishlist_repaired");
  const llm = startFakeOpenAI(repaired);
  try {
    const planner = createLlmPlanner({ chatModel: httpModel(llm.baseUrl) });
    const plan = await planner.plan({ vibeText: repaired.vibe, template: "marketplace" });
    assert.ok(validatePlan(plan).ok);
    assert.deepEqual(
      plan.tables.map((t) => t.name).slice(-2),
      ["synthesizers", "wishlist_items"],
    );
    assert.equal(llm.chatRequests().length, 1);
    const request = llm.chatRequests()[0] ?? {};
    assert.match(messagesText(request), /Vibe sentences:\\n1\. Sellers list vintage synthesizers/);
    assert.ok(request.response_format ?? request.tools, "asks for structured output");
  } finally {
    await llm.close();
  }
});

Deno.test("over HTTP: a rejected plan goes back with the validator's reasons; the repair is used", async () => {
  const first = await recordedOutput("synth_wishlist_first");
  const repaired = await recordedOutput("synth_wishlist_repaired");
  const llm = startFakeOpenAI([first, repaired]);
  try {
    const planner = createLlmPlanner({ chatModel: httpModel(llm.baseUrl) });
    const plan = await planner.plan({ vibeText: first.vibe, template: "marketplace" });
    const requests = llm.chatRequests();
    assert.equal(requests.length, 2, "one correction");
    const feedback = messagesText(requests[1] ?? {});
    assert.match(feedback, /The plan was rejected \(2 problems\)/);
    assert.match(
      feedback,
      /Cannot use the default of column \\"profiles\.referral_code\\": a default may only be/,
    );
    assert.match(feedback, /wrap auth\.uid\(\) as \(select auth\.uid\(\)\)/);
    assert.ok(!plan.tables.some((t) => t.columns.some((c) => c.name === "referral_code")));
    assert.equal(
      plan.policies.find((p) => p.name === "wishlist_items_select_own")?.using,
      "(select auth.uid()) = user_id",
    );
  } finally {
    await llm.close();
  }
});

Deno.test("over HTTP: attempts are bounded; a model that never fixes its plan fails with the reasons", async () => {
  const first = await recordedOutput("synth_wishlist_first");
  const llm = startFakeOpenAI(first);
  try {
    const planner = createLlmPlanner({ chatModel: httpModel(llm.baseUrl), maxAttempts: 3 });
    await assert.rejects(
      planner.plan({ vibeText: first.vibe, template: "marketplace" }),
      (error: unknown) =>
        error instanceof InvalidPlanError &&
        error.problems.some((p) => p.message.includes("profiles.referral_code")),
    );
    assert.equal(llm.chatRequests().length, 3);
  } finally {
    await llm.close();
  }
});

Deno.test("the hostile corpus through the LLM planner: refused, or the baseline restores it", async () => {
  const accepted: string[] = [];
  for (const hostile of HOSTILE) {
    const proposal = hostile.plan();
    const planner = createLlmPlanner({ chatModel: fakeModel(proposal), maxAttempts: 1 });
    try {
      const plan = await planner.plan({ vibeText: "Make it so.", template: proposal.template });
      assert.ok(hostile.undoneByMerge, `${hostile.name} was accepted`);
      assert.deepEqual(plan.functions, baselinePlan(proposal.template).functions);
      assert.deepEqual(plan.triggers, baselinePlan(proposal.template).triggers);
      accepted.push(hostile.name);
    } catch (error) {
      assert.ok(error instanceof InvalidPlanError, `${hostile.name}: ${error}`);
    }
  }
  assert.deepEqual(accepted, HOSTILE.filter((h) => h.undoneByMerge).map((h) => h.name));
});
