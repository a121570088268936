/**
 * @module Rules applied once the tables exist: uniqueness (optionally per owner, organization
 * or parent), required and optional fields, value checks ("positive", "between 0 and 100",
 * "at most 80 characters", "one of a, b or c"), one row per person and parent, who reads what
 * (public, private, the owner of a related row), approvals (a status the reviewer may change)
 * and owner actions on template tables. Each returns what it did or why it could not.
 */

import { disjunction } from "../../sql/expression.ts";
import { disjuncts, parseExpression, renderExpression } from "../../sql/expression_parser.ts";
import { quoteLiteral } from "../../sql/identifier.ts";
import { CURRENT_USER_ID, ownerPolicy } from "../elements.ts";
import type { Column, Plan, Policy, RequirementChange, Table } from "../schema.ts";
import { aliasFor, bindingOf, boundedName, ensureIndex } from "./build.ts";
import { valueText } from "./fields.ts";
import type { Rule } from "./interpret.ts";
import type { Entity, EntityRegistry } from "./model.ts";
import { type NounPhrase, numberOf } from "./reading.ts";
import { addCheck, addGrant, findField, policiesFor, tableNamed } from "./plan_edits.ts";
import { ORGANIZATION_NOUNS } from "./vocabulary.ts";

/** What a rule did. */
export interface RuleOutcome {
  readonly ok: boolean;
  readonly text: string;
  readonly changes: readonly RequirementChange[];
  readonly already?: boolean;
}

const ok = (text: string, ...changes: RequirementChange[]): RuleOutcome => ({
  ok: true,
  text,
  changes,
});
const already = (text: string): RuleOutcome => ({ ok: true, text, changes: [], already: true });
const no = (text: string): RuleOutcome => ({ ok: false, text, changes: [] });

function phraseWords(phrase: NounPhrase): { words: string[]; of: string[] } {
  const words = phrase.words.filter((w) => !["unique", "required", "optional"].includes(w));
  // "the number of seats" names the column number_of_seats; "the title of a listing" a table.
  if (phrase.of !== null) words.push("of", ...phrase.of.words);
  return { words, of: phrase.ofRelated?.words.slice() ?? [] };
}

const NUMERIC = /^(?:smallint|integer|bigint|numeric(?:\(\d+,\d+\))?|real|double precision)$/;

/** Reads "positive", "at least 1", "at most 80 characters", "greater than 0" into a condition. */
function valueCondition(
  words: readonly string[],
  range: readonly [number, number] | null,
): { kind: "number" | "text"; condition: (c: string) => string } | null {
  if (range !== null) {
    return {
      kind: "number",
      condition: (c) => `${c} between ${range[0]} and ${range[1]}`,
    };
  }
  const text = words.join(" ");
  const n = words.map(numberOf).find((v) => v !== null) ?? null;
  if (/\bcharacters?\b/.test(text) && n !== null) {
    const op = /\b(?:least|less|min|minimum|more than)\b/.test(text) && !/\bno more\b/.test(text)
      ? ">="
      : "<=";
    return { kind: "text", condition: (c) => `char_length(${c}) ${op} ${n}` };
  }
  if (/\b(?:positive|greater than zero|above zero|more than zero)\b/.test(text)) {
    return { kind: "number", condition: (c) => `${c} > 0` };
  }
  if (/\b(?:non_negative|not negative|zero or more)\b/.test(text)) {
    return { kind: "number", condition: (c) => `${c} >= 0` };
  }
  if (n === null) return null;
  if (/\b(?:at least|no less than|not less than|minimum|min|or more)\b/.test(text)) {
    return {
      kind: "number",
      condition: (c) => `${c} >= ${n}`,
    };
  }
  if (/\b(?:at most|no more than|not more than|up to|maximum|max|or less)\b/.test(text)) {
    return {
      kind: "number",
      condition: (c) => `${c} <= ${n}`,
    };
  }
  if (/\b(?:greater|more|above|over)\b/.test(text)) {
    return {
      kind: "number",
      condition: (c) => `${c} > ${n}`,
    };
  }
  if (/\b(?:less|fewer|below|under)\b/.test(text)) {
    return {
      kind: "number",
      condition: (c) => `${c} < ${n}`,
    };
  }
  return null;
}

