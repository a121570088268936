/**
 * @module Splits a vibe into spec chunks: sections by heading, then chunks of at most ~800
 * characters that end on sentence boundaries (a longer sentence is split between words).
 */

import { parseVibe } from "../text/sentences.ts";

/** Where a chunk came from; stored as spec_chunks.metadata. */
export type SpecChunkMetadata = {
  /** The heading of the chunk's section, or null before the first heading. */
  section: string | null;
  /** The section's position in the vibe, from 0. */
  sectionIndex: number;
};

/** One chunk of the vibe; `index` is its spec_chunks.chunk_index. */
export interface SpecChunk {
  readonly index: number;
  readonly content: string;
  readonly metadata: SpecChunkMetadata;
}

/** Options of {@linkcode chunkVibe}. */
export interface ChunkOptions {
  /** Longest chunk in characters; default 800. */
  readonly maxChars?: number;
}

function splitLong(sentence: string, maxChars: number): string[] {
  if (sentence.length <= maxChars) return [sentence];
  const pieces: string[] = [];
  let current = "";
  for (const word of sentence.split(" ")) {
    const next = current ? `${current} ${word}` : word;
    if (next.length > maxChars && current) {
      pieces.push(current);
      current = word;
    } else current = next;
  }
  if (current) pieces.push(current);
  return pieces.flatMap((piece) =>
    piece.length <= maxChars
      ? [piece]
      : Array.from({ length: Math.ceil(piece.length / maxChars) }, (_, i) =>
        piece.slice(i * maxChars, (i + 1) * maxChars))
  );
}

/**
 * Chunks a vibe. Paragraphs inside a chunk are separated by a blank line; a heading with no
 * text under it becomes a chunk of its own, so no part of the vibe is lost.
 */
export function chunkVibe(text: string, options: ChunkOptions = {}): SpecChunk[] {
  const maxChars = options.maxChars ?? 800;
  const chunks: SpecChunk[] = [];
  parseVibe(text).forEach((section, sectionIndex) => {
    const metadata: SpecChunkMetadata = { section: section.title, sectionIndex };
    let content = "";
    const flush = () => {
      if (content) chunks.push({ index: chunks.length, content, metadata: { ...metadata } });
      content = "";
    };
    for (const paragraph of section.paragraphs) {
      paragraph.flatMap((sentence) => splitLong(sentence, maxChars)).forEach((sentence, i) => {
        const separator = content === "" ? "" : i === 0 ? "\n\n" : " ";
        if (content.length + separator.length + sentence.length > maxChars) {
          flush();
          content = sentence;
        } else content = `${content}${separator}${sentence}`;
      });
    }
    flush();
    if (section.paragraphs.length === 0 && section.title) {
      chunks.push({ index: chunks.length, content: section.title, metadata });
    }
  });
  return chunks;
}
