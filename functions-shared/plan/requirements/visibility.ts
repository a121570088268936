/**
 * @module Who can read what: "Sellers can see bids on their listings" (a related clause, OR-ed
 * into the table's one select policy so Supabase's multiple_permissive_policies lint stays
 * quiet), "Reviews are public" (anyone, for tables the vibe added), "Orders are private".
 */

import { disjunction, topLevelDisjuncts } from "../../sql/expression.ts";
import { CURRENT_USER_ID, ownerPolicy } from "../elements.ts";
import type { Plan, Policy, Table } from "../schema.ts";
import { baselinePlan } from "../baseline.ts";
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

const RELATED =
  /^(?<actor>[a-z][a-z -]*?)\s+(?:can|may)\s+(?:also\s+)?(?:see|view|read)\s+(?:the\s+|all\s+|any\s+)?(?<entity>[a-z][a-z ]*?)\s+(?:on|for|of|in|under|(?:placed|made|left)\s+on)\s+their\s+(?:own\s+)?(?<parent>[a-z][a-z ]*)$/;
const PUBLIC = [
  /^(?:anyone|everyone|everybody|the public|visitors|guests|anonymous users|signed-out users|logged-out users)\s+(?:can|may)\s+(?:see|view|read|browse)\s+(?<entity>[a-z][a-z ]*)$/,
  /^(?:all\s+)?(?<entity>[a-z][a-z ]*?)\s+(?:are|is)\s+(?:public|publicly (?:visible|readable)|visible to (?:everyone|anyone)|readable by (?:everyone|anyone))$/,
];
const PRIVATE = [
  /^only\s+(?<actor>[a-z][a-z -]*?)\s+(?:can|may)\s+(?:see|view|read)\s+their\s+(?:own\s+)?(?<entity>[a-z][a-z ]*)$/,
  /^(?:all\s+)?(?<entity>[a-z][a-z ]*?)\s+(?:are|is)\s+private$/,
];

function baselineSelect(plan: Plan, table: Table): Policy | undefined {
  return baselinePlan(plan.template).policies.find((p) =>
    p.table === table.name && p.command === "select"
  );
}

function isBaselineTable(plan: Plan, table: Table): boolean {
  return baselinePlan(plan.template).tables.some((t) => t.name === table.name);
}

function matchRelated(sentence: PlanningSentence, draft: Plan): RequirementOutcome | null {
  const groups = RELATED.exec(sentence.text)?.groups;
  if (!groups?.entity || !groups.parent) return null;
  const table = findTable(draft, groups.entity);
  const parent = findTable(draft, groups.parent);
  if (table === undefined || parent === undefined) {
    const missing = nounPhrase(table === undefined ? groups.entity : groups.parent);
    return notApplied(`Cannot find table "${missing}": describe it first.`);
  }
  const fk = table.columns.find((c) =>
    c.references?.schema === "public" && c.references.table === parent.name
  );
  if (fk === undefined) {
    return notApplied(
      `Cannot show ${table.name} through ${parent.name}: ${table.name} has no foreign key to ${parent.name}; ` +
        `say "${table.name} belong to a ${parent.name}" first.`,
    );
  }
  if (parent.ownerColumn === null) {
    return notApplied(
      `Cannot show ${table.name} through ${parent.name}: ${parent.name} has no owner column.`,
    );
  }
  const alias = parent.name.charAt(0);
  const related = `exists (select 1 from public.${parent.name} ${alias} where ${alias}.id = ` +
    `${table.name}.${fk.name} and ${alias}.${parent.ownerColumn} = ${CURRENT_USER_ID})`;
  const [policy] = policiesFor(draft, table.name, "select", "authenticated");
  if (policy === undefined) {
    const added: Policy = {
      name: `${table.name}_select_related`,
      table: table.name,
      command: "select",
      roles: ["authenticated"],
      using: related,
      withCheck: null,
      basis: ["related"],
      rule: null,
      description: `Owners of ${parent.name} read the ${table.name} on them.`,
    };
    draft.policies.push(added);
    addGrant(draft, table.name, "authenticated", ["select"]);
    return applied(`Added policy ${added.name}: ${added.description}`, [
      { kind: "policy", target: added.name },
      { kind: "grant", target: `${table.name}:authenticated` },
    ]);
  }
  if (policy.basis.includes("public")) {
    return applied(`Already readable by anyone through policy ${policy.name}.`);
  }
  if (policy.command === "all" || policy.roles.includes("anon") || policy.using === null) {
    return notApplied(
      `Cannot extend policy ${policy.name}: it also covers ${
        policy.command === "all" ? "writes" : "anonymous users"
      }; split it into one select policy for authenticated first.`,
    );
  }
  const parts = topLevelDisjuncts(policy.using);
  if (topLevelDisjuncts(related).every((part) => parts.includes(part))) {
    return applied(`Already allowed by policy ${policy.name}.`);
  }
  policy.using = disjunction([policy.using, related]);
  if (!policy.basis.includes("related")) policy.basis.push("related");
  policy.description =
    `${policy.description} Owners of ${parent.name} also read the ${table.name} on them.`;
  return applied(
    `Extended policy ${policy.name} with "or" so owners of ${parent.name} also read their ${table.name} ` +
      "(one select policy per role keeps Supabase's multiple_permissive_policies lint quiet).",
    [{ kind: "policy", target: policy.name }],
  );
}

