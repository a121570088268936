/** @module Unit tests of spec chunking and the embedders (lexical, OpenAI wrapper, Supabase.ai, selection). */
import assert from "node:assert/strict";
import { FakeEmbeddings, SyntheticEmbeddings } from "@langchain/core/utils/testing";
import { chunkVibe } from "../../functions-shared/embed/chunk.ts";
import { EMBEDDING_DIMENSIONS } from "../../functions-shared/embed/embedder.ts";
import {
  createLexicalEmbedder,
  fnv1a32,
  lexicalVector,
} from "../../functions-shared/embed/lexical_embedder.ts";
import { embedderFromEmbeddings } from "../../functions-shared/embed/openai_embedder.ts";
import { selectEmbedder } from "../../functions-shared/embed/select_embedder.ts";
import {
  createSupabaseAiEmbedder,
  supabaseAi,
} from "../../functions-shared/embed/supabase_ai_embedder.ts";

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  a.forEach((value, i) => (dot += value * (b[i] ?? 0)));
  return dot / (Math.hypot(...a) * Math.hypot(...b));
}

Deno.test("chunkVibe splits by section and keeps chunks within the limit on sentence boundaries", () => {
  const sentence = "Buyers can place bids on any active listing before it closes.";
  const vibe = [
    "A marketplace for used bikes.",
    "",
    "## Bids",
    Array.from({ length: 30 }, () => sentence).join(" "),
    "",
    "## Orders",
    "- Orders are private.",
    "- Buyers pay on delivery.",
  ].join("\n");
  const chunks = chunkVibe(vibe);
  assert.deepEqual(chunks.map((c) => c.index), chunks.map((_, i) => i));
  assert.deepEqual(chunks[0], {
    index: 0,
    content: "A marketplace for used bikes.",
    metadata: { section: null, sectionIndex: 0 },
  });
  const bids = chunks.filter((c) => c.metadata.section === "Bids");
  assert.ok(bids.length >= 3);
  for (const chunk of bids) {
    assert.ok(chunk.content.length <= 800, `${chunk.content.length}`);
    assert.ok(chunk.content.endsWith("closes."));
  }
  assert.deepEqual(chunks.at(-1), {
    index: chunks.length - 1,
    content: "Orders are private. Buyers pay on delivery.",
    metadata: { section: "Orders", sectionIndex: 2 },
  });
  assert.deepEqual(chunkVibe(""), []);
});

Deno.test("chunkVibe separates paragraphs and splits an overlong sentence between words", () => {
  const chunks = chunkVibe("First paragraph.\n\nSecond paragraph.");
  assert.deepEqual(chunks.map((c) => c.content), ["First paragraph.\n\nSecond paragraph."]);
  const long = chunkVibe(Array.from({ length: 200 }, () => "word").join(" "), { maxChars: 100 });
  assert.ok(
    long.length >= 9 &&
      long.every((c) => c.content.length <= 100 && !c.content.includes("wor word")),
  );
});

Deno.test("FNV-1a matches its reference values", () => {
  assert.equal(fnv1a32(""), 0x811c9dc5);
  assert.equal(fnv1a32("a"), 0xe40c292c);
  assert.equal(fnv1a32("foobar"), 0xbf9cf968);
});

Deno.test("lexical vectors are 384-dimensional, normalised and deterministic", async () => {
  const embedder = createLexicalEmbedder();
  const [a, b, empty] = await embedder.embed(["Sellers list bikes", "Sellers list bikes", "!!"]);
  assert.equal(embedder.dimensions, EMBEDDING_DIMENSIONS);
  assert.equal(a?.length, 384);
  assert.deepEqual(a, b);
  assert.ok(Math.abs(Math.hypot(...(a ?? [])) - 1) < 1e-9);
  assert.ok(empty?.every((v) => v === 0));
  assert.ok(cosine(lexicalVector("bid"), lexicalVector("bids")) > 0.99, "plurals fold");
});

Deno.test("the lexical embedder puts the chunk about bids nearest to a query about bids", async () => {
  const chunks = [
    "Listings: sellers publish listings with a title, photos and a price; anyone can browse them.",
    "Orders: a buyer places an order for a listing and sees only their own orders.",
    "Payments: checkout charges the card through the payment provider and stores a receipt.",
    "Bids: buyers place bids on a listing; each bidder sees only the bids they made.",
  ];
  const embedder = createLexicalEmbedder();
  const [query] = await embedder.embed(["Who can see a bid?"]);
  const vectors = await embedder.embed(chunks);
  const scores = vectors.map((vector) => cosine(query ?? [], vector));
  const best = scores.indexOf(Math.max(...scores));
  assert.equal(best, 3, `scores ${scores.map((s) => s.toFixed(3)).join(", ")}`);
});

Deno.test("LangChain embeddings are wrapped with a check of the 384 dimensions", async () => {
  const ok = embedderFromEmbeddings(new SyntheticEmbeddings({ vectorSize: 384 }), "synthetic");
  const vectors = await ok.embed(["a", "b"]);
  assert.deepEqual(vectors.map((v) => v.length), [384, 384]);
  assert.deepEqual(await ok.embed([]), []);
  const wrong = embedderFromEmbeddings(new FakeEmbeddings(), "fake");
  await assert.rejects(wrong.embed(["a"]), {
    message: "Cannot use embeddings from fake: they have 4 dimensions, not 384; choose a model " +
      "that supports 384 (e.g. text-embedding-3-small)",
  });
});

function fakeSupabaseScope(dimensions = 384) {
  const calls: { model: string; input: string; options: unknown }[] = [];
  class Session {
    constructor(readonly model: string) {}
    run(input: string, options: unknown): Promise<number[]> {
      calls.push({ model: this.model, input, options });
      return Promise.resolve(Array.from({ length: dimensions }, (_, i) => (i === 0 ? 1 : 0)));
    }
  }
  return { scope: { Supabase: { ai: { Session } } }, calls };
}

Deno.test("Supabase.ai gte-small is detected on the global and run mean-pooled and normalised", async () => {
  const { scope, calls } = fakeSupabaseScope();
  const ai = supabaseAi(scope);
  assert.ok(ai);
  assert.equal(supabaseAi({}), undefined);
  const embedder = createSupabaseAiEmbedder(ai);
  const vectors = await embedder.embed(["one", "two"]);
  assert.equal(embedder.name, "supabase-ai:gte-small");
  assert.deepEqual(vectors.map((v) => v.length), [384, 384]);
  assert.deepEqual(calls, [
    { model: "gte-small", input: "one", options: { mean_pool: true, normalize: true } },
    { model: "gte-small", input: "two", options: { mean_pool: true, normalize: true } },
  ]);
  const wrong = createSupabaseAiEmbedder(supabaseAi(fakeSupabaseScope(768).scope) ?? ai);
  await assert.rejects(wrong.embed(["x"]), /they have 768 dimensions, not 384/);
});

Deno.test("selectEmbedder prefers Supabase.ai, then OpenAI when configured, then lexical", () => {
  assert.equal(
    selectEmbedder({ openai: { apiKey: "sk-test" } }, fakeSupabaseScope().scope).name,
    "supabase-ai:gte-small",
  );
  assert.equal(
    selectEmbedder({ openai: { apiKey: "sk-test" } }, {}).name,
    "openai:text-embedding-3-small",
  );
  assert.equal(
    selectEmbedder({
      openai: { baseUrl: "http://localhost:11434/v1", embeddingModel: "all-minilm" },
    }, {}).name,
    "openai:all-minilm",
  );
  assert.equal(selectEmbedder({ openai: {} }, {}).name, "lexical-v1");
});
