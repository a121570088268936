/**
 * @module Plan validation, run before any SQL is generated: shape, identifiers, column types,
 * foreign keys, policy references, grant/policy coverage, one permissive policy per table,
 * command and role, and nothing weaker than the template's baseline. Reasons are sentence
 * case, action first, and say how to fix the plan.
 */

import { baselinePlan } from "./baseline.ts";
import { COLUMN_TYPES, isAllowedColumnType } from "./column_types.ts";
import { disjuncts, parseExpression, renderExpression } from "../sql/expression_parser.ts";
import { checkIdentifier } from "../sql/identifier.ts";
import { checkStorage } from "./validate_storage.ts";
import {
  analysePolicyExpression,
  checkProblems,
  defaultProblem,
  type PolicyAnalysis,
} from "./expression_rules.ts";
import {
  type Column,
  type Plan,
  PlanSchema,
  type Policy,
  type PolicyCommand,
  type Table,
  type TablePrivilege,
} from "./schema.ts";

declare const validatedBrand: unique symbol;

/** A plan that passed {@linkcode validatePlan}; SQL is generated only from these. */
export type ValidatedPlan = Plan & { readonly [validatedBrand]: true };

/** One reason a plan was rejected. */
export interface PlanProblem {
  /** Where in the plan, e.g. `policies[3].using`; empty for the plan as a whole. */
  readonly path: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** Outcome of {@linkcode validatePlan}. */
export type PlanValidation =
  | { readonly ok: true; readonly plan: ValidatedPlan }
  | { readonly ok: false; readonly problems: readonly PlanProblem[] };

/** Thrown when a plan cannot be used; the build fails with its message, and no SQL runs. */
export class InvalidPlanError extends Error {
  /** Every problem found. */
  readonly problems: readonly PlanProblem[];

  constructor(problems: readonly PlanProblem[]) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(`Cannot use the plan: ${count}. ${problems.map((p) => p.message).join(" ")}`);
    this.name = "InvalidPlanError";
    this.problems = problems;
  }
}

/** Validates `candidate` and returns it branded, or throws {@linkcode InvalidPlanError}. */
export function assertValidPlan(candidate: unknown): ValidatedPlan {
  const result = validatePlan(candidate);
  if (!result.ok) throw new InvalidPlanError(result.problems);
  return result.plan;
}

const CLIENT_PRIVILEGES: Record<PolicyCommand, readonly TablePrivilege[]> = {
  select: ["select"],
  insert: ["insert"],
  update: ["update"],
  delete: ["delete"],
  all: ["select", "insert", "update", "delete"],
};

/** Validates a plan against its shape, its own references and its template's baseline. */
export function validatePlan(candidate: unknown): PlanValidation {
  const parsed = PlanSchema.safeParse(candidate);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => {
        const path = formatPath(issue.path);
        return { path, message: `Cannot read plan field ${path || "(root)"}: ${issue.message}.` };
      }),
    };
  }
  const plan = parsed.data;
  const problems: PlanProblem[] = [];
  const report = (path: string, message: string) => problems.push({ path, message });
  checkSize(plan, report);
  if (problems.length > 0) return { ok: false, problems };
  const tables = new Map(plan.tables.map((table) => [table.name, table]));

  checkTables(plan, tables, report);
  checkPolicies(plan, tables, report);
  checkGrants(plan, tables, report);
  checkBaseline(plan, tables, report);
  checkStorage(plan, report);

  return problems.length === 0
    ? { ok: true, plan: plan as ValidatedPlan }
    : { ok: false, problems };
}

type Report = (path: string, message: string) => void;

/** The most a plan may hold; validation and the migrations it generates stay bounded. */
export const PLAN_LIMITS = {
  tables: 100,
  columnsPerTable: 100,
  indexesPerTable: 40,
  policies: 600,
  grants: 400,
  requirements: 500,
  textLength: 4000,
} as const;

