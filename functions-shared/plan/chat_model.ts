/** @module Builds the OpenAI (or compatible) chat model the LLM planner uses. */

import { ChatOpenAI } from "@langchain/openai";
import { openAIClientFields, type OpenAISettings } from "../openai/settings.ts";

/** A deterministic (temperature 0) chat model for planning, bounded to fit an Edge Function. */
export function createOpenAIChatModel(settings: OpenAISettings): ChatOpenAI {
  return new ChatOpenAI({
    model: settings.chatModel ?? "gpt-4o-mini",
    temperature: 0,
    timeout: 60_000,
    maxRetries: 2,
    ...openAIClientFields(settings),
  });
}
