/**
 * @module Reading a vibe as text: sections (by markdown headings, setext underlines or short
 * "Title:" lines), paragraphs (by blank lines) and sentences (by end punctuation, bullets and
 * line breaks that start a new thought). Shared by the planner and the spec chunker.
 */

/** A titled part of the vibe; its paragraphs are lists of sentences. */
export interface VibeSection {
  /** The heading text, or null for text before the first heading. */
  readonly title: string | null;
  readonly paragraphs: readonly (readonly string[])[];
}

const ATX_HEADING = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/;
const SETEXT_UNDERLINE = /^\s{0,3}(=+|-+)\s*$/;
const BULLET = /^\s*(?:[-*+•‣◦]|\d{1,3}[.)])\s+/;
const BOLD_LINE = /^\s*(?:\*\*|__)([^*_]+)(?:\*\*|__):?\s*$/;
const LABEL_LINE = /^\s*([A-Za-z][^.!?:]{0,60}):\s*$/;
const ABBREVIATIONS = new Set([
  "e.g.",
  "i.e.",
  "etc.",
  "vs.",
  "approx.",
  "incl.",
  "mr.",
  "ms.",
  "dr.",
]);

function headingOf(line: string, next: string | undefined): string | null {
  const atx = ATX_HEADING.exec(line);
  if (atx) return atx[1] ?? "";
  const bold = BOLD_LINE.exec(line);
  if (bold) return (bold[1] ?? "").trim();
  const label = LABEL_LINE.exec(line);
  if (label && !BULLET.test(line)) return (label[1] ?? "").trim();
  if (
    next !== undefined && line.trim() !== "" && SETEXT_UNDERLINE.test(next) && !BULLET.test(line)
  ) {
    return line.trim();
  }
  return null;
}

/**
 * Removes what carries no meaning for planning and cannot be stored in Postgres text: inline
 * markdown (emphasis, code ticks) and control characters (NUL included); collapses spaces.
 */
export function plainText(text: string): string {
  return text.replace(/(\*\*|__|`)/g, "").replace(/[\s\p{Cc}]+/gu, " ").trim();
}

/** Splits one block of prose into sentences at `.`, `!` or `?` followed by a new sentence. */
export function splitSentences(block: string): string[] {
  const sentences: string[] = [];
  let current = "";
  const words = block.split(/\s+/).filter((word) => word.length > 0);
  words.forEach((word, i) => {
    current = current ? `${current} ${word}` : word;
    const next = words[i + 1];
    const ends = /[.!?]["')\]]*$/.test(word) && !ABBREVIATIONS.has(word.toLowerCase());
    const exclaims = /!["')\]]*$/.test(word) && next !== undefined && /^["'(\[]?[a-z]/.test(next);
    if ((ends && (next === undefined || /^["'(\[]?[A-Z0-9]/.test(next))) || exclaims) {
      sentences.push(current);
      current = "";
    }
  });
  if (current) sentences.push(current);
  return sentences;
}

/** Words a wrapped line can start with, but a new thought rarely does. */
const CONTINUATION_START =
  /^(?:and|or|but|with|of|to|for|on|in|by|at|from|they|that|which|who|whose|when|where|so|then|than|as|if|because|while|after|before|including|plus|its|their)\b/;

/** Words that leave a line unfinished, so the next line continues it. */
const CONTINUING = /(?:,|\b(?:and|or|but|with|of|to|the|a|an|for|on|in|by|their|that|which|who))$/i;

/**
 * Parses a vibe into sections of paragraphs of sentences. Each bullet is its own unit; a line
 * continues the previous one only when that line does not end a sentence, this one starts in
 * lower case, and it reads as wrapped: indented, after a line left unfinished ("... and"), or
 * after a long line. Short lowercase lines are separate thoughts (terse, unpunctuated notes).
 */
export function parseVibe(text: string): VibeSection[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const sections: { title: string | null; paragraphs: string[][] }[] = [];
  let section: { title: string | null; paragraphs: string[][] } = { title: null, paragraphs: [] };
  let paragraph: string[] = [];
  let unit = "";
  const endUnit = () => {
    const plain = plainText(unit);
    if (plain) paragraph.push(...splitSentences(plain));
    unit = "";
  };
  const endParagraph = () => {
    endUnit();
    if (paragraph.length > 0) section.paragraphs.push(paragraph);
    paragraph = [];
  };
  const startSection = (title: string) => {
    endParagraph();
    if (section.title !== null || section.paragraphs.length > 0) sections.push(section);
    section = { title: plainText(title), paragraphs: [] };
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const heading = headingOf(line, lines[i + 1]);
    if (heading !== null) {
      startSection(heading);
      if (SETEXT_UNDERLINE.test(lines[i + 1] ?? "") && !ATX_HEADING.test(line)) i++;
      continue;
    }
    if (line.trim() === "") {
      endParagraph();
      continue;
    }
    const isBullet = BULLET.test(line);
    const content = line.replace(BULLET, "").trim();
    const previous = lines[i - 1] ?? "";
    const wrapped = /^\s+/.test(line) || CONTINUING.test(unit.trim()) ||
      (previous.trim().length >= 72 && CONTINUATION_START.test(content));
    const continues = !isBullet && unit !== "" && !/[.!?:;]["')\]]*$/.test(unit) &&
      /^[a-z]/.test(content) && wrapped;
    if (!continues) endUnit();
    unit = unit ? `${unit} ${content}` : content;
  }
  endParagraph();
  if (section.title !== null || section.paragraphs.length > 0) sections.push(section);
  return sections;
}

/** Every sentence of a vibe, in order, headings excluded. */
export function vibeSentences(text: string): string[] {
  return parseVibe(text).flatMap((section) => section.paragraphs.flat());
}
