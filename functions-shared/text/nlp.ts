/**
 * @module Part-of-speech tagging of one sentence with compromise (its `two` build: lexicon,
 * tagger and root forms, no phrase layer; pure JS, ~290 KB minified). Text is normalised first
 * so messy input tags the same as tidy input: lowercase, contractions expanded, number ranges
 * spelled `1 to 5`, hyphenated compounds kept as one word (`check_in`), symbols as words.
 */

import nlp from "compromise/two";

/** One tagged word. */
export interface Word {
  /** The word, lowercased (underscores join hyphenated compounds). */
  readonly text: string;
  /** Singular of a noun, infinitive of a verb; the text otherwise. */
  readonly root: string;
  /** compromise's tags, e.g. Noun, Plural, Verb, Modal, Determiner, Preposition. */
  readonly tags: ReadonlySet<string>;
  /** Punctuation before and after, e.g. `(` and `),`. */
  readonly pre: string;
  readonly post: string;
}

const CONTRACTIONS: readonly (readonly [RegExp, string])[] = [
  [/\bcan(?:'|\u2019)?t\b|\bcannot\b/g, "can not"],
  [/\bwon(?:'|\u2019)t\b/g, "will not"],
  [/\b(is|are|do|does|did|should|must|could|would|was|were|has|have)n(?:'|\u2019)t\b/g, "$1 not"],
  [/\b(i|we|you|they)(?:'|\u2019)(?:d)\b/g, "$1 would"],
  [/\b(i|we|you|they)(?:'|\u2019)re\b/g, "$1 are"],
  [/\b(i|we|you|they)(?:'|\u2019)ll\b/g, "$1 will"],
  [/\bi(?:'|\u2019)m\b/g, "i am"],
  [/\b(it|that|there)(?:'|\u2019)s\b/g, "$1 is"],
  [/\bsomeone elses\b/g, "someone else's"],
];

/** Words compromise tags wrongly for product descriptions, with the tag they need. */
const LEXICON: Record<string, string> = {
  tasks: "Plural",
  books: "Plural",
  notes: "Plural",
  comments: "Plural",
  offers: "Plural",
  reps: "Plural",
  rep: "Singular",
  devs: "Plural",
  checkins: "Plural",
  favourite: "Infinitive",
  favorite: "Infinitive",
  bookmark: "Infinitive",
  upvote: "Infinitive",
  enroll: "Infinitive",
  enrol: "Infinitive",
  url: "Singular",
  urls: "Plural",
  sku: "Singular",
  skus: "Plural",
  isbn: "Singular",
  isbns: "Plural",
  email: "Singular",
  emails: "Plural",
  kg: "Unit",
  ms: "Unit",
};

let extended = false;

function ensureLexicon(): void {
  if (extended) return;
  nlp.addWords(LEXICON);
  extended = true;
}

/** Lowercases and normalises a sentence for tagging (see the module doc). */
export function normalizeForReading(sentence: string): string {
  let text = sentence.toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d\u00ab\u00bb]/g, '"')
    .replace(/[\u2010-\u2015\u2212]/g, "-")
    .replace(/\u2026/g, "...");
  for (const [pattern, replacement] of CONTRACTIONS) text = text.replace(pattern, replacement);
  return text
    .replace(/\be-?mails?\b/g, (m) => (m.endsWith("s") ? "emails" : "email"))
    .replace(/(\d)\s*(?:-|\.\.\.?|to)\s*(\d)/g, "$1 to $2")
    // "Bikes - brand, size, price": a spaced dash before a list works like a colon.
    .replace(/^([a-z][a-z _]*?)\s+-{1,2}\s+(?=[a-z][^,]*,)/, "$1: ")
    .replace(/(\d)\s*-\s*(?=[a-z])/g, "$1 ")
    .replace(/([a-z])-(?=[a-z])/g, "$1_")
    .replace(/\b(\w+)\(s\)/g, "$1s")
    .replace(/\s*&\s*/g, " and ")
    .replace(/\s*\+\s*(?=[a-z])/g, " and ")
    .replace(/\bw\/\s*/g, "with ")
    .replace(/\be\.g\.,?|\bi\.e\.,?|\bsuch as\b/g, " like ")
    .replace(/\betc\.?/g, "")
    .replace(/\bincl\.\s*/g, "including ")
    .replace(/([a-z])\/(?=[a-z])/g, "$1 or ")
    .replace(/%/g, " percent ")
    .replace(/[*_`#]{2,}|["`]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** A term as compromise keeps it internally (`doc.docs`), read without building JSON. */
interface CompromiseTerm {
  readonly text: string;
  readonly pre: string;
  readonly post: string;
  readonly normal?: string;
  readonly root?: string;
  readonly tags: ReadonlySet<string>;
}

/** Tags one sentence; an empty list for text without words. */
export function tagSentence(sentence: string): Word[] {
  ensureLexicon();
  const text = normalizeForReading(sentence);
  if (!/[a-z0-9]/.test(text)) return [];
  const doc = nlp(text);
  doc.compute("root");
  const words: Word[] = [];
  const docs = (doc as unknown as { docs: readonly (readonly CompromiseTerm[])[] }).docs;
  for (const terms of docs) {
    for (const term of terms) {
      const word = (term.normal ?? term.text).toLowerCase().replace(/[^a-z0-9_']/g, "")
        .replace(/'s?$/, "");
      if (word === "") {
        const last = words.at(-1);
        if (last && term.post) words[words.length - 1] = { ...last, post: last.post + term.post };
        continue;
      }
      words.push({
        text: word,
        root: (term.root ?? word).toLowerCase().replace(/[^a-z0-9_]/g, "") || word,
        tags: term.tags,
        pre: term.pre.trim(),
        post: term.post.trim(),
      });
    }
  }
  return words;
}

/** Whether compromise's lexicon knows a word (or its singular), i.e. it is not a typo. */
export function isKnownWord(word: string): boolean {
  ensureLexicon();
  const lexicon = (nlp.model() as { one: { lexicon: Record<string, string> } }).one.lexicon;
  if (lexicon[word] !== undefined) return true;
  if (word.endsWith("s") && lexicon[word.slice(0, -1)] !== undefined) return true;
  if (word.endsWith("es") && lexicon[word.slice(0, -2)] !== undefined) return true;
  return word.endsWith("ies") && lexicon[`${word.slice(0, -3)}y`] !== undefined;
}
