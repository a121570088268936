/**
 * @module Tables and everything attached to them: columns, constraints, indexes, row-level
 * security and policies, triggers, replica identity and privileges. A missing table is one
 * finding whose fix rebuilds all of it; an unexpected table is neutralised (RLS on, API roles
 * revoked) and, once it is, acknowledged rather than reported.
 */
import { diffGrants, severityByGrantee } from "./diff_privileges.ts";
import {
  type Acknowledgement,
  apiGrantees,
  describeGrants,
  type DiffContext,
  matchByKey,
  restoreGrants,
  shown,
} from "./diff_support.ts";
import {
  columnEvidence,
  constraintEvidence,
  indexEvidence,
  policyEvidence,
  tableEvidence,
  triggerEvidence,
} from "./evidence_sql.ts";
import { type Finding, finding, fix, type FixStatement, type Severity } from "./findings.ts";
import {
  addColumnSql,
  alterColumnTypeSql,
  attachPartitionSql,
  columnDefaultSql,
  columnIdentitySql,
  columnNotNullSql,
  createPolicySql,
  createTableSql,
  createTriggerSql,
  detachPartitionSql,
  dropColumnSql,
  dropConstraintSql,
  dropIndexSql,
  dropPolicySql,
  dropTriggerSql,
  ensureConstraintSql,
  ensureIndexSql,
  forceRlsSql,
  grantSql,
  isLosslessTypeChange,
  ownerSql,
  publicationAddTableSql,
  replicaIdentitySql,
  revokeAllSql,
  rlsSql,
  triggerStateSql,
} from "./fix_sql.ts";
import {
  type Column,
  type Constraint,
  type Grant,
  type Index,
  type PlatformTable,
  type Policy,
  qualifiedKey,
  type Table,
  type Trigger,
} from "./model.ts";
import { qualifiedName } from "./names.ts";

const tableKey = (t: { schema: string; name: string }) => qualifiedKey(t.schema, t.name);

/** `parent bound` of a partition, or "" for a table that is not one. */
function partitionText(t: Table): string {
  return t.partitionOf ? `${tableKey(t.partitionOf)} ${t.partitionBound ?? ""}`.trim() : "";
}

// Shared with views and platform tables ------------------------------------------------------

/** Index findings on one relation (indexes backing constraints are compared as constraints). */
export function diffIndexes(
  ctx: DiffContext,
  schema: string,
  relation: string,
  expected: readonly Index[],
  actual: readonly Index[],
): Finding[] {
  const own = (list: readonly Index[]) => list.filter((i) => i.constraint === null);
  const matched = matchByKey(own(expected), own(actual), (i) => i.name);
  const findings: Finding[] = [];
  for (const index of matched.missing) {
    findings.push(finding({
      check: "index.missing",
      category: "A",
      severity: index.unique ? "high" : "medium",
      objectKind: "index",
      resource: qualifiedKey(schema, index.name),
      issue: `Index ${index.name} on ${relation} is missing.`,
      expected: index.definition,
      actual: null,
      evidence: indexEvidence(schema, index.name),
      impact: index.unique
        ? "Duplicate values can now be written, and lookups on these columns scan the table."
        : "Queries filtering or joining on these columns scan the whole table.",
      fix: fix("index", ensureIndexSql(schema, index)),
    }));
  }
  if (ctx.reportUnexpected) {
    for (const index of matched.unexpected) {
      findings.push(finding({
        check: "index.unexpected",
        category: "F",
        severity: index.unique ? "medium" : "low",
        objectKind: "index",
        resource: qualifiedKey(schema, index.name),
        issue: `Index ${index.name} on ${relation} is not in the contract.`,
        expected: null,
        actual: index.definition,
        evidence: indexEvidence(schema, index.name),
        impact: index.unique
          ? "Writes the contract allows can fail on this uniqueness rule."
          : "An extra index slows every write to the table.",
        fix: fix("drop", dropIndexSql(schema, index.name)),
      }));
    }
  }
  for (const [e, a] of matched.both) {
    if (e.definition === a.definition) continue;
    findings.push(finding({
      check: "index.definition",
      category: "B",
      severity: e.unique !== a.unique ? "high" : "medium",
      objectKind: "index",
      resource: qualifiedKey(schema, e.name),
      issue: `Index ${e.name} on ${relation} has another definition.`,
      expected: e.definition,
      actual: a.definition,
      evidence: indexEvidence(schema, e.name),
      impact:
        "Queries planned for the contract's index, or the uniqueness it enforces, no longer hold.",
      fix: fix("index", ensureIndexSql(schema, e)),
    }));
  }
  return findings;
}