function checkSize(plan: Plan, report: Report): void {
  const over = (path: string, what: string, count: number, limit: number) => {
    if (count > limit) {
      report(path, `Cannot use a plan with ${count} ${what}: the limit is ${limit}; plan less.`);
    }
  };
  over("tables", "tables", plan.tables.length, PLAN_LIMITS.tables);
  over("policies", "policies", plan.policies.length, PLAN_LIMITS.policies);
  over("grants", "grants", plan.grants.length, PLAN_LIMITS.grants);
  over("requirements", "requirements", plan.requirements.length, PLAN_LIMITS.requirements);
  const long = (path: string, what: string, text: string | null, limit: number) => {
    if (text !== null && text.length > limit) {
      report(
        path,
        `Cannot use a ${what} of ${text.length} characters: the limit is ${limit}; shorten it.`,
      );
    }
  };
  plan.policies.forEach((policy, p) => {
    long(`policies[${p}].description`, "policy description", policy.description, 1000);
  });
  plan.requirements.forEach((requirement, r) => {
    long(`requirements[${r}].sentence`, "requirement sentence", requirement.sentence, 2000);
    long(
      `requirements[${r}].reason`,
      "requirement reason",
      requirement.reason,
      PLAN_LIMITS.textLength,
    );
    over(
      `requirements[${r}].changes`,
      "changes in one requirement",
      requirement.changes.length,
      200,
    );
  });
  plan.tables.forEach((table, t) => {
    over(
      `tables[${t}].columns`,
      "columns in one table",
      table.columns.length,
      PLAN_LIMITS.columnsPerTable,
    );
    over(
      `tables[${t}].indexes`,
      "indexes on one table",
      table.indexes.length,
      PLAN_LIMITS.indexesPerTable,
    );
    if ((table.comment?.length ?? 0) > PLAN_LIMITS.textLength) {
      report(
        `tables[${t}].comment`,
        `Cannot use a table comment over ${PLAN_LIMITS.textLength} characters: shorten it.`,
      );
    }
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) =>
      typeof key === "number" ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key),
    "",
  );
}

function checkName(what: string, name: string, path: string, report: Report, shown = name): void {
  const check = checkIdentifier(name);
  if (!check.ok) report(path, `Cannot use ${what} "${shown}": ${check.reason}; rename it.`);
}

function duplicates(values: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const value of values) (seen.has(value) ? repeated : seen).add(value);
  return repeated;
}

function isIndexed(table: Table, columnName: string): boolean {
  const keyColumns = table.columns.filter((c) => c.primaryKey).map((c) => c.name);
  if (keyColumns[0] === columnName) return true;
  if (table.columns.some((c) => c.name === columnName && c.unique)) return true;
  return table.indexes.some((index) => index.columns[0] === columnName);
}

function checkTables(plan: Plan, tables: Map<string, Table>, report: Report): void {
  for (const name of duplicates(plan.tables.map((t) => t.name))) {
    report("tables", `Cannot define table "${name}" twice: merge the definitions.`);
  }
  const relationNames = new Set(plan.tables.map((t) => t.name));
  plan.tables.forEach((table, t) => {
    const path = `tables[${t}]`;
    checkName("table name", table.name, `${path}.name`, report);
    for (const name of duplicates(table.columns.map((c) => c.name))) {
      report(`${path}.columns`, `Cannot define column "${table.name}.${name}" twice: keep one.`);
    }
    if (!table.columns.some((c) => c.primaryKey)) {
      report(
        path,
        `Cannot create table "${table.name}" without a primary key: mark a column as primary key ` +
          "(usually id uuid default gen_random_uuid()).",
      );
    }
    table.columns.forEach((column, c) =>
      checkColumn(table, column, `${path}.columns[${c}]`, tables, report)
    );
    if (table.ownerColumn !== null) {
      checkOwnerColumn(table, table.ownerColumn, `${path}.ownerColumn`, report);
    }
    table.indexes.forEach((index, i) => {
      const indexPath = `${path}.indexes[${i}]`;
      checkName("index name", index.name, `${indexPath}.name`, report);
      if (relationNames.has(index.name)) {
        report(
          `${indexPath}.name`,
          `Cannot name index "${index.name}" like a table or another index: rename it.`,
        );
      }
      relationNames.add(index.name);
      for (const name of index.columns) {
        if (!table.columns.some((c) => c.name === name)) {
          report(
            `${indexPath}.columns`,
            `Cannot index column "${table.name}.${name}": the table has no such column.`,
          );
        }
      }
    });
    const keyed = [
      ...table.columns.filter((c) => c.references !== null).map((c) => c.name),
      ...(table.ownerColumn === null ? [] : [table.ownerColumn]),
    ];
    for (const name of new Set(keyed)) {
      if (table.columns.some((c) => c.name === name) && !isIndexed(table, name)) {
        report(
          `${path}.indexes`,
          `Cannot leave foreign key "${table.name}.${name}" unindexed: add an index on (${name}).`,
        );
      }
    }
  });
  const cycle = foreignKeyCycle(plan.tables);
  if (cycle.length > 0) {
    report(
      "tables",
      `Cannot create tables whose foreign keys form a cycle (${cycle.join(" -> ")}): ` +
        "remove one of the references.",
    );
  }
}

