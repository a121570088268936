/**
 * @module Constraints on fields: required ("Price is required"), unique ("Listing titles must
 * be unique per seller"), one per scope ("Each buyer can leave only one review per order") and
 * value rules ("Ratings must be between 1 and 5", "Bid amounts must be positive", "Titles must
 * be at most 80 characters", "Status must be one of open, closed or draft").
 */

import { canonicalExpression } from "../../sql/expression.ts";
import { quoteLiteral } from "../../sql/identifier.ts";
import { indexName } from "../elements.ts";
import type { Column, Plan, Table } from "../schema.ts";
import {
  applied,
  findField,
  findTable,
  notApplied,
  nounPhrase,
  NUMBER,
  numberValue,
  type PlanningSentence,
  type RequirementOutcome,
  type SentenceMatcher,
} from "./draft.ts";

const REQUIRED = [
  /^(?<subject>[a-z][a-z' ]*?)\s+(?:is|are)\s+(?:required|mandatory)$/,
  /^(?<subject>[a-z][a-z' ]*?)\s+(?:must|should)\s+(?:always\s+)?(?:be set|be provided|not be empty|have a value)$/,
];
const UNIQUE = [
  /^(?<subject>[a-z][a-z' ]*?)\s+(?:must|should)\s+be\s+unique(?:\s+(?:per|for each|within (?:a|each|the))\s+(?<scope>[a-z][a-z ]*))?$/,
  /^(?<subject>[a-z][a-z' ]*?)\s+(?:is|are)\s+unique(?:\s+(?:per|for each|within (?:a|each|the))\s+(?<scope>[a-z][a-z ]*))?$/,
];
const ONE_PER = [
  /^(?:(?:a|an|each|every)\s+)?(?<actor>[a-z][a-z -]*?)\s+(?:can|may)\s+(?:only\s+)?[a-z]+\s+(?:only\s+)?(?:one|a single)\s+(?<entity>[a-z][a-z ]*?)\s+(?:per|for each|on each|for every)\s+(?<scope>[a-z][a-z ]*?)$/,
  /^(?:only\s+)?(?:one|a single)\s+(?<entity>[a-z][a-z ]*?)\s+(?:per|for each)\s+(?<scope>[a-z][a-z ]*?)(?:\s+(?:per|and)\s+(?<scope2>[a-z][a-z ]*))?$/,
];
const VALUE_RULE =
  /^(?<subject>[a-z][a-z' ]*?)\s+(?:must|should|has to|have to|can only)\s+(?:be|range)\s+(?<rule>.+)$/;
const USER_LIKE =
  /^(?:(?:a|an|the|each|every)\s+)?(?:user|seller|buyer|owner|member|author|customer|creator|person|bidder|account)s?$/;
const NUMERIC_TYPES = /^(?:smallint|integer|bigint|numeric(?:\(\d+,\d+\))?|real|double precision)$/;

function addCheck(column: Column, condition: string): boolean {
  if (column.check === null) {
    column.check = condition;
    return true;
  }
  const existing = canonicalExpression(column.check);
  if (existing === canonicalExpression(condition)) return false;
  column.check = `(${column.check}) and (${condition})`;
  return true;
}

function matchRequired(sentence: PlanningSentence, draft: Plan): RequirementOutcome | null {
  const subject = REQUIRED.map((p) => p.exec(sentence.text)?.groups?.subject).find(Boolean);
  if (subject === undefined) return null;
  const field = findField(draft, subject);
  if (!field.ok) return notApplied(field.reason);
  const label = `${field.table.name}.${field.column.name}`;
  if (!field.column.nullable) return applied(`Already required: ${label} is not null.`);
  field.column.nullable = false;
  return applied(`Made ${label} required (not null).`, [{ kind: "constraint", target: label }]);
}

/** The column of `table` that a scope phrase ("seller", "order") points at. */
function scopeColumn(table: Table, draft: Plan, scope: string): string | RequirementOutcome {
  if (USER_LIKE.test(scope)) {
    return table.ownerColumn ??
      notApplied(`Cannot scope ${table.name} per user: it has no owner column.`);
  }
  const target = findTable(draft, scope);
  const fk = target &&
    table.columns.find((c) =>
      c.references?.schema === "public" && c.references.table === target.name
    );
  return fk?.name ??
    notApplied(
      `Cannot scope ${table.name} per "${nounPhrase(scope)}": ${table.name} has no link to it.`,
    );
}

function addUniqueIndex(table: Table, columns: readonly string[]): RequirementOutcome {
  const covered = table.indexes.some((index) =>
    index.unique && index.columns.length === columns.length &&
    columns.every((c) => index.columns.includes(c))
  );
  if (covered) return applied(`Already unique: (${columns.join(", ")}) on ${table.name}.`);
  const index = { name: indexName(table.name, columns, true), columns: [...columns], unique: true };
  table.indexes.push(index);
  return applied(`Added unique index ${index.name} on ${table.name} (${columns.join(", ")}).`, [
    { kind: "index", target: index.name },
  ]);
}

function matchUnique(sentence: PlanningSentence, draft: Plan): RequirementOutcome | null {
  const groups = UNIQUE.map((p) => p.exec(sentence.text)?.groups).find((g) => g?.subject);
  if (!groups?.subject) return null;
  const field = findField(draft, groups.subject);
  if (!field.ok) return notApplied(field.reason);
  const { table, column } = field;
  if (groups.scope === undefined) {
    if (column.unique || column.primaryKey) {
      return applied(`Already unique: ${table.name}.${column.name}.`);
    }
    column.unique = true;
    return applied(`Made ${table.name}.${column.name} unique.`, [
      { kind: "constraint", target: `${table.name}.${column.name}` },
    ]);
  }
  const scope = scopeColumn(table, draft, groups.scope);
  return typeof scope === "string" ? addUniqueIndex(table, [scope, column.name]) : scope;
}

function matchOnePer(sentence: PlanningSentence, draft: Plan): RequirementOutcome | null {
  const groups = ONE_PER.map((p) => p.exec(sentence.text)?.groups).find((g) => g?.entity);
  if (!groups?.entity || !groups.scope) return null;
  const table = findTable(draft, groups.entity);
  if (table === undefined) {
    return notApplied(`Cannot find table "${nounPhrase(groups.entity)}": describe it first.`);
  }
  const columns: string[] = [];
  if (groups.actor !== undefined) {
    const owner = scopeColumn(table, draft, "user");
    if (typeof owner !== "string") return owner;
    columns.push(owner);
  }
  for (const scope of [groups.scope, groups.scope2]) {
    if (scope === undefined) continue;
    const scoped = scopeColumn(table, draft, scope);
    if (typeof scoped !== "string") return scoped;
    if (!columns.includes(scoped)) columns.push(scoped);
  }
  return addUniqueIndex(table, columns);
}

type ValueRule = {
  readonly condition: (column: string) => string;
  readonly kind: "number" | "text";
};

function parseValueRule(rule: string): ValueRule | null {
  const n = `(${NUMBER})`;
  const between = new RegExp(
    `^(?:between\\s+${n}\\s+and\\s+${n}|from\\s+${n}\\s+to\\s+${n}|${n}\\s*(?:-|to)\\s*${n})$`,
  )
    .exec(rule);
  if (between) {
    const [low, high] = between.slice(1).filter((v): v is string => v !== undefined).map(
      numberValue,
    )
      .sort((a, b) => a - b);
    return { kind: "number", condition: (c) => `${c} between ${low} and ${high}` };
  }
  if (/^(?:positive|greater than zero|more than zero|above zero)$/.test(rule)) {
    return { kind: "number", condition: (c) => `${c} > 0` };
  }
  if (/^(?:non-negative|not negative|zero or more|at least zero)$/.test(rule)) {
    return { kind: "number", condition: (c) => `${c} >= 0` };
  }
  const length = new RegExp(
    `^(at most|no more than|up to|at least|no less than)\\s+${n}\\s+characters?(?:\\s+long)?$`,
  )
    .exec(rule);
  if (length?.[1] && length[2]) {
    const op = /least|less/.test(length[1]) ? ">=" : "<=";
    const value = numberValue(length[2]);
    return { kind: "text", condition: (c) => `char_length(${c}) ${op} ${value}` };
  }
  const comparisons: readonly (readonly [RegExp, string])[] = [
    [new RegExp(`^(?:at least|no less than|not less than)\\s+${n}$|^${n}\\s+or\\s+more$`), ">="],
    [
      new RegExp(`^(?:at most|no more than|not more than|up to)\\s+${n}$|^${n}\\s+or\\s+less$`),
      "<=",
    ],
    [new RegExp(`^(?:greater than|more than|above|over)\\s+${n}$`), ">"],
    [new RegExp(`^(?:less than|fewer than|below|under)\\s+${n}$`), "<"],
  ];
  for (const [pattern, op] of comparisons) {
    const match = pattern.exec(rule);
    const value = match?.slice(1).find((v) => v !== undefined);
    if (value !== undefined) {
      return {
        kind: "number",
        condition: (c) => `${c} ${op} ${numberValue(value)}`,
      };
    }
  }
  const oneOf = /^one of\s+(.+)$/.exec(rule);
  if (oneOf?.[1]) {
    const values = oneOf[1].split(/\s*,\s*(?:or\s+|and\s+)?|\s+or\s+|\s+and\s+/)
      .map((v) => v.replace(/^["']|["']$/g, "").trim()).filter((v) => v.length > 0);
    if (values.some((v) => v.includes("\\"))) return null;
    return {
      kind: "text",
      condition: (c) => `${c} in (${values.map(quoteLiteral).join(", ")})`,
    };
  }
  return null;
}

function matchValueRule(sentence: PlanningSentence, draft: Plan): RequirementOutcome | null {
  const groups = VALUE_RULE.exec(sentence.text)?.groups;
  const rule = groups?.rule === undefined ? null : parseValueRule(groups.rule);
  if (!groups?.subject || rule === null) return null;
  const field = findField(draft, groups.subject);
  if (!field.ok) return notApplied(field.reason);
  const { table, column } = field;
  const label = `${table.name}.${column.name}`;
  const fits = rule.kind === "number" ? NUMERIC_TYPES.test(column.type) : column.type === "text";
  if (!fits) {
    return notApplied(
      `Cannot apply a ${rule.kind} rule to ${label}: it is ${column.type}; name a ${rule.kind} field.`,
    );
  }
  const condition = rule.condition(column.name);
  return addCheck(column, condition)
    ? applied(`Added check (${condition}) to ${label}.`, [{ kind: "constraint", target: label }])
    : applied(`Already checked: ${label} has (${condition}).`);
}

/** Recognises "<field> is required". */
export const requiredMatcher: SentenceMatcher = { phase: 3, match: matchRequired };
/** Recognises "<field> must be unique [per <scope>]". */
export const uniqueMatcher: SentenceMatcher = { phase: 3, match: matchUnique };
/** Recognises "each <user> can <verb> only one <thing> per <scope>". */
export const onePerMatcher: SentenceMatcher = { phase: 3, match: matchOnePer };
/** Recognises "<field> must be between 1 and 5 / positive / at most 80 characters / one of …". */
export const valueRuleMatcher: SentenceMatcher = { phase: 3, match: matchValueRule };
