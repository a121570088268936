/** @module Unit tests of the LLM planner with a fake chat model (no network), and planner selection. */
import assert from "node:assert/strict";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { baselinePlan } from "../../functions-shared/plan/baseline.ts";
import { planFromVibe } from "../../functions-shared/plan/deterministic_planner.ts";
import { createLlmPlanner } from "../../functions-shared/plan/llm_planner.ts";
import { selectPlanner } from "../../functions-shared/plan/planner.ts";
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