function checkColumn(
  table: Table,
  column: Column,
  path: string,
  tables: Map<string, Table>,
  report: Report,
): void {
  const label = `${table.name}.${column.name}`;
  checkName("column name", column.name, `${path}.name`, report, label);
  if (!isAllowedColumnType(column.type)) {
    report(
      `${path}.type`,
      `Cannot use type "${column.type}" for column "${label}": use one of ${
        COLUMN_TYPES.join(", ")
      } ` +
        "or numeric(p,s).",
    );
  }
  if (column.primaryKey && column.nullable) {
    report(
      `${path}.nullable`,
      `Cannot make nullable column "${label}" part of the primary key: set nullable to false.`,
    );
  }
  const badDefault = defaultProblem(column);
  if (badDefault !== null) {
    report(`${path}.default`, `Cannot use the default of column "${label}": ${badDefault}.`);
  }
  for (const problem of checkProblems(table, column)) {
    report(`${path}.check`, `Cannot use the check of column "${label}": ${problem}.`);
  }
  const ref = column.references;
  if (ref === null) return;
  if (ref.schema === "auth") {
    if (ref.table !== "users" || ref.column !== "id") {
      report(
        `${path}.references`,
        `Cannot reference auth.${ref.table}(${ref.column}) from "${label}": only auth.users(id) can be referenced.`,
      );
    } else if (column.type !== "uuid") {
      report(
        `${path}.type`,
        `Cannot reference auth.users(id) from "${label}": make the column uuid.`,
      );
    }
  } else {
    const target = tables.get(ref.table);
    const targetColumn = target?.columns.find((c) => c.name === ref.column);
    if (target === undefined) {
      report(
        `${path}.references`,
        `Cannot reference table "${ref.table}" from "${label}": the plan has no such table; add it or fix the name.`,
      );
    } else if (targetColumn === undefined) {
      report(
        `${path}.references`,
        `Cannot reference "${ref.table}.${ref.column}" from "${label}": table "${ref.table}" has no such column.`,
      );
    } else {
      const keyColumns = target.columns.filter((c) => c.primaryKey);
      const isKey = targetColumn.unique || (keyColumns.length === 1 && targetColumn.primaryKey);
      if (!isKey) {
        report(
          `${path}.references`,
          `Cannot reference "${ref.table}.${ref.column}" from "${label}": it is neither the primary key nor unique.`,
        );
      }
      if (targetColumn.type !== column.type) {
        report(
          `${path}.type`,
          `Cannot reference "${ref.table}.${ref.column}" (${targetColumn.type}) from "${label}" ` +
            `(${column.type}): make the types match.`,
        );
      }
    }
  }
  if (ref.onDelete === "set null" && !column.nullable) {
    report(
      `${path}.references.onDelete`,
      `Cannot use on delete set null for not-null column "${label}": make it nullable or use cascade or restrict.`,
    );
  }
}