function policyText(p: Policy): string {
  return `${p.permissive ? "permissive" : "restrictive"} for ${p.command} to ${
    p.roles.join(", ")
  }` +
    (p.using !== null ? ` using (${p.using})` : "") +
    (p.withCheck !== null ? ` with check (${p.withCheck})` : "");
}

function policyFix(schema: string, table: string, p: Policy): FixStatement[] {
  return [{
    phase: "policy",
    sql: `${dropPolicySql(schema, table, p.name)}\n${createPolicySql(schema, table, p)}`,
    destructive: false,
  }];
}

function isAlwaysTrue(expression: string | null): boolean {
  if (expression === null) return false;
  return ["true", "(true)", "1=1", "(1=1)"].includes(expression.replace(/\s+/g, "").toLowerCase());
}

/** Policy findings on one table. */
export function diffPolicies(
  ctx: DiffContext,
  schema: string,
  table: string,
  expected: readonly Policy[],
  actual: readonly Policy[],
): Finding[] {
  const matched = matchByKey(expected, actual, (p) => p.name);
  const relation = qualifiedKey(schema, table);
  const findings: Finding[] = [];
  for (const p of matched.missing) {
    findings.push(finding({
      check: "policy.missing",
      category: "C",
      severity: p.permissive ? "high" : "critical",
      objectKind: "policy",
      resource: `${relation}.${p.name}`,
      issue: `Policy "${p.name}" on ${relation} is missing.`,
      expected: policyText(p),
      actual: null,
      evidence: policyEvidence(schema, table, p.name),
      impact: p.permissive
        ? `Rows this policy lets ${p.roles.join(", ")} ${
          p.command === "ALL" ? "use" : p.command.toLowerCase()
        } are now denied (or allowed by a broader policy).`
        : `The restriction it adds is gone: ${
          p.roles.join(", ")
        } can reach rows the contract forbids.`,
      fix: policyFix(schema, table, p),
    }));
  }
  if (ctx.reportUnexpected) {
    for (const p of matched.unexpected) {
      const wide = p.roles.some((r) => r === "public" || r === "anon");
      findings.push(finding({
        check: "policy.unexpected",
        category: "C",
        severity: !p.permissive ? "medium" : wide || isAlwaysTrue(p.using) ? "critical" : "high",
        objectKind: "policy",
        resource: `${relation}.${p.name}`,
        issue: `Policy "${p.name}" on ${relation} is not in the contract.`,
        expected: null,
        actual: policyText(p),
        evidence: policyEvidence(schema, table, p.name),
        impact: p.permissive
          ? `Permissive policies are OR-ed: this one opens rows to ${
            p.roles.join(", ")
          } beyond the contract.`
          : "A restrictive policy hides rows the contract allows.",
        fix: fix("drop", dropPolicySql(schema, table, p.name)),
      }));
    }
  }
  for (const [e, a] of matched.both) {
    if (policyText(e) === policyText(a)) continue;
    const widened = (a.permissive && !e.permissive) ||
      (isAlwaysTrue(a.using) && !isAlwaysTrue(e.using)) ||
      (isAlwaysTrue(a.withCheck) && !isAlwaysTrue(e.withCheck)) ||
      a.roles.some((r) => !e.roles.includes(r) && (r === "public" || r === "anon"));
    findings.push(finding({
      check: "policy.definition",
      category: "C",
      severity: widened ? "critical" : "high",
      objectKind: "policy",
      resource: `${relation}.${e.name}`,
      issue: `Policy "${e.name}" on ${relation} differs from the contract.`,
      expected: policyText(e),
      actual: policyText(a),
      evidence: policyEvidence(schema, table, e.name),
      impact: "Who can read or write which rows is no longer what the contract specifies.",
      fix: policyFix(schema, table, e),
    }));
  }
  return findings;
}

