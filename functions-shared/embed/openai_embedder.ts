/**
 * @module Embeddings from OpenAI or a compatible server (`POST /embeddings`), at 384
 * dimensions, in batches of 512 texts with newlines replaced by spaces (as LangChain's
 * OpenAIEmbeddings sends them).
 */

import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { createOpenAIClient, type OpenAIClient } from "../openai/client.ts";
import type { OpenAISettings } from "../openai/settings.ts";
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

const BATCH = 512;

interface EmbeddingList {
  data?: { index: number; embedding: number[] }[];
}

/** An embedder on the embeddings API (default model text-embedding-3-small, 384 dimensions). */
export function createOpenAIEmbedder(settings: OpenAISettings, client?: OpenAIClient): Embedder {
  const model = settings.embeddingModel ?? "text-embedding-3-small";
  const api = client ?? createOpenAIClient(settings, { timeoutMs: 60_000, maxRetries: 2 });
  const name = `openai:${model}`;
  return {
    name,
    dimensions: EMBEDDING_DIMENSIONS,
    async embed(texts) {
      const vectors: number[][] = [];
      for (let i = 0; i < texts.length; i += BATCH) {
        const batch = texts.slice(i, i + BATCH).map((t) => t.replace(/\n/g, " "));
        const res = await api.post<EmbeddingList>("/embeddings", {
          model,
          input: batch,
          dimensions: EMBEDDING_DIMENSIONS,
        });
        const data = [...(res.data ?? [])].sort((a, b) => a.index - b.index);
        vectors.push(...data.map((d) => d.embedding));
      }
      return checkedVectors(name, texts, vectors);
    },
  };
}
