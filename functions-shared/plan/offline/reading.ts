/**
 * @module Reading one tagged sentence into a statement: who (the subject noun phrases), and
 * what they do (predicates: a verb with its modal, negation, voice and complements — objects,
 * prepositional phrases, field lists, value lists, number ranges). Tags come from compromise;
 * the reader corrects them by position (a word after a determiner is a noun, the word after the
 * subject is its verb), which is what makes terse and messy text read like tidy text.
 */

import { singular } from "../../text/inflection.ts";
import type { Word } from "../../text/nlp.ts";
import {
  APPROVAL_VERBS,
  CHANGE_VERBS,
  CREATE_VERBS,
  FIELD_VERBS,
  HAVE_VERBS,
  PERSON_NOUNS,
  READ_VERBS,
  RELATION_NOUNS,
} from "./vocabulary.ts";

/** A noun phrase: "a weight in kg", "their own listings", "a status (open, closed)". */
export interface NounPhrase {
  /** Content words, modifiers first, head last (lowercase, plural as written). */
  readonly words: readonly string[];
  /** Which of `words` are adjectives (dropped from table names, kept in field names). */
  readonly adjectives: ReadonlySet<string>;
  /** Singular of the head word. */
  readonly head: string;
  readonly plural: boolean;
  /** "their", "his", "my", "own": the subject's own rows. */
  readonly possessive: boolean;
  /** "one", "a single", "only one". */
  readonly one: boolean;
  /** "many", "multiple", "several", "some". */
  readonly many: boolean;
  /** Values listed for it: "(low, high)" or ": open, closed". */
  readonly values: readonly string[] | null;
  /** "from 1 to 5", "of 1-5 stars". */
  readonly range: readonly [number, number] | null;
  /** "in kg" → kg. */
  readonly unit: string | null;
  /** "per hour" → hour. */
  readonly per: string | null;
  /** "number of seats": the `of` phrase (with no determiner of its own). */
  readonly of: NounPhrase | null;
  /** "of the problem": an `of` phrase with a determiner, which names a related thing. */
  readonly ofRelated: NounPhrase | null;
  /** Words of a relative or participle clause after it: "they own", "booked with them". */
  readonly clause: readonly Word[];
  /** "whether it is vegetarian" → vegetarian; "whether the site was up" → up. */
  readonly whether: string | null;
  /** "when it ran" → ran. */
  readonly when: string | null;
}

/** A complement of a verb: a direct object (prep null) or a prepositional phrase. */
export interface Complement {
  readonly prep: string | null;
  readonly items: readonly NounPhrase[];
}

/** One verb and what follows it. */
export interface Predicate {
  /** The verb's root; "be" for a copula. */
  readonly verb: string;
  /** "out" in "rent out", "up" in "set up", "in" in "check in". */
  readonly particle: string | null;
  readonly modal: string | null;
  readonly negated: boolean;
  /** "are posted by", "can be paused". */
  readonly passive: boolean;
  /** "can only", "only once", "at most one". */
  readonly only: boolean;
  readonly once: boolean;
  /** Adjectives and bare words after a copula: "public", "unique", "positive". */
  readonly adjectives: readonly string[];
  readonly complements: readonly Complement[];
  /** Every word after the verb, for rules read off the words themselves. */
  readonly rest: readonly Word[];
}

/** A sentence read as subject and predicates. */
export interface Statement {
  readonly subject: readonly NounPhrase[];
  readonly predicates: readonly Predicate[];
  /** Whether the sentence has a verb at all (titles and fragments do not). */
  readonly hasVerb: boolean;
  readonly words: readonly Word[];
}