function triggerFix(schema: string, table: string, t: Trigger): FixStatement[] {
  const statements: FixStatement[] = [{
    phase: "trigger",
    sql: createTriggerSql(schema, table, t),
    destructive: false,
  }];
  if (t.enabled !== "origin") {
    statements.push({
      phase: "trigger",
      sql: triggerStateSql(schema, table, t.name, t.enabled),
      destructive: false,
    });
  }
  return statements;
}

/** Trigger findings on one table or view. */
export function diffTriggers(
  ctx: DiffContext,
  schema: string,
  table: string,
  expected: readonly Trigger[],
  actual: readonly Trigger[],
): Finding[] {
  const matched = matchByKey(expected, actual, (t) => t.name);
  const relation = qualifiedKey(schema, table);
  const findings: Finding[] = [];
  for (const t of matched.missing) {
    findings.push(finding({
      check: "trigger.missing",
      category: "A",
      severity: "high",
      objectKind: "trigger",
      resource: `${relation}.${t.name}`,
      issue: `Trigger ${t.name} on ${relation} is missing.`,
      expected: t.definition,
      actual: null,
      evidence: triggerEvidence(schema, table, t.name),
      impact:
        `What ${t.function} does on each change (defaults, audit, derived rows) no longer happens.`,
      fix: triggerFix(schema, table, t),
    }));
  }
  if (ctx.reportUnexpected) {
    for (const t of matched.unexpected) {
      findings.push(finding({
        check: "trigger.unexpected",
        category: "F",
        severity: "medium",
        objectKind: "trigger",
        resource: `${relation}.${t.name}`,
        issue: `Trigger ${t.name} on ${relation} is not in the contract.`,
        expected: null,
        actual: t.definition,
        evidence: triggerEvidence(schema, table, t.name),
        impact: `${t.function} runs on every matching change: it can rewrite or copy rows unseen.`,
        fix: fix("drop", dropTriggerSql(schema, table, t.name)),
      }));
    }
  }
  for (const [e, a] of matched.both) {
    if (e.definition !== a.definition) {
      findings.push(finding({
        check: "trigger.definition",
        category: "B",
        severity: "high",
        objectKind: "trigger",
        resource: `${relation}.${e.name}`,
        issue: `Trigger ${e.name} on ${relation} has another definition.`,
        expected: e.definition,
        actual: a.definition,
        evidence: triggerEvidence(schema, table, e.name),
        impact: "The trigger fires at other times or calls another function than specified.",
        fix: triggerFix(schema, table, e),
      }));
    } else if (e.enabled !== a.enabled) {
      findings.push(finding({
        check: "trigger.enabled",
        category: "B",
        severity: "high",
        objectKind: "trigger",
        resource: `${relation}.${e.name}`,
        issue: `Trigger ${e.name} on ${relation} is ${
          a.enabled === "disabled" ? "disabled" : `set to fire "${a.enabled}"`
        }.`,
        expected: e.enabled,
        actual: a.enabled,
        evidence: triggerEvidence(schema, table, e.name),
        impact: a.enabled === "disabled"
          ? `${e.function} no longer runs: what it guarantees silently stops.`
          : "The trigger fires in other replication roles than specified.",
        fix: fix("trigger", triggerStateSql(schema, table, e.name, e.enabled)),
      }));
    }
  }
  return findings;
}

// Tables --------------------------------------------------------------------------------------

function constraintPhase(c: Constraint) {
  return c.type === "foreign key" ? "foreign key" as const : "constraint" as const;
}

function columnGrantStatements(t: Table): FixStatement[] {
  return t.columns.flatMap((c) =>
    c.grants.map((g) => ({
      phase: "privilege" as const,
      sql: grantSql({ kind: "column", schema: t.schema, table: t.name, column: c.name }, g),
      destructive: false,
    }))
  );
}