function checkOwnerColumn(table: Table, name: string, path: string, report: Report): void {
  const column = table.columns.find((c) => c.name === name);
  const ref = column?.references;
  const isOwner = column !== undefined && column.type === "uuid" && !column.nullable &&
    ref?.schema === "auth" && ref.table === "users" && ref.column === "id";
  if (!isOwner) {
    report(
      path,
      `Cannot use "${table.name}.${name}" as owner column: it must be a uuid not null column ` +
        "referencing auth.users(id).",
    );
  }
}

function foreignKeyCycle(tables: readonly Table[]): string[] {
  return findCycle(
    new Map(tables.map((table) => [
      table.name,
      table.columns.flatMap((c) =>
        c.references?.schema === "public" && c.references.table !== table.name
          ? [c.references.table]
          : []
      ),
    ])),
  );
}

/** A cycle in a directed graph (its nodes, the first repeated at the end), or [] when none. */
function findCycle(edges: ReadonlyMap<string, Iterable<string>>): string[] {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (name: string): string[] => {
    if (state.get(name) === "done") return [];
    if (state.get(name) === "visiting") return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, "visiting");
    stack.push(name);
    for (const next of edges.get(name) ?? []) {
      const cycle = visit(next);
      if (cycle.length > 0) return cycle;
    }
    stack.pop();
    state.set(name, "done");
    return [];
  };
  for (const name of edges.keys()) {
    const cycle = visit(name);
    if (cycle.length > 0) return cycle;
  }
  return [];
}

const WRITE_COMMANDS: ReadonlySet<PolicyCommand> = new Set(["insert", "update", "delete", "all"]);

/** The binding forms, for messages. */
const BINDING_FORMS = "compare an owner or user column with the signed-in user " +
  "(owner_id = (select auth.uid())), call a membership helper on the row " +
  "(private.is_org_member(org_id)), or go through a foreign key " +
  "(exists (select 1 from public.<parent> p where p.id = <table>.<parent>_id and " +
  "p.owner_id = (select auth.uid())))";

function checkPolicies(plan: Plan, tables: Map<string, Table>, report: Report): void {
  for (const name of duplicates(plan.policies.map((p) => p.name))) {
    report("policies", `Cannot define policy "${name}" twice: give each policy its own name.`);
  }
  const selectReads = new Map<string, Set<string>>();
  plan.policies.forEach((policy, p) => {
    const path = `policies[${p}]`;
    checkName("policy name", policy.name, `${path}.name`, report);
    const table = tables.get(policy.table);
    if (table === undefined) {
      report(
        `${path}.table`,
        `Cannot create policy "${policy.name}" on table "${policy.table}": the plan has no such table.`,
      );
      return;
    }
    const needsUsing = policy.command !== "insert";
    const allowsCheck = policy.command !== "select" && policy.command !== "delete";
    if (needsUsing !== (policy.using !== null)) {
      report(
        `${path}.using`,
        `Cannot create ${policy.command} policy "${policy.name}" ${
          needsUsing
            ? "without a using expression: add one"
            : "with a using expression: move it to with check"
        }.`,
      );
    }
    if (policy.command === "insert" && policy.withCheck === null) {
      report(
        `${path}.withCheck`,
        `Cannot create insert policy "${policy.name}" without a with check expression: add one.`,
      );
    }
    if (!allowsCheck && policy.withCheck !== null) {
      report(
        `${path}.withCheck`,
        `Cannot create ${policy.command} policy "${policy.name}" with a with check expression: move it to using.`,
      );
    }
    if (policy.roles.includes("anon") && WRITE_COMMANDS.has(policy.command)) {
      report(
        `${path}.roles`,
        `Cannot let anon ${policy.command === "all" ? "write" : policy.command} with policy ` +
          `"${policy.name}" on "${policy.table}": anonymous visitors may only read; give the ` +
          "policy to authenticated and tie rows to the user.",
      );
    }
    for (const field of ["using", "withCheck"] as const) {
      const expression = policy[field];
      if (expression === null) continue;
      const analysis = checkPolicyExpression(plan, tables, table, policy, expression, {
        path: `${path}.${field}`,
        report,
      });
      if (policy.command === "select" || policy.command === "all") {
        const reads = selectReads.get(table.name) ?? new Set<string>();
        for (const read of analysis.reads) reads.add(read);
        selectReads.set(table.name, reads);
      }
    }
  });
  const cycle = findCycle(selectReads);
  if (cycle.length > 0) {
    report(
      "policies",
      `Cannot create select policies that read each other's tables in a cycle (${
        cycle.join(" -> ")
      }): Postgres would recurse forever; go through a private helper function instead.`,
    );
  }
  checkSinglePermissivePolicy(plan, report);
}

