/**
 * @module A deterministic, offline embedder: word unigrams and bigrams (plurals folded, stop
 * words dropped) and character 3-grams, hashed with FNV-1a into 384 signed dimensions,
 * weighted by sublinear term frequency and L2-normalised. Good enough to link a drift alert
 * about "bids" to the spec chunk that talks about bids; not a semantic model.
 */

import { singular } from "../text/inflection.ts";
import { type Embedder, EMBEDDING_DIMENSIONS } from "./embedder.ts";

const STOP_WORDS = new Set(
  ("a an and are as at be been but by can could do does for from has have how i if in into is " +
    "it its may me my no not of on or our should so than that the their them then there these " +
    "they this those to too us was we were what when where which who whom why will with would " +
    "you your").split(" "),
);
/** Weight of each feature kind, by the prefix its feature strings carry. */
const WEIGHTS: Readonly<Record<string, number>> = { w: 1, b: 0.6, c: 0.25 };
const encoder = new TextEncoder();

/** FNV-1a, 32-bit, over the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function words(text: string): string[] {
  const plain = text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  return (plain.match(/[\p{L}\p{N}]+/gu) ?? []).map((word) => singular(word));
}

/** Feature counts: `w:` words, `b:` word bigrams, `c:` character 3-grams of padded words. */
function features(text: string): Map<string, number> {
  const all = words(text);
  const content = all.filter((word) => !STOP_WORDS.has(word));
  const tokens = content.length > 0 ? content : all;
  const counts = new Map<string, number>();
  const add = (feature: string) => counts.set(feature, (counts.get(feature) ?? 0) + 1);
  tokens.forEach((word, i) => {
    add(`w:${word}`);
    const next = tokens[i + 1];
    if (next !== undefined) add(`b:${word} ${next}`);
    const padded = `#${word}#`;
    for (let j = 0; j + 3 <= padded.length; j++) add(`c:${padded.slice(j, j + 3)}`);
  });
  return counts;
}

/** The lexical embedding of `text`; all zeros for text without letters or digits. */
export function lexicalVector(text: string): number[] {
  const vector = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  for (const [feature, count] of features(text)) {
    const hash = fnv1a32(feature);
    const weight = (WEIGHTS[feature.charAt(0)] ?? 0) * (1 + Math.log(count));
    const index = hash % EMBEDDING_DIMENSIONS;
    vector[index] = (vector[index] ?? 0) + (hash >>> 31 === 1 ? -weight : weight);
  }
  const norm = Math.hypot(...vector);
  return norm === 0 ? vector : vector.map((value) => value / norm);
}

/** The lexical embedder (`lexical-v1`). */
export function createLexicalEmbedder(): Embedder {
  return {
    name: "lexical-v1",
    dimensions: EMBEDDING_DIMENSIONS,
    embed: (texts) => Promise.resolve(texts.map(lexicalVector)),
  };
}
