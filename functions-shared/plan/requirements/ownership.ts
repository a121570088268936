/**
 * @module Ownership and links: "Listings belong to sellers" (ownership, already modelled by an
 * owner column), "Tasks belong to a project" (a foreign key), and owner actions such as
 * "Bidders can withdraw their bids" (an owner-only delete policy and its grant).
 */

import { indexOn, ownerPolicy, referenceColumn } from "../elements.ts";
import type { Plan, PolicyCommand, Table } from "../schema.ts";
import { singular } from "../../text/inflection.ts";
import {
  addGrant,
  applied,
  findTable,
  notApplied,
  nounPhrase,
  type PlanningSentence,
  policiesFor,
  type RequirementOutcome,
  type SentenceMatcher,
} from "./draft.ts";

const BELONGS =
  /^(?:(?:each|every|a|an|the|all)\s+)?(?<entity>[a-z][a-z ]*?)\s+belongs?\s+to\s+(?<target>.+)$/;
const OWNS = /^(?<actor>[a-z][a-z -]*?)\s+owns?\s+(?<entity>.+)$/;
const ACTION =
  /^(?!only\b)(?<actor>[a-z][a-z -]*?)\s+(?:can|may)\s+(?:only\s+)?(?<verb>edit|update|change|modify|delete|remove|withdraw|view|see|read)\s+(?:only\s+)?their\s+(?:own\s+)?(?<entity>[a-z][a-z ]*)$/;
const USER_LIKE =
  /^(?:(?:a|an|the|one|their)\s+)?(?:user|seller|buyer|owner|member|author|customer|creator|person|people|account|bidder|poster|host|vendor)s?(?:\s+who\s+.*)?$/;
const ACTION_COMMANDS: Readonly<Record<string, Exclude<PolicyCommand, "all" | "insert">>> = {
  edit: "update",
  update: "update",
  change: "update",
  modify: "update",
  delete: "delete",
  remove: "delete",
  withdraw: "delete",
  view: "select",
  see: "select",
  read: "select",
};

function ownership(draft: Plan, table: Table): RequirementOutcome {
  return table.ownerColumn !== null
    ? applied(`Already owned: ${table.name}.${table.ownerColumn} is the user who created the row.`)
    : notApplied(
      `Cannot give ${table.name} a single owner: the ${draft.template} template grants access to it ` +
        "through organization membership.",
    );
}

function matchBelongs(sentence: PlanningSentence, draft: Plan): RequirementOutcome | null {
  const groups = BELONGS.exec(sentence.text)?.groups;
  if (!groups?.entity || !groups.target) return null;
  const table = findTable(draft, groups.entity);
  if (table === undefined) {
    return notApplied(
      `Cannot link "${nounPhrase(groups.entity)}": there is no such table; describe it first.`,
    );
  }
  if (USER_LIKE.test(groups.target)) return ownership(draft, table);
  const target = findTable(draft, groups.target);
  if (target === undefined) {
    return notApplied(
      `Cannot link ${table.name} to "${
        nounPhrase(groups.target)
      }": there is no such table; describe it first.`,
    );
  }
  if (
    table.columns.some((c) =>
      c.references?.schema === "public" && c.references.table === target.name
    )
  ) {
    return applied(`Already linked: ${table.name} references ${target.name}.`);
  }
  const fk = `${singular(target.name)}_id`;
  if (table.columns.some((c) => c.name === fk)) {
    return notApplied(
      `Cannot link ${table.name} to ${target.name}: column ${table.name}.${fk} already exists.`,
    );
  }
  const index = indexOn(table.name, [fk]);
  const createdAt = table.columns.findIndex((c) => c.name === "created_at");
  table.columns.splice(
    createdAt >= 0 ? createdAt : table.columns.length,
    0,
    referenceColumn(fk, target.name, "cascade"),
  );
  table.indexes.push(index);
  return applied(
    `Linked ${table.name} to ${target.name} through ${fk} (not null, on delete cascade).`,
    [
      { kind: "column", target: `${table.name}.${fk}` },
      { kind: "index", target: index.name },
    ],
  );
}

function matchOwns(sentence: PlanningSentence, draft: Plan): RequirementOutcome | null {
  const groups = OWNS.exec(sentence.text)?.groups;
  if (!groups?.actor || !groups.entity || !USER_LIKE.test(groups.actor)) return null;
  const table = findTable(draft, groups.entity);
  return table === undefined
    ? notApplied(`Cannot find table "${nounPhrase(groups.entity)}": describe it first.`)
    : ownership(draft, table);
}

function matchAction(sentence: PlanningSentence, draft: Plan): RequirementOutcome | null {
  const groups = ACTION.exec(sentence.text)?.groups;
  const command = groups?.verb === undefined ? undefined : ACTION_COMMANDS[groups.verb];
  if (!groups?.entity || command === undefined) return null;
  const table = findTable(draft, groups.entity);
  if (table === undefined) {
    return notApplied(`Cannot find table "${nounPhrase(groups.entity)}": describe it first.`);
  }
  const existing = policiesFor(draft, table.name, command, "authenticated");
  if (existing.length > 0) {
    return applied(`Already allowed by policy ${existing.map((p) => p.name).join(", ")}.`);
  }
  if (table.ownerColumn === null) {
    return notApplied(
      `Cannot add an owner-only ${command} policy to ${table.name}: it has no owner column.`,
    );
  }
  const policy = ownerPolicy(table.name, command, table.ownerColumn, { rule: null });
  draft.policies.push(policy);
  const granted = addGrant(draft, table.name, "authenticated", [command]);
  return applied(`Added policy ${policy.name}: ${policy.description}`, [
    { kind: "policy", target: policy.name },
    ...(granted ? [{ kind: "grant" as const, target: `${table.name}:authenticated` }] : []),
  ]);
}

/** Recognises "<things> belong to <users or a table>". */
export const belongsMatcher: SentenceMatcher = { phase: 2, match: matchBelongs };
/** Recognises "<users> own their <things>". */
export const ownsMatcher: SentenceMatcher = { phase: 2, match: matchOwns };
/** Recognises "<users> can edit / delete / see their <things>". */
export const ownerActionMatcher: SentenceMatcher = { phase: 2, match: matchAction };
