/**
 * @module A local stand-in for the OpenAI API (what OPENAI_BASE_URL points at): chat
 * completions answer with a fixed structured output — a tool call or JSON content, whichever
 * the request asked for — and embeddings with unit vectors of the requested dimensions.
 */

export interface FakeOpenAI {
  baseUrl: string;
  requests: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Options of {@link startFakeOpenAI}. */
export interface FakeOpenAIOptions {
  /** Delays every chat completion (not embeddings) by this many milliseconds. */
  chatDelayMs?: number;
}

export function startFakeOpenAI(answer: unknown, opts: FakeOpenAIOptions = {}): FakeOpenAI {
  const requests: Record<string, unknown>[] = [];
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
    const tools = body.tools as { function?: { name?: string } }[] | undefined;
    const args = JSON.stringify(answer);
    const message = tools?.length
      ? {
        role: "assistant",
        content: null,
        tool_calls: [{
          id: "call_1",
          type: "function",
          function: { name: tools[0]!.function?.name ?? "plan", arguments: args },
        }],
      }
      : { role: "assistant", content: args };
    return Response.json({
      id: "chatcmpl-test",
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: String(body.model ?? "gpt-test"),
      choices: [{ index: 0, message, finish_reason: tools?.length ? "tool_calls" : "stop" }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${server.addr.port}/v1`,
    requests,
    close: () => server.shutdown(),
  };
}