const DETERMINERS = new Set([
  "a",
  "an",
  "the",
  "each",
  "every",
  "all",
  "any",
  "some",
  "their",
  "its",
  "his",
  "her",
  "my",
  "our",
  "your",
  "own",
  "one",
  "single",
  "multiple",
  "many",
  "several",
  "various",
  "both",
  "no",
  "another",
  "other",
  "this",
  "that",
  "these",
  "those",
  "either",
  "only",
  "at",
  "most",
  "least",
  "up",
]);
const PRONOUNS = new Set(["them", "it", "him", "her", "us", "me", "you", "everyone", "anyone"]);
/** "each day", "every week": time adverbials, not objects. */
const TIME_NOUNS = new Set([
  "day",
  "days",
  "week",
  "weeks",
  "month",
  "months",
  "quarter",
  "quarters",
  "year",
  "years",
  "morning",
  "evening",
  "night",
  "time",
  "hour",
  "minute",
  "sprint",
]);
/** Words before a noun that only say whose it is: "someone else's book". */
const OWNER_WORDS = new Set([
  "someone",
  "somebody",
  "else",
  "anyone",
  "everyone",
  "another",
  "other",
  "others",
]);
const POSSESSIVES = new Set(["their", "his", "her", "my", "our", "your", "own", "its"]);
const MANY = new Set(["many", "multiple", "several", "various", "some"]);
const MODALS = new Set([
  "can",
  "may",
  "must",
  "should",
  "will",
  "could",
  "would",
  "shall",
  "might",
]);
const BE = new Set(["be", "is", "are", "was", "were", "been", "being", "am"]);
const PREPOSITIONS = new Set([
  "with",
  "on",
  "for",
  "to",
  "in",
  "into",
  "about",
  "of",
  "from",
  "by",
  "at",
  "after",
  "before",
  "per",
  "under",
  "between",
  "within",
  "across",
  "via",
  "as",
  "like",
  "including",
  "through",
  "without",
  "against",
  "among",
  "over",
  "during",
  "until",
  "inside",
  "onto",
  "toward",
  "towards",
  "than",
]);
const CLAUSE_STARTS = new Set([
  "who",
  "which",
  "that",
  "they",
  "he",
  "she",
  "it",
  "we",
  "i",
  "you",
  "whose",
  "where",
  "when",
  "whenever",
  "once",
  "if",
  "so",
  "because",
  "while",
  "since",
  "unless",
  "whether",
  "how",
  "what",
]);
const SUBORDINATORS = new Set([
  "once",
  "when",
  "after",
  "if",
  "before",
  "whenever",
  "while",
  "since",
]);
const ADVERBS = new Set([
  "also",
  "always",
  "just",
  "directly",
  "easily",
  "then",
  "still",
  "even",
  "optionally",
  "later",
  "quickly",
  "too",
  "both",
  "each",
  "first",
  "now",
  "never",
  "ever",
  "usually",
  "automatically",
  "publicly",
  "privately",
  "freely",
  "instantly",
]);
const PARTICLES = new Set(["out", "up", "in", "off", "down", "back", "away"]);
const PHRASAL = new Set([
  "rent out",
  "set up",
  "put up",
  "check in",
  "sign up",
  "log in",
  "check out",
  "take down",
  "give away",
  "hand out",
  "pay out",
  "fill out",
  "fill in",
  "write down",
  "look up",
  "call back",
  "write back",
  "take off",
]);
const UNITS = new Set([
  "kg",
  "kgs",
  "kilogram",
  "kilograms",
  "g",
  "gram",
  "grams",
  "lb",
  "lbs",
  "pound",
  "pounds",
  "km",
  "kilometer",
  "kilometers",
  "kilometre",
  "kilometres",
  "mile",
  "miles",
  "m",
  "meter",
  "meters",
  "metre",
  "metres",
  "cm",
  "mm",
  "inch",
  "inches",
  "minute",
  "minutes",
  "min",
  "mins",
  "hour",
  "hours",
  "hr",
  "hrs",
  "second",
  "seconds",
  "sec",
  "secs",
  "ms",
  "millisecond",
  "milliseconds",
  "day",
  "days",
  "week",
  "weeks",
  "month",
  "months",
  "year",
  "years",
  "percent",
  "cents",
  "dollars",
  "euros",
  "usd",
  "eur",
  "gbp",
  "ml",
  "l",
  "liter",
  "liters",
  "litre",
  "litres",
  "celsius",
  "fahrenheit",
  "mb",
  "gb",
  "kb",
  "bytes",
  "points",
  "stars",
  "star",
]);
const NUMBER_WORDS: Readonly<Record<string, number>> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  twenty: 20,
  fifty: 50,
  hundred: 100,
};

/** The number a word stands for, or null. */
export function numberOf(word: string): number | null {
  if (/^-?\d+(?:\.\d+)?$/.test(word)) return Number(word);
  return NUMBER_WORDS[word] ?? null;
}

const KNOWN_VERBS = new Set<string>([
  ...HAVE_VERBS,
  ...CREATE_VERBS,
  ...RELATION_NOUNS.keys(),
  ...APPROVAL_VERBS.keys(),
  ...CHANGE_VERBS.keys(),
  ...READ_VERBS,
  ...FIELD_VERBS,
  "belong",
  "reference",
  "link",
  "move",
  "go",
  "happen",
  "expire",
  "receive",
  "earn",
  "cost",
  "last",
  "see",
  "let",
  "allow",
  "want",
  "need",
  "use",
]);

function has(word: Word | undefined, tag: string): boolean {
  return word?.tags.has(tag) ?? false;
}

function isPunctBreak(word: Word | undefined): boolean {
  return word !== undefined && /[,;:)]/.test(word.post);
}

