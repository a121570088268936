/**
 * @module The offline planner: the template baseline plus what it understands in the vibe.
 * Sentences are split into clauses, tagged with compromise and read into statements; the
 * statements are interpreted twice (the second reading knows every entity the first found, so
 * order does not matter) into an entity model and rules; the model becomes tables, policies and
 * grants, the rules are applied, and the plan is validated once. A sentence whose changes make
 * the plan invalid is dropped and reported with the validator's reason. Planning is linear in
 * the vibe's length and capped in sentences, tables and fields.
 */

import { singular } from "../text/inflection.ts";
import { tagSentence } from "../text/nlp.ts";
import { vibeSentences } from "../text/sentences.ts";
import { baselinePlan } from "./baseline.ts";
import { buildEntities } from "./offline/build.ts";
import { planningClauses } from "./offline/clauses.ts";
import { type ClauseOutcome, Interpreter } from "./offline/interpret.ts";
import { EntityRegistry, type Hindsight } from "./offline/model.ts";
import { readStatement, type Statement } from "./offline/reading.ts";
import { applyRule } from "./offline/rules.ts";
import { correctSpelling, knownWordsOf } from "./offline/spelling.ts";
import type { PlanInput, Planner } from "./planner.ts";
import type { Plan, Requirement, RequirementChange } from "./schema.ts";
import { validatePlan } from "./validate.ts";

/** How much of a vibe the offline planner reads and adds. */
export const OFFLINE_LIMITS = {
  /** Sentences read; later ones are reported as not planned. */
  sentences: 150,
  /** New tables added. */
  tables: 40,
  /** Fields added to one table. */
  fieldsPerTable: 40,
  /** Characters of one sentence that are read. */
  sentenceLength: 600,
  /** Sentences listed one by one in the plan's requirements; the rest are counted in one. */
  requirements: 400,
} as const;

