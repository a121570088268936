/**
 * @module Fields from noun phrases: the column name a phrase means ("a weight in kg" →
 * `weight_kg`, "the number of seats" → `number_of_seats`, "whether it is vegetarian" →
 * `is_vegetarian`) and the type and check its name and phrase suggest (money as numeric,
 * counts and durations as integer, dates, times, yes/no, lists, emails and URLs).
 */

import { quoteLiteral, RESERVED_KEYWORDS } from "../../sql/identifier.ts";
import { singular, snakeCase } from "../../text/inflection.ts";
import type { NounPhrase } from "./reading.ts";
import { COLLECTIVE_NOUNS, FIELD_NOISE, LIST_FIELDS } from "./vocabulary.ts";

/** A column the vibe asks for. */
export interface FieldSpec {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly unique: boolean;
  readonly check: string | null;
  readonly default: string | null;
}

const UNIT_NAMES: Readonly<Record<string, string>> = {
  kgs: "kg",
  kilogram: "kg",
  kilograms: "kg",
  gram: "g",
  grams: "g",
  lbs: "lb",
  pound: "lb",
  pounds: "lb",
  kilometer: "km",
  kilometers: "km",
  kilometre: "km",
  kilometres: "km",
  mile: "miles",
  meter: "m",
  meters: "m",
  metre: "m",
  metres: "m",
  minute: "minutes",
  min: "minutes",
  mins: "minutes",
  hour: "hours",
  hr: "hours",
  hrs: "hours",
  second: "seconds",
  sec: "seconds",
  secs: "seconds",
  millisecond: "ms",
  milliseconds: "ms",
  day: "days",
  week: "weeks",
  month: "months",
  year: "years",
  inch: "inches",
  liter: "liters",
  litre: "liters",
  litres: "liters",
  star: "stars",
};

/** Names that are SQL reserved words, and what to call the column instead. */
const RENAMES: Readonly<Record<string, string>> = {
  order: "sort_order",
  user: "user_name",
  group: "group_name",
  check: "check_value",
  default: "default_value",
  end: "end_value",
  limit: "limit_value",
  primary: "is_primary",
  from: "from_value",
  to: "to_value",
  table: "table_name",
  column: "column_name",
  select: "selection",
  where: "location",
  when: "happens_at",
  offset: "offset_value",
  window: "window_name",
  analyse: "analysis",
  analyze: "analysis",
  both: "both_value",
  only: "only_value",
  all: "all_value",
  any: "any_value",
  some: "some_value",
  desc: "description",
  asc: "ascending",
  cast: "cast_value",
  case: "case_value",
  else: "else_value",
  then: "then_value",
  union: "union_value",
  unique: "unique_value",
  user_id: "user_ref",
};

/** Adjectives that describe a value rather than name it: "a short message" is a message. */
const DESCRIPTIVE = new Set([
  "short",
  "long",
  "brief",
  "quick",
  "detailed",
  "nice",
  "good",
  "small",
  "big",
  "large",
  "little",
  "simple",
  "basic",
  "full",
  "free_form",
  "optional",
]);

/** Modifiers dropped from table names: "vintage synthesizers" are synthesizers. */
const THING_MODIFIERS = new Set([
  "vintage",
  "used",
  "secondhand",
  "second_hand",
  "handmade",
  "homemade",
  "local",
  "organic",
  "fresh",
  "custom",
  "luxury",
  "premium",
  "rare",
  "antique",
  "classic",
  "refurbished",
  "preowned",
  "pre_owned",
  "cheap",
  "affordable",
  "online",
  "new",
  "old",
  "unique",
  "favorite",
  "favourite",
]);

/** Words that say "a list of" rather than naming a field. */
function isCollective(word: string): boolean {
  return COLLECTIVE_NOUNS.has(word) || word === "list";
}

/** The snake_case column name a phrase means, or null when it has no content. */
export function fieldName(phrase: NounPhrase): string | null {
  if (phrase.whether !== null) return snakeCase(`is ${phrase.whether}`);
  if (phrase.when !== null) return snakeCase(`${phrase.when} at`);
  const kept = phrase.words.filter((w) => !FIELD_NOISE.has(w));
  const words = kept.length > 1
    ? kept.filter((w, i) => i === kept.length - 1 || !DESCRIPTIVE.has(w))
    : kept;
  if (words.length === 1 && isCollective(words[0] ?? "") && phrase.of !== null) {
    return fieldName(phrase.of);
  }
  const clauseVerb = phrase.clause.find((w) =>
    w.tags.has("Verb") && !["is", "are", "was", "were"].includes(w.text)
  );
  if (["time", "moment", "date"].includes(words.at(-1) ?? "") && words.length === 1 && clauseVerb) {
    // "the time it happened" → happened_at.
    return snakeCase(`${clauseVerb.text} at`);
  }
  if (words.length === 0) return null;
  const parts = [...words];
  if (phrase.of !== null) parts.push("of", ...phrase.of.words.filter((w) => !FIELD_NOISE.has(w)));
  if (phrase.unit !== null) parts.push(UNIT_NAMES[phrase.unit] ?? phrase.unit);
  if (phrase.per !== null) parts.push("per", phrase.per);
  const toVerb = phrase.clause[0]?.text === "to" && phrase.clause[1] !== undefined
    ? phrase.clause[1].text
    : null;
  if (toVerb !== null) parts.push("to", toVerb);
  const name = snakeCase(parts.join(" "));
  if (name === "") return null;
  return RENAMES[name] ?? (RESERVED_KEYWORDS.has(name) ? `${name}_value` : name);
}

