/**
 * @module New entities: "Buyers can leave a 1–5 star review on an order they placed" adds a
 * `reviews` table with a `rating` check, a foreign key to `orders`, an `author_id` owner
 * column, owner-only policies (inserts limited to orders the author placed) and grants.
 */

import { checkIdentifier } from "../../sql/identifier.ts";
import { singular, tableNameFor } from "../../text/inflection.ts";
import {
  ALL_PRIVILEGES,
  column,
  createdAtColumn,
  CURRENT_USER_ID,
  idColumn,
  indexOn,
  ownerColumn,
  ownerCondition,
  ownerPolicy,
  referenceColumn,
} from "../elements.ts";
import type { Plan, Policy, RequirementChange, Table } from "../schema.ts";
import {
  addGrant,
  applied,
  findTable,
  grantServer,
  notApplied,
  nounPhrase,
  NUMBER,
  numberValue,
  type PlanningSentence,
  type RequirementOutcome,
  type SentenceMatcher,
} from "./draft.ts";

const CREATE_VERBS =
  "create|add|post|leave|write|submit|send|upload|save|make|publish|open|start|book|place|list|give|file|log|record|schedule";
const SENTENCE = new RegExp(
  `^(?<actor>.+?) (?:can|may) (?:also )?(?:${CREATE_VERBS}) (?<rest>.+)$`,
);
const REST = new RegExp(
  "^(?:(?:a|an|their|own|multiple|many|some|new)\\s+)*" +
    `(?:(?<min>${NUMBER})\\s*(?:-|to)\\s*(?<max>${NUMBER})[\\s-]*(?:stars?|points?)?[\\s-]+)?` +
    "(?<entity>[a-z][a-z ]*?)" +
    "(?:\\s+(?:on|for|to|about|of|under|in)\\s+(?<parent>[a-z][a-z ]*?)" +
    "(?:\\s+(?:that\\s+|which\\s+)?(?:they|he|she)\\s+(?:have\\s+|has\\s+)?(?<relverb>[a-z]+))?)?$",
);
const ANONYMOUS_ACTOR =
  /^(?:anyone|everyone|everybody|visitors|guests|the public|anonymous(?: users| visitors)?)$/;
const OWNER_COLUMN_BY_NOUN: Readonly<Record<string, string>> = {
  answer: "author_id",
  comment: "author_id",
  feedback: "author_id",
  message: "sender_id",
  note: "author_id",
  post: "author_id",
  question: "author_id",
  reply: "author_id",
  review: "author_id",
};

function relatedRowOwned(table: string, fk: string, parent: Table): string | null {
  if (parent.ownerColumn === null) return null;
  const alias = parent.name.charAt(0);
  return `exists (select 1 from public.${parent.name} ${alias} where ${alias}.id = ${table}.${fk} ` +
    `and ${alias}.${parent.ownerColumn} = ${CURRENT_USER_ID})`;
}

function entityPolicies(table: string, owner: string, restriction: string | null): Policy[] {
  return (["select", "insert", "update", "delete"] as const).map((command) => {
    const policy = ownerPolicy(table, command, owner, { rule: null });
    if (restriction === null || policy.withCheck === null) return policy;
    return {
      ...policy,
      withCheck: `${ownerCondition(owner)} and ${restriction}`,
      basis: ["owner", "related"],
    };
  });
}

function describeRange(min: number, max: number): string {
  return `rating between ${min} and ${max}`;
}