function matchPublic(sentence: PlanningSentence, draft: Plan): RequirementOutcome | null {
  const groups = PUBLIC.map((pattern) => pattern.exec(sentence.text)?.groups).find((g) =>
    g?.entity
  );
  if (!groups?.entity) return null;
  const table = findTable(draft, groups.entity);
  if (table === undefined) {
    return notApplied(`Cannot find table "${nounPhrase(groups.entity)}": describe it first.`);
  }
  if (isBaselineTable(draft, table)) {
    const rule = baselineSelect(draft, table);
    return rule?.basis.includes("public")
      ? applied(`Already public: policy ${rule.name}.`)
      : notApplied(
        `Cannot make ${table.name} public: the ${draft.template} template restricts reading them` +
          `${rule ? ` (${rule.description})` : ""}.`,
      );
  }
  const name = `${table.name}_select_public`;
  const removed = draft.policies.filter((p) => p.table === table.name && p.command === "select");
  draft.policies = draft.policies.filter((p) => !removed.includes(p));
  draft.policies.push({
    name,
    table: table.name,
    command: "select",
    roles: ["anon", "authenticated"],
    using: "true",
    withCheck: null,
    basis: ["public"],
    rule: null,
    description: `Anyone, signed in or not, can read ${table.name}.`,
  });
  addGrant(draft, table.name, "anon", ["select"]);
  addGrant(draft, table.name, "authenticated", ["select"]);
  return applied(
    `Made ${table.name} readable by anyone with policy ${name}` +
      `${removed.length > 0 ? ` (replacing ${removed.map((p) => p.name).join(", ")})` : ""}.`,
    [
      ...removed.map((p) => ({ kind: "policy" as const, target: p.name })),
      { kind: "policy", target: name },
      { kind: "grant", target: `${table.name}:anon` },
    ],
  );
}

function matchPrivate(sentence: PlanningSentence, draft: Plan): RequirementOutcome | null {
  const groups = PRIVATE.map((pattern) => pattern.exec(sentence.text)?.groups).find((g) =>
    g?.entity
  );
  if (!groups?.entity) return null;
  const table = findTable(draft, groups.entity);
  if (table === undefined) {
    return notApplied(`Cannot find table "${nounPhrase(groups.entity)}": describe it first.`);
  }
  const policies = draft.policies.filter((p) =>
    p.table === table.name && (p.command === "select" || p.command === "all")
  );
  const open = policies.filter((p) => p.basis.includes("public") || p.roles.includes("anon"));
  if (open.length === 0) {
    return applied(
      `Already private: ${table.name} are readable only through ${
        policies.map((p) => p.name).join(", ") || "no policy"
      }.`,
    );
  }
  if (isBaselineTable(draft, table) || table.ownerColumn === null) {
    return notApplied(
      `Cannot make ${table.name} private: the ${draft.template} template makes them public ` +
        `(${open.map((p) => p.name).join(", ")}).`,
    );
  }
  draft.policies = draft.policies.filter((p) => !open.includes(p));
  const policy = ownerPolicy(table.name, "select", table.ownerColumn, { rule: null });
  draft.policies.push(policy);
  const anon = draft.grants.find((g) => g.table === table.name && g.role === "anon");
  if (anon) draft.grants = draft.grants.filter((g) => g !== anon);
  return applied(`Made ${table.name} private with policy ${policy.name}.`, [
    ...open.map((p) => ({ kind: "policy" as const, target: p.name })),
    { kind: "policy", target: policy.name },
  ]);
}

/** Recognises "<users> can see <things> on their <parent>". */
export const relatedVisibilityMatcher: SentenceMatcher = { phase: 3, match: matchRelated };
/** Recognises "<things> are public" and "anyone can see <things>". */
export const publicVisibilityMatcher: SentenceMatcher = { phase: 3, match: matchPublic };
/** Recognises "<things> are private" and "only <users> can see their own <things>". */
export const privateVisibilityMatcher: SentenceMatcher = { phase: 3, match: matchPrivate };