function checkPolicyExpression(
  plan: Plan,
  tables: Map<string, Table>,
  table: Table,
  policy: Policy,
  expression: string,
  where: { readonly path: string; readonly report: Report },
): PolicyAnalysis {
  const fail = (reason: string) =>
    where.report(where.path, `Cannot create policy "${policy.name}": ${reason}.`);
  const analysis = analysePolicyExpression(expression, { plan, tables, table, policy });
  for (const problem of analysis.problems) fail(problem);
  if (analysis.problems.length > 0) return analysis;
  for (const operand of analysis.operands) {
    if (operand.binds) continue;
    if (operand.mentionsUser) {
      fail(
        `"${operand.text}" refers to the user without tying the row to them; ${BINDING_FORMS}`,
      );
    } else if (WRITE_COMMANDS.has(policy.command)) {
      fail(
        `"${operand.text}" would let ${policy.roles.join(" and ")} ${
          policy.command === "all" ? "write" : policy.command
        } rows that are not theirs; ${BINDING_FORMS}`,
      );
    }
  }
  return analysis;
}

function checkSinglePermissivePolicy(plan: Plan, report: Report): void {
  const byKey = new Map<string, string[]>();
  for (const policy of plan.policies) {
    for (const privilege of CLIENT_PRIVILEGES[policy.command]) {
      for (const role of new Set(policy.roles)) {
        const key = `${policy.table}\u0000${privilege}\u0000${role}`;
        byKey.set(key, [...(byKey.get(key) ?? []), policy.name]);
      }
    }
  }
  for (const [key, names] of byKey) {
    if (names.length < 2) continue;
    const [table, privilege, role] = key.split("\u0000");
    report(
      "policies",
      `Cannot have ${names.length} permissive ${privilege} policies for ${role} on "${table}" ` +
        `(${names.map((n) => `"${n}"`).join(", ")}): merge them into one policy with or.`,
    );
  }
}

function checkGrants(plan: Plan, tables: Map<string, Table>, report: Report): void {
  const seen = new Set<string>();
  plan.grants.forEach((grant, g) => {
    const path = `grants[${g}]`;
    if (!tables.has(grant.table)) {
      report(
        `${path}.table`,
        `Cannot grant on table "${grant.table}": the plan has no such table.`,
      );
    }
    const key = `${grant.table}\u0000${grant.role}`;
    if (seen.has(key)) {
      report(
        path,
        `Cannot grant to ${grant.role} on "${grant.table}" twice: merge the privileges.`,
      );
    }
    seen.add(key);
    const role = grant.role;
    if (role === "service_role") return;
    for (const privilege of new Set(grant.privileges)) {
      if (role === "anon" && privilege !== "select") {
        report(
          path,
          `Cannot grant ${privilege} on "${grant.table}" to anon: anonymous visitors may only ` +
            "read; grant it to authenticated.",
        );
      }
    }
    for (const privilege of new Set(grant.privileges)) {
      const covered = plan.policies.some((policy) =>
        policy.table === grant.table && policy.roles.includes(role) &&
        CLIENT_PRIVILEGES[policy.command].includes(privilege)
      );
      if (!covered) {
        report(
          path,
          `Cannot grant ${privilege} on "${grant.table}" to ${grant.role} without a policy for it: ` +
            `add a ${privilege} policy for ${grant.role} or drop the grant.`,
        );
      }
    }
  });
  plan.policies.forEach((policy, p) => {
    for (const role of new Set(policy.roles)) {
      const granted = plan.grants.find((g) =>
        g.table === policy.table && g.role === role
      )?.privileges ?? [];
      for (const privilege of CLIENT_PRIVILEGES[policy.command]) {
        if (!granted.includes(privilege)) {
          report(
            `policies[${p}].roles`,
            `Cannot create policy "${policy.name}" for ${privilege} to ${role}: ${role} has no ${privilege} ` +
              `grant on "${policy.table}"; add the grant.`,
          );
        }
      }
    }
  });
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, inner: unknown) =>
      inner !== null && typeof inner === "object" && !Array.isArray(inner)
        ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
        : inner,
  );
}

