/** @module Embeddings from OpenAI or a compatible server, at 384 dimensions. */

import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { OpenAIEmbeddings } from "@langchain/openai";
import { openAIClientFields, type OpenAISettings } from "../openai/settings.ts";
import { checkedVectors, type Embedder, EMBEDDING_DIMENSIONS } from "./embedder.ts";

/** Wraps LangChain embeddings as an {@linkcode Embedder}, checking every vector's size. */
export function embedderFromEmbeddings(embeddings: EmbeddingsInterface, name: string): Embedder {
  return {
    name,
    dimensions: EMBEDDING_DIMENSIONS,
    async embed(texts) {
      if (texts.length === 0) return [];
      return checkedVectors(name, texts, await embeddings.embedDocuments([...texts]));
    },
  };
}

/** OpenAIEmbeddings (default model text-embedding-3-small) asked for 384 dimensions. */
export function createOpenAIEmbedder(settings: OpenAISettings): Embedder {
  const model = settings.embeddingModel ?? "text-embedding-3-small";
  const embeddings = new OpenAIEmbeddings({
    model,
    dimensions: EMBEDDING_DIMENSIONS,
    ...openAIClientFields(settings),
  });
  return embedderFromEmbeddings(embeddings, `openai:${model}`);
}