/** Whether `word` at `i` works as a verb here, given the words around it. */
function verbHere(words: readonly Word[], i: number): boolean {
  const word = words[i];
  const previous = words[i - 1];
  if (word === undefined) return false;
  if (MODALS.has(word.text) || BE.has(word.text)) return true;
  if (previous && (DETERMINERS.has(previous.text) && previous.text !== "only")) return false;
  if (previous && has(previous, "Adjective") && !has(previous, "Verb")) return false;
  if (has(word, "Gerund") || has(word, "Adjective") && !has(word, "Verb")) return false;
  const plural = has(word, "Plural") || (word.text.endsWith("s") && !word.text.endsWith("ss") &&
    word.root !== word.text && !has(word, "PresentTense"));
  if (has(word, "Verb") && !plural) return true;
  if (has(word, "Verb") && plural && KNOWN_VERBS.has(word.root) && i > 0) {
    const next = words[i + 1];
    return next !== undefined && (DETERMINERS.has(next.text) || PRONOUNS.has(next.text));
  }
  return KNOWN_VERBS.has(word.root) && !plural && i > 0 && !has(word, "Determiner");
}

/** Whether `word` is a verb by compromise's tags (not only by our lexicon). */
function taggedVerb(words: readonly Word[], i: number): boolean {
  const word = words[i];
  return word !== undefined && has(word, "Verb") && verbHere(words, i);
}

/** Index of the subject's verb (or modal/copula), or -1. */
function verbIndex(words: readonly Word[], start: number): number {
  let inRelative = false;
  let fallback = -1;
  for (let i = start + 1; i < words.length; i++) {
    const word = words[i];
    if (word === undefined) break;
    if (MODALS.has(word.text) || (BE.has(word.text) && !inRelative)) return i;
    if (["who", "which", "that"].includes(word.text)) {
      inRelative = true;
      continue;
    }
    if (inRelative) continue;
    if (word.text === "and" || word.text === "or" || isPunctBreak(words[i - 1])) continue;
    if (fallback >= 0 && (PREPOSITIONS.has(word.text) || CLAUSE_STARTS.has(word.text))) {
      return fallback;
    }
    if (PREPOSITIONS.has(word.text) || DETERMINERS.has(word.text)) continue;
    if (taggedVerb(words, i)) return i;
    if (fallback < 0 && verbHere(words, i)) fallback = i;
    if (fallback >= 0 && /[,;:]/.test(word.post)) return fallback;
  }
  if (inRelative) {
    for (let i = start + 1; i < words.length; i++) {
      const word = words[i];
      if (word && (MODALS.has(word.text) || BE.has(word.text))) return i;
    }
  }
  return fallback;
}

class PhraseReader {
  i: number;

  constructor(readonly words: readonly Word[], start: number) {
    this.i = start;
  }

  peek(offset = 0): Word | undefined {
    return this.words[this.i + offset];
  }