const TYPE_RULES: readonly (readonly [RegExp, string])[] = [
  [/^(?:is|has|can|should|allow|allows)_/, "boolean"],
  [/_(?:minutes|hours|seconds|ms|days|weeks|months|years)$/, "integer"],
  [/^(?:number|num|no|count)_of_/, "integer"],
  [/(?:^|_)(?:date|birthday|birthdate|deadline|dob)$|_on$|^(?:date|day)_of_/, "date"],
  [/_at$|(?:^|_)(?:time|timestamp|datetime)$/, "timestamptz"],
  [
    /(?:^|_)(?:price|cost|amount|total|subtotal|fee|fees|budget|salary|balance|tax|deposit|tip|revenue|income|payout|rate|wage|value|discount|refund)$|^price_per_|_price_per_/,
    "numeric(12,2)",
  ],
  [
    /(?:^|_)(?:count|quantity|qty|stock|capacity|seats|age|year|position|rank|points|score|rating|votes|likes|views|opens|clicks|mileage|copies|pages|guests|nights|floor|duration|percentage|percent|level_number|code_number|status_code|attempts|retries|priority_level|stars)$/,
    "integer",
  ],
  [/_(?:kg|g|lb|km|m|cm|mm|miles|liters|ml|inches)$/, "numeric"],
  [/(?:^|_)(?:weight|distance|height|width|length|depth|volume|temperature)$/, "numeric"],
  [/(?:^|_)(?:latitude|longitude|lat|lng)$/, "double precision"],
  [
    /(?:^|_)(?:metadata|settings|attributes|preferences|config|configuration|properties|payload)$/,
    "jsonb",
  ],
];

const EMAIL = /(?:^|_)email$/;
const URL = /(?:^|_)(?:url|website|link|homepage)$/;
const STATE_WORDS =
  /^(?:enabled|active|paused|archived|published|verified|completed|done|visible|featured|approved|paid|pinned|blocked|hidden|resolved|closed|locked|open|public|private|vegetarian|vegan|available|online|remote|refundable|default)$/;

function isListField(name: string, phrase: NounPhrase): boolean {
  const last = name.split("_").at(-1) ?? "";
  return LIST_FIELDS.has(last) && (phrase.plural || phrase.words.length > 1 || last.endsWith("s"));
}

/** The column type a field's name and phrase suggest. */
export function fieldType(name: string, phrase: NounPhrase | null): string {
  if (phrase?.whether) return "boolean";
  if (phrase?.when) return "timestamptz";
  if (phrase?.range) {
    return phrase.range.some((n) => !Number.isInteger(n)) ? "numeric" : "integer";
  }
  if (phrase?.values && phrase.values.length > 0) {
    return phrase.values.every((v) => /^-?\d+$/.test(v)) ? "integer" : "text";
  }
  if (STATE_WORDS.test(name)) return "boolean";
  if (phrase && isListField(name, phrase)) return "text[]";
  for (const [pattern, type] of TYPE_RULES) if (pattern.test(name)) return type;
  return "text";
}

/** The check a field's name and phrase imply, or null. */
export function fieldCheck(name: string, type: string, phrase: NounPhrase | null): string | null {
  if (phrase?.range && (type === "integer" || type === "numeric")) {
    return `${name} between ${phrase.range[0]} and ${phrase.range[1]}`;
  }
  if (phrase?.values && phrase.values.length > 1 && type === "text") {
    return `${name} in (${phrase.values.map((v) => quoteLiteral(valueText(v))).join(", ")})`;
  }
  if (type === "text" && EMAIL.test(name)) return `${name} like '%_@_%'`;
  if (type === "text" && URL.test(name)) return `${name} ~* '^https?://'`;
  if (/(?:^|_)(?:percentage|percent)$/.test(name) && type === "integer") {
    return `${name} between 0 and 100`;
  }
  return null;
}

/** A listed value as stored: "in progress" → "in_progress", "Near Mint" → "near mint". */
export function valueText(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9 _-]/g, "").trim().replace(/\s+/g, "_");
}

/** A complete field from a phrase; null when the phrase names nothing usable. */
export function fieldFromPhrase(phrase: NounPhrase, required = false): FieldSpec | null {
  const name = fieldName(phrase);
  if (name === null) return null;
  const type = fieldType(name, phrase);
  const unique = phrase.words.includes("unique");
  const isRequired = required || phrase.words.includes("required") ||
    phrase.words.includes("mandatory");
  return {
    name,
    type,
    required: isRequired && !phrase.words.includes("optional"),
    unique,
    check: fieldCheck(name, type, phrase),
    default: type === "boolean" ? "false" : null,
  };
}

/** The singular snake name of a phrase's non-adjective words, for tables and roles. */
export function entityWords(phrase: NounPhrase): string[] {
  const words = phrase.words.filter((w) =>
    !FIELD_NOISE.has(w) && !THING_MODIFIERS.has(w) &&
    !(phrase.adjectives.has(w) && w !== phrase.words.at(-1))
  );
  if (words.length === 1 && isCollective(words[0] ?? "") && phrase.of !== null) {
    return entityWords(phrase.of);
  }
  if (words.length === 0) return [];
  const head = singular(words.at(-1) ?? "");
  return [...words.slice(0, -1), head];
}