/** The column of `table` a scope phrase ("company", "seller", "project") points at. */
function scopeColumn(
  plan: Plan,
  table: Table,
  scope: NounPhrase,
  entities: readonly Entity[],
): string | RuleOutcome {
  const head = scope.words.at(-1) ?? "";
  if (
    plan.template === "saas" && ORGANIZATION_NOUNS.has(head) &&
    table.columns.some((c) => c.name === "org_id")
  ) return "org_id";
  const entity = entities.find((e) =>
    e.key === scope.words.join(" ") || e.key.split(" ").at(-1) === head
  );
  if (entity) {
    const fk = table.columns.find((c) =>
      c.references?.schema === "public" && c.references.table === entity.table
    );
    if (fk) return fk.name;
  }
  const byHead = table.columns.find((c) =>
    c.references?.schema === "public" && c.references.table.split("_").at(-1)?.startsWith(head)
  );
  if (byHead) return byHead.name;
  if (
    table.ownerColumn !== null &&
    (table.ownerColumn.startsWith(head) ||
      ["user", "member", "person", "owner", "account"].includes(head))
  ) return table.ownerColumn;
  const person = table.columns.find((c) => c.name === `${head}_id`);
  if (person) return person.name;
  if (table.ownerColumn !== null) return table.ownerColumn;
  return no(
    `Cannot make it unique per "${scope.words.join(" ")}": ${table.name} has no link to it; say "${
      table.name.replaceAll("_", " ")
    } belong to a ${scope.words.join(" ")}" first.`,
  );
}

function uniqueIndex(table: Table, columns: readonly string[]): RuleOutcome {
  const index = ensureIndex(table, columns, true);
  if (index === null) return already(`Already unique: (${columns.join(", ")}) on ${table.name}.`);
  return ok(`Added unique index ${index.name} on ${table.name} (${columns.join(", ")}).`, {
    kind: "index",
    target: index.name,
  });
}

function applyUnique(
  plan: Plan,
  rule: Extract<Rule, { kind: "unique" }>,
  entities: readonly Entity[],
): RuleOutcome {
  const { words, of } = phraseWords(rule.subject);
  const found = findField(plan, words, of);
  if (!found.ok) return no(found.reason);
  const outcomes = found.matches.map(({ table, column }) => {
    if (rule.scope === null) {
      if (column.unique || column.primaryKey) {
        return already(`Already unique: ${table.name}.${column.name}.`);
      }
      column.unique = true;
      return ok(`Made ${table.name}.${column.name} unique.`, {
        kind: "constraint",
        target: `${table.name}.${column.name}`,
      });
    }
    const scope = scopeColumn(plan, table, rule.scope, entities);
    return typeof scope === "string" ? uniqueIndex(table, [scope, column.name]) : scope;
  });
  return merge(outcomes);
}

function merge(outcomes: readonly RuleOutcome[]): RuleOutcome {
  const good = outcomes.filter((o) => o.ok);
  if (good.length === 0) return outcomes[0] ?? no("Nothing to change.");
  return {
    ok: true,
    text: good.map((o) => o.text).join(" "),
    changes: good.flatMap((o) => o.changes),
    already: good.every((o) => o.already),
  };
}