  /** A noun phrase starting here, or null when none does. */
  nounPhrase(stopAtVerb = true): NounPhrase | null {
    const start = this.i;
    let possessive = false;
    let one = false;
    let many = false;
    while (this.peek() && DETERMINERS.has(this.peek()?.text ?? "")) {
      const text = this.peek()?.text ?? "";
      if (text === "at" && !["most", "least"].includes(this.peek(1)?.text ?? "")) break;
      if (text === "up" && this.peek(1)?.text !== "to") break;
      if (POSSESSIVES.has(text)) possessive = true;
      if (text === "one" || text === "single") one = true;
      if (MANY.has(text)) many = true;
      this.i++;
      if (text === "up") this.i++;
    }
    if (this.peek()?.text === "whether" || this.peek()?.text === "if") {
      return this.whetherPhrase(start);
    }
    while (PRONOUNS.has(this.peek()?.text ?? "") && this.peek(1) !== undefined) this.i++;
    if (
      start > 0 &&
      ["each", "every", "per", "once", "twice"].includes(this.words[this.i - 1]?.text ?? "") &&
      TIME_NOUNS.has(this.peek()?.text ?? "")
    ) {
      this.i++;
      return null;
    }
    while (OWNER_WORDS.has(this.peek()?.text ?? "") && this.peek(1) !== undefined) {
      const next = this.peek(1);
      if (next === undefined || PREPOSITIONS.has(next.text) || next.text === "and") break;
      this.i++;
    }
    const words: string[] = [];
    const adjectives = new Set<string>();
    let lastWord: Word | undefined;
    let values: string[] | null = null;
    while (this.peek()) {
      const word = this.peek() as Word;
      if (words.length > 0 && DETERMINERS.has(word.text) && !["own", "one"].includes(word.text)) {
        break;
      }
      if (
        words.length > 0 && has(word, "Gerund") &&
        (DETERMINERS.has(this.peek(1)?.text ?? "") || PREPOSITIONS.has(this.peek(1)?.text ?? ""))
      ) break;
      if (word.pre.includes("(") && words.length > 0) break;
      if (PREPOSITIONS.has(word.text) || CLAUSE_STARTS.has(word.text)) break;
      if (word.text === "and" || word.text === "or" || word.text === "but" || word.text === "nor") {
        break;
      }
      if (MODALS.has(word.text) || BE.has(word.text) || word.text === "not") break;
      if (numberOf(word.text) !== null && words.length > 0) break;
      if (
        stopAtVerb && words.length > 0 && has(word, "Verb") && !has(word, "Gerund") &&
        (has(word, "PastTense") || has(word, "Infinitive")) && !has(word, "Plural") &&
        !has(word, "Noun")
      ) break;
      if (has(word, "Adverb") && !has(word, "Noun") && !has(word, "Adjective")) break;
      if (numberOf(word.text) !== null) {
        this.i++;
        continue;
      }
      words.push(word.text);
      if (has(word, "Adjective") && !has(word, "Noun")) adjectives.add(word.text);
      lastWord = word;
      this.i++;
      if (word.post.includes(":") && this.peek() !== undefined) {
        values = this.colonValues();
        break;
      }
      if (/[,;:)]/.test(word.post) || word.post.includes("(")) break;
    }
    if (words.length === 0 || lastWord === undefined) {
      this.i = start;
      return null;
    }
    // A trailing adjective-only phrase ("open") is not a noun phrase head unless alone.
    const headWord = words.at(-1) ?? "";
    const head = singular(headWord.replace(/'$/, ""));
    const plural = head !== headWord || has(lastWord, "Plural");
    let unit: string | null = null;
    let per: string | null = null;
    let of: NounPhrase | null = null;
    let ofRelated: NounPhrase | null = null;
    let range: readonly [number, number] | null = null;
    let whether: string | null = null;
    let when: string | null = null;
    let clause: Word[] = [];
    // Post-modifiers: in <unit>, per <noun>, of <noun>, from n to m, (values), : values.
    for (let guard = 0; guard < 6 && !/[,;:)]/.test(lastWord.post); guard++) {
      const next = this.peek();
      if (next === undefined) break;
      if (next.pre.includes("(")) {
        values = this.parenthetical();
        break;
      }
      if (next.text === "in" && UNITS.has(this.peek(1)?.text ?? "") && unit === null) {
        unit = this.peek(1)?.text ?? null;
        lastWord = this.peek(1) as Word;
        this.i += 2;
        continue;
      }
      if (next.text === "per" && this.peek(1) && !DETERMINERS.has(this.peek(1)?.text ?? "")) {
        const perWord = this.peek(1) as Word;
        if (PREPOSITIONS.has(perWord.text)) break;
        per = singular(perWord.text);
        lastWord = perWord;
        this.i += 2;
        continue;
      }
      if (next.text === "of" && this.peek(1)) {
        const save = this.i;
        this.i++;
        const hasDeterminer = DETERMINERS.has(this.peek()?.text ?? "");
        const inner = this.nounPhrase();
        if (inner === null) {
          this.i = save;
          break;
        }
        if (hasDeterminer) ofRelated = inner;
        else of = inner;
        if (inner.range) range = inner.range;
        lastWord = this.words[this.i - 1] as Word;
        continue;
      }
      const parsedRange = this.range();
      if (parsedRange) {
        range = parsedRange;
        lastWord = this.words[this.i - 1] as Word;
        continue;
      }
      break;
    }
    const next = this.peek();
    if (next && !/[,;:)]/.test(lastWord.post)) {
      if (next.text === "whether" || (next.text === "if" && words.length > 0)) {
        // "whether it is vegetarian", "whether the site was up": the last word is the field.
        const clauseWords = this.clauseWords();
        whether = clauseWords.filter((w) => !["whether", "if", "not"].includes(w.text)).at(-1)
          ?.text ?? null;
        clause = clauseWords;
      } else if (["when", "where"].includes(next.text) && words.length > 0) {
        const clauseWords = this.clauseWords();
        if (next.text === "when") when = clauseWords.at(-1)?.root ?? null;
        clause = clauseWords;
      } else if (
        CLAUSE_STARTS.has(next.text) || (has(next, "PastTense") && !has(next, "Noun")) ||
        (next.text === "to" && has(this.peek(1), "Verb"))
      ) {
        clause = this.clauseWords();
      }
    }
    if (values === null && this.peek()?.pre.includes("(")) values = this.parenthetical();
    return {
      words,
      adjectives,
      head,
      plural,
      possessive,
      one,
      many,
      values,
      range,
      unit,
      per,
      of,
      ofRelated,
      clause,
      whether,
      when,
    };
  }

  /** "whether it is vegetarian": a phrase naming the yes/no field "vegetarian". */
  whetherPhrase(start: number): NounPhrase | null {
    const clause = this.clauseWords();
    const field = clause.filter((w) => !["whether", "if", "not"].includes(w.text)).at(-1);
    if (field === undefined) {
      this.i = start;
      return null;
    }
    const subject = clause.slice(1).find((w) => has(w, "Noun") && !PRONOUNS.has(w.text));
    return {
      ...EMPTY_PHRASE,
      words: [field.text],
      head: field.text,
      whether: field.text,
      clause,
      ofRelated: subject === undefined || subject === field
        ? null
        : { ...EMPTY_PHRASE, words: [subject.text], head: singular(subject.text) },
    };
  }

  /** The list after a colon: "a status: open, pending or closed". */
  colonValues(): string[] {
    const values: string[] = [];
    let current: string[] = [];
    while (this.peek()) {
      const word = this.peek() as Word;
      this.i++;
      if (!["and", "or", "either", "a", "an", "the"].includes(word.text)) current.push(word.text);
      if (/[,;)]/.test(word.post) || this.peek()?.text === "or" || this.peek()?.text === "and") {
        if (current.length) values.push(current.join(" "));
        current = [];
      }
      if (/[;.]/.test(word.post)) break;
    }
    if (current.length) values.push(current.join(" "));
    return values;
  }

  /** `from 1 to 5`, `between 1 and 5`, `1 to 5 stars`, `of 1 to 5`. */
  range(): [number, number] | null {
    const start = this.i;
    let offset = 0;
    const first = this.peek()?.text;
    if (first === "from" || first === "between" || first === "of") offset = 1;
    const low = numberOf(this.peek(offset)?.text ?? "");
    const joiner = this.peek(offset + 1)?.text;
    const high = numberOf(this.peek(offset + 2)?.text ?? "");
    if (low === null || high === null || (joiner !== "to" && joiner !== "and")) {
      this.i = start;
      return null;
    }
    this.i += offset + 3;
    if (["stars", "star", "points", "point"].includes(this.peek()?.text ?? "")) this.i++;
    return [Math.min(low, high), Math.max(low, high)];
  }

  /** Words from here to the end of a parenthesis: `(low, normal, high)` → values. */
  parenthetical(): string[] {
    const values: string[] = [];
    let current: string[] = [];
    while (this.peek()) {
      const word = this.peek() as Word;
      this.i++;
      if (!["and", "or", "like", "either"].includes(word.text)) current.push(word.text);
      if (/[,)]/.test(word.post) || word.post.includes(",")) {
        if (current.length) values.push(current.join(" "));
        current = [];
      }
      if (word.post.includes(")")) break;
    }
    if (current.length) values.push(current.join(" "));
    return values;
  }

  /** Words of a clause, up to punctuation or a preposition that starts a new phrase. */
  clauseWords(): Word[] {
    const out: Word[] = [];
    while (this.peek()) {
      const word = this.peek() as Word;
      if (word.pre.includes("(")) break;
      if (out.length > 0 && (word.text === "and" || word.text === "or")) {
        const after = this.peek(1);
        if (after && (has(after, "Verb") || MODALS.has(after.text)) && !has(after, "Noun")) break;
        if (after && (DETERMINERS.has(after.text) || out.some((w) => has(w, "Verb")))) break;
      }
      if (out.length > 1 && ["with", "for", "about"].includes(word.text)) break;
      out.push(word);
      this.i++;
      if (/[,;:)]/.test(word.post)) break;
    }
    return out;
  }

  /** Noun phrases joined by commas, and, or: "a title, a price and a condition". */
  phraseList(): NounPhrase[] {
    return distributeHeads(this.readList());
  }

  private readList(): NounPhrase[] {
    const items: NounPhrase[] = [];
    for (let guard = 0; guard < 40; guard++) {
      const phrase = this.nounPhrase();
      if (phrase === null) break;
      items.push(phrase);
      const last = this.words[this.i - 1];
      const next = this.peek();
      if (next === undefined) break;
      const separated = last !== undefined && /,/.test(last.post);
      const conjunction = next.text === "and" || next.text === "or";
      if (!separated && !conjunction) break;
      // "and pick a day": a verb after the conjunction starts a new predicate.
      const afterIndex = conjunction ? this.i + 1 : this.i;
      if (this.words[afterIndex] === undefined) break;
      if (startsPredicateAt(this.words, afterIndex) || participleAt(this.words, afterIndex)) break;
      if (conjunction) this.i++;
      if (PREPOSITIONS.has(this.peek()?.text ?? "")) break;
    }
    return items;
  }
}