/** Every statement that rebuilds a table as the contract has it. */
function rebuildTable(ctx: DiffContext, t: Table): FixStatement[] {
  const create = createTableSql(t);
  const statements: FixStatement[] = [
    ...fix("table", create),
    ...(ctx.compareOwners && create !== null
      ? fix("table", ownerSql("table", t.schema, t.name, t.owner))
      : []),
  ];
  for (const c of t.constraints) {
    statements.push(...fix(constraintPhase(c), ensureConstraintSql(t, c)));
  }
  for (const i of t.indexes) {
    if (i.constraint === null) statements.push(...fix("index", ensureIndexSql(t.schema, i)));
  }
  if (t.rls) statements.push(...fix("rls", rlsSql(t, true)));
  if (t.forceRls) statements.push(...fix("rls", forceRlsSql(t, true)));
  for (const p of t.policies) statements.push(...policyFix(t.schema, t.name, p));
  for (const tr of t.triggers) statements.push(...triggerFix(t.schema, t.name, tr));
  statements.push(
    ...restoreGrants(
      ctx,
      { kind: "table", schema: t.schema, name: t.name },
      t.grants,
      t.schema,
      "tables",
    ),
    ...columnGrantStatements(t),
  );
  if (t.replicaIdentity !== "default") {
    statements.push(
      ...fix("publication", replicaIdentitySql(t, t.replicaIdentity, t.replicaIdentityIndex)),
    );
  }
  for (const p of ctx.expected.publications) {
    const member = p.tables.find((m) => m.schema === t.schema && m.name === t.name);
    if (member) statements.push(...fix("publication", publicationAddTableSql(p.name, member)));
  }
  return statements;
}

/** Whether an unexpected table is neutralised: RLS on and nothing granted to API roles. */
export function tableIsNeutral(t: Table): boolean {
  return t.rls && apiGrantees([...t.grants, ...t.columns.flatMap((c) => c.grants)]).length === 0;
}

/** The statements that neutralise an unexpected table. */
export function neutraliseTableSql(t: Pick<Table, "schema" | "name">): string {
  return `${rlsSql(t, true)}\n` +
    revokeAllSql({ kind: "table", schema: t.schema, name: t.name }, [
      "PUBLIC",
      "anon",
      "authenticated",
    ]);
}

function unexpectedTable(t: Table): Finding | Acknowledgement {
  const resource = tableKey(t);
  if (tableIsNeutral(t)) {
    return {
      objectKind: "table",
      resource,
      reason:
        "not in the contract; RLS enabled and no privileges for anon, authenticated or PUBLIC",
    };
  }
  const exposedTo = apiGrantees([...t.grants, ...t.columns.flatMap((c) => c.grants)]);
  const severity: Severity = exposedTo.length === 0 ? "medium" : t.rls ? "high" : "critical";
  return finding({
    check: "table.unexpected",
    category: "F",
    severity,
    objectKind: "table",
    resource,
    issue: `Table ${resource} is not in the contract and is not neutralised.`,
    expected: null,
    actual: `RLS ${t.rls ? "enabled" : "disabled"}; ${describeGrants(t.grants)}`,
    evidence: tableEvidence(t.schema, t.name),
    impact: exposedTo.length > 0
      ? `${exposedTo.join(", ")} can reach it through the Data API${
        t.rls ? "" : " with no row filtering"
      }.`
      : "RLS is off: any role later granted access sees every row.",
    fix: fix("rls", neutraliseTableSql(t)),
    manual: `Neutralising keeps the table and its data; drop it by hand (drop table ${
      qualifiedName(t.schema, t.name)
    }) if it should not exist.`,
  });
}

function missingTable(ctx: DiffContext, t: Table): Finding {
  return finding({
    check: "table.missing",
    category: "A",
    severity: "high",
    objectKind: "table",
    resource: tableKey(t),
    issue: `Table ${tableKey(t)} is missing.`,
    expected:
      `${t.kind} with ${t.columns.length} columns, RLS ${t.rls ? "enabled" : "disabled"}, ` +
      `${t.policies.length} policies`,
    actual: null,
    evidence: tableEvidence(t.schema, t.name),
    impact: "Every query, policy and function that uses this table fails.",
    fix: rebuildTable(ctx, t),
    manual: t.kind === "foreign" ? "Recreate the foreign table with its server and options." : null,
  });
}

