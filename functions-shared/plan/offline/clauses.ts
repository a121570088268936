/**
 * @module From a vibe sentence to the clauses the reader reads: the ways people frame a
 * requirement ("As a seller, I want to ...", "Let buyers ...", "X should be able to ...",
 * "an app where ...") are reduced to "<who> can <do what>", first person becomes third, and
 * independent clauses joined by ";" or ", and <subject> <verb>" are split apart.
 */

type Frame = readonly [RegExp, (match: RegExpExecArray) => string];

const g = (match: RegExpExecArray, n: number): string => match[n] ?? "";

const FRAMES: readonly Frame[] = [
  // "As a seller, I want to be able to post bikes" → "a seller can post bikes".
  [
    /^as an? ([a-z][a-z _]*?),? i(?: really)?(?: (would like|'d like|want|need|wish|expect|am able|should|must|can|will|could))?(?: to)?(?: be able to)? (.+)$/,
    (m) =>
      `a ${g(m, 1)} ${/^(should|must|can|will|could)$/.test(g(m, 2)) ? g(m, 2) : "can"} ${g(m, 3)}`,
  ],
  [/^as an? ([a-z][a-z _]*?), (.+)$/, (m) => `a ${g(m, 1)} ${g(m, 2)}`],
  // "We want to let buyers bid" / "I want buyers to bid".
  [
    /^(?:i|we)(?: really)? (?:would like|'d like|want|need)(?: to)? (?:let|allow|enable) ([a-z][a-z _]*?) (?:to )?(.+)$/,
    (m) => `${g(m, 1)} can ${g(m, 2)}`,
  ],
  [
    /^(?:i|we)(?: really)? (?:would like|'d like|want|need) ([a-z][a-z _]*?) to (.+)$/,
    (m) => `${g(m, 1)} can ${g(m, 2)}`,
  ],
  // "An app where people trade plants" → "people trade plants".
  [
    /^(?:(?:i|we)(?: would like| want| need| are building| am building|'d like|'re building)?(?: to)?(?: build| make| create| have)? )?(?:an? |the )?[a-z _]*?\b(?:app|site|platform|marketplace|tool|website|service|system|community|place|portal|crm)\b[a-z _,]*? where (.+)$/,
    (m) => g(m, 1),
  ],
  [/^(?:let|allow|enable) ([a-z][a-z _]*?) (?:to )?(.+)$/, (m) => `${g(m, 1)} can ${g(m, 2)}`],
  [
    /^(?:the |our )?(?:app|site|platform|system|product|service|tool)s? (?:should |must |will |can )?(?:let|allow|enable)s? ([a-z][a-z _]*?) (?:to )?(.+)$/,
    (m) => `${g(m, 1)} can ${g(m, 2)}`,
  ],
  [/^there (?:is|are|will be|should be) (.+)$/, (m) => g(m, 1)],
];

const MODAL_PHRASES: readonly (readonly [RegExp, string])[] = [
  [/\b(should|must|will|would|could) (?:also )?be able to\b/g, "$1"],
  [/\b(?:are|is|be|am) able to\b/g, "can"],
  [/\b(?:want|wants|need|needs|would like|get|gets) to be able to\b/g, "can"],
  [/\b(?:want|wants|get|gets) to\b/g, "can"],
  [/\bhave to\b|\bhas to\b|\bneeds? to\b/g, "must"],
  [/\bis allowed to\b|\bare allowed to\b/g, "can"],
];

const FIRST_PERSON: readonly (readonly [RegExp, string])[] = [
  [/\bmy own\b/g, "their own"],
  [/\bmy\b/g, "their"],
  [/\bmine\b/g, "theirs"],
  [/\bmyself\b/g, "themselves"],
  [/\bme\b/g, "them"],
];

/** Rewrites the framing of one sentence (lowercased) into "<who> <does what>". */
export function reframe(sentence: string): string {
  let text = sentence.toLowerCase().trim().replace(/[.!?]+$/, "");
  for (const [pattern, rewrite] of FRAMES) {
    const match = pattern.exec(text);
    if (!match) continue;
    text = rewrite(match).replace(/\s+/g, " ").trim();
    break;
  }
  for (const [pattern, replacement] of MODAL_PHRASES) text = text.replace(pattern, replacement);
  if (/\b(?:i|my|me)\b/.test(text)) {
    for (const [pattern, replacement] of FIRST_PERSON) text = text.replace(pattern, replacement);
  }
  return text.replace(/\bcan can\b/g, "can").replace(/\b(can|should|must) (can)\b/g, "$1");
}

/** Subjects and verbs that begin an independent clause after ", and". */
const NEW_CLAUSE =
  /,\s*(?:and|but|while|whereas)\s+(?=(?:the |a |an |each |every |all |their |its )?[a-z_]+(?: [a-z_]+)? (?:can|may|must|should|will|is|are|has|have|includes?|gets?|belongs?|sees?)\b)/;

/** The independent clauses of a reframed sentence. */
export function splitClauses(sentence: string): string[] {
  return sentence.split(/\s*;\s*/).flatMap((part) => part.split(NEW_CLAUSE))
    .map((part) => part.trim()).filter((part) => /[a-z]/.test(part));
}

/** The clauses a vibe sentence is planned from. */
export function planningClauses(sentence: string): string[] {
  return splitClauses(reframe(sentence)).map(reframe);
}
