/**
 * @module The offline planner: the template baseline plus the requirements it recognises in
 * plain sentences (entities, fields, ownership, visibility, constraints). A sentence it cannot
 * map, or whose change would make the plan invalid, is reported as not applied — never guessed.
 */

import { vibeSentences } from "../text/sentences.ts";
import { baselinePlan } from "./baseline.ts";
import type { PlanInput, Planner } from "./planner.ts";
import {
  notApplied,
  planningSentence,
  type RequirementOutcome,
  type SentenceMatcher,
} from "./requirements/draft.ts";
import {
  onePerMatcher,
  requiredMatcher,
  uniqueMatcher,
  valueRuleMatcher,
} from "./requirements/constraints.ts";
import { entityMatcher } from "./requirements/entities.ts";
import { fieldsMatcher } from "./requirements/fields.ts";
import { belongsMatcher, ownerActionMatcher, ownsMatcher } from "./requirements/ownership.ts";
import {
  privateVisibilityMatcher,
  publicVisibilityMatcher,
  relatedVisibilityMatcher,
} from "./requirements/visibility.ts";
import type { Plan, Requirement } from "./schema.ts";
import { validatePlan } from "./validate.ts";

/** Every matcher, in priority order within its phase. */
const MATCHERS: readonly SentenceMatcher[] = [
  entityMatcher,
  fieldsMatcher,
  belongsMatcher,
  ownsMatcher,
  ownerActionMatcher,
  relatedVisibilityMatcher,
  publicVisibilityMatcher,
  privateVisibilityMatcher,
  requiredMatcher,
  uniqueMatcher,
  onePerMatcher,
  valueRuleMatcher,
];

const UNRECOGNISED = "No offline rule matches this sentence: rephrase it like " +
  '"Buyers can leave reviews on orders they placed", "Listings have a price and a category", ' +
  '"Sellers can see bids on their listings" or "Ratings must be between 1 and 5", or set ' +
  "OPENAI_API_KEY to use the LLM planner.";

/**
 * Runs one matcher against a sentence on a copy of the draft and keeps the change only if
 * the plan stays valid; otherwise reports the validation problem as the reason.
 */
function attempt(
  matcher: SentenceMatcher,
  sentence: ReturnType<typeof planningSentence>,
  draft: Plan,
): { outcome: RequirementOutcome; draft: Plan } | null {
  const candidate = structuredClone(draft);
  const outcome = matcher.match(sentence, candidate);
  if (outcome === null) return null;
  if (outcome.status !== "applied" || outcome.changes.length === 0) return { outcome, draft };
  const validation = validatePlan(candidate);
  if (validation.ok) return { outcome, draft: candidate };
  return {
    outcome: notApplied(validation.problems.map((problem) => problem.message).join(" ")),
    draft,
  };
}

/** Plans synchronously: the baseline of `input.template` plus the vibe's recognised requirements. */
export function planFromVibe(input: PlanInput): Plan {
  let draft = baselinePlan(input.template, input.options);
  const sentences = vibeSentences(input.vibeText).map(planningSentence);
  const outcomes: ({ outcome: RequirementOutcome; phase: number } | undefined)[] = [];
  for (const phase of [1, 2, 3] as const) {
    const matchers = MATCHERS.filter((matcher) => matcher.phase === phase);
    let progress = true;
    while (progress) {
      progress = false;
      sentences.forEach((sentence, i) => {
        const previous = outcomes[i];
        if (previous?.outcome.status === "applied" || (previous && previous.phase !== phase)) {
          return;
        }
        for (const matcher of matchers) {
          const result = attempt(matcher, sentence, draft);
          if (result === null) continue;
          outcomes[i] = { outcome: result.outcome, phase };
          draft = result.draft;
          if (result.outcome.status === "applied") progress = true;
          break;
        }
      });
    }
  }
  const requirements: Requirement[] = sentences.map((sentence, i) => {
    const outcome = outcomes[i]?.outcome ?? notApplied(UNRECOGNISED);
    return {
      sentence: sentence.original,
      status: outcome.status,
      reason: outcome.reason,
      changes: [...outcome.changes],
    };
  });
  return { ...draft, requirements };
}

/** The offline planner, the default when no LLM is configured. */
export function createDeterministicPlanner(): Planner {
  return {
    name: "deterministic",
    plan: (input: PlanInput) => Promise.resolve(planFromVibe(input)),
  };
}
