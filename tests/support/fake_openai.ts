/**
 * @module A local stand-in for the OpenAI API (what OPENAI_BASE_URL points at), speaking its
 * HTTP contract: chat completions answer with structured outputs given in advance — in order,
 * one per request, the last one repeated — as a tool call or as JSON content, whichever the
 * request asked for (`tools` or `response_format`); embeddings answer with unit vectors of the
 * requested dimensions. Every request body is kept for assertions.
 */

export interface FakeOpenAI {
  baseUrl: string;
  /** Every request body, in order. */
  requests: Record<string, unknown>[];
  /** The chat completion request bodies, in order. */
  chatRequests(): Record<string, unknown>[];
  close(): Promise<void>;
}

/** Options of {@link startFakeOpenAI}. */
export interface FakeOpenAIOptions {
  /** Delays every chat completion (not embeddings) by this many milliseconds. */
  chatDelayMs?: number;
}

/** A structured output recorded from a model, as stored in tests/fixtures/llm/. */
export interface RecordedOutput {
  readonly vibe: string;
  readonly model: string;
  readonly id: string;
  readonly output: unknown;
}

/** Reads a recorded structured output from tests/fixtures/llm/<name>.json. */
export async function recordedOutput(name: string): Promise<RecordedOutput> {
  const url = new URL(`../fixtures/llm/${name}.json`, import.meta.url);
  return JSON.parse(await Deno.readTextFile(url)) as RecordedOutput;
}

/**
 * Starts the stand-in. `answers` is one structured output, or a list answered in order (the
 * last repeated); a {@linkcode RecordedOutput} answers with its `output`, id and model.
 */
export function startFakeOpenAI(
  answers: unknown,
  opts: FakeOpenAIOptions = {},
): FakeOpenAI {
  const queue = Array.isArray(answers) ? answers : [answers];
  const requests: Record<string, unknown>[] = [];
  let chats = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = await req.json().catch(() => ({})) as Record<string, unknown>;
    requests.push(body);
    if (new URL(req.url).pathname.endsWith("/embeddings")) {
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      const dims = Number(body.dimensions ?? 384);
      return Response.json({
        object: "list",
        model: String(body.model ?? "text-embedding-test"),
        data: inputs.map((_, index) => ({
          object: "embedding",
          index,
          embedding: Array.from({ length: dims }, (_, i) => (i === index % dims ? 1 : 0)),
        })),
        usage: { prompt_tokens: 1, total_tokens: 1 },
      });
    }
    if (opts.chatDelayMs) await new Promise((r) => setTimeout(r, opts.chatDelayMs));
    const answer = queue[Math.min(chats, queue.length - 1)];
    chats++;
    const recorded = answer !== null && typeof answer === "object" && "output" in answer
      ? answer as RecordedOutput
      : null;
    const output = recorded ? recorded.output : answer;
    const tools = body.tools as { function?: { name?: string } }[] | undefined;
    const args = JSON.stringify(output);
    const message = tools?.length
      ? {
        role: "assistant",
        content: null,
        tool_calls: [{
          id: `call_${chats}`,
          type: "function",
          function: { name: tools[0]?.function?.name ?? "plan", arguments: args },
        }],
      }
      : { role: "assistant", content: args, refusal: null };
    return Response.json({
      id: recorded?.id ?? `chatcmpl-test-${chats}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: recorded?.model ?? String(body.model ?? "gpt-test"),
      choices: [{ index: 0, message, finish_reason: tools?.length ? "tool_calls" : "stop" }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${server.addr.port}/v1`,
    requests,
    chatRequests: () => requests.filter((r) => Array.isArray(r.messages)),
    close: () => server.shutdown(),
  };
}