function columnText(c: Column): string {
  return [
    c.type,
    c.notNull ? "not null" : "null",
    c.default !== null ? `default ${c.default}` : null,
    c.identity !== null ? `identity ${c.identity}` : null,
    c.generated !== null ? `generated (${c.generated})` : null,
    c.collation !== null ? `collate ${c.collation}` : null,
  ].filter((p) => p !== null).join(", ");
}

function diffColumns(ctx: DiffContext, e: Table, a: Table): Finding[] {
  const findings: Finding[] = [];
  // A partition's columns follow its parent's type (Postgres refuses to change them on the
  // partition alone): the parent's finding reports and fixes it.
  const typeFollowsParent = e.partitionOf !== null && partitionText(e) === partitionText(a);
  const matched = matchByKey(e.columns, a.columns, (c) => c.name);
  const table = tableKey(e);
  const exposed = apiGrantees(a.grants).length > 0;
  for (const c of matched.missing) {
    findings.push(finding({
      check: "column.missing",
      category: "A",
      severity: "high",
      objectKind: "column",
      resource: `${table}.${c.name}`,
      issue: `Column ${c.name} of ${table} is missing.`,
      expected: columnText(c),
      actual: null,
      evidence: columnEvidence(e.schema, e.name, c.name),
      impact: "Reads and writes naming this column fail.",
      fix: [
        ...fix("column", addColumnSql(e, c)),
        ...c.grants.map((g) => ({
          phase: "privilege" as const,
          sql: grantSql({ kind: "column", schema: e.schema, table: e.name, column: c.name }, g),
          destructive: false,
        })),
      ],
      manual: c.notNull && c.default === null && c.identity === null && c.generated === null
        ? "A NOT NULL column without default cannot be added to a table with rows: backfill first."
        : null,
    }));
  }
  if (ctx.reportUnexpected) {
    for (const c of matched.unexpected) {
      findings.push(finding({
        check: "column.unexpected",
        category: "F",
        severity: exposed ? "medium" : "low",
        objectKind: "column",
        resource: `${table}.${c.name}`,
        issue: `Column ${c.name} of ${table} is not in the contract.`,
        expected: null,
        actual: columnText(c),
        evidence: columnEvidence(a.schema, a.name, c.name),
        impact: exposed
          ? "Whatever it holds is readable wherever the table is, through the Data API."
          : "Writes that omit it may fail or store unexpected defaults.",
        fix: fix("drop", dropColumnSql(a, c.name), true),
      }));
    }
  }
  for (const [ec, ac] of matched.both) {
    const resource = `${table}.${ec.name}`;
    const evidence = columnEvidence(e.schema, e.name, ec.name);
    const base = { objectKind: "column" as const, resource, evidence };
    if ((ec.type !== ac.type || ec.collation !== ac.collation) && !typeFollowsParent) {
      const lossy = ec.type !== ac.type && !isLosslessTypeChange(ac.type, ec.type);
      findings.push(finding({
        ...base,
        check: "column.type",
        category: "B",
        severity: "high",
        issue: `Column ${resource} has type ${ac.type}${
          ac.collation ? ` collate ${ac.collation}` : ""
        }.`,
        expected: `${ec.type}${ec.collation ? ` collate ${ec.collation}` : ""}`,
        actual: `${ac.type}${ac.collation ? ` collate ${ac.collation}` : ""}`,
        impact: "Values, comparisons and clients typed for the contract behave differently.",
        fix: fix("column", alterColumnTypeSql(e, ec), lossy),
        manual: lossy
          ? `Converting ${ac.type} to ${ec.type} can fail or lose values: check the data first.`
          : null,
      }));
    }
    if (ec.generated !== ac.generated) {
      findings.push(finding({
        ...base,
        check: "column.generated",
        category: "B",
        severity: "medium",
        issue: `Column ${resource} is generated differently.`,
        expected: shown(ec.generated, "not generated"),
        actual: shown(ac.generated, "not generated"),
        impact: "Stored values are derived by another rule than the contract's.",
        fix: [
          ...fix("column", dropColumnSql(e, ec.name), true),
          ...fix("column", addColumnSql(e, ec)),
        ],
      }));
      continue;
    }
    if (ec.default !== ac.default && ec.identity === null && ac.identity === null) {
      findings.push(finding({
        ...base,
        check: "column.default",
        category: "B",
        severity: "medium",
        issue: `Column ${resource} has another default.`,
        expected: shown(ec.default),
        actual: shown(ac.default),
        impact: "Rows inserted without this column get another value than specified.",
        fix: fix("column", columnDefaultSql(e, ec)),
      }));
    }
    // A partition's identity is its parent's (PostgreSQL 17 shows it on the partition, 15 does
    // not; neither lets it change there): the parent's finding, or reattaching, restores it.
    if (ec.identity !== ac.identity && e.partitionOf === null) {
      findings.push(finding({
        ...base,
        check: "column.identity",
        category: "B",
        severity: "medium",
        issue: `Column ${resource} has another identity setting.`,
        expected: shown(ec.identity, "not identity"),
        actual: shown(ac.identity, "not identity"),
        impact: "Inserted rows are numbered differently, or explicit ids are refused.",
        fix: [
          ...(ac.default !== null && ec.identity !== null
            ? fix("column", columnDefaultSql(e, { ...ec, default: null }))
            : []),
          ...fix("column", columnIdentitySql(e, ec)),
          ...(ec.identity === null && ec.default !== null
            ? fix("column", columnDefaultSql(e, ec))
            : []),
        ],
      }));
    }
    if (ec.notNull !== ac.notNull) {
      findings.push(finding({
        ...base,
        check: "column.nullability",
        category: "B",
        severity: "medium",
        issue: `Column ${resource} is ${ac.notNull ? "NOT NULL" : "nullable"}.`,
        expected: ec.notNull ? "not null" : "nullable",
        actual: ac.notNull ? "not null" : "nullable",
        impact: ac.notNull
          ? "Writes that leave it empty are refused."
          : "Rows without a value can be written; code assuming a value breaks.",
        fix: fix("column", columnNotNullSql(e, ec)),
        manual: ec.notNull
          ? "Setting NOT NULL fails while rows hold nulls: backfill them first."
          : null,
      }));
    }
    findings.push(...diffGrants(
      ctx,
      {
        target: { kind: "column", schema: e.schema, table: e.name, column: ec.name },
        objectKind: "column",
        resource,
      },
      ec.grants,
      ac.grants,
    ));
  }
  return findings;
}

