/**
 * @module Verification: the diff plus the advisor lints. A lint the contract itself triggers is
 * inherited (a table deliberately left public, say) and not drift; a lint on a neutralised
 * unexpected object is acknowledged; any other lint is drift and becomes a finding.
 */
import { type Acknowledgement, compare, type DiffOptions } from "./diff.ts";
import {
  extensionEvidence,
  policyEvidence,
  routineEvidence,
  tableEvidence,
  viewEvidence,
} from "./evidence_sql.ts";
import {
  type Category,
  CATEGORY_NAMES,
  compareFindings,
  type Finding,
  finding,
  fix,
  type FixStatement,
  type ObjectKind,
  SEVERITIES,
  type Severity,
} from "./findings.ts";
import { revokeSql, rlsSql, viewSecuritySql } from "./fix_sql.ts";
import { apiSchemasOf, type Lint, lint, type LintName, type LintOptions } from "./lints.ts";
import type { Model, Routine, View } from "./model.ts";

/** Options of {@linkcode verify}. */
export interface VerifyOptions extends DiffOptions, LintOptions {}

/** Counts for a report's header and the CLI's exit code. */
export interface VerificationSummary {
  /** Findings that count as drift. */
  readonly drift: number;
  readonly bySeverity: Readonly<Record<Severity, number>>;
  readonly byCategory: Readonly<Record<Category, number>>;
  /** Findings whose fix is destructive (left out of the default patch). */
  readonly destructive: number;
  readonly inherited: number;
  readonly acknowledged: number;
}

/** The outcome of verifying a database against its contract. */
export interface Verification {
  /** Drift: differences from the contract and lints the contract does not have. */
  readonly findings: readonly Finding[];
  /** Lints the contract has as well: reported, not drift. */
  readonly inherited: readonly Lint[];
  /** Neutralised unexpected objects and lints on them: reported, not drift. */
  readonly acknowledged: readonly Acknowledgement[];
  readonly summary: VerificationSummary;
}

const LINT_CATEGORY: Readonly<Record<LintName, Category>> = {
  rls_disabled_in_public: "C",
  policy_exists_rls_disabled: "C",
  rls_enabled_no_policy: "C",
  rls_policy_always_true: "C",
  rls_references_user_metadata: "C",
  auth_users_exposed: "D",
  sensitive_columns_exposed: "D",
  anon_security_definer_function_executable: "D",
  authenticated_security_definer_function_executable: "D",
  security_definer_view: "F",
  function_search_path_mutable: "F",
  extension_in_public: "F",
  unindexed_foreign_keys: "B",
  duplicate_index: "B",
  no_primary_key: "B",
  auth_rls_initplan: "B",
  multiple_permissive_policies: "B",
};

function lintSeverity(l: Lint): Severity {
  if (l.level === "ERROR") return "critical";
  if (l.level === "WARN") return l.categories.includes("SECURITY") ? "high" : "medium";
  return "low";
}

function lintObject(l: Lint): { kind: ObjectKind; schema: string; name: string } {
  const schema = String(l.metadata.schema ?? "");
  const name = String(l.metadata.name ?? "");
  const type = String(l.metadata.type ?? "");
  if (
    l.name === "anon_security_definer_function_executable" ||
    l.name === "authenticated_security_definer_function_executable"
  ) {
    return { kind: "function", schema, name };
  }
  const kinds: Record<string, ObjectKind> = {
    table: "table",
    view: "view",
    "materialized view": "materialized view",
    function: "function",
    extension: "extension",
  };
  return { kind: kinds[type] ?? "table", schema, name };
}

function findRoutines(model: Model, schema: string, name: string): Routine[] {
  return model.routines.filter((r) => r.schema === schema && r.name === name);
}

function lintFix(l: Lint, actual: Model): FixStatement[] {
  const { schema, name } = lintObject(l);
  switch (l.name) {
    case "rls_disabled_in_public":
    case "policy_exists_rls_disabled":
    case "sensitive_columns_exposed":
      return fix("rls", rlsSql({ schema, name }, true));
    case "security_definer_view": {
      const view = actual.views.find((v: View) => v.schema === schema && v.name === name);
      return view ? fix("view", viewSecuritySql({ ...view, securityInvoker: true })) : [];
    }
    case "anon_security_definer_function_executable":
    case "authenticated_security_definer_function_executable": {
      const role = l.name.startsWith("anon") ? "anon" : "authenticated";
      const args = String(l.metadata.arguments ?? "");
      const target = { kind: "routine" as const, schema, name, identityArgs: args };
      return [
        ...fix("privilege", revokeSql(target, { grantee: "PUBLIC", privilege: "EXECUTE" })),
        ...fix("privilege", revokeSql(target, { grantee: role, privilege: "EXECUTE" })),
      ];
    }
    default:
      return [];
  }
}

