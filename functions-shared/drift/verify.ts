/**
 * @module Verification: the diff plus the advisor lints. A lint the contract itself triggers is
 * inherited (a table deliberately left public, say) and not drift; a lint on a neutralised
 * unexpected object is acknowledged; a lint whose root cause the diff reports is part of that
 * finding (one root cause, one finding); any other lint is drift and becomes a finding. With the
 * platform baseline (the scratch database before the migrations), differences on what the
 * migrations left as the platform made it are reported apart and are not drift.
 */
import { findingObject, splitBaseline } from "./baseline.ts";
import { type Acknowledgement, compare, type DiffOptions } from "./diff.ts";
import {
  bucketEvidence,
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
  worseSeverity,
} from "./findings.ts";
import { privateBucketSql, revokeAllSql, revokeSql, rlsSql, viewSecuritySql } from "./fix_sql.ts";
import { apiSchemasOf, type Lint, lint, type LintName, type LintOptions } from "./lints.ts";
import type { Model, Routine, View } from "./model.ts";

/** Options of {@linkcode verify}. */
export interface VerifyOptions extends DiffOptions, LintOptions {
  /**
   * The scratch database's model before the migrations ran. Differences on what the migrations
   * did not create or change are then reported in `baseline`, not as drift.
   */
  readonly baseline?: Model;
}

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
  /** Platform-baseline differences (informational). */
  readonly baseline: number;
}

/** The outcome of verifying a database against its contract. */
export interface Verification {
  /** Drift: differences from the contract and lints the contract does not have. */
  readonly findings: readonly Finding[];
  /** Lints the contract has as well: reported, not drift. */
  readonly inherited: readonly Lint[];
  /** Neutralised unexpected objects and lints on them: reported, not drift. */
  readonly acknowledged: readonly Acknowledgement[];
  /**
   * Differences on the platform baseline the migrations left untouched (an extension the
   * scratch database had, its grants on schema public): informational, never drift, never in
   * the patch. Empty without a baseline.
   */
  readonly baseline: readonly Finding[];
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
  materialized_view_in_api: "D",
  foreign_table_in_api: "D",
  unsupported_reg_types: "B",
  insecure_queue_exposed_in_api: "C",
  fkey_to_auth_unique: "B",
  extension_versions_outdated: "F",
  public_bucket_allows_listing: "D",
  pg_graphql_anon_table_exposed: "D",
  pg_graphql_authenticated_table_exposed: "D",
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
  if (l.name === "extension_versions_outdated") {
    return { kind: "extension", schema: "", name: String(l.metadata.extension_name ?? "") };
  }
  if (l.name === "public_bucket_allows_listing") {
    return { kind: "bucket", schema: "storage", name: String(l.metadata.bucket_id ?? "") };
  }
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
    "foreign table": "table",
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
    case "materialized_view_in_api":
    case "foreign_table_in_api":
      return fix(
        "privilege",
        revokeAllSql({ kind: "table", schema, name }, ["PUBLIC", "anon", "authenticated"]),
      );
    case "public_bucket_allows_listing":
      return fix("bucket", privateBucketSql(name));
    default:
      return [];
  }
}