function diffConstraints(ctx: DiffContext, e: Table, a: Table): Finding[] {
  const findings: Finding[] = [];
  const table = tableKey(e);
  const matched = matchByKey(e.constraints, a.constraints, (c) => c.name);
  for (const c of matched.missing) {
    findings.push(finding({
      check: "constraint.missing",
      category: "A",
      severity: "high",
      objectKind: "constraint",
      resource: `${table}.${c.name}`,
      issue: `The ${c.type} constraint ${c.name} on ${table} is missing.`,
      expected: c.definition,
      actual: null,
      evidence: constraintEvidence(e.schema, e.name, c.name),
      impact: c.type === "foreign key"
        ? "Rows can point at rows that do not exist, and deletes no longer cascade as specified."
        : c.type === "primary key" || c.type === "unique"
        ? "Duplicate rows can be written, and upserts on these columns fail."
        : "Values the contract rejects can now be stored.",
      fix: fix(constraintPhase(c), ensureConstraintSql(e, c)),
    }));
  }
  if (ctx.reportUnexpected) {
    for (const c of matched.unexpected) {
      findings.push(finding({
        check: "constraint.unexpected",
        category: "F",
        severity: "low",
        objectKind: "constraint",
        resource: `${table}.${c.name}`,
        issue: `The ${c.type} constraint ${c.name} on ${table} is not in the contract.`,
        expected: null,
        actual: c.definition,
        evidence: constraintEvidence(a.schema, a.name, c.name),
        impact: "Writes the contract allows can be refused.",
        fix: fix("drop", dropConstraintSql(a, c.name)),
      }));
    }
  }
  for (const [ec, ac] of matched.both) {
    if (ec.definition === ac.definition && ec.type === ac.type) continue;
    findings.push(finding({
      check: "constraint.definition",
      category: "B",
      severity: "high",
      objectKind: "constraint",
      resource: `${table}.${ec.name}`,
      issue: `Constraint ${ec.name} on ${table} has another definition.`,
      expected: ec.definition,
      actual: ac.definition,
      evidence: constraintEvidence(e.schema, e.name, ec.name),
      impact: "Data integrity rules differ from the contract's.",
      fix: fix(constraintPhase(ec), ensureConstraintSql(e, ec)),
    }));
  }
  return findings;
}