function lintEvidence(l: Lint, actual: Model): string {
  const { kind, schema, name } = lintObject(l);
  if (kind === "extension") return extensionEvidence(name);
  if (kind === "view" || kind === "materialized view") return viewEvidence(schema, name);
  if (kind === "function") {
    const args = typeof l.metadata.arguments === "string"
      ? l.metadata.arguments
      : findRoutines(actual, schema, name)[0]?.identityArgs ?? "";
    return routineEvidence(schema, name, args);
  }
  if (l.name.includes("polic") || l.name.startsWith("rls_") || l.name === "auth_rls_initplan") {
    return `${tableEvidence(schema, name)}\n${policyEvidence(schema, name, null)}`;
  }
  return tableEvidence(schema, name);
}

/**
 * A lint the contract does not have, as a finding. When diff findings concern the same object
 * (`related`), restoring the contract is the fix and the lint adds none of its own: its remedy
 * could contradict the contract (revoking a grant the contract has, say).
 */
export function lintFinding(l: Lint, actual: Model, related: readonly Finding[] = []): Finding {
  const object = lintObject(l);
  const fixStatements = related.length > 0 ? [] : lintFix(l, actual);
  return finding({
    check: l.name,
    category: LINT_CATEGORY[l.name],
    severity: lintSeverity(l),
    objectKind: object.kind,
    resource: object.kind === "extension" ? object.name : `${object.schema}.${object.name}`,
    key: l.cache_key,
    issue: l.detail,
    expected: `not flagged by ${l.name} (the contract passes it)`,
    actual: `${l.level}: ${l.title}`,
    evidence: lintEvidence(l, actual),
    impact: l.description,
    fix: fixStatements,
    manual: related.length > 0 || fixStatements.length > 0
      ? null
      : `No automatic fix; see ${l.remediation}`,
    coveredBy: related.map((f) => f.id),
    source: "lint",
  });
}

/** Whether a diff finding's resource is the lint's object or something on it. */
function sameObject(resource: string, object: { schema: string; name: string }): boolean {
  const qualified = `${object.schema}.${object.name}`;
  return resource === qualified || resource.startsWith(`${qualified}.`) ||
    resource.startsWith(`${qualified}(`) || resource.endsWith(`:${qualified}`);
}

function summarise(
  findings: readonly Finding[],
  inherited: number,
  acknowledged: number,
): VerificationSummary {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byCategory = Object.fromEntries(Object.keys(CATEGORY_NAMES).map((c) => [c, 0])) as Record<
    Category,
    number
  >;
  for (const f of findings) {
    bySeverity[f.severity]++;
    byCategory[f.category]++;
  }
  return {
    drift: findings.length,
    bySeverity,
    byCategory,
    destructive: findings.filter((f) => f.destructive).length,
    inherited,
    acknowledged,
  };
}

/** Verifies the database model `actual` against the contract model `expected`. */
export function verify(expected: Model, actual: Model, options: VerifyOptions = {}): Verification {
  const comparison = compare(expected, actual, options);
  // Both sides are linted as if they ran where `actual` runs: same exposed schemas and roles.
  const lintOptions: LintOptions = {
    apiSchemas: apiSchemasOf(actual, options),
    roles: options.roles ?? actual.platform.roles,
  };
  const contractKeys = new Set(lint(expected, lintOptions).map((l) => l.cache_key));
  const acknowledgedObjects = new Set(
    comparison.acknowledged.map((a) => a.resource.replace(/\(.*\)$/, "")),
  );
  const inherited: Lint[] = [];
  const acknowledged: Acknowledgement[] = [...comparison.acknowledged];
  const lintFindings: Finding[] = [];
  for (const l of lint(actual, lintOptions)) {
    const object = lintObject(l);
    if (contractKeys.has(l.cache_key)) {
      inherited.push(l);
    } else if (acknowledgedObjects.has(`${object.schema}.${object.name}`)) {
      acknowledged.push({
        objectKind: object.kind,
        resource: `${object.schema}.${object.name}`,
        reason: `${l.name} on an acknowledged object`,
      });
    } else {
      const related = comparison.findings.filter((f) => sameObject(f.resource, object));
      lintFindings.push(lintFinding(l, actual, related));
    }
  }
  const findings = [...comparison.findings, ...lintFindings].sort(compareFindings);
  return {
    findings,
    inherited,
    acknowledged,
    summary: summarise(findings, inherited.length, acknowledged.length),
  };
}