const SQL_LIKE = [
  /\b(?:select|insert|update|delete|drop|alter|create|grant|revoke|truncate)\b[^.]*\b(?:from|table|into|set|on|where|function|schema|role|database)\b/i,
  /\bpg_[a-z_]+\s*\(/i,
  /--|\/\*|\$\$/,
  /\(\s*select\b/i,
  /\b(?:check constraint|foreign key|primary key|trigger|security definer|search_path)\b/i,
  /::[a-z]/i,
  /\b(?:auth|public|private)\.[a-z_]+\(/i,
];

/** Why a sentence is not planned from before it is read, or null. */
function refusal(sentence: string): string | null {
  if (SQL_LIKE.some((pattern) => pattern.test(sentence))) {
    return "Contains SQL or database terms; the offline planner never copies SQL or column " +
      'definitions from the description: say the rule in words, e.g. "Ratings must be between ' +
      '1 and 5" or "Tasks have a due date".';
  }
  return null;
}

interface ReadSentence {
  readonly sentence: number;
  readonly statements: readonly Statement[];
}

function interpret(
  template: PlanInput["template"],
  baseline: Plan,
  sentences: readonly ReadSentence[],
  hindsight: Hindsight | null,
): Interpreter {
  const registry = new EntityRegistry(template, baseline);
  for (const key of hindsight?.targets ?? []) registry.entityNouns.add(key);
  const interpreter = new Interpreter(registry, template, hindsight, {
    maxEntities: OFFLINE_LIMITS.tables,
    maxFields: OFFLINE_LIMITS.fieldsPerTable,
  });
  for (const { sentence, statements } of sentences) {
    for (const statement of statements) interpreter.read(statement, sentence);
  }
  return interpreter;
}

function hindsightOf(interpreter: Interpreter): Hindsight {
  return {
    entities: new Map(interpreter.registry.entities.map((e) => [e.key, {
      actor: e.actor,
      described: e.described,
    }])),
    targets: interpreter.targets,
    possessions: interpreter.possessions,
  };
}

function emptyOutcome(): ClauseOutcome {
  return { done: [], failed: [], changes: [], already: false };
}

/** The sentences a validation problem points at, through the changes they made. */
function culprits(
  message: string,
  path: string,
  plan: Plan,
  outcomes: ReadonlyMap<number, ClauseOutcome>,
): number[] {
  const names = new Set<string>();
  const index = /^(tables|policies|grants)\[(\d+)\]/.exec(path);
  if (index) {
    const element = index[1] === "tables"
      ? plan.tables[Number(index[2])]?.name
      : index[1] === "policies"
      ? plan.policies[Number(index[2])]?.table
      : plan.grants[Number(index[2])]?.table;
    if (element) names.add(element);
    if (index[1] === "policies") {
      const policy = plan.policies[Number(index[2])]?.name;
      if (policy) names.add(policy);
    }
  }
  for (const quoted of message.matchAll(/"([a-z0-9_]+)(?:\.[a-z0-9_]+)?"/g)) {
    if (quoted[1]) names.add(quoted[1]);
  }
  const found: number[] = [];
  for (const [sentence, outcome] of outcomes) {
    const touches = outcome.changes.some((change) => {
      const target = change.target.split(/[.:]/)[0] ?? "";
      return names.has(target) || names.has(change.target);
    });
    if (touches) found.push(sentence);
  }
  return found.length > 0 ? [Math.max(...found)] : [];
}

/** Plans synchronously: the baseline of `input.template` plus the vibe's recognised requirements. */
export function planFromVibe(input: PlanInput): Plan {
  const baseline = baselinePlan(input.template, input.options);
  const all = vibeSentences(input.vibeText);
  const sentences = all.slice(0, OFFLINE_LIMITS.sentences);
  const refused = new Map<number, string>();
  const read: ReadSentence[] = [];
  const known = knownWordsOf(sentences.join(" "));
  sentences.forEach((sentence, i) => {
    const why = refusal(sentence);
    if (why !== null) {
      refused.set(i, why);
      return;
    }
    const text = sentence.slice(0, OFFLINE_LIMITS.sentenceLength);
    const statements = planningClauses(correctSpelling(text, known))
      .map((clause) => readStatement(tagSentence(clause)))
      .filter((s) => s.words.length > 0);
    read.push({ sentence: i, statements });
  });

  const hindsight = hindsightOf(interpret(input.template, baseline, read, null));
  const dropped = new Map<number, string>();
  let plan = baseline;
  let outcomes = new Map<number, ClauseOutcome>();
  let renamed: ReadonlyMap<string, string> = new Map();
  for (let attempt = 0; attempt < 4; attempt++) {
    const kept = read.filter((r) => !dropped.has(r.sentence));
    const interpreter = interpret(input.template, baseline, kept, hindsight);
    outcomes = new Map(interpreter.outcomes);
    renamed = interpreter.registry.renamed;
    plan = structuredClone(baseline);
    try {
      buildEntities(plan, interpreter.registry.entities);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      const culprit = kept.at(-1)?.sentence;
      if (culprit === undefined) break;
      dropped.set(culprit, `Cannot apply it: ${error.message}.`);
      continue;
    }
    for (const rule of interpreter.rules) {
      const outcome = outcomes.get(rule.sentence) ?? emptyOutcome();
      outcomes.set(rule.sentence, outcome);
      const result = applyRule(plan, rule, interpreter.registry);
      if (result.ok) {
        if (!outcome.done.includes(result.text)) outcome.done.push(result.text);
        outcome.changes.push(...result.changes);
        if (result.already) outcome.already = true;
      } else outcome.failed.push(result.text);
    }
    const validation = validatePlan(plan);
    if (validation.ok) break;
    const blamed = new Map<number, string[]>();
    for (const problem of validation.problems) {
      for (const sentence of culprits(problem.message, problem.path, plan, outcomes)) {
        blamed.set(sentence, [...(blamed.get(sentence) ?? []), problem.message]);
      }
    }
    if (blamed.size === 0 || attempt === 3) {
      // Nothing to blame: fall back to the template alone, saying why.
      const reason = validation.problems.map((p) => p.message).join(" ");
      plan = structuredClone(baseline);
      outcomes = new Map();
      for (const r of read) dropped.set(r.sentence, `Cannot apply it: ${reason}`);
      break;
    }
    for (const [sentence, messages] of blamed) {
      dropped.set(sentence, `Cannot apply it, the plan would be invalid: ${messages.join(" ")}`);
    }
  }

  const requirements: Requirement[] = all.slice(0, OFFLINE_LIMITS.requirements).map((text, i) => {
    const sentence = text.length > 1000 ? `${text.slice(0, 999)}\u2026` : text;
    if (i >= OFFLINE_LIMITS.sentences) {
      return notApplied(
        sentence,
        `Not planned: the offline planner reads the first ${OFFLINE_LIMITS.sentences} sentences; ` +
          "shorten the description or set OPENAI_API_KEY to use the LLM planner.",
      );
    }
    const why = refused.get(i) ?? dropped.get(i);
    if (why !== undefined) return notApplied(sentence, why);
    return requirementOf(sentence, outcomes.get(i), renamed);
  });
  if (all.length > OFFLINE_LIMITS.requirements) {
    const rest = all.length - OFFLINE_LIMITS.requirements;
    requirements.push(notApplied(
      `(${rest} more sentences)`,
      `Not planned: the offline planner reads the first ${OFFLINE_LIMITS.sentences} sentences and ` +
        `lists the first ${OFFLINE_LIMITS.requirements}; shorten the description.`,
    ));
  }
  return { ...plan, requirements };
}

/** A reason cut to what a requirement may hold. */
function clip(reason: string): string {
  return reason.length > 3000 ? `${reason.slice(0, 2999)}\u2026` : reason;
}

function notApplied(sentence: string, reason: string): Requirement {
  return { sentence, status: "not_applied", reason: clip(reason), changes: [] };
}

const UNRECOGNISED = "No table, field, link or rule found in it: say what people do or what " +
  'things have, e.g. "Sellers post bikes with a brand and a price", "Invoices belong to a ' +
  'client", "Slugs are unique" or "Ratings are between 1 and 5"; or set OPENAI_API_KEY to use ' +
  "the LLM planner.";

/** Rewrites table names a later sentence renamed ("houseplant_cuttings" → "cuttings"). */
function renaming(renamed: ReadonlyMap<string, string>): (text: string) => string {
  const names = new Map(renamed);
  for (const [before, after] of renamed) {
    names.set(`${singular(before)}_id`, `${singular(after)}_id`);
  }
  const pattern = names.size === 0
    ? null
    : new RegExp(`\\b(${[...names.keys()].join("|")})\\b`, "g");
  return (text) =>
    pattern === null ? text : text.replace(pattern, (name) => names.get(name) ?? name);
}

function requirementOf(
  sentence: string,
  found: ClauseOutcome | undefined,
  renamed: ReadonlyMap<string, string>,
): Requirement {
  if (found === undefined) return notApplied(sentence, UNRECOGNISED);
  const rename = renaming(renamed);
  const outcome: ClauseOutcome = {
    ...found,
    done: found.done.map(rename),
    failed: found.failed.map(rename),
    changes: found.changes.map((c) => ({ ...c, target: rename(c.target) })),
  };
  const changes: RequirementChange[] = [];
  for (const change of outcome.changes) {
    if (!changes.some((c) => c.kind === change.kind && c.target === change.target)) {
      changes.push(change);
    }
  }
  if (changes.length === 0 && !outcome.already) {
    return notApplied(sentence, outcome.failed.join(" ") || UNRECOGNISED);
  }
  const skipped = outcome.failed.length > 0 ? ` Not applied: ${outcome.failed.join(" ")}` : "";
  return {
    sentence,
    status: "applied",
    reason: clip(`${outcome.done.join(" ")}${skipped}`.trim()),
    changes: changes.slice(0, 200),
  };
}

/** The offline planner, the default when no LLM is configured. */
export function createDeterministicPlanner(): Planner {
  return {
    name: "deterministic",
    plan: (input: PlanInput) => Promise.resolve(planFromVibe(input)),
  };
}