function applyRequired(
  plan: Plan,
  rule: Extract<Rule, { kind: "required" | "optional" }>,
): RuleOutcome {
  const { words, of } = phraseWords(rule.subject);
  const found = findField(plan, words, of);
  if (!found.ok) return no(found.reason);
  return merge(found.matches.map(({ table, column }) => {
    const label = `${table.name}.${column.name}`;
    if (rule.kind === "required") {
      if (!column.nullable) return already(`Already required: ${label} is not null.`);
      column.nullable = false;
      return ok(`Made ${label} required (not null).`, { kind: "constraint", target: label });
    }
    if (column.nullable) return already(`Already optional: ${label}.`);
    if (column.primaryKey || column.references !== null) {
      return no(`Cannot make ${label} optional: it is a key.`);
    }
    column.nullable = true;
    return ok(`Made ${label} optional.`, { kind: "constraint", target: label });
  }));
}

function applyCheck(plan: Plan, rule: Extract<Rule, { kind: "check" }>): RuleOutcome {
  const condition = valueCondition(rule.words.map((w) => w.text), rule.range);
  if (condition === null) {
    return no(
      `Cannot read the rule "${
        rule.words.map((w) => w.text).join(" ")
      }": say e.g. "must be positive", "must be between 1 and 5" or "must be at most 80 characters".`,
    );
  }
  const { words, of } = phraseWords(rule.subject);
  const found = findField(plan, words, of);
  if (!found.ok) return no(found.reason);
  return merge(found.matches.map(({ table, column }) => {
    const label = `${table.name}.${column.name}`;
    const fits = condition.kind === "number" ? NUMERIC.test(column.type) : column.type === "text";
    if (!fits) {
      return no(`Cannot apply a ${condition.kind} rule to ${label}: it is ${column.type}.`);
    }
    const text = condition.condition(column.name);
    return addCheck(column, text)
      ? ok(`Added check (${text}) to ${label}.`, { kind: "constraint", target: label })
      : already(`Already checked: ${label} has (${text}).`);
  }));
}

function applyValues(plan: Plan, rule: Extract<Rule, { kind: "values" }>): RuleOutcome {
  const { words, of } = phraseWords(rule.subject);
  const found = findField(plan, words, of);
  const owner = words.length > 1 ? tableNamed(plan, words.slice(0, -1)) : undefined;
  if (!found.ok && owner !== undefined && !owner.columns.some((c) => c.name === words.at(-1))) {
    // "The rental status can be pending or approved": rentals get a status.
    const name = words.at(-1) ?? "status";
    const list = rule.values.map(valueText).filter((v) => v.length > 0);
    const column: Column = {
      name,
      type: "text",
      nullable: false,
      default: quoteLiteral(list[0] ?? ""),
      primaryKey: false,
      unique: false,
      references: null,
      check: `${name} in (${list.map(quoteLiteral).join(", ")})`,
    };
    const at = owner.columns.findIndex((c) => c.name === "created_at");
    owner.columns.splice(at >= 0 ? at : owner.columns.length, 0, column);
    return ok(`Added ${owner.name}.${name} (${list.join(", ")}).`, {
      kind: "column",
      target: `${owner.name}.${name}`,
    });
  }
  if (!found.ok) {
    return no(
      `${found.reason.replace(/\.$/, "")}; or say "<things> have a ${words.at(-1) ?? "status"} (${
        rule.values.join(", ")
      })".`,
    );
  }
  return merge(found.matches.map(({ table, column }) => setValues(table, column, rule.values)));
}

function setValues(table: Table, column: Column, values: readonly string[]): RuleOutcome {
  const label = `${table.name}.${column.name}`;
  if (column.type !== "text") {
    return no(`Cannot limit ${label} to listed values: it is ${column.type}.`);
  }
  const list = values.map(valueText).filter((v) => v.length > 0);
  const condition = `${column.name} in (${list.map(quoteLiteral).join(", ")})`;
  column.check = condition;
  return ok(`Limited ${label} to ${list.join(", ")}.`, { kind: "constraint", target: label });
}

function tableOf(plan: Plan, entity: Entity): Table | undefined {
  return plan.tables.find((t) => t.name === entity.table);
}

