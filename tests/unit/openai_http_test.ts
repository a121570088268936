/**
 * @module The OpenAI-compatible chat model and embedder over real HTTP against a local stand-in
 * of the API (tests/support/fake_openai.ts): the LLM planner's structured output asks for a
 * JSON schema named "plan" and plans; an unparseable answer is corrected once; embeddings come
 * back at 384 dimensions in input order; errors say what the server said, retries are bounded,
 * and the key never appears in an error.
 */
import assert from "node:assert/strict";
import { createOpenAIEmbedder } from "../../functions-shared/embed/openai_embedder.ts";
import { createOpenAIClient, OpenAIRequestError } from "../../functions-shared/openai/client.ts";
import { createOpenAIChatModel } from "../../functions-shared/plan/chat_model.ts";
import { planFromVibe } from "../../functions-shared/plan/deterministic_planner.ts";
import { createLlmPlanner } from "../../functions-shared/plan/llm_planner.ts";
import { validatePlan } from "../../functions-shared/plan/validate.ts";
import { startFakeOpenAI } from "../support/fake_openai.ts";

const VIBE = "Buyers can leave a 1-5 star review on an order they placed.";

Deno.test("the LLM planner plans through the chat completions API with a JSON schema", async () => {
  const answer = planFromVibe({ vibeText: VIBE, template: "marketplace" });
  const api = startFakeOpenAI(answer);
  try {
    const planner = createLlmPlanner({
      chatModel: createOpenAIChatModel({ baseUrl: api.baseUrl, apiKey: "sk-test", chatModel: "m" }),
    });
    const plan = await planner.plan({ vibeText: VIBE, template: "marketplace" });
    assert.ok(validatePlan(plan).ok);
    assert.ok(plan.tables.some((t) => t.name === "reviews"));
    assert.equal(api.requests.length, 1);
    const request = api.requests[0] as {
      model: string;
      temperature: number;
      messages: { role: string; content: string }[];
      response_format: { type: string; json_schema: { name: string; schema: { type: string } } };
    };
    assert.equal(request.model, "m");
    assert.equal(request.temperature, 0);
    assert.deepEqual(request.messages.map((m) => m.role), ["system", "user"]);
    assert.match(request.messages[1]!.content, /Vibe:\n/);
    assert.equal(request.response_format.type, "json_schema");
    assert.equal(request.response_format.json_schema.name, "plan");
    assert.equal(request.response_format.json_schema.schema.type, "object");
  } finally {
    await api.close();
  }
});

Deno.test("an answer that is not JSON is sent back once for a correction", async () => {
  const plan = planFromVibe({ vibeText: VIBE, template: "marketplace" });
  let calls = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = await req.json();
    calls++;
    const content = calls === 1 ? "Sure! Here is your plan" : JSON.stringify(plan);
    assert.equal(body.messages.length, calls === 1 ? 2 : 3);
    return Response.json({ choices: [{ message: { role: "assistant", content } }] });
  });
  try {
    const planner = createLlmPlanner({
      chatModel: createOpenAIChatModel({ baseUrl: `http://127.0.0.1:${server.addr.port}/v1` }),
    });
    assert.ok(validatePlan(await planner.plan({ vibeText: VIBE, template: "marketplace" })).ok);
    assert.equal(calls, 2);
  } finally {
    await server.shutdown();
  }
});

Deno.test("embeddings: 384 dimensions, input order, newlines flattened, batches of 512", async () => {
  const api = startFakeOpenAI({});
  try {
    const embedder = createOpenAIEmbedder({ baseUrl: api.baseUrl, embeddingModel: "e" });
    assert.equal(embedder.name, "openai:e");
    const texts = Array.from({ length: 600 }, (_, i) => `text ${i}\nline two`);
    const vectors = await embedder.embed(texts);
    assert.equal(vectors.length, 600);
    assert.ok(vectors.every((v) => v.length === 384));
    assert.equal(vectors[3]![3], 1, "vector i has its 1 at position i (input order kept)");
    assert.equal(api.requests.length, 2, "600 texts in two requests");
    const first = api.requests[0] as { model: string; input: string[]; dimensions: number };
    assert.equal(first.input.length, 512);
    assert.equal(first.input[0], "text 0 line two");
    assert.equal(first.dimensions, 384);
    assert.equal(first.model, "e");
    assert.deepEqual(await embedder.embed([]), []);
  } finally {
    await api.close();
  }
});

Deno.test("errors carry the server's message, retries are bounded, the key stays out", async () => {
  let calls = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    calls++;
    assert.equal(req.headers.get("authorization"), "Bearer sk-secret-key");
    return calls <= 2
      ? Response.json({ error: { message: "slow down" } }, { status: 429 })
      : Response.json({ error: { message: "Incorrect API key provided" } }, { status: 401 });
  });
  try {
    const client = createOpenAIClient(
      { baseUrl: `http://127.0.0.1:${server.addr.port}/v1`, apiKey: "sk-secret-key" },
      { maxRetries: 2, backoffMs: 1 },
    );
    const error = await client.post("/embeddings", {}).catch((e) => e);
    assert.ok(error instanceof OpenAIRequestError);
    assert.equal(error.status, 401);
    assert.match(error.message, /answered 401 to POST \/embeddings: Incorrect API key provided/);
    assert.ok(!error.message.includes("sk-secret-key"));
    assert.equal(calls, 3, "two retries on 429, none on 401");
  } finally {
    await server.shutdown();
  }
});