/** Modifiers that share a following head: "a start and end time", "check-in and check-out dates". */
const SHARED_HEAD_MODIFIERS = new Set([
  "start",
  "end",
  "first",
  "last",
  "min",
  "minimum",
  "max",
  "maximum",
  "pickup",
  "pick_up",
  "dropoff",
  "drop_off",
  "opening",
  "closing",
  "check_in",
  "check_out",
  "departure",
  "arrival",
  "billing",
  "shipping",
  "home",
  "work",
  "mobile",
  "primary",
  "secondary",
  "low",
  "high",
  "daily",
  "weekly",
  "monthly",
  "yearly",
  "current",
  "target",
  "previous",
  "next",
  "expected",
  "actual",
  "sale",
  "cost",
  "buy",
  "sell",
]);

/** "a start and end time" → "start time", "end time"; a plural shared head becomes singular. */
function distributeHeads(items: NounPhrase[]): NounPhrase[] {
  return items.map((item, k) => {
    const next = items[k + 1];
    const [modifier] = item.words;
    if (
      next === undefined || item.words.length !== 1 || modifier === undefined ||
      !SHARED_HEAD_MODIFIERS.has(modifier) || next.words.length < 2 ||
      !SHARED_HEAD_MODIFIERS.has(next.words[0] ?? "")
    ) return item;
    const head = next.head;
    return { ...item, words: [modifier, ...next.words.slice(1, -1), head], head, plural: false };
  }).map((item, k, all) => {
    const previous = items[k];
    // The second of the pair keeps its words, singular when the head was shared and plural.
    if (k > 0 && all[k - 1] !== items[k - 1] && previous && previous.plural) {
      return { ...item, words: [...item.words.slice(0, -1), item.head], plural: false };
    }
    return item;
  });
}