function matchEntity(sentence: PlanningSentence, draft: Plan): RequirementOutcome | null {
  const head = SENTENCE.exec(sentence.text);
  const restText = head?.groups?.rest;
  if (!head?.groups || restText === undefined || /\b(?:only|per)\b/.test(restText)) return null;
  const groups = REST.exec(restText)?.groups;
  if (!groups?.entity) return null;
  const entity = nounPhrase(groups.entity.replace(/[\s-]+$/, ""));
  if (entity.split(" ").length > 3) return null;
  const actor = head.groups.actor ?? "";
  const tableName = tableNameFor(entity);
  const existing = findTable(draft, entity);
  const parentPhrase = groups.parent ?? null;
  const parent = parentPhrase === null ? undefined : findTable(draft, parentPhrase);
  if (parentPhrase !== null && parent === undefined) {
    return notApplied(
      `Cannot link ${tableName} to "${
        nounPhrase(parentPhrase)
      }": there is no such table; describe ` +
        `it first, e.g. "Users can create ${tableNameFor(parentPhrase).replaceAll("_", " ")}".`,
    );
  }
  if (existing !== undefined) {
    const linked = parent === undefined ||
      existing.columns.some((c) =>
        c.references?.schema === "public" && c.references.table === parent.name
      );
    return linked
      ? applied(`Already in the ${draft.template} template: table ${existing.name}.`)
      : notApplied(
        `Cannot link existing table ${existing.name} to ${parent?.name} here: say ` +
          `"${existing.name.replaceAll("_", " ")} belong to a ${
            singular(parent?.name ?? "")
          }" to add the link.`,
      );
  }
  if (ANONYMOUS_ACTOR.test(actor)) {
    return notApplied(
      `Cannot let anonymous visitors create ${tableName}: each row needs a signed-in owner; say e.g. ` +
        `"Users can create ${tableName.replaceAll("_", " ")}".`,
    );
  }
  const nameCheck = checkIdentifier(tableName);
  if (!nameCheck.ok) {
    return notApplied(`Cannot name a table "${tableName}": ${nameCheck.reason}; use another word.`);
  }

  const owner = OWNER_COLUMN_BY_NOUN[singular(entity.split(" ").at(-1) ?? "")] ?? "owner_id";
  const fk = parent === undefined ? null : `${singular(parent.name)}_id`;
  const minText = groups.min;
  const maxText = groups.max;
  const range = minText === undefined || maxText === undefined
    ? null
    : [numberValue(minText), numberValue(maxText)].sort((a, b) => a - b) as [number, number];
  const ownsParent = parent !== undefined && fk !== null &&
    (groups.relverb !== undefined || /^their\b/.test(parentPhrase ?? ""));
  const restriction = ownsParent && parent && fk ? relatedRowOwned(tableName, fk, parent) : null;

  const table: Table = {
    name: tableName,
    comment: `From the vibe: "${sentence.original}"`,
    columns: [
      idColumn(),
      ...(parent && fk ? [referenceColumn(fk, parent.name, "cascade")] : []),
      ownerColumn(owner),
      ...(range
        ? [column("rating", "integer", { nullable: false, check: describeRange(...range) })]
        : []),
      createdAtColumn(),
    ],
    ownerColumn: owner,
    indexes: [...(fk ? [indexOn(tableName, [fk])] : []), indexOn(tableName, [owner])],
  };
  const policies = entityPolicies(tableName, owner, restriction);
  draft.tables.push(table);
  draft.policies.push(...policies);
  addGrant(draft, tableName, "authenticated", ALL_PRIVILEGES);
  grantServer(draft, tableName);

  const changes: RequirementChange[] = [
    { kind: "table", target: tableName },
    ...(fk ? [{ kind: "column" as const, target: `${tableName}.${fk}` }] : []),
    { kind: "column", target: `${tableName}.${owner}` },
    ...(range ? [{ kind: "constraint" as const, target: `${tableName}.rating` }] : []),
    ...table.indexes.map((index) => ({ kind: "index" as const, target: index.name })),
    ...policies.map((policy) => ({ kind: "policy" as const, target: policy.name })),
    { kind: "grant", target: `${tableName}:authenticated` },
    { kind: "grant", target: `${tableName}:service_role` },
  ];
  const parts = [
    `Added table ${tableName} owned by ${owner}`,
    ...(parent && fk ? [`linked to ${parent.name} through ${fk}`] : []),
    ...(range ? [`with ${describeRange(...range)}`] : []),
  ];
  const access = restriction
    ? `; users read and change only their own ${tableName}, and add them only on ${parent?.name} they own`
    : `; users read and change only their own ${tableName}`;
  const caveat = ownsParent && restriction === null
    ? `. Not enforced: "${parentPhrase}" (${parent?.name} has no owner column)`
    : "";
  return applied(`${parts.join(", ")}${access}${caveat}.`, changes);
}

/** Recognises "<actors> can <create verb> [a 1-5 star] <thing> [on <parent> [they <verb>]]". */
export const entityMatcher: SentenceMatcher = { phase: 1, match: matchEntity };
