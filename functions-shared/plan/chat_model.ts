/**
 * @module The chat model the LLM planner uses: OpenAI's chat completions API or a compatible
 * server, deterministic (temperature 0), bounded to fit an Edge Function (60 s per attempt, 2
 * retries). Structured output asks for a JSON schema (`response_format: json_schema`), as
 * LangChain's ChatOpenAI does for current models; unparseable answers raise LangChain's
 * OutputParserException, which the planner answers with a correction. A LangChain chat model,
 * written against the HTTP API: the SDKs (openai, @langchain/openai with js-tiktoken) would add
 * about 50 MB to the worker's deployed bundle.
 */
import type { BaseChatModelParams } from "@langchain/core/language_models/chat_models";
import type { BaseLanguageModelInput } from "@langchain/core/language_models/base";
import type { BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import type { Runnable } from "@langchain/core/runnables";
import {
  AIMessage,
  BaseChatModel,
  coerceMessageLikeToMessage,
  HumanMessage,
  OutputParserException,
  RunnableLambda,
} from "../langchain/runtime.ts";
import { z } from "zod";
import { createOpenAIClient, type OpenAIClient } from "../openai/client.ts";
import type { OpenAISettings } from "../openai/settings.ts";

interface ChatCompletion {
  choices?: { message?: { content?: string | null; refusal?: string | null } }[];
}

type ResponseFormat = {
  type: "json_schema";
  json_schema: { name: string; description?: string; schema: Record<string, unknown> };
};

const ROLES: Record<string, string> = {
  system: "system",
  human: "user",
  ai: "assistant",
  tool: "tool",
};

function toWire(message: BaseMessage): { role: string; content: string } {
  const content = typeof message.content === "string"
    ? message.content
    : message.content.map((part) => ("text" in part ? String(part.text) : "")).join("");
  return { role: ROLES[message.getType()] ?? "user", content };
}

function toMessages(input: BaseLanguageModelInput): BaseMessage[] {
  if (typeof input === "string") return [new HumanMessage(input)];
  if (Array.isArray(input)) return input.map((m) => coerceMessageLikeToMessage(m));
  return input.toChatMessages();
}

/** A chat model on the chat completions API of OpenAI or a compatible server. */
export class OpenAICompatibleChatModel extends BaseChatModel {
  readonly #client: OpenAIClient;
  readonly #model: string;

  constructor(settings: OpenAISettings, client?: OpenAIClient, fields: BaseChatModelParams = {}) {
    super(fields);
    this.#client = client ?? createOpenAIClient(settings, { timeoutMs: 60_000, maxRetries: 2 });
    this.#model = settings.chatModel ?? "gpt-4o-mini";
  }

  _llmType(): string {
    return "openai-compatible";
  }

  /** One completion's text; `responseFormat` asks for JSON matching a schema. */
  async complete(
    messages: BaseMessage[],
    responseFormat?: ResponseFormat,
    signal?: AbortSignal,
  ): Promise<string> {
    const completion = await this.#client.post<ChatCompletion>("/chat/completions", {
      model: this.#model,
      temperature: 0,
      messages: messages.map(toWire),
      ...(responseFormat ? { response_format: responseFormat } : {}),
    }, signal);
    const message = completion.choices?.[0]?.message;
    if (message?.refusal) throw new Error(`The model refused to answer: ${message.refusal}`);
    return message?.content ?? "";
  }

  async _generate(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
  ): Promise<ChatResult> {
    const text = await this.complete(messages, undefined, options.signal);
    return { generations: [{ text, message: new AIMessage(text) }] };
  }

  /**
   * The model's answer as JSON matching `outputSchema` (a zod schema or a JSON schema), named
   * `config.name`; the caller validates it.
   */
  override withStructuredOutput(outputSchema: unknown, config?: { name?: string }): Runnable<
    BaseLanguageModelInput,
    // deno-lint-ignore no-explicit-any
    any
  > {
    const schema = outputSchema instanceof z.ZodType
      ? z.toJSONSchema(outputSchema) as Record<string, unknown>
      : outputSchema as Record<string, unknown>;
    const description = typeof schema.description === "string" ? schema.description : undefined;
    const format: ResponseFormat = {
      type: "json_schema",
      json_schema: {
        name: config?.name ?? "extract",
        ...(description ? { description } : {}),
        schema,
      },
    };
    return RunnableLambda.from(async (input: BaseLanguageModelInput) => {
      const text = await this.complete(toMessages(input), format);
      try {
        return JSON.parse(text);
      } catch {
        throw new OutputParserException(
          `Failed to parse the model's answer as JSON: ${text.slice(0, 200)}`,
          text,
        );
      }
    });
  }
}

/** A deterministic (temperature 0) chat model for planning, bounded to fit an Edge Function. */
export function createOpenAIChatModel(settings: OpenAISettings): OpenAICompatibleChatModel {
  return new OpenAICompatibleChatModel(settings);
}