/** The rendered `or` operands of an expression, or null when it does not parse. */
function operandTexts(expression: string): string[] | null {
  const parsed = parseExpression(expression);
  return parsed.ok ? disjuncts(parsed.expression).map(renderExpression) : null;
}

/** The policy's operands that do not tie rows to the user, or null when it does not parse. */
function unboundOperands(
  plan: Plan,
  tables: Map<string, Table>,
  policy: Policy,
  expression: string,
): string[] | null {
  const table = tables.get(policy.table);
  if (table === undefined) return null;
  const analysis = analysePolicyExpression(expression, { plan, tables, table, policy });
  if (analysis.problems.length > 0) return null;
  return analysis.operands.filter((o) => !o.binds).map((o) => o.text);
}

function checkBaseline(plan: Plan, tables: Map<string, Table>, report: Report): void {
  const baseline = baselinePlan(plan.template);
  const template = plan.template;
  for (const base of baseline.tables) {
    const table = tables.get(base.name);
    if (table === undefined) {
      report("tables", `Cannot drop table "${base.name}" of the ${template} template: keep it.`);
      continue;
    }
    if (table.ownerColumn !== base.ownerColumn) {
      report(
        "tables",
        `Cannot change the owner column of "${base.name}": the ${template} template uses ${
          base.ownerColumn ?? "none"
        }.`,
      );
    }
    if (base.name === "profiles") {
      for (const column of table.columns) {
        const added = !base.columns.some((c) => c.name === column.name);
        if (added && !column.nullable && column.default === null) {
          report(
            "tables",
            `Cannot add required column "profiles.${column.name}" without a default: profiles are ` +
              "created at sign-up with only id, display_name and avatar_url; make it nullable or " +
              "give it a default.",
          );
        }
      }
    }
    for (const baseColumn of base.columns) {
      const column = table.columns.find((c) => c.name === baseColumn.name);
      const same = column !== undefined && column.type === baseColumn.type &&
        column.primaryKey === baseColumn.primaryKey &&
        canonicalJson(column.references) === canonicalJson(baseColumn.references);
      if (!same) {
        report(
          "tables",
          `Cannot drop or retype column "${base.name}.${baseColumn.name}" of the ${template} template: ` +
            `keep it as ${baseColumn.type}${baseColumn.references ? " with its foreign key" : ""}.`,
        );
      }
    }
  }
  for (const base of baseline.policies) {
    const matches = plan.policies.filter((p) => p.rule === base.rule);
    if (matches.length === 0) {
      report(
        "policies",
        `Cannot drop the ${template} rule "${base.rule}" (${base.description}): keep policy "${base.name}".`,
      );
      continue;
    }
    for (const policy of matches) checkAgainstBaselinePolicy(plan, tables, policy, base, report);
  }
  const baselineTables = new Set(baseline.tables.map((t) => t.name));
  const baselineRules = new Set(baseline.policies.map((p) => p.rule));
  for (const policy of plan.policies) {
    if (policy.rule !== null && !baselineRules.has(policy.rule)) {
      report(
        "policies",
        `Cannot attach policy "${policy.name}" to rule "${policy.rule}": the ${template} template has no ` +
          "such rule; set rule to null.",
      );
    }
    if (policy.rule !== null || !baselineTables.has(policy.table)) continue;
    if (policy.roles.includes("anon")) {
      report(
        "policies",
        `Cannot open "${policy.table}" to anon with policy "${policy.name}": the ${template} template ` +
          "keeps it to signed-in users.",
      );
    }
    for (const expression of [policy.using, policy.withCheck]) {
      if (expression === null) continue;
      const unbound = unboundOperands(plan, tables, policy, expression);
      if (unbound !== null && unbound.length > 0) {
        report(
          "policies",
          `Cannot add policy "${policy.name}" on template table "${policy.table}" as written: ` +
            `"${unbound[0]}" does not tie rows to the signed-in user; ${BINDING_FORMS}.`,
        );
      }
    }
  }
  for (const table of baselineTables) {
    const allowed = baseline.grants.find((g) =>
      g.table === table && g.role === "anon"
    )?.privileges ?? [];
    const granted = plan.grants.find((g) => g.table === table && g.role === "anon")?.privileges ??
      [];
    for (const privilege of granted.filter((p) => !allowed.includes(p))) {
      report(
        "grants",
        `Cannot grant ${privilege} on "${table}" to anon: the ${template} template ${
          allowed.length > 0
            ? `grants anon only ${allowed.join(", ")}`
            : "keeps it from anonymous users"
        }.`,
      );
    }
  }
  const sections = [
    ["functions", "database functions"],
    ["triggers", "triggers"],
    ["edgeFunctions", "Edge Functions"],
  ] as const;
  for (const [field, label] of sections) {
    if (canonicalJson(plan[field]) !== canonicalJson(baseline[field])) {
      report(
        field,
        `Cannot change the ${label} of the ${template} template: keep them as the template defines them.`,
      );
    }
  }
}