function applyOnePer(
  plan: Plan,
  rule: Extract<Rule, { kind: "one_per" }>,
  registry: EntityRegistry,
): RuleOutcome {
  const entity = "key" in rule.entity ? rule.entity : registry.find(rule.entity);
  if (entity === undefined) {
    return no(
      `Cannot find a table for "${
        (rule.entity as NounPhrase).words.join(" ")
      }": describe it first.`,
    );
  }
  const table = tableOf(plan, entity);
  if (table === undefined) return no(`Cannot find table ${entity.table}.`);
  const columns: string[] = [];
  for (const scope of rule.scopes) {
    if (scope === "actor") {
      const actorLink = "key" in rule.entity && rule.entity.actorEntity !== null
        ? table.columns.find((c) =>
          c.references?.table === (rule.entity as Entity).actorEntity?.table
        )?.name
        : undefined;
      const column = table.ownerColumn ?? actorLink;
      if (column === undefined) {
        return no(`Cannot limit ${table.name} per person: it has no owner column.`);
      }
      columns.push(column);
      continue;
    }
    const target = registry.find(scope);
    const fk = table.columns.find((c) =>
      c.references?.schema === "public" && c.references.table === target?.table
    ) ??
      (plan.template === "saas" && ORGANIZATION_NOUNS.has(scope.head)
        ? table.columns.find((c) =>
          c.name === "org_id"
        )
        : undefined) ??
      table.columns.find((c) => c.name === `${scope.head}_id`);
    if (fk === undefined) {
      return no(
        `Cannot limit ${table.name} per ${scope.words.join(" ")}: ${table.name} has no link to it.`,
      );
    }
    if (!columns.includes(fk.name)) columns.push(fk.name);
  }
  if (columns.length === 0) return no("Cannot tell what to limit it per.");
  return uniqueIndex(table, columns);
}

/** The select policy of a table for a role, when there is exactly one. */
function selectPolicy(
  plan: Plan,
  table: string,
  role: "anon" | "authenticated",
): Policy | undefined {
  const found = policiesFor(plan, table, "select", role);
  return found.length === 1 ? found[0] : undefined;
}

function isBaselineTable(entity: Entity): boolean {
  return entity.baseline;
}

function applyPublic(plan: Plan, rule: Extract<Rule, { kind: "public" | "private" }>): RuleOutcome {
  const table = tableOf(plan, rule.entity);
  if (table === undefined) return no(`Cannot find table ${rule.entity.table}.`);
  const name = table.name;
  if (isBaselineTable(rule.entity)) {
    const current = selectPolicy(plan, name, "anon");
    return current ? already(`Already public: policy ${current.name}.`) : no(
      `Cannot make ${name} public: the ${plan.template} template keeps them to signed-in users.`,
    );
  }
  let condition = "true";
  const changes: RequirementChange[] = [];
  if (rule.flag !== null) {
    const flag = `is_${rule.flag}`;
    if (!table.columns.some((c) => c.name === flag)) {
      const at = table.columns.findIndex((c) => c.name === "created_at");
      table.columns.splice(at, 0, {
        name: flag,
        type: "boolean",
        nullable: false,
        default: "false",
        primaryKey: false,
        unique: false,
        references: null,
        check: null,
      });
      changes.push({ kind: "column", target: `${name}.${flag}` });
    }
    condition = flag;
  }
  const existing = plan.policies.filter((p) => p.table === name && p.command === "select");
  if (
    condition === "true" && existing.some((p) => p.roles.includes("anon") && p.using === "true")
  ) {
    return already(`Already public: ${name} are readable by anyone.`);
  }
  const authenticated = existing.find((p) => p.roles.includes("authenticated"));
  plan.policies = plan.policies.filter((p) => !(p.table === name && p.command === "select"));
  const anonPolicy: Policy = {
    name: boundedName(`${name}_select_public`),
    table: name,
    command: "select",
    roles: condition === "true" ? ["anon", "authenticated"] : ["anon"],
    using: condition,
    withCheck: null,
    basis: ["public"],
    rule: null,
    description: condition === "true"
      ? `Anyone, signed in or not, can read ${name.replaceAll("_", " ")}.`
      : `Anyone can read ${rule.flag} ${name.replaceAll("_", " ")}.`,
  };
  plan.policies.push(anonPolicy);
  if (condition !== "true" && authenticated && authenticated.using !== null) {
    plan.policies.push({
      ...authenticated,
      roles: ["authenticated"],
      using: disjunction([authenticated.using, condition]),
      basis: [...new Set([...authenticated.basis, "public" as const])],
      description: `${authenticated.description} Anyone signed in also reads ${rule.flag} ones.`,
    });
  }
  addGrant(plan, name, "anon", ["select"]);
  changes.push({ kind: "policy", target: anonPolicy.name }, {
    kind: "grant",
    target: `${name}:anon`,
  });
  return ok(
    condition === "true"
      ? `Made ${name} readable by anyone with policy ${anonPolicy.name}.`
      : `Added ${name}.${condition} and let anyone read the rows where it is true.`,
    ...changes,
  );
}

