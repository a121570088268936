/** @module English noun inflection and snake_case, enough to turn "a review" into `reviews`. */

const IRREGULAR_PLURALS: Readonly<Record<string, string>> = {
  person: "people",
  child: "children",
  man: "men",
  woman: "women",
  mouse: "mice",
  datum: "data",
  criterion: "criteria",
  sku: "skus",
  cpu: "cpus",
  gpu: "gpus",
};
const IRREGULAR_SINGULARS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(IRREGULAR_PLURALS).map(([singular, plural]) => [plural, singular]),
);
const UNCOUNTABLE = new Set([
  "data",
  "feedback",
  "info",
  "information",
  "metadata",
  "news",
  "staff",
  "gear",
  "equipment",
  "furniture",
  "software",
  "hardware",
  "luggage",
  "clothing",
  "jewelry",
  "jewellery",
  "advice",
  "inventory",
  "time_off",
  "merchandise",
  "produce",
  "content",
  "homework",
  "research",
  "evidence",
]);

/** The singular of a lowercase English noun: `categories` → `category`, `bids` → `bid`. */
export function singular(word: string): string {
  const irregular = IRREGULAR_SINGULARS[word];
  if (irregular !== undefined) return UNCOUNTABLE.has(word) ? word : irregular;
  if (UNCOUNTABLE.has(word) || word.length <= 3) return word;
  if (word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (/[aeiou][sz]es$/.test(word) && !/[^aeiou]uses$/.test(word)) return word.slice(0, -1);
  if (/(?:ss|x|z|ch|sh|[^aeiou]us)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith("s") && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

/** The plural of a lowercase English noun: `category` → `categories`, `box` → `boxes`. */
export function plural(word: string): string {
  if (word.endsWith("_off") || word.endsWith("_in") || word.endsWith("_up")) {
    // "check_in" → "check_ins", "time_off" stays.
    return UNCOUNTABLE.has(word) ? word : `${word}s`;
  }
  const irregular = IRREGULAR_PLURALS[word];
  if (irregular !== undefined) return irregular;
  if (UNCOUNTABLE.has(word)) return word;
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  return `${word}s`;
}

/** Lowercase words joined by underscores: `"Photo URL"` → `photo_url`. */
export function snakeCase(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
}

/** The table name for a noun phrase: its last word pluralised, snake_cased. */
export function tableNameFor(phrase: string): string {
  const words = snakeCase(phrase).split("_").filter((w) => w.length > 0);
  const last = words.pop() ?? "";
  return [...words, plural(singular(last))].join("_");
}