/** "lead, qualified, in progress or closed" → each value. */
function valueList(words: readonly Word[]): string[] {
  const values: string[] = [];
  let current: string[] = [];
  for (const word of words) {
    if (["and", "or", "either", "one", "of"].includes(word.text) && current.length === 0) continue;
    if (word.text === "or" || word.text === "and") {
      if (current.length) values.push(current.join(" "));
      current = [];
      continue;
    }
    current.push(word.text);
    if (/[,;)]/.test(word.post)) {
      values.push(current.join(" "));
      current = [];
    }
  }
  if (current.length) values.push(current.join(" "));
  return values;
}

function pluralLooking(word: Word): boolean {
  return has(word, "Plural") ||
    (word.text.endsWith("s") && !word.text.endsWith("ss") && word.root !== word.text);
}

/** Whether the word at `k` is a participle starting a clause: "giving the name", "using their". */
export function participleAt(words: readonly Word[], k: number): boolean {
  const word = words[k];
  const next = words[k + 1];
  if (
    word === undefined || next === undefined || !word.text.endsWith("ing") || word.text.length < 5
  ) {
    return false;
  }
  const known = KNOWN_VERBS.has(word.root) || KNOWN_VERBS.has(word.text.slice(0, -3)) ||
    KNOWN_VERBS.has(`${word.text.slice(0, -3)}e`) || has(word, "Gerund");
  return known && (DETERMINERS.has(next.text) || POSSESSIVES.has(next.text));
}

/** Whether the word at `k` starts a new predicate ("and pick a day", "or declines offers"). */
function startsPredicateAt(words: readonly Word[], k: number): boolean {
  const word = words[k];
  if (word === undefined) return false;
  if (MODALS.has(word.text)) return true;
  if (word.text.endsWith("ing")) return false;
  if (DETERMINERS.has(word.text) || has(word, "Adjective") || word.text === "whether") return false;
  const next = words[k + 1];
  const objectFollows = next !== undefined &&
    (DETERMINERS.has(next.text) || PRONOUNS.has(next.text) || has(next, "Noun") ||
      PREPOSITIONS.has(next.text));
  if (pluralLooking(word)) {
    // "accepts the request", "belongs to a company".
    return KNOWN_VERBS.has(word.root) && next !== undefined &&
      (DETERMINERS.has(next.text) || PRONOUNS.has(next.text) ||
        (has(word, "Verb") && PREPOSITIONS.has(next.text)));
  }
  // Only verbs the planner knows start a coordinated predicate ("and pick a day"); other
  // verb-tagged words in a list are nouns ("brand, frame size and price").
  return KNOWN_VERBS.has(word.root) && verbLike(word) && (objectFollows || next === undefined);
}

function verbLike(word: Word): boolean {
  return (has(word, "Verb") && !has(word, "Noun") && !has(word, "Gerund") &&
    !has(word, "Plural")) || (KNOWN_VERBS.has(word.text) && has(word, "Infinitive"));
}

