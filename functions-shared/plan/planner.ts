/** @module The planner interface and the choice between the offline and the LLM planner. */

import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { isOpenAIConfigured, type OpenAISettings } from "../openai/settings.ts";
import type { BaselineOptions } from "./baseline.ts";
import { createOpenAIChatModel } from "./chat_model.ts";
import { createDeterministicPlanner } from "./deterministic_planner.ts";
import { createLlmPlanner } from "./llm_planner.ts";
import type { Plan, Template } from "./schema.ts";

/** What a planner plans from. */
export interface PlanInput {
  /** The user's free-text description. */
  readonly vibeText: string;
  readonly template: Template;
  /** Session options that shape the baseline. */
  readonly options?: BaselineOptions;
}

/** Turns a vibe into a plan: the template baseline plus the vibe's requirements. */
export interface Planner {
  /** `deterministic` or `llm`, recorded with the plan. */
  readonly name: string;
  /** Plans; the result still goes through `validatePlan` before any SQL runs. */
  plan(input: PlanInput): Promise<Plan>;
}

/** Configuration of {@linkcode selectPlanner}. */
export interface PlannerConfig {
  /** OpenAI settings; the LLM planner is used when a key or base URL is set. */
  readonly openai: OpenAISettings;
}

/** Dependencies of {@linkcode selectPlanner}. */
export interface PlannerDeps {
  /** A chat model to plan with; when given, the LLM planner uses it whatever the config says. */
  readonly chatModel?: BaseChatModel;
}

/**
 * The LLM planner when a chat model is given or OpenAI is configured (the model is then built
 * from the config), otherwise the offline deterministic planner.
 */
export function selectPlanner(config: PlannerConfig, deps: PlannerDeps = {}): Planner {
  const chatModel = deps.chatModel ??
    (isOpenAIConfigured(config.openai) ? createOpenAIChatModel(config.openai) : undefined);
  return chatModel === undefined ? createDeterministicPlanner() : createLlmPlanner({ chatModel });
}
