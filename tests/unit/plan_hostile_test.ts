/**
 * @module The hostile corpus (tests/support/hostile_plans.ts) against the validator: every plan
 * is refused, and every reason says what cannot be done and what to do instead.
 */
import assert from "node:assert/strict";
import { validatePlan } from "../../functions-shared/plan/validate.ts";
import { HOSTILE, withNotes } from "../support/hostile_plans.ts";

Deno.test("the starting plans are valid", () => {
  for (const template of ["marketplace", "saas"] as const) {
    const result = validatePlan(withNotes(template));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.problems, null, 1));
  }
});

Deno.test(`every one of the ${HOSTILE.length} hostile plans is refused with an actionable reason`, () => {
  assert.ok(HOSTILE.length >= 30);
  const accepted: string[] = [];
  const wrongReason: string[] = [];
  for (const hostile of HOSTILE) {
    const result = validatePlan(hostile.plan());
    if (result.ok) {
      accepted.push(hostile.name);
      continue;
    }
    const messages = result.problems.map((p) => p.message);
    if (!messages.some((message) => message.includes(hostile.reason))) {
      wrongReason.push(`${hostile.name}: ${JSON.stringify(messages)}`);
    }
    for (const message of messages) {
      assert.match(message, /^Cannot /, `${hostile.name}: "${message}" says what cannot be done`);
      assert.match(message, /[:;] /, `${hostile.name}: "${message}" says why or what to do`);
    }
  }
  assert.deepEqual(accepted, [], "hostile plans that passed validation");
  assert.deepEqual(wrongReason, [], "hostile plans refused for another reason");
});