/** Reads the predicate starting at `start` (the modal, copula or verb). */
function readPredicate(
  words: readonly Word[],
  start: number,
): { predicate: Predicate; end: number } {
  let i = start;
  let modal: string | null = null;
  let negated = false;
  let only = false;
  let copula = false;
  let passive = false;
  const at = (k: number) => words[k];
  for (let guard = 0; guard < 8; guard++) {
    const word = at(i);
    if (word === undefined) break;
    if (MODALS.has(word.text) && modal === null) modal = word.text;
    else if (word.text === "not" || word.text === "never") negated = true;
    else if (word.text === "only") only = true;
    else if (ADVERBS.has(word.text)) { /* skip */ }
    else if (word.text === "able" || word.text === "to" && at(i - 1)?.text === "able") {
      /* "be able to" */
    } else if (BE.has(word.text)) copula = true;
    else break;
    i++;
  }
  let verb = "be";
  let particle: string | null = null;
  const main = at(i);
  if (main !== undefined) {
    const participle = has(main, "PastTense") || has(main, "Participle") ||
      main.text.endsWith("ed") || main.text.endsWith("en");
    const isVerb = verbHere(words, i) || has(main, "Verb") || KNOWN_VERBS.has(main.root);
    if (copula && isVerb && participle && !has(main, "Adjective")) {
      passive = true;
      verb = main.root;
      i++;
    } else if (!copula && main.text !== "and") {
      verb = main.root;
      if (main.text === "has" || main.text === "had") verb = "have";
      i++;
    }
  }
  const next = at(i);
  if (next && PARTICLES.has(next.text) && PHRASAL.has(`${verb} ${next.text}`)) {
    particle = next.text;
    i++;
  }
  const reader = new PhraseReader(words, i);
  const complements: Complement[] = [];
  const adjectives: string[] = [];
  let once = false;
  const restStart = i;
  for (let guard = 0; guard < 40 && reader.peek(); guard++) {
    const word = reader.peek() as Word;
    if (word.text === "once" || (word.text === "only" && reader.peek(1)?.text === "once")) {
      once = true;
      reader.i += word.text === "only" ? 2 : 1;
      continue;
    }
    if (word.text === "only" || ADVERBS.has(word.text) && word.text !== "each") {
      if (word.text === "only") only = true;
      reader.i++;
      continue;
    }
    if (word.text === "and" || word.text === "or" || word.text === "but" || word.text === ",") {
      const after = reader.peek(1);
      const afterAfter = reader.peek(2);
      const startsPredicate = after !== undefined &&
        (MODALS.has(after.text) || (verbHere(words, reader.i + 1) && !has(after, "Adjective")) ||
          (["they", "it", "he", "she", "i", "we"].includes(after.text) &&
            afterAfter !== undefined && verbHere(words, reader.i + 2)));
      if (startsPredicate) break;
      reader.i++;
      continue;
    }
    if (SUBORDINATORS.has(word.text) && complements.length + adjectives.length > 0) {
      // "when a monitor goes down", "after their stay": keep "after <noun>" as a phrase.
      if (word.text === "after" || word.text === "before") {
        reader.i++;
        complements.push({ prep: word.text, items: reader.phraseList() });
        continue;
      }
      reader.clauseWords();
      continue;
    }
    const afterComplement = complements.length > 0 || /,/.test(words[reader.i - 1]?.post ?? "");
    if (afterComplement && participleAt(words, reader.i)) {
      // "..., giving the plant name and a photo", "using their recipes".
      reader.i++;
      const items = reader.phraseList();
      if (items.length > 0) complements.push({ prep: word.text, items });
      continue;
    }
    const range = reader.range();
    if (range) {
      complements.push({
        prep: "range",
        items: [{ ...EMPTY_PHRASE, range, words: ["range"], head: "range" }],
      });
      continue;
    }
    if (PREPOSITIONS.has(word.text)) {
      reader.i++;
      if (word.text === "by" && reader.peek()?.text === "default") {
        reader.i++;
        continue;
      }
      if (participleAt(words, reader.i)) {
        // "by sending a trade offer": the gerund and its object.
        const gerund = reader.peek() as Word;
        reader.i++;
        const object = reader.nounPhrase();
        if (object) {
          complements.push({
            prep: word.text,
            items: [{ ...object, words: [gerund.text, ...object.words] }],
          });
        }
        continue;
      }
      const items = reader.phraseList();
      if (items.length === 0) {
        const value = reader.peek();
        if (value && numberOf(value.text) !== null) {
          reader.i++;
          complements.push({
            prep: word.text,
            items: [{ ...EMPTY_PHRASE, words: [value.text], head: value.text }],
          });
        }
        continue;
      }
      complements.push({ prep: word.text, items });
      continue;
    }
    const restWords = words.slice(reader.i);
    const isList = restWords.some((w) => w.post.includes(",")) ||
      restWords.some((w) => w.text === "or");
    if (
      copula && !passive && complements.length === 0 && isList &&
      !PREPOSITIONS.has(word.text) && !restWords.some((w) => MODALS.has(w.text))
    ) {
      adjectives.push(...valueList(restWords));
      reader.i = words.length;
      continue;
    }
    if (copula && !passive && (has(word, "Adjective") || has(word, "Verb"))) {
      const list: string[] = [];
      while (reader.peek()) {
        const w = reader.peek() as Word;
        if (PREPOSITIONS.has(w.text) && list.length > 0) break;
        if (w.text === "and" || w.text === "or") {
          reader.i++;
          continue;
        }
        if (
          MODALS.has(w.text) ||
          (verbHere(words, reader.i) && list.length > 0 && !has(w, "Adjective"))
        ) break;
        list.push(w.text);
        reader.i++;
        if (/[;:)]/.test(w.post)) break;
      }
      adjectives.push(...list);
      continue;
    }
    const before = reader.i;
    const items = reader.phraseList();
    if (items.length > 0) {
      complements.push({ prep: null, items });
      continue;
    }
    if (reader.i > before) continue;
    if (numberOf(word.text) !== null) {
      complements.push({
        prep: "number",
        items: [{ ...EMPTY_PHRASE, words: [word.text], head: word.text }],
      });
      reader.i++;
      continue;
    }
    if (verbHere(words, reader.i) && complements.length + adjectives.length > 0) break;
    reader.i++;
  }
  return {
    predicate: {
      verb,
      particle,
      modal,
      negated,
      passive,
      only,
      once,
      adjectives,
      complements,
      rest: words.slice(restStart, reader.i),
    },
    end: reader.i,
  };
}