function diffTable(ctx: DiffContext, e: Table, a: Table): Finding[] {
  const findings: Finding[] = [];
  const resource = tableKey(e);
  const evidence = tableEvidence(e.schema, e.name);
  const exposedTo = apiGrantees([...a.grants, ...a.columns.flatMap((c) => c.grants)]);
  if (e.rls && !a.rls) {
    findings.push(finding({
      check: "table.rls_disabled",
      category: "C",
      severity: exposedTo.length > 0 ? "critical" : "high",
      objectKind: "table",
      resource,
      issue: `Row-level security is disabled on ${resource}.`,
      expected: "RLS enabled",
      actual: "RLS disabled",
      evidence,
      impact: exposedTo.length > 0
        ? `Policies are ignored: ${
          exposedTo.join(", ")
        } can read and write every row their privileges allow.`
        : "Policies are ignored: any role granted access sees every row.",
      fix: fix("rls", rlsSql(e, true)),
    }));
  } else if (!e.rls && a.rls) {
    findings.push(finding({
      check: "table.rls_enabled",
      category: "C",
      severity: "medium",
      objectKind: "table",
      resource,
      issue: `Row-level security is enabled on ${resource}, which the contract leaves open.`,
      expected: "RLS disabled",
      actual: "RLS enabled",
      evidence,
      impact: "Rows without a matching policy are hidden: reads come back empty.",
      fix: fix("rls", rlsSql(e, false)),
    }));
  }
  if (e.forceRls !== a.forceRls) {
    findings.push(finding({
      check: "table.rls_forced",
      category: "C",
      severity: e.forceRls ? "medium" : "low",
      objectKind: "table",
      resource,
      issue: `Row-level security on ${resource} is ${a.forceRls ? "" : "not "}forced on the owner.`,
      expected: e.forceRls ? "forced" : "not forced",
      actual: a.forceRls ? "forced" : "not forced",
      evidence,
      impact: e.forceRls
        ? "The table owner (and functions it owns) bypass the policies."
        : "The owner is filtered by policies the contract does not apply to it.",
      fix: fix("rls", forceRlsSql(e, e.forceRls)),
    }));
  }
  if (ctx.compareOwners && e.owner !== a.owner) {
    findings.push(finding({
      check: "table.owner",
      category: "B",
      severity: "medium",
      objectKind: "table",
      resource,
      issue: `Table ${resource} is owned by ${a.owner}.`,
      expected: e.owner,
      actual: a.owner,
      evidence,
      impact: "The owner bypasses RLS unless forced and can change or drop the table.",
      fix: fix("table", ownerSql("table", e.schema, e.name, e.owner)),
    }));
  }
  if (
    e.replicaIdentity !== a.replicaIdentity || e.replicaIdentityIndex !== a.replicaIdentityIndex
  ) {
    findings.push(finding({
      check: "table.replica_identity",
      category: "E",
      severity: "medium",
      objectKind: "table",
      resource,
      issue: `Replica identity of ${resource} is ${a.replicaIdentity}.`,
      expected: e.replicaIdentity + (e.replicaIdentityIndex ? ` (${e.replicaIdentityIndex})` : ""),
      actual: a.replicaIdentity + (a.replicaIdentityIndex ? ` (${a.replicaIdentityIndex})` : ""),
      evidence,
      impact: "Realtime UPDATE/DELETE events carry other old-row data than specified " +
        "(with 'full', RLS cannot filter DELETE events).",
      fix: fix("publication", replicaIdentitySql(e, e.replicaIdentity, e.replicaIdentityIndex)),
    }));
  }
  const partitionChanged = partitionText(e) !== partitionText(a);
  if (partitionChanged) {
    findings.push(finding({
      check: "table.partition",
      category: "B",
      severity: "high",
      objectKind: "table",
      resource,
      issue: a.partitionOf === null
        ? `${resource} is not a partition of ${partitionText(e)}.`
        : `${resource} is attached as ${partitionText(a)}.`,
      expected: shown(partitionText(e), "not a partition"),
      actual: shown(partitionText(a), "not a partition"),
      evidence,
      impact: "Rows routed through the parent land elsewhere or fail, queries on the parent " +
        "miss this table's rows, and the parent's RLS and grants no longer cover them.",
      fix: [
        ...(a.partitionOf ? fix("table", detachPartitionSql(a.partitionOf, a)) : []),
        ...(e.partitionOf && e.partitionBound
          ? fix("constraint", attachPartitionSql(e.partitionOf, e, e.partitionBound))
          : []),
      ],
    }));
  }
  findings.push(...diffColumns(ctx, e, a));
  // A detached partition keeps the constraints and indexes it inherited; attaching it again
  // makes them the parent's once more, so they are not reported on their own.
  const inheritedAsLocal = partitionChanged && e.partitionOf !== null;
  if (!inheritedAsLocal) {
    findings.push(...diffConstraints(ctx, e, a));
    findings.push(...diffIndexes(ctx, e.schema, resource, e.indexes, a.indexes));
  }
  findings.push(...diffPolicies(ctx, e.schema, e.name, e.policies, a.policies));
  findings.push(...diffTriggers(ctx, e.schema, e.name, e.triggers, a.triggers));
  findings.push(...diffGrants(
    ctx,
    {
      target: { kind: "table", schema: e.schema, name: e.name },
      objectKind: "table",
      resource,
      unexpectedSeverity: (g: Grant) =>
        severityByGrantee(g) === "critical" || (g.grantee === "authenticated" && !a.rls)
          ? "critical"
          : severityByGrantee(g),
    },
    e.grants,
    a.grants,
  ));
  return findings;
}