function lintEvidence(l: Lint, actual: Model): string {
  const { kind, schema, name } = lintObject(l);
  if (kind === "extension") return extensionEvidence(name);
  if (kind === "bucket") return bucketEvidence(name);
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

/** Lints that report one root cause on one object: reported together as one finding. */
const LINT_GROUPS: Readonly<Partial<Record<LintName, string>>> = {
  rls_disabled_in_public: "rls off",
  policy_exists_rls_disabled: "rls off",
  sensitive_columns_exposed: "rls off",
  anon_security_definer_function_executable: "definer executable",
  authenticated_security_definer_function_executable: "definer executable",
  pg_graphql_anon_table_exposed: "graphql exposed",
  pg_graphql_authenticated_table_exposed: "graphql exposed",
};

/**
 * The diff checks that are a lint's root cause, best first: when the diff reports one of them
 * on the lint's object, the lint is part of that finding.
 */
const ROOT_CAUSES: Readonly<Partial<Record<LintName, readonly string[]>>> = {
  rls_disabled_in_public: ["table.rls_disabled", "table.unexpected", "grant.unexpected"],
  policy_exists_rls_disabled: ["table.rls_disabled", "table.unexpected", "policy.unexpected"],
  sensitive_columns_exposed: ["table.rls_disabled", "table.unexpected", "column.unexpected"],
  rls_enabled_no_policy: ["policy.missing", "table.unexpected"],
  rls_policy_always_true: ["policy.definition", "policy.unexpected"],
  auth_rls_initplan: ["policy.definition", "policy.unexpected"],
  rls_references_user_metadata: ["policy.definition", "policy.unexpected"],
  multiple_permissive_policies: ["policy.unexpected", "policy.definition"],
  security_definer_view: ["view.security_invoker", "view.unexpected", "grant.unexpected"],
  auth_users_exposed: [
    "view.unexpected",
    "view.security_invoker",
    "view.definition",
    "grant.unexpected",
  ],
  materialized_view_in_api: ["grant.unexpected", "view.unexpected"],
  foreign_table_in_api: ["grant.unexpected", "table.unexpected"],
  function_search_path_mutable: ["function.search_path", "function.unexpected", "function.body"],
  anon_security_definer_function_executable: [
    "grant.unexpected",
    "function.security_definer",
    "function.unexpected",
  ],
  authenticated_security_definer_function_executable: [
    "grant.unexpected",
    "function.security_definer",
    "function.unexpected",
  ],
  extension_in_public: ["extension.unexpected", "extension.schema"],
  unindexed_foreign_keys: ["index.missing", "constraint.unexpected", "index.definition"],
  duplicate_index: ["index.unexpected"],
  no_primary_key: ["constraint.missing", "index.missing"],
  unsupported_reg_types: ["column.type", "column.unexpected"],
  fkey_to_auth_unique: ["constraint.unexpected", "constraint.definition"],
  public_bucket_allows_listing: ["bucket.public", "bucket.unexpected"],
  pg_graphql_anon_table_exposed: ["grant.unexpected", "table.unexpected", "view.unexpected"],
  pg_graphql_authenticated_table_exposed: [
    "grant.unexpected",
    "table.unexpected",
    "view.unexpected",
  ],
};

/**
 * Lints the contract does not have, as one finding: lints sharing a root cause on one object
 * (`LINT_GROUPS`) are named after the most severe, all listed in `lints`, their fixes merged.
 */
function lintGroupFinding(group: readonly Lint[], actual: Model): Finding {
  const ordered = [...group].sort((a, b) =>
    SEVERITIES.indexOf(lintSeverity(a)) - SEVERITIES.indexOf(lintSeverity(b))
  );
  const first = ordered[0]!;
  const object = lintObject(first);
  const seen = new Set<string>();
  const fixStatements = ordered.flatMap((l) => lintFix(l, actual)).filter((s) => {
    if (seen.has(s.sql)) return false;
    seen.add(s.sql);
    return true;
  });
  return finding({
    check: first.name,
    category: LINT_CATEGORY[first.name],
    severity: lintSeverity(first),
    objectKind: object.kind,
    resource: lintResource(first),
    key: first.cache_key,
    issue: first.detail,
    expected: `not flagged by ${ordered.map((l) => l.name).join(", ")} (the contract passes it)`,
    actual: ordered.map((l) => `${l.level}: ${l.title}`).join("; "),
    evidence: lintEvidence(first, actual),
    impact: [first.description, ...ordered.slice(1).map((l) => l.detail)].join(" "),
    fix: fixStatements,
    manual: fixStatements.length > 0 ? null : `No automatic fix; see ${first.remediation}`,
    source: "lint",
    lints: ordered.map((l) => l.name),
  });
}

/** A lint the contract does not have, as a finding of its own. */
export function lintFinding(l: Lint, actual: Model): Finding {
  return lintGroupFinding([l], actual);
}

function lintResource(l: Lint): string {
  const object = lintObject(l);
  if (object.kind === "extension") return object.name;
  if (object.kind === "bucket") return `storage.buckets.${object.name}`;
  if (object.kind === "function" && typeof l.metadata.arguments === "string") {
    return `${object.schema}.${object.name}(${l.metadata.arguments})`;
  }
  return `${object.schema}.${object.name}`;
}

/** Whether a diff finding is about the lint's object or something on it. */
function aboutObject(f: Finding, l: Lint, models: readonly Model[]): boolean {
  const object = lintObject(l);
  if (object.kind === "extension") {
    return f.objectKind === "extension" && f.resource === object.name;
  }
  if (object.kind === "bucket") return f.resource === `storage.buckets.${object.name}`;
  const qualified = `${object.schema}.${object.name}`;
  if (
    f.resource === qualified || f.resource.startsWith(`${qualified}(`) ||
    f.resource.endsWith(`:${qualified}`)
  ) {
    return true;
  }
  return findingObject(f, models) === `table:${qualified}`;
}

/** The diff finding that is the lint's root cause, if the diff reports one. */
function rootCause(
  l: Lint,
  findings: readonly Finding[],
  models: readonly Model[],
): Finding | undefined {
  const related = findings.filter((f) => aboutObject(f, l, models)).sort(compareFindings);
  if (related.length === 0) return undefined;
  for (const check of ROOT_CAUSES[l.name] ?? []) {
    const hit = related.find((f) => f.check === check);
    if (hit) return hit;
  }
  // Restoring the contract on this object removes the lint: the most severe difference on it.
  return related[0];
}

/** The finding with the lint attached, its severity raised to the lint's when that is higher. */
function withLint(f: Finding, l: Lint): Finding {
  if (f.lints.includes(l.name)) return f;
  return {
    ...f,
    severity: worseSeverity(f.severity, lintSeverity(l)),
    lints: [...f.lints, l.name],
  };
}

function summarise(
  findings: readonly Finding[],
  inherited: number,
  acknowledged: number,
  baseline: number,
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
    baseline,
  };
}