/** A phrase with nothing in it, for building synthetic complements. */
export const EMPTY_PHRASE: NounPhrase = {
  words: [],
  adjectives: new Set(),
  head: "",
  plural: false,
  possessive: false,
  one: false,
  many: false,
  values: null,
  range: null,
  unit: null,
  per: null,
  of: null,
  ofRelated: null,
  clause: [],
  whether: null,
  when: null,
};

/** Reads a tagged sentence (one clause; split on `;` before). */
const SELF = new Set(["we", "i", "you", "they"]);
const PRODUCT: NounPhrase = { ...EMPTY_PHRASE, words: ["app"], head: "app" };

export function readStatement(words: readonly Word[]): Statement {
  let start = 0;
  const first = words[0];
  // "Track leads, companies and deals": an imperative, about the product itself.
  const laterVerb = verbIndex(words, 0);
  if (
    first !== undefined && KNOWN_VERBS.has(first.root) && has(first, "Verb") &&
    !has(first, "Noun") &&
    !has(first, "Plural") && words[1] !== undefined &&
    (has(words[1], "Noun") || DETERMINERS.has(words[1].text)) &&
    (laterVerb < 0 || pluralLooking(words[laterVerb] as Word))
  ) {
    const predicates = readPredicates(words, 0);
    return { subject: [PRODUCT], predicates, hasVerb: true, words };
  }
  // "When a check fails 3 times we open an incident": the main clause starts at "we".
  if (SUBORDINATORS.has(first?.text ?? "") && !words.some((w) => w.post.includes(","))) {
    const self = words.findIndex((w, k) => k > 1 && SELF.has(w.text) && verbHere(words, k + 1));
    if (self > 0) start = self;
  }
  if (SELF.has(words[start]?.text ?? "") && words[start + 1] !== undefined) {
    // "We store every ping result": the product acts.
    const predicates = readPredicates(words, start + 1);
    if (predicates.length > 0) return { subject: [PRODUCT], predicates, hasVerb: true, words };
  }
  // "Once a trade happens, ...": skip a leading subordinate clause up to its comma.
  if (SUBORDINATORS.has(words[0]?.text ?? "")) {
    const comma = words.findIndex((w) => w.post.includes(","));
    if (comma >= 0 && comma < words.length - 2) start = comma + 1;
    else {
      const modal = words.findIndex((w, k) => k > 1 && MODALS.has(w.text));
      if (modal > 1) {
        // "once a trade happens both sides can ...": the subject is just before the modal.
        let s = modal - 1;
        while (s > 1 && (has(words[s - 1], "Noun") || has(words[s - 1], "Determiner"))) s--;
        start = s;
      }
    }
  }
  const subjectReader = new PhraseReader(words, start);
  const v = verbIndex(words, start);
  if (v < 0) {
    // No verb: a title, a fragment ("Kanban boards with columns and cards"), or a list line.
    const subject = subjectReader.phraseList();
    const reader = subjectReader;
    const complements: Complement[] = [];
    while (reader.peek()) {
      const word = reader.peek() as Word;
      if (PREPOSITIONS.has(word.text)) {
        reader.i++;
        const items = reader.phraseList();
        if (items.length) complements.push({ prep: word.text, items });
        continue;
      }
      const items = reader.phraseList();
      if (items.length) complements.push({ prep: null, items });
      else reader.i++;
    }
    return {
      subject,
      predicates: complements.length
        ? [{
          verb: "",
          particle: null,
          modal: null,
          negated: false,
          passive: false,
          only: false,
          once: false,
          adjectives: [],
          complements,
          rest: words.slice(reader.i),
        }]
        : [],
      hasVerb: false,
      words,
    };
  }
  const subjectWords = words.slice(0, v);
  const subject = new PhraseReader(subjectWords, start).phraseList();
  return { subject, predicates: readPredicates(words, v), hasVerb: true, words };
}

/** The predicates from `v` on: "belong to a client and have a number". */
function readPredicates(words: readonly Word[], v: number): Predicate[] {
  const predicates: Predicate[] = [];
  let i = v;
  for (let guard = 0; guard < 8 && i < words.length; guard++) {
    while (
      ["and", "or", "but", "then", "too", "also"].includes(words[i]?.text ?? "") ||
      ["they", "it", "he", "she", "i", "we"].includes(words[i]?.text ?? "")
    ) i++;
    if (i >= words.length) break;
    const { predicate, end } = readPredicate(words, i);
    predicates.push(predicate);
    if (end <= i) break;
    i = end;
  }
  return predicates;
}

/** Whether a phrase's head is a person noun (or tagged as one). */
export function isPersonPhrase(phrase: NounPhrase): boolean {
  return PERSON_NOUNS.has(phrase.head);
}
