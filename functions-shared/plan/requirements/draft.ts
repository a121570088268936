/**
 * @module What requirement matchers share: the normalised sentence, the outcome they report,
 * and helpers that find and change tables, columns, policies and grants in the draft plan
 * (a private copy the deterministic planner mutates).
 */

import { ALL_PRIVILEGES } from "../elements.ts";
import type {
  Column,
  GrantRole,
  Plan,
  Policy,
  PolicyRole,
  RequirementChange,
  Table,
  TablePrivilege,
} from "../schema.ts";
import { singular, snakeCase, tableNameFor } from "../../text/inflection.ts";

/** A vibe sentence as written, and lowercased with punctuation and markup normalised. */
export interface PlanningSentence {
  readonly original: string;
  readonly text: string;
}

/** How a matcher handled a sentence. */
export interface RequirementOutcome {
  readonly status: "applied" | "not_applied";
  readonly reason: string;
  readonly changes: readonly RequirementChange[];
}

/**
 * Recognises one kind of sentence. `match` returns null when the sentence is not of its kind;
 * otherwise it changes the draft (only when it applies the sentence) and says what it did.
 * Phase 1 matchers (new entities) run before phase 2 (fields, ownership) and phase 3
 * (visibility, constraints), so later sentences can refer to entities defined anywhere.
 */
export interface SentenceMatcher {
  readonly phase: 1 | 2 | 3;
  match(sentence: PlanningSentence, draft: Plan): RequirementOutcome | null;
}

/** Lowercases a sentence and normalises dashes, quotes, markup and trailing punctuation. */
export function planningSentence(original: string): PlanningSentence {
  const text = original
    .toLowerCase()
    .replace(/[\u2010-\u2015\u2212]/g, "-")
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/(\*\*|__|`)/g, "")
    .replace(/\s+/g, " ")
    .replace(/[\s.!?;:]+$/, "")
    .trim();
  return { original, text };
}

/** An applied outcome. */
export function applied(
  reason: string,
  changes: readonly RequirementChange[] = [],
): RequirementOutcome {
  return { status: "applied", reason, changes };
}

/** A not-applied outcome; the reason says why and how to rephrase. */
export function notApplied(reason: string): RequirementOutcome {
  return { status: "not_applied", reason, changes: [] };
}

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
  hundred: 100,
};

/** Regex source matching a number written with digits or as a word up to ten. */
export const NUMBER = `-?\\d+(?:\\.\\d+)?|${Object.keys(NUMBER_WORDS).join("|")}`;

/** The value of a {@linkcode NUMBER} match. */
export function numberValue(text: string): number {
  return NUMBER_WORDS[text] ?? Number(text);
}

const DETERMINERS =
  /^(?:(?:a|an|the|one|their|its|his|her|own|each|every|any|some|multiple|many|new|all|other|several)\s+)+/;

/** A noun phrase without its leading determiners: "their own listings" → "listings". */
export function nounPhrase(phrase: string): string {
  return phrase.trim().replace(DETERMINERS, "").trim();
}

/** The plan table a noun phrase names ("listing", "the bids", "order items"), if any. */
export function findTable(plan: Plan, phrase: string): Table | undefined {
  const noun = nounPhrase(phrase);
  if (!noun) return undefined;
  const candidates = [tableNameFor(noun), snakeCase(noun)];
  return plan.tables.find((table) => candidates.includes(table.name));
}

/** The column of `table` a phrase names ("price", "photo URL", "ratings"), if any. */
function findColumn(table: Table, phrase: string): Column | undefined {
  const name = snakeCase(nounPhrase(phrase));
  const words = name.split("_");
  const last = words.pop() ?? "";
  const candidates = [name, [...words, singular(last)].join("_")];
  return table.columns.find((column) => candidates.includes(column.name));
}

/** Where a phrase like "listing titles", "titles of listings" or "rating" points. */
export type FieldLocation =
  | { readonly ok: true; readonly table: Table; readonly column: Column }
  | { readonly ok: false; readonly reason: string };

/**
 * Resolves "<entity> <field>", "<field> of <entity>" or a bare "<field>" (when exactly one
 * table has that column) to a table and column.
 */
export function findField(plan: Plan, subject: string): FieldLocation {
  const phrase = nounPhrase(subject.replace(/'s\b/g, ""));
  const of = /^(.+?)\s+(?:of|on|for)\s+(.+)$/.exec(phrase);
  if (of) {
    const table = findTable(plan, of[2] ?? "");
    const column = table && findColumn(table, of[1] ?? "");
    if (table && column) return { ok: true, table, column };
  }
  const words = phrase.split(" ");
  for (let split = 1; split < words.length; split++) {
    const table = findTable(plan, words.slice(0, split).join(" "));
    const column = table && findColumn(table, words.slice(split).join(" "));
    if (table && column) return { ok: true, table, column };
  }
  const matches = plan.tables.flatMap((table) => {
    const column = findColumn(table, phrase);
    return column ? [{ table, column }] : [];
  });
  const [only] = matches;
  if (matches.length === 1 && only) return { ok: true, ...only };
  const field = snakeCase(phrase);
  if (matches.length > 1) {
    const tables = matches.map((m) => m.table.name).join(", ");
    return {
      ok: false,
      reason: `Cannot tell which table "${field}" belongs to (${tables}): name the table, e.g. ` +
        `"${singular(matches[0]?.table.name ?? "")} ${field}".`,
    };
  }
  return {
    ok: false,
    reason: `Cannot find a column "${field}" in any table: add it first, e.g. "<things> have a ${
      phrase || "field"
    }".`,
  };
}

/** The permissive policies a role has for a command on a table (including `all` policies). */
export function policiesFor(
  plan: Plan,
  table: string,
  command: Policy["command"],
  role: PolicyRole,
): Policy[] {
  return plan.policies.filter((policy) =>
    policy.table === table && policy.roles.includes(role) &&
    (policy.command === command || policy.command === "all")
  );
}

/** Adds privileges to a role's grant on a table; returns whether anything was added. */
export function addGrant(
  plan: Plan,
  table: string,
  role: GrantRole,
  privileges: readonly TablePrivilege[],
): boolean {
  const existing = plan.grants.find((grant) => grant.table === table && grant.role === role);
  if (existing === undefined) {
    plan.grants.push({ table, role, privileges: [...privileges] });
    return true;
  }
  const missing = privileges.filter((privilege) => !existing.privileges.includes(privilege));
  existing.privileges.push(...missing);
  return missing.length > 0;
}

/** Grants `service_role` every privilege on a new table. */
export function grantServer(plan: Plan, table: string): void {
  addGrant(plan, table, "service_role", ALL_PRIVILEGES);
}