function checkAgainstBaselinePolicy(
  plan: Plan,
  tables: Map<string, Table>,
  policy: Policy,
  base: Policy,
  report: Report,
): void {
  const label = `"${policy.name}" (rule ${base.rule})`;
  if (policy.table !== base.table || policy.command !== base.command) {
    report(
      "policies",
      `Cannot move policy ${label} to ${policy.command} on "${policy.table}": keep it on ${base.command} ` +
        `on "${base.table}".`,
    );
    return;
  }
  for (const role of policy.roles) {
    if (!base.roles.includes(role)) {
      report(
        "policies",
        `Cannot open policy ${label} to ${role}: the ${plan.template} template allows only ${
          base.roles.join(", ")
        }.`,
      );
    }
  }
  const isPublic = base.basis.includes("public");
  if (!isPublic && policy.basis.includes("public")) {
    report(
      "policies",
      `Cannot make policy ${label} public: the ${plan.template} template restricts it.`,
    );
  }
  for (const field of ["using", "withCheck"] as const) {
    const baseExpression = base[field];
    const expression = policy[field];
    if (baseExpression === null) continue;
    if (expression === null) {
      report(
        "policies",
        `Cannot drop the ${field} condition of policy ${label}: keep "${baseExpression}".`,
      );
      continue;
    }
    const required = operandTexts(baseExpression) ?? [];
    const parts = operandTexts(expression);
    if (parts === null) continue;
    if (!required.every((part) => parts.includes(part))) {
      report(
        "policies",
        `Cannot replace the ${field} condition of policy ${label}: keep "${baseExpression}" as one of its ` +
          "or operands.",
      );
      continue;
    }
    if (isPublic) continue;
    for (const part of unboundOperands(plan, tables, policy, expression) ?? []) {
      if (!required.includes(part)) {
        report(
          "policies",
          `Cannot widen policy ${label} with "${part}": each added or operand must tie rows to ` +
            `the signed-in user; ${BINDING_FORMS}.`,
        );
      }
    }
  }
}