/** Verifies the database model `actual` against the contract model `expected`. */
export function verify(expected: Model, actual: Model, options: VerifyOptions = {}): Verification {
  const { baseline: baselineModel, ...diffOptions } = options;
  const comparison = compare(expected, actual, diffOptions);
  const split = baselineModel
    ? splitBaseline(
      comparison.findings,
      { baseline: baselineModel, contract: expected, actual },
      diffOptions,
    )
    : { contract: comparison.findings, baseline: [] };
  // Both sides are linted as if they ran where `actual` runs: same exposed schemas and roles.
  const lintOptions: LintOptions = {
    apiSchemas: apiSchemasOf(actual, options),
    roles: options.roles ?? actual.platform.roles,
  };
  const contractKeys = new Set(lint(expected, lintOptions).map((l) => l.cache_key));
  const acknowledgedObjects = new Set(
    comparison.acknowledged.map((a) => a.resource.replace(/\(.*\)$/, "")),
  );
  const models = [expected, actual];
  const inherited: Lint[] = [];
  const acknowledged: Acknowledgement[] = [...comparison.acknowledged];
  const diffFindings = new Map(split.contract.map((f) => [f.id, f]));
  const standalone = new Map<string, Lint[]>();
  for (const l of lint(actual, lintOptions)) {
    const object = lintObject(l);
    if (contractKeys.has(l.cache_key)) {
      inherited.push(l);
      continue;
    }
    if (acknowledgedObjects.has(`${object.schema}.${object.name}`)) {
      acknowledged.push({
        objectKind: object.kind,
        resource: `${object.schema}.${object.name}`,
        reason: `${l.name} on an acknowledged object`,
      });
      continue;
    }
    const cause = rootCause(l, [...diffFindings.values()], models);
    if (cause) {
      diffFindings.set(cause.id, withLint(cause, l));
      continue;
    }
    const group = `${object.kind}:${lintResource(l)}:${LINT_GROUPS[l.name] ?? l.cache_key}`;
    standalone.set(group, [...(standalone.get(group) ?? []), l]);
  }
  const lintFindings = [...standalone.values()].map((group) => lintGroupFinding(group, actual));
  const findings = [...diffFindings.values(), ...lintFindings].sort(compareFindings);
  return {
    findings,
    inherited,
    acknowledged,
    baseline: [...split.baseline].sort(compareFindings),
    summary: summarise(findings, inherited.length, acknowledged.length, split.baseline.length),
  };
}