function applyPrivate(
  plan: Plan,
  rule: Extract<Rule, { kind: "public" | "private" }>,
): RuleOutcome {
  const table = tableOf(plan, rule.entity);
  if (table === undefined) return no(`Cannot find table ${rule.entity.table}.`);
  const name = table.name;
  const open = plan.policies.filter((p) =>
    p.table === name && p.command === "select" &&
    (p.roles.includes("anon") || p.basis.includes("public"))
  );
  if (open.length === 0) {
    return already(
      `Already private: ${name} are readable only by ${
        table.ownerColumn ? "their owner" : "those the policies name"
      }.`,
    );
  }
  if (isBaselineTable(rule.entity) || table.ownerColumn === null) {
    return no(
      `Cannot make ${name} private: the ${plan.template} template makes them public (${
        open.map((p) => p.name).join(", ")
      }).`,
    );
  }
  plan.policies = plan.policies.filter((p) => !open.includes(p));
  const policy = ownerPolicy(name, "select", table.ownerColumn, { rule: null });
  plan.policies.push(policy);
  plan.grants = plan.grants.filter((g) => !(g.table === name && g.role === "anon"));
  return ok(`Made ${name} private with policy ${policy.name}.`, {
    kind: "policy",
    target: policy.name,
  });
}

/** ORs `condition` into the one select (or update) policy of `table`; adds one when missing. */
function extendPolicy(
  plan: Plan,
  table: Table,
  command: "select" | "update",
  condition: string,
  description: string,
): RuleOutcome {
  const policies = policiesFor(plan, table.name, command, "authenticated");
  const parsed = parseExpression(condition);
  const text = parsed.ok ? renderExpression(parsed.expression) : condition;
  if (policies.length === 0) {
    const added: Policy = {
      name: boundedName(`${table.name}_${command}_related`),
      table: table.name,
      command,
      roles: ["authenticated"],
      using: condition,
      withCheck: command === "update" ? condition : null,
      basis: ["related"],
      rule: null,
      description,
    };
    plan.policies.push(added);
    addGrant(plan, table.name, "authenticated", [command]);
    return ok(`Added policy ${added.name}: ${description}`, { kind: "policy", target: added.name });
  }
  const [policy] = policies;
  if (
    policies.length > 1 || policy === undefined || policy.command === "all" || policy.using === null
  ) {
    return no(`Cannot extend the ${command} policies of ${table.name}: merge them first.`);
  }
  if (policy.basis.includes("public") && command === "select" && policy.using === "true") {
    return already(`Already readable by anyone through policy ${policy.name}.`);
  }
  const current = parseExpression(policy.using);
  if (current.ok && disjuncts(current.expression).map(renderExpression).includes(text)) {
    return already(`Already allowed by policy ${policy.name}.`);
  }
  policy.using = disjunction([policy.using, condition]);
  if (command === "update" && policy.withCheck !== null) {
    policy.withCheck = disjunction([policy.withCheck, condition]);
  }
  if (!policy.basis.includes("related")) policy.basis.push("related");
  policy.description = `${policy.description} ${description}`;
  return ok(`Extended policy ${policy.name} with "or": ${description}`, {
    kind: "policy",
    target: policy.name,
  });
}