/** Findings for every table in scope; acknowledged unexpected tables go to the context. */
export function diffTables(ctx: DiffContext): Finding[] {
  const inScope = (t: Table) => ctx.inScope(t.schema);
  const matched = matchByKey(
    ctx.expected.tables.filter(inScope),
    ctx.actual.tables.filter(inScope),
    tableKey,
  );
  const findings: Finding[] = [];
  for (const t of matched.missing) findings.push(missingTable(ctx, t));
  if (ctx.reportUnexpected) {
    for (const t of matched.unexpected) {
      const outcome = unexpectedTable(t);
      if ("fingerprint" in outcome) findings.push(outcome);
      else ctx.acknowledge(outcome);
    }
  }
  for (const [e, a] of matched.both) findings.push(...diffTable(ctx, e, a));
  return findings;
}

/** Policies and triggers the user attached to platform tables (storage.objects, auth.users). */
export function diffPlatformTables(ctx: DiffContext): Finding[] {
  const empty = (t: PlatformTable): PlatformTable => ({ ...t, policies: [], triggers: [] });
  const matched = matchByKey(ctx.expected.platformTables, ctx.actual.platformTables, tableKey);
  const pairs: (readonly [PlatformTable, PlatformTable])[] = [
    ...matched.both,
    ...matched.missing.map((t) => [t, empty(t)] as const),
    ...matched.unexpected.map((t) => [empty(t), t] as const),
  ];
  return pairs.flatMap(([e, a]) => [
    ...diffPolicies(ctx, e.schema, e.name, e.policies, a.policies),
    ...diffTriggers(ctx, e.schema, e.name, e.triggers, a.triggers),
  ]);
}
