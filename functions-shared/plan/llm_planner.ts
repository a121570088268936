/**
 * @module The LLM planner: a chat model's structured output on the Plan schema, merged onto the
 * template baseline and validated; a rejected plan is sent back with the validator's reasons
 * (at most `maxAttempts` requests in all), and a plan is used only once it passes.
 */

import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage } from "@langchain/core/messages";
import { AIMessage, HumanMessage, SystemMessage } from "../langchain/runtime.ts";
import { vibeSentences } from "../text/sentences.ts";
import { baselinePlan } from "./baseline.ts";
import { COLUMN_TYPES } from "./column_types.ts";
import { mergeOntoBaseline } from "./merge.ts";
import type { PlanInput, Planner } from "./planner.ts";
import { PlanSchema } from "./schema.ts";
import { InvalidPlanError, type PlanProblem, validatePlan } from "./validate.ts";

/** Options of {@linkcode createLlmPlanner}. */
export interface LlmPlannerOptions {
  /** The chat model; it must support structured output (tool calling or JSON schema). */
  readonly chatModel: BaseChatModel;
  /** How many plans to request before giving up; default 2 (one correction). */
  readonly maxAttempts?: number;
}

const INSTRUCTIONS = `You design Supabase (Postgres) backends. You receive a template's baseline
plan as JSON and a product description (the "vibe"). Return the complete plan: the baseline plus
what the vibe asks for. The plan is checked before anything runs; a plan that breaks a rule
below is sent back to you with the reasons.

Rules:
- Keep every baseline table, column, policy (with its name and rule), grant, function, trigger
  and Edge Function. You may add tables, add columns and indexes, add policies, and extend a
  baseline policy's condition as "(<original condition>) or (<new condition>)".
- Names are lowercase snake_case and not SQL reserved words; tables are plural nouns.
- New tables: "id uuid" primary key with default gen_random_uuid(); when rows belong to a user,
  an owner column "uuid not null default auth.uid() references auth.users(id) on delete cascade"
  named in ownerColumn; created_at timestamptz not null default now(); an index on every foreign
  key and owner column. Foreign keys point at a primary key (public tables) or auth.users(id).
  In the saas template, new tables also get "org_id uuid not null references
  organizations(id) on delete cascade".
- Column types: ${COLUMN_TYPES.join(", ")}, numeric(p,s).
- Defaults are only constants, now(), current_date, gen_random_uuid(), auth.uid() (uuid
  columns) or now() plus an interval — never a function call or a query. Checks compare the
  row's own columns with constants and simple functions (char_length, lower, coalesce, ...);
  no subqueries. New columns on profiles must be nullable or have a default.
- Policies are permissive, for roles anon and/or authenticated; anon may only select. Write
  (select auth.uid()), never a bare auth.uid(); never use auth.jwt(), auth.role(),
  current_setting() or any other function in a policy except the plan's private helpers
  (private.is_org_member(org_id), private.has_org_role(org_id, array['owner', 'admin'])).
  Every "or" operand of an insert, update, delete or all policy, and every operand that
  mentions the user, must tie the row to the user in one of these forms:
    <owner or user column> = (select auth.uid())
    private.is_org_member(<org column>)
    exists (select 1 from public.<parent> p where p.id = <table>.<parent>_id and <one of these forms on p>)
  "true" (or a condition on the row's own columns) is allowed only in select policies, for
  rows meant to be readable by everyone the policy targets. A policy never reads its own table,
  and select policies of two tables never read each other. At most one policy per table,
  command and role: combine conditions with or. select and delete policies have only using;
  insert only with check; update both.
- Grants: anon gets only select, and only where an anon select policy exists; authenticated
  gets exactly the privileges its policies need; service_role gets select, insert, update,
  delete on every table.
- requirements: one entry per vibe sentence listed, with status applied or not_applied, a
  reason, and the changes it made. Never guess: if a sentence is unclear or cannot be met
  within these rules, mark it not_applied and say how to rephrase it.`;

/** LangChain marks unparseable model output with this code (OutputParserException). */
function isOutputParsingFailure(error: unknown): error is Error {
  return error instanceof Error &&
    (error as Error & { lc_error_code?: string }).lc_error_code === "OUTPUT_PARSING_FAILURE";
}

function describeProblems(problems: readonly PlanProblem[]): string {
  return problems.map((problem) => `- ${problem.path ? `${problem.path}: ` : ""}${problem.message}`)
    .join("\n");
}

/** A planner asking `chatModel` for a plan; throws {@linkcode InvalidPlanError} if none is valid. */
export function createLlmPlanner(options: LlmPlannerOptions): Planner {
  const maxAttempts = options.maxAttempts ?? 2;
  const model = options.chatModel.withStructuredOutput(PlanSchema, { name: "plan" });
  return {
    name: "llm",
    async plan(input: PlanInput) {
      const baseline = baselinePlan(input.template, input.options);
      const sentences = vibeSentences(input.vibeText);
      const messages: BaseMessage[] = [
        new SystemMessage(INSTRUCTIONS),
        new HumanMessage(
          `Baseline plan:\n${JSON.stringify(baseline)}\n\nVibe:\n${input.vibeText}\n\n` +
            `Vibe sentences:\n${sentences.map((s, i) => `${i + 1}. ${s}`).join("\n")}`,
        ),
      ];
      let problems: readonly PlanProblem[] = [];
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        let output: unknown;
        try {
          output = await model.invoke(messages);
        } catch (error) {
          if (!isOutputParsingFailure(error)) throw error;
          problems = [{ path: "", message: `Cannot read the model's plan: ${error.message}` }];
          messages.push(
            new HumanMessage(`Your answer was not a valid plan:\n${describeProblems(problems)}`),
          );
          continue;
        }
        const parsed = PlanSchema.safeParse(output);
        const result = parsed.success
          ? validatePlan(mergeOntoBaseline(baseline, parsed.data, sentences))
          : validatePlan(output);
        if (result.ok) return result.plan;
        problems = result.problems;
        messages.push(
          new AIMessage(JSON.stringify(output)),
          new HumanMessage(
            `The plan was rejected (${problems.length} problem${
              problems.length === 1 ? "" : "s"
            }):\n${describeProblems(problems)}\nReturn a corrected complete plan.`,
          ),
        );
      }
      throw new InvalidPlanError(problems);
    },
  };
}