/** The condition under which the user in `role` reaches a row of `table`, or null. */
function roleCondition(
  plan: Plan,
  table: Table,
  role: string | null,
  through: Entity | null,
): string | null {
  const tables = new Map(plan.tables.map((t) => [t.name, t]));
  if (through !== null) {
    const parent = tables.get(through.table);
    const fk = table.columns.find((c) =>
      c.references?.schema === "public" && c.references.table === through.table
    );
    if (parent === undefined || fk === undefined) return null;
    const a = aliasFor(parent.name, table.name);
    const binding = bindingOf(parent, a, tables);
    return binding === null
      ? null
      : `exists (select 1 from public.${parent.name} ${a} where ${a}.id = ${table.name}.${fk.name} and ${binding})`;
  }
  if (role === null) return null;
  const direct = table.columns.find((c) =>
    c.name === `${role}_id` && c.references?.schema === "auth"
  );
  if (direct) return `${CURRENT_USER_ID} = ${direct.name}`;
  if (
    plan.template === "saas" &&
    /^(?:admin|administrator|manager|owner|lead|supervisor|finance_admin)$/.test(role) &&
    table.columns.some((c) => c.name === "org_id")
  ) {
    return "private.has_org_role(org_id, array['owner', 'admin'])";
  }
  // The owner of a parent row: "the owner accepts the request" (the requested book's owner).
  for (const c of table.columns) {
    if (c.references?.schema !== "public") continue;
    const parent = tables.get(c.references.table);
    if (parent === undefined || parent === table || parent.ownerColumn === null) continue;
    if (
      role === "owner" || parent.ownerColumn === `${role}_id` || parent.ownerColumn.startsWith(role)
    ) {
      const a = aliasFor(parent.name, table.name);
      return `exists (select 1 from public.${parent.name} ${a} where ${a}.id = ${table.name}.${c.name} and ${a}.${parent.ownerColumn} = ${CURRENT_USER_ID})`;
    }
  }
  const person = table.columns.find((c) =>
    c.references?.schema === "auth" && c.name !== table.ownerColumn
  );
  if (role === "owner" && table.ownerColumn) return `${CURRENT_USER_ID} = ${table.ownerColumn}`;
  return person && role === "assignee" ? `${CURRENT_USER_ID} = ${person.name}` : null;
}

function applyReadsRelated(
  plan: Plan,
  rule: Extract<Rule, { kind: "reads_related" }>,
): RuleOutcome {
  const table = tableOf(plan, rule.entity);
  if (table === undefined) return no(`Cannot find table ${rule.entity.table}.`);
  const condition = roleCondition(plan, table, rule.role, rule.through);
  if (condition === null) {
    return no(
      `Cannot tell how a ${rule.role.replaceAll("_", " ")} relates to ${table.name}: say e.g. "${
        rule.role.replaceAll("_", " ")
      }s can see ${
        table.name.replaceAll("_", " ")
      } on their <things>", with ${table.name} belonging to those things.`,
    );
  }
  return extendPolicy(
    plan,
    table,
    "select",
    condition,
    `The ${rule.role.replaceAll("_", " ")}${
      rule.through ? ` who owns the ${rule.through.key}` : ""
    } reads them too.`,
  );
}

