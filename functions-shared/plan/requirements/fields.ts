/**
 * @module Extra fields: "Listings have a price and a category" adds `price numeric(12,2)` and
 * `category text` to `listings`; "Each listing must have a title" makes the field required.
 * Types follow the field's name (price → numeric(12,2), *_at → timestamptz, is_* → boolean…).
 */

import { checkIdentifier } from "../../sql/identifier.ts";
import { snakeCase } from "../../text/inflection.ts";
import { column } from "../elements.ts";
import type { Column, Plan, RequirementChange } from "../schema.ts";
import {
  applied,
  findTable,
  notApplied,
  nounPhrase,
  type PlanningSentence,
  type RequirementOutcome,
  type SentenceMatcher,
} from "./draft.ts";

const SENTENCE =
  /^(?:(?:each|every|a|an|the|all)\s+)?(?<entity>[a-z][a-z ]*?)\s+(?:(?<must>must|should|will|need to)\s+)?(?:has|have|include|includes|contain|contains|store|stores|record|records)\s+(?<fields>.+)$/;

const TYPE_RULES: readonly (readonly [RegExp, string])[] = [
  [/(?:^|_)(?:price|amount|cost|total|fee|budget|salary|balance|subtotal|tax)$/, "numeric(12,2)"],
  [/(?:^|_)(?:count|quantity|qty|stock|age|position|rank|year|rating|score|priority)$/, "integer"],
  [/^number_of_/, "integer"],
  [/_at$/, "timestamptz"],
  [/(?:^|_)(?:date|birthday|deadline)$|_on$/, "date"],
  [/^(?:is|has|can)_/, "boolean"],
  [/(?:^|_)(?:tags|labels|keywords)$/, "text[]"],
  [/(?:^|_)(?:metadata|settings|attributes|preferences)$/, "jsonb"],
];

/** The column type a field name suggests; `text` when nothing does. */
function fieldType(name: string): string {
  return TYPE_RULES.find(([pattern]) => pattern.test(name))?.[1] ?? "text";
}

interface FieldSpec {
  readonly name: string;
  readonly required: boolean;
}

function parseFields(list: string, required: boolean): FieldSpec[] {
  return list
    .split(/\s*,\s*(?:and\s+|or\s+)?|\s+and\s+/)
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
    .map((item) => {
      const isRequired = required || /\b(?:required|mandatory)\b/.test(item);
      const cleaned = item
        .replace(/\((?:required|optional|mandatory)\)/g, "")
        .replace(/\b(?:required|optional|mandatory)\b/g, "");
      return { name: snakeCase(nounPhrase(cleaned)), required: isRequired };
    });
}

function matchFields(sentence: PlanningSentence, draft: Plan): RequirementOutcome | null {
  const groups = SENTENCE.exec(sentence.text)?.groups;
  if (!groups?.entity || !groups.fields) return null;
  const entity = nounPhrase(groups.entity);
  if (entity.split(" ").length > 3 || /\b(?:can|may|only|not|cannot)\b/.test(entity)) return null;
  const table = findTable(draft, entity);
  if (table === undefined) {
    return notApplied(
      `Cannot add fields to "${entity}": there is no such table; say who creates them first, e.g. ` +
        `"Users can create ${entity}".`,
    );
  }
  const added: Column[] = [];
  const required: string[] = [];
  const skipped: string[] = [];
  for (const field of parseFields(groups.fields, groups.must === "must")) {
    const existing = table.columns.find((c) => c.name === field.name);
    if (existing) {
      if (field.required && existing.nullable) {
        existing.nullable = false;
        required.push(field.name);
      }
      continue;
    }
    const check = checkIdentifier(field.name);
    if (!check.ok) {
      skipped.push(`"${field.name}" (${check.reason}; use e.g. "${field.name}_value")`);
    } else if (field.name.endsWith("_id")) {
      skipped.push(
        `"${field.name}" (say which table it points to, e.g. "${entity} belong to a …")`,
      );
    } else {
      added.push(column(field.name, fieldType(field.name), { nullable: !field.required }));
    }
  }
  const createdAt = table.columns.findIndex((c) => c.name === "created_at");
  table.columns.splice(createdAt >= 0 ? createdAt : table.columns.length, 0, ...added);
  const changes: RequirementChange[] = [
    ...added.map((c) => ({ kind: "column" as const, target: `${table.name}.${c.name}` })),
    ...required.map((name) => ({ kind: "constraint" as const, target: `${table.name}.${name}` })),
  ];
  const notes = skipped.length > 0 ? ` Skipped ${skipped.join(", ")}.` : "";
  if (changes.length === 0) {
    return skipped.length > 0
      ? notApplied(`Cannot add any field to ${table.name}:${notes}`)
      : applied(`Already in table ${table.name}.`);
  }
  const summary = [
    ...added.map((c) => `${c.name} ${c.type}${c.nullable ? "" : " not null"}`),
    ...required.map((name) => `${name} now required`),
  ];
  return applied(`Added to ${table.name}: ${summary.join(", ")}.${notes}`, changes);
}

/** Recognises "<things> have <field>, <field> and <field>" (optionally "must have"). */
export const fieldsMatcher: SentenceMatcher = { phase: 2, match: matchFields };
