/** @module The embedder interface: texts to 384-dimension vectors (spec_chunks.embedding). */

/** The dimension of every stored embedding (`vector(384)`, gte-small's size). */
export const EMBEDDING_DIMENSIONS = 384;

/** Turns texts into vectors comparable by cosine distance. */
export interface Embedder {
  /**
   * Identifies the model; stored with each chunk, since only vectors from the same embedder
   * can be compared.
   */
  readonly name: string;
  readonly dimensions: typeof EMBEDDING_DIMENSIONS;
  /** One vector of {@linkcode EMBEDDING_DIMENSIONS} numbers per text, in order. */
  embed(texts: readonly string[]): Promise<number[][]>;
}

/**
 * Checks that a provider returned one 384-number vector per text.
 *
 * @throws {Error} naming the provider and how to fix it otherwise.
 */
export function checkedVectors(
  provider: string,
  texts: readonly string[],
  vectors: readonly (readonly number[])[],
): number[][] {
  if (vectors.length !== texts.length) {
    throw new Error(
      `Cannot use embeddings from ${provider}: it returned ${vectors.length} vectors for ` +
        `${texts.length} texts`,
    );
  }
  return vectors.map((vector) => {
    if (vector.length !== EMBEDDING_DIMENSIONS) {
      throw new Error(
        `Cannot use embeddings from ${provider}: they have ${vector.length} dimensions, not ` +
          `${EMBEDDING_DIMENSIONS}; choose a model that supports ${EMBEDDING_DIMENSIONS} ` +
          "(e.g. text-embedding-3-small)",
      );
    }
    return [...vector];
  });
}