function applyApprove(plan: Plan, rule: Extract<Rule, { kind: "approve" }>): RuleOutcome {
  const table = tableOf(plan, rule.entity);
  if (table === undefined) return no(`Cannot find table ${rule.entity.table}.`);
  const changes: RequirementChange[] = [];
  const texts: string[] = [];
  let status = table.columns.find((c) => c.name === "status");
  const states = ["pending", ...rule.states.map(valueText)];
  if (status === undefined) {
    status = {
      name: "status",
      type: "text",
      nullable: false,
      default: "'pending'",
      primaryKey: false,
      unique: false,
      references: null,
      check: `status in (${states.map(quoteLiteral).join(", ")})`,
    };
    const at = table.columns.findIndex((c) => c.name === "created_at");
    table.columns.splice(at, 0, status);
    changes.push({ kind: "column", target: `${table.name}.status` });
    texts.push(`Added ${table.name}.status (${states.join(", ")}, default pending).`);
  } else if (status.type === "text" && status.check?.includes(" in (")) {
    const missing = rule.states.map(valueText).filter((s) => !status?.check?.includes(`'${s}'`));
    if (missing.length > 0) {
      status.check = status.check.replace(/\)\s*$/, `, ${missing.map(quoteLiteral).join(", ")})`);
      changes.push({ kind: "constraint", target: `${table.name}.status` });
      texts.push(`Added ${missing.join(", ")} to ${table.name}.status.`);
    }
  }
  const condition = roleCondition(plan, table, rule.role ?? "owner", null);
  if (condition === null) {
    texts.push(
      `Who may change the status is not enforced offline: no ${
        rule.role?.replaceAll("_", " ") ?? "reviewer"
      } is linked to ${table.name}; any owner of a row can change it.`,
    );
    return changes.length > 0 ? ok(texts.join(" "), ...changes) : no(texts.join(" "));
  }
  const extended = extendPolicy(
    plan,
    table,
    "update",
    condition,
    `The ${rule.role?.replaceAll("_", " ") ?? "owner"} may ${
      rule.states.map((s) => s.replace(/ed$/, "")).join(" or ")
    } them.`,
  );
  return extended.ok
    ? ok([...texts, extended.text].join(" "), ...changes, ...extended.changes)
    : ok(texts.join(" ") || extended.text, ...changes);
}

function applyChange(plan: Plan, rule: Extract<Rule, { kind: "change" }>): RuleOutcome {
  const table = tableOf(plan, rule.entity);
  if (table === undefined) return no(`Cannot find table ${rule.entity.table}.`);
  const existing = policiesFor(plan, table.name, rule.command, "authenticated");
  if (existing.length > 0) {
    return already(`Already allowed by policy ${existing.map((p) => p.name).join(", ")}.`);
  }
  if (table.ownerColumn === null) {
    return no(
      `Cannot add an owner-only ${rule.command} policy to ${table.name}: it has no owner column.`,
    );
  }
  const policy = ownerPolicy(table.name, rule.command, table.ownerColumn, { rule: null });
  plan.policies.push(policy);
  addGrant(plan, table.name, "authenticated", [rule.command]);
  return ok(`Added policy ${policy.name}: ${policy.description}`, {
    kind: "policy",
    target: policy.name,
  }, { kind: "grant", target: `${table.name}:authenticated` });
}

/** Applies one rule to the plan. */
export function applyRule(plan: Plan, rule: Rule, registry: EntityRegistry): RuleOutcome {
  const entities = registry.entities;
  switch (rule.kind) {
    case "unique":
      return applyUnique(plan, rule, entities);
    case "required":
    case "optional":
      return applyRequired(plan, rule);
    case "check":
      return applyCheck(plan, rule);
    case "values":
      return applyValues(plan, rule);
    case "one_per":
      return applyOnePer(plan, rule, registry);
    case "public":
      return applyPublic(plan, rule);
    case "private":
      return applyPrivate(plan, rule);
    case "reads_related":
      return applyReadsRelated(plan, rule);
    case "approve":
      return applyApprove(plan, rule);
    case "change":
      return applyChange(plan, rule);
  }
}
