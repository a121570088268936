/**
 * @module Forgiving typos: a word neither compromise's lexicon nor the planner's vocabulary
 * knows is replaced by the one vocabulary word (or word used elsewhere in the vibe) within one
 * edit — "shuld" → "should", "selers" → "sellers", "requried" → "required", "creat" → "create".
 * Corrected before tagging, so the tagger sees the intended word.
 */

import { plural } from "../../text/inflection.ts";
import { isKnownWord } from "../../text/nlp.ts";
import {
  APPROVAL_VERBS,
  CHANGE_VERBS,
  CREATE_VERBS,
  FIELD_VERBS,
  HAVE_VERBS,
  LIST_FIELDS,
  ORGANIZATION_NOUNS,
  PERSON_NOUNS,
  READ_VERBS,
  RELATION_NOUNS,
} from "./vocabulary.ts";

const FUNCTION_WORDS = [
  "should",
  "would",
  "could",
  "with",
  "have",
  "their",
  "there",
  "which",
  "every",
  "each",
  "about",
  "belong",
  "belongs",
  "between",
  "required",
  "mandatory",
  "optional",
  "unique",
  "public",
  "private",
  "positive",
  "characters",
  "at least",
  "least",
  "most",
  "only",
  "their own",
];

function vocabulary(): Set<string> {
  const words = new Set<string>(FUNCTION_WORDS);
  for (const noun of [...PERSON_NOUNS, ...ORGANIZATION_NOUNS]) {
    words.add(noun);
    words.add(plural(noun));
  }
  for (
    const verb of [
      ...HAVE_VERBS,
      ...CREATE_VERBS,
      ...RELATION_NOUNS.keys(),
      ...APPROVAL_VERBS.keys(),
      ...CHANGE_VERBS.keys(),
      ...READ_VERBS,
      ...FIELD_VERBS,
    ]
  ) {
    if (verb.includes(" ")) continue;
    words.add(verb);
    words.add(`${verb}s`);
  }
  for (const field of LIST_FIELDS) words.add(field);
  return words;
}

const VOCABULARY = vocabulary();

/**
 * Whether `b` is `a` with one typing slip: two adjacent letters swapped ("requried"), or one
 * letter dropped or doubled ("selers", "shuld", "creat"). Substituting a letter ("bugs" →
 * "buys") or adding a plural "s" ("photo" → "photos") makes another real word, not a typo.
 */
function slip(a: string, b: string): boolean {
  if (a.length === b.length) {
    for (let i = 0; i < a.length - 1; i++) {
      if (a[i] !== b[i]) {
        return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
      }
    }
    return false;
  }
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  if (long.length !== short.length + 1) return false;
  if (long === `${short}s`) return false;
  for (let i = 0; i < long.length; i++) {
    if (long.slice(0, i) + long.slice(i + 1) === short) return true;
  }
  return false;
}

/** The correction of one unknown word, or the word itself. */
function correct(word: string, known: ReadonlySet<string>): string {
  if (word.length < 4 || VOCABULARY.has(word) || known.has(word) || /\d|_/.test(word)) return word;
  if (isKnownWord(word)) return word;
  const candidates = new Set<string>();
  for (const candidate of [...VOCABULARY, ...known]) {
    if (candidate.length < 4 || Math.abs(candidate.length - word.length) > 1) continue;
    if (slip(word, candidate)) candidates.add(candidate);
  }
  return candidates.size === 1 ? [...candidates][0] ?? word : word;
}

/** Lowercase words of a text that compromise knows, to correct other words towards. */
export function knownWordsOf(text: string): Set<string> {
  const known = new Set<string>();
  for (const word of text.toLowerCase().match(/[a-z]{4,}/g) ?? []) {
    if (isKnownWord(word)) known.add(word);
  }
  return known;
}

/** The clause with unknown words corrected towards the vocabulary and `known` words. */
export function correctSpelling(clause: string, known: ReadonlySet<string>): string {
  return clause.replace(/[A-Za-z]{4,}/g, (word) => {
    const lower = word.toLowerCase();
    const fixed = correct(lower, known);
    return fixed === lower ? word : fixed;
  });
}
