/**
 * @module Security and performance lints computed from a model, named and shaped like
 * Supabase's database advisors (splinter): `name`, `title`, `level`, `facing`, `categories`,
 * `description`, `detail`, `remediation`, `metadata`, `cache_key`, so `get_advisors` can return
 * them as they are. Each lint detects at least what the advisor of that name detects on user
 * schemas; the rules are re-stated here from the advisors' documentation, not copied.
 */
import { anonHolds, authenticatedHolds } from "./diff_support.ts";
import type {
  Bucket,
  Index,
  Model,
  PlatformTable,
  Policy,
  PolicyCommand,
  Role,
  Routine,
  Table,
  View,
} from "./model.ts";

/** The lint names this engine computes (advisor names). */
export const LINT_NAMES = [
  "unindexed_foreign_keys",
  "auth_users_exposed",
  "auth_rls_initplan",
  "no_primary_key",
  "multiple_permissive_policies",
  "policy_exists_rls_disabled",
  "rls_enabled_no_policy",
  "duplicate_index",
  "security_definer_view",
  "function_search_path_mutable",
  "rls_disabled_in_public",
  "extension_in_public",
  "rls_references_user_metadata",
  "sensitive_columns_exposed",
  "rls_policy_always_true",
  "anon_security_definer_function_executable",
  "authenticated_security_definer_function_executable",
  "materialized_view_in_api",
  "foreign_table_in_api",
  "unsupported_reg_types",
  "insecure_queue_exposed_in_api",
  "fkey_to_auth_unique",
  "extension_versions_outdated",
  "public_bucket_allows_listing",
  "pg_graphql_anon_table_exposed",
  "pg_graphql_authenticated_table_exposed",
] as const;

/**
 * Advisor lints this engine leaves out, and why: they read run-time statistics or Auth's
 * configuration, not the schema, so they say nothing about drift from a contract.
 */
export const LINTS_NOT_COMPUTED: Readonly<Record<string, string>> = {
  unused_index: "reads pg_stat_user_indexes (usage since the last statistics reset)",
  table_bloat: "reads pg_stats and page counts (a maintenance matter)",
  auth_allow_anonymous_sign_ins: "reads Auth's configuration, not the database",
};

export type LintName = typeof LINT_NAMES[number];

export type LintLevel = "ERROR" | "WARN" | "INFO";
export type LintCategory = "SECURITY" | "PERFORMANCE";

/** One advisor result. */
export interface Lint {
  readonly name: LintName;
  readonly title: string;
  readonly level: LintLevel;
  readonly facing: "EXTERNAL";
  readonly categories: readonly LintCategory[];
  readonly description: string;
  readonly detail: string;
  readonly remediation: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly cache_key: string;
}

/** Options of {@linkcode lint}. */
export interface LintOptions {
  /** Schemas the Data API exposes (default: the model's `pgrst.db_schemas`, else `public`). */
  readonly apiSchemas?: readonly string[];
  /** Roles to expand `public` policies to (default: the model's roles). */
  readonly roles?: readonly Role[];
}

interface LintInfo {
  readonly code: string;
  readonly title: string;
  readonly level: LintLevel;
  readonly categories: readonly LintCategory[];
  readonly description: string;
}

/** Title, level, categories and description of each lint. */
export const LINT_INFO: Readonly<Record<LintName, LintInfo>> = {
  unindexed_foreign_keys: {
    code: "0001_unindexed_foreign_keys",
    title: "Unindexed foreign keys",
    level: "INFO",
    categories: ["PERFORMANCE"],
    description:
      "Finds foreign keys whose columns do not lead any index, which slows joins and cascades.",
  },
  auth_users_exposed: {
    code: "0002_auth_users_exposed",
    title: "Exposed Auth Users",
    level: "ERROR",
    categories: ["SECURITY"],
    description:
      "Finds views or materialized views in API-exposed schemas that read auth.users and that " +
      "anon or authenticated can select from.",
  },
  auth_rls_initplan: {
    code: "0003_auth_rls_initplan",
    title: "Auth RLS Initialization Plan",
    level: "WARN",
    categories: ["PERFORMANCE"],
    description:
      "Finds RLS policies that call current_setting() or auth.<function>() once per row " +
      "instead of once per query.",
  },
  no_primary_key: {
    code: "0004_no_primary_key",
    title: "No Primary Key",
    level: "INFO",
    categories: ["PERFORMANCE"],
    description: "Finds tables without a primary key.",
  },
  multiple_permissive_policies: {
    code: "0006_multiple_permissive_policies",
    title: "Multiple Permissive Policies",
    level: "WARN",
    categories: ["PERFORMANCE"],
    description:
      "Finds tables with more than one permissive policy for the same role and action; " +
      "each of them runs for every row.",
  },
  policy_exists_rls_disabled: {
    code: "0007_policy_exists_rls_disabled",
    title: "Policy Exists RLS Disabled",
    level: "ERROR",
    categories: ["SECURITY"],
    description:
      "Finds tables that have RLS policies while RLS itself is disabled, so the policies do nothing.",
  },
  rls_enabled_no_policy: {
    code: "0008_rls_enabled_no_policy",
    title: "RLS Enabled No Policy",
    level: "INFO",
    categories: ["SECURITY"],
    description: "Finds tables with RLS enabled and no policy, which no API role can use.",
  },
  duplicate_index: {
    code: "0009_duplicate_index",
    title: "Duplicate Index",
    level: "WARN",
    categories: ["PERFORMANCE"],
    description: "Finds indexes identical to another index of the same table.",
  },
  security_definer_view: {
    code: "0010_security_definer_view",
    title: "Security Definer View",
    level: "ERROR",
    categories: ["SECURITY"],
    description: "Finds API-readable views without security_invoker: they apply their owner's " +
      "permissions and RLS instead of the caller's.",
  },
  function_search_path_mutable: {
    code: "0011_function_search_path_mutable",
    title: "Function Search Path Mutable",
    level: "WARN",
    categories: ["SECURITY"],
    description:
      "Finds functions that do not set search_path, so callers can change what their names resolve to.",
  },
  rls_disabled_in_public: {
    code: "0013_rls_disabled_in_public",
    title: "RLS Disabled in Public",
    level: "ERROR",
    categories: ["SECURITY"],
    description:
      "Finds tables in API-exposed schemas that anon or authenticated can read while RLS is disabled.",
  },
  extension_in_public: {
    code: "0014_extension_in_public",
    title: "Extension in Public",
    level: "WARN",
    categories: ["SECURITY"],
    description: "Finds extensions installed in the public schema.",
  },
  rls_references_user_metadata: {
    code: "0015_rls_references_user_metadata",
    title: "RLS references user metadata",
    level: "ERROR",
    categories: ["SECURITY"],
    description:
      "Finds RLS policies that read user_metadata from the JWT, which end users can edit.",
  },
  sensitive_columns_exposed: {
    code: "0023_sensitive_columns_exposed",
    title: "Sensitive Columns Exposed",
    level: "ERROR",
    categories: ["SECURITY"],
    description:
      "Finds API-readable tables without RLS that have columns named like credentials or " +
      "personal, financial or health data.",
  },
  rls_policy_always_true: {
    code: "0024_permissive_rls_policy",
    title: "RLS Policy Always True",
    level: "WARN",
    categories: ["SECURITY"],
    description:
      "Finds permissive policies for anon, authenticated or public whose USING or WITH CHECK " +
      "is always true for UPDATE, DELETE, INSERT or ALL.",
  },
  anon_security_definer_function_executable: {
    code: "0028_anon_security_definer_function_executable",
    title: "Public Can Execute SECURITY DEFINER Function",
    level: "WARN",
    categories: ["SECURITY"],
    description: "Finds SECURITY DEFINER functions in API-exposed schemas that anon can execute.",
  },
  authenticated_security_definer_function_executable: {
    code: "0029_authenticated_security_definer_function_executable",
    title: "Signed-In Users Can Execute SECURITY DEFINER Function",
    level: "WARN",
    categories: ["SECURITY"],
    description:
      "Finds SECURITY DEFINER functions in API-exposed schemas that authenticated can execute.",
  },
  materialized_view_in_api: {
    code: "0016_materialized_view_in_api",
    title: "Materialized View in API",
    level: "WARN",
    categories: ["SECURITY"],
    description: "Finds materialized views in API-exposed schemas that anon or authenticated " +
      "can select from: they have no RLS.",
  },
  foreign_table_in_api: {
    code: "0017_foreign_table_in_api",
    title: "Foreign Table in API",
    level: "WARN",
    categories: ["SECURITY"],
    description: "Finds foreign tables in API-exposed schemas that anon or authenticated can " +
      "select from: they do not apply RLS.",
  },
  unsupported_reg_types: {
    code: "unsupported_reg_types",
    title: "Unsupported reg types",
    level: "WARN",
    categories: ["SECURITY"],
    description: "Finds table columns of reg* types that store OIDs (regproc, regclass-like " +
      "types other than regclass, regtype and regrole), which block pg_upgrade.",
  },
  insecure_queue_exposed_in_api: {
    code: "0019_insecure_queue_exposed_in_api",
    title: "Insecure Queue Exposed in API",
    level: "ERROR",
    categories: ["SECURITY"],
    description: "Finds pgmq queue tables without RLS that anon or authenticated can read " +
      "while pgmq_public is exposed by the Data API.",
  },
  fkey_to_auth_unique: {
    code: "0021_fkey_to_auth_unique",
    title: "Foreign Key to Auth Unique Constraint",
    level: "ERROR",
    categories: ["SECURITY"],
    description: "Finds foreign keys referencing a unique key of an auth table other than its " +
      "primary key, which Auth may change or drop.",
  },
  extension_versions_outdated: {
    code: "0022_extension_versions_outdated",
    title: "Extension Versions Outdated",
    level: "WARN",
    categories: ["SECURITY"],
    description: "Finds extensions installed at another version than the server's default one.",
  },
  public_bucket_allows_listing: {
    code: "0025_public_bucket_allows_listing",
    title: "Public Bucket Allows Listing",
    level: "WARN",
    categories: ["SECURITY"],
    description: "Finds public Storage buckets with a broad SELECT policy on storage.objects, " +
      "which lets clients list every file in them.",
  },
  pg_graphql_anon_table_exposed: {
    code: "0026_pg_graphql_anon_table_exposed",
    title: "Public Can See Object in GraphQL Schema",
    level: "WARN",
    categories: ["SECURITY"],
    description: "With pg_graphql installed, finds tables, views and materialized views anon " +
      "can select from: GraphQL introspection shows them to anyone with the anon key.",
  },
  pg_graphql_authenticated_table_exposed: {
    code: "0027_pg_graphql_authenticated_table_exposed",
    title: "Signed-In Users Can See Object in GraphQL Schema",
    level: "WARN",
    categories: ["SECURITY"],
    description: "With pg_graphql installed, finds tables, views and materialized views " +
      "authenticated can select from: GraphQL introspection shows them to every signed-in user.",
  },
};

/** reg* types that store OIDs pg_upgrade cannot carry over. */
export const UNSUPPORTED_REG_TYPES: ReadonlySet<string> = new Set([
  "regcollation",
  "regconfig",
  "regdictionary",
  "regnamespace",
  "regoper",
  "regoperator",
  "regproc",
  "regprocedure",
]);

/**
 * Column names that suggest credentials or personal, financial, health, device or biometric
 * data (compared lowercased, `-` read as `_`).
 */
export const SENSITIVE_COLUMN_NAMES: ReadonlySet<string> = new Set([
  // credentials and secrets
  "password",
  "passwd",
  "pwd",
  "passphrase",
  "secret",
  "secret_key",
  "private_key",
  "api_key",
  "apikey",
  "auth_key",
  "token",
  "jwt",
  "access_token",
  "refresh_token",
  "oauth_token",
  "session_token",
  "bearer_token",
  "auth_code",
  "session_id",
  "session_key",
  "session_secret",
  "recovery_code",
  "backup_code",
  "verification_code",
  "otp",
  "two_factor",
  "2fa_secret",
  "2fa_code",
  // identity documents
  "ssn",
  "social_security",
  "social_security_number",
  "driver_license",
  "drivers_license",
  "license_number",
  "passport_number",
  "passport_id",
  "national_id",
  "tax_id",
  // financial
  "credit_card",
  "card_number",
  "cvv",
  "cvc",
  "cvn",
  "bank_account",
  "account_number",
  "routing_number",
  "iban",
  "swift_code",
  "bic",
  // health
  "health_record",
  "medical_record",
  "patient_id",
  "insurance_number",
  "health_insurance",
  "medical_insurance",
  "treatment",
  // devices, keys, biometrics
  "mac_address",
  "macaddr",
  "imei",
  "device_uuid",
  "pgp_key",
  "gpg_key",
  "ssh_key",
  "certificate",
  "license_key",
  "activation_key",
  "facial_recognition",
]);

/** Postgres' text form of a text array, e.g. `{a,"b c"}`. */
export function pgArrayText(items: readonly string[]): string {
  const element = (s: string) =>
    s === "" || /[{},"\\\s]/.test(s) || s.toLowerCase() === "null"
      ? `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`
      : s;
  return `{${items.map(element).join(",")}}`;
}

function make(
  name: LintName,
  detail: string,
  metadata: Record<string, unknown>,
  cacheKey: string,
): Lint {
  const info = LINT_INFO[name];
  return {
    name,
    title: info.title,
    level: info.level,
    facing: "EXTERNAL",
    categories: info.categories,
    description: info.description,
    detail,
    remediation: `https://supabase.com/docs/guides/database/database-linter?lint=${info.code}`,
    metadata,
    cache_key: cacheKey,
  };
}

const ACTIONS: Readonly<Record<PolicyCommand, readonly string[]>> = {
  ALL: ["SELECT", "INSERT", "UPDATE", "DELETE"],
  SELECT: ["SELECT"],
  INSERT: ["INSERT"],
  UPDATE: ["UPDATE"],
  DELETE: ["DELETE"],
};

function tableMeta(t: { schema: string; name: string }, type = "table"): Record<string, unknown> {
  return { schema: t.schema, name: t.name, type };
}

const apiReadable = (grants: Table["grants"]) =>
  anonHolds(grants, "SELECT") || authenticatedHolds(grants, "SELECT");

// Splinter matches with LIKE, where "_" is any one character: so does this.
const likeAny = (pattern: string) => new RegExp(pattern.replaceAll("_", "."), "s");

function initplanProblem(expression: string | null): boolean {
  if (expression === null) return false;
  const lower = expression.toLowerCase();
  for (const fn of ["uid", "jwt", "role", "email"]) {
    if (expression.includes(`auth.${fn}()`) && !lower.includes(`select auth.${fn}()`)) return true;
  }
  return /current_setting\(.*\)/s.test(expression) && !/select current_setting\(.*\)/s.test(lower);
}

function readsUserMetadata(expression: string | null): boolean {
  if (expression === null) return false;
  return likeAny("auth\\.jwt\\(\\).*user_metadata").test(expression) ||
    likeAny("current_setting\\(.*request\\.jwt\\.claims.*\\).*user_metadata").test(expression);
}

const ALWAYS_TRUE = new Set(["true", "(true)", "1=1", "(1=1)"]);
const normalised = (expression: string | null) =>
  (expression ?? "").toLowerCase().replace(/[ \n\t]/g, "");

function alwaysTrue(p: Policy): { using: boolean; withCheck: boolean } {
  const using = ["UPDATE", "DELETE", "ALL"].includes(p.command) &&
    (ALWAYS_TRUE.has(normalised(p.using)) || (p.using === null && p.permissive));
  const withCheck = ALWAYS_TRUE.has(normalised(p.withCheck)) ||
    (p.withCheck === null && p.permissive && p.command === "INSERT") ||
    (p.withCheck === null && p.permissive && ["UPDATE", "ALL"].includes(p.command) &&
      ALWAYS_TRUE.has(normalised(p.using)));
  return { using, withCheck };
}

function coveredByIndex(columns: readonly string[], indexes: readonly Index[]): boolean {
  return indexes.some((i) =>
    i.valid && columns.length <= i.columns.length && columns.every((c, n) => i.columns[n] === c)
  );
}

function eligibleRoles(roles: readonly Role[]): Role[] {
  return roles.filter((r) =>
    !r.name.startsWith("pg_") && !/^supabase.*admin$/.test(r.name) && !r.bypassRls
  );
}

function tableLints(t: Table, api: ReadonlySet<string>, roles: readonly Role[]): Lint[] {
  const lints: Lint[] = [];
  const qualified = `${t.schema}.${t.name}`;
  const regular = t.kind === "table";

  for (const fk of t.constraints.filter((c) => c.type === "foreign key")) {
    if (coveredByIndex(fk.columns, t.indexes)) continue;
    lints.push(make(
      "unindexed_foreign_keys",
      `Table \`${qualified}\` has a foreign key \`${fk.name}\` without a covering index. ` +
        "This can lead to suboptimal query performance.",
      { ...tableMeta(t), fkey_name: fk.name, fkey_columns: fk.columns },
      `unindexed_foreign_keys_${t.schema}_${t.name}_${fk.name}`,
    ));
  }

  if (t.rls) {
    for (const p of t.policies) {
      if (!initplanProblem(p.using) && !initplanProblem(p.withCheck)) continue;
      lints.push(make(
        "auth_rls_initplan",
        `Table \`${qualified}\` has a row level security policy \`${p.name}\` that re-evaluates ` +
          "current_setting() or auth.<function>() for each row. Wrap the call as " +
          "`(select auth.<function>())` so it runs once per query.",
        tableMeta(t),
        `auth_rls_init_plan_${t.schema}_${t.name}_${p.name}`,
      ));
    }
  }

  for (const p of t.policies) {
    if (!readsUserMetadata(p.using) && !readsUserMetadata(p.withCheck)) continue;
    lints.push(make(
      "rls_references_user_metadata",
      `Table \`${qualified}\` has a row level security policy \`${p.name}\` that references Supabase ` +
        "Auth `user_metadata`, which end users can edit: never use it for authorization.",
      tableMeta(t),
      `rls_references_user_metadata_${t.schema}_${t.name}_${p.name}`,
    ));
  }

  if (t.kind === "foreign" && api.has(t.schema) && apiReadable(t.grants)) {
    lints.push(make(
      "foreign_table_in_api",
      `Foreign table \`${qualified}\` is accessible over APIs`,
      tableMeta(t, "foreign table"),
      `foreign_table_in_api_${t.schema}_${t.name}`,
    ));
  }

  if (!regular) return lints;

  if (!t.constraints.some((c) => c.type === "primary key") && !t.indexes.some((i) => i.primary)) {
    lints.push(make(
      "no_primary_key",
      `Table \`${qualified}\` does not have a primary key`,
      tableMeta(t),
      `no_primary_key_${t.schema}_${t.name}`,
    ));
  }

  const eligible = eligibleRoles(roles);
  const perRoleAction = new Map<string, string[]>();
  for (const p of t.policies.filter((x) => x.permissive)) {
    const applies = p.roles.length === 1 && p.roles[0] === "public"
      ? eligible
      : eligible.filter((r) => p.roles.includes(r.name));
    for (const role of applies) {
      for (const action of ACTIONS[p.command]) {
        const k = `${role.name}\u0000${action}`;
        perRoleAction.set(k, [...(perRoleAction.get(k) ?? []), p.name]);
      }
    }
  }
  for (const [k, names] of perRoleAction) {
    if (names.length < 2) continue;
    const [role, action] = k.split("\u0000") as [string, string];
    lints.push(make(
      "multiple_permissive_policies",
      `Table \`${qualified}\` has multiple permissive policies for role \`${role}\` for action ` +
        `\`${action}\`. Policies include \`${pgArrayText([...names].sort())}\``,
      tableMeta(t),
      `multiple_permissive_policies_${t.schema}_${t.name}_${role}_${action}`,
    ));
  }

  if (!t.rls && t.policies.length > 0) {
    lints.push(make(
      "policy_exists_rls_disabled",
      `Table \`${qualified}\` has RLS policies but RLS is not enabled on the table. Policies include ` +
        `${pgArrayText(t.policies.map((p) => p.name))}.`,
      tableMeta(t),
      `policy_exists_rls_disabled_${t.schema}_${t.name}`,
    ));
  }
  if (t.rls && t.policies.length === 0) {
    lints.push(make(
      "rls_enabled_no_policy",
      `Table \`${qualified}\` has RLS enabled, but no policies exist`,
      tableMeta(t),
      `rls_enabled_no_policy_${t.schema}_${t.name}`,
    ));
  }

  lints.push(...duplicateIndexLints(t.schema, t.name, "table", t.indexes));

  const exposed = api.has(t.schema) && apiReadable(t.grants);
  if (exposed && !t.rls) {
    lints.push(make(
      "rls_disabled_in_public",
      `Table \`${qualified}\` is public, but RLS has not been enabled.`,
      tableMeta(t),
      `rls_disabled_in_public_${t.schema}_${t.name}`,
    ));
    const sensitive = t.columns
      .map((c) => ({ column: c.name, pattern: c.name.toLowerCase().replaceAll("-", "_") }))
      .filter((c) => SENSITIVE_COLUMN_NAMES.has(c.pattern));
    if (sensitive.length > 0) {
      const columns = [...new Set(sensitive.map((s) => s.column))].sort();
      lints.push(make(
        "sensitive_columns_exposed",
        `Table \`${qualified}\` is exposed via API without RLS and contains potentially sensitive ` +
          `column(s): ${columns.join(", ")}. This may lead to data exposure.`,
        {
          ...tableMeta(t),
          sensitive_columns: columns,
          matched_patterns: [...new Set(sensitive.map((s) => s.pattern))].sort(),
        },
        `sensitive_columns_exposed_${t.schema}_${t.name}`,
      ));
    }
  }

  if (t.rls) {
    for (const p of t.policies) {
      const audience = (p.roles.length === 1 && p.roles[0] === "public") ||
        p.roles.some((r) => r === "anon" || r === "authenticated");
      if (!p.permissive || !audience) continue;
      const open = alwaysTrue(p);
      if (!open.using && !open.withCheck) continue;
      const which = open.using && open.withCheck
        ? " (both USING and WITH CHECK are always true)"
        : open.using
        ? " (USING clause is always true)"
        : " (WITH CHECK clause is always true)";
      lints.push(make(
        "rls_policy_always_true",
        `Table \`${qualified}\` has an RLS policy \`${p.name}\` for \`${p.command}\` that allows ` +
          `unrestricted access${which}. This effectively bypasses row-level security for ${
            p.roles.join(", ")
          }.`,
        {
          ...tableMeta(t),
          policy_name: p.name,
          command: p.command,
          roles: p.roles,
          qual: p.using,
          with_check: p.withCheck,
          permissive_using: open.using,
          permissive_with_check: open.withCheck,
        },
        `rls_policy_always_true_${t.schema}_${t.name}_${p.name}`,
      ));
    }
  }
  return lints;
}

function duplicateIndexLints(
  schema: string,
  relation: string,
  type: string,
  indexes: readonly Index[],
): Lint[] {
  const groups = new Map<string, string[]>();
  for (const i of indexes) {
    const shape = i.definition.replaceAll(i.name, "");
    groups.set(shape, [...(groups.get(shape) ?? []), i.name]);
  }
  const lints: Lint[] = [];
  for (const names of groups.values()) {
    if (names.length < 2) continue;
    const list = pgArrayText([...names].sort());
    lints.push(make(
      "duplicate_index",
      `Table \`${schema}.${relation}\` has identical indexes ${list}. Drop all except one of them`,
      { schema, name: relation, type, indexes: [...names].sort() },
      `duplicate_index_${schema}_${relation}_${list}`,
    ));
  }
  return lints;
}

function viewLints(v: View, model: Model, api: ReadonlySet<string>): Lint[] {
  const lints: Lint[] = [];
  const readers = [
    ...(anonHolds(v.grants, "SELECT") ? ["anon"] : []),
    ...(authenticatedHolds(v.grants, "SELECT") ? ["authenticated"] : []),
  ];
  if (v.materialized) {
    lints.push(...duplicateIndexLints(v.schema, v.name, "materialized view", v.indexes));
  }
  if (!api.has(v.schema) || readers.length === 0) return lints;
  if (v.materialized) {
    lints.push(make(
      "materialized_view_in_api",
      `Materialized view \`${v.schema}.${v.name}\` is selectable by anon or authenticated roles`,
      { schema: v.schema, name: v.name, type: "materialized view" },
      `materialized_view_in_api_${v.schema}_${v.name}`,
    ));
  }
  const insecure = v.materialized || !v.securityInvoker || !model.platform.authUsersRls;
  if (v.readsAuthUsers && insecure) {
    lints.push(make(
      "auth_users_exposed",
      `View/Materialized View "${v.name}" in the public schema may expose \`auth.users\` data to anon ` +
        "or authenticated roles.",
      { schema: v.schema, name: v.name, type: "view", exposed_to: readers },
      `auth_users_exposed_${v.schema}_${v.name}`,
    ));
  }
  if (!v.materialized && !v.securityInvoker && model.platform.serverVersionNum >= 150000) {
    lints.push(make(
      "security_definer_view",
      `View \`${v.schema}.${v.name}\` is defined with the SECURITY DEFINER property`,
      { schema: v.schema, name: v.name, type: "view" },
      `security_definer_view_${v.schema}_${v.name}`,
    ));
  }
  return lints;
}

function routineLints(r: Routine, api: ReadonlySet<string>): Lint[] {
  const lints: Lint[] = [];
  if (!r.config.some((c) => c.startsWith("search_path="))) {
    lints.push(make(
      "function_search_path_mutable",
      `Function \`${r.schema}.${r.name}\` has a role mutable search_path`,
      { schema: r.schema, name: r.name, type: "function" },
      `function_search_path_mutable_${r.schema}_${r.name}_${r.bodyHash}`,
    ));
  }
  if (r.securityDefiner && api.has(r.schema)) {
    const meta = {
      schema: r.schema,
      name: r.name,
      arguments: r.identityArgs,
      language: r.language,
      security_definer: true,
    };
    for (
      const [lintName, role, holds] of [
        ["anon_security_definer_function_executable", "anon", anonHolds(r.grants, "EXECUTE")],
        [
          "authenticated_security_definer_function_executable",
          "authenticated",
          authenticatedHolds(r.grants, "EXECUTE"),
        ],
      ] as const
    ) {
      if (!holds) continue;
      lints.push(make(
        lintName,
        `Function \`${r.schema}.${r.name}(${r.identityArgs})\` can be executed by the \`${role}\` role as a ` +
          `\`SECURITY DEFINER\` function via \`/rest/v1/rpc/${r.name}\`. Revoke \`EXECUTE\` or switch it to ` +
          "`SECURITY INVOKER` if that is not intentional.",
        meta,
        `${lintName}_${r.schema}_${r.name}_${r.identityArgs}`,
      ));
    }
  }
  return lints;
}

function regTypeLints(t: Table): Lint[] {
  return t.columns.filter((c) => UNSUPPORTED_REG_TYPES.has(c.type)).map((c) =>
    make(
      "unsupported_reg_types",
      `Table \`${t.schema}.${t.name}\` has a column \`${c.name}\` with unsupported reg* type ` +
        `\`${c.type}\`.`,
      { schema: t.schema, name: t.name, column: c.name, type: "table" },
      `unsupported_reg_types_${t.schema}_${t.name}_${c.name}`,
    )
  );
}

/** Splits `a, "b c"` (an identifier list as Postgres prints it) into names. */
function identifierList(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(/\s*("((?:[^"]|"")*)"|[^,\s]+)\s*(,|$)/g)) {
    if (m[0] === "") break;
    names.push(m[2] !== undefined ? m[2].replaceAll('""', '"') : m[1]!);
  }
  return names;
}

/** `REFERENCES auth.<table>(<columns>)` of a foreign key definition, or null. */
export function authReference(definition: string): { table: string; columns: string[] } | null {
  const m = definition.match(/ REFERENCES auth\.("(?:[^"]|"")*"|[^\s(]+)\(([^)]*)\)/);
  if (!m) return null;
  const table = m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replaceAll('""', '"') : m[1]!;
  return { table, columns: identifierList(m[2]!) };
}

function authUniqueLints(t: Table, model: Model): Lint[] {
  const keys = model.platform.authKeys ?? [];
  const lints: Lint[] = [];
  for (const fk of t.constraints.filter((c) => c.type === "foreign key")) {
    const ref = authReference(fk.definition);
    if (!ref) continue;
    const matching = keys.filter((k) =>
      k.table === ref.table && k.columns.join("\u0000") === ref.columns.join("\u0000")
    );
    if (matching.length === 0 || matching.some((k) => k.primary)) continue;
    lints.push(make(
      "fkey_to_auth_unique",
      `Table \`${t.schema}\`.\`${t.name}\` has a foreign key \`${fk.name}\` referencing an auth ` +
        "unique constraint",
      { schema: t.schema, name: t.name, foreign_key: fk.name },
      `fkey_to_auth_unique_${t.schema}_${t.name}_${fk.name}`,
    ));
  }
  return lints;
}

function queueLints(model: Model, api: ReadonlySet<string>): Lint[] {
  if (!api.has("pgmq_public")) return [];
  return (model.platform.queueTables ?? []).filter((q) => !q.rls && q.apiReadable).map((q) =>
    make(
      "insecure_queue_exposed_in_api",
      `Table \`pgmq.${q.name}\` is public, but RLS has not been enabled.`,
      { schema: "pgmq", name: q.name, type: "table" },
      // The advisor's own key (it shares rls_disabled_in_public's prefix).
      `rls_disabled_in_public_pgmq_${q.name}`,
    )
  );
}

function outdatedExtensionLints(model: Model): Lint[] {
  return model.extensions.filter((e) =>
    e.defaultVersion !== undefined && e.defaultVersion !== null &&
    e.defaultVersion !== e.version
  ).map((e) =>
    make(
      "extension_versions_outdated",
      `Extension \`${e.name}\` is using version \`${e.version}\` but version ` +
        `\`${e.defaultVersion}\` is available. Using outdated extension versions may expose the ` +
        "database to security vulnerabilities.",
      { extension_name: e.name, installed_version: e.version, default_version: e.defaultVersion },
      `extension_versions_outdated_${e.name}_${e.version}`,
    )
  );
}

const BUCKET_ONLY =
  /^\s*\(*\s*bucket_id\s*=\s*('(?:[^']|'')*')(\s*::\s*[A-Za-z0-9_.]+)?\s*\)*\s*$/i;

/** Whether a storage.objects policy lets its roles read every object of `bucket`. */
function listsBucket(p: Policy, bucket: Bucket): boolean {
  if (!p.permissive || !["SELECT", "ALL"].includes(p.command)) return false;
  if (!p.roles.some((r) => r === "public" || r === "anon" || r === "authenticated")) return false;
  if (p.using === null || ALWAYS_TRUE.has(normalised(p.using))) return true;
  const m = p.using.match(BUCKET_ONLY);
  return m !== null && m[1] === `'${bucket.id.replaceAll("'", "''")}'`;
}

function bucketLints(model: Model): Lint[] {
  const objects: PlatformTable | undefined = model.platformTables.find((t) =>
    t.schema === "storage" && t.name === "objects"
  );
  if (!objects || model.buckets === null) return [];
  const lints: Lint[] = [];
  for (const b of model.buckets.filter((x) => x.public)) {
    const names = objects.policies.filter((p) => listsBucket(p, b)).map((p) => p.name).sort();
    if (names.length === 0) continue;
    lints.push(make(
      "public_bucket_allows_listing",
      `Public bucket \`${b.name}\` has ${names.length} broad SELECT ` +
        `${names.length === 1 ? "policy" : "policies"} on \`storage.objects\` (${
          names.join(", ")
        }), allowing clients to list all files. Public buckets don't need this for object URL ` +
        "access and it may expose more data than intended.",
      {
        schema: "storage",
        name: b.name,
        type: "bucket",
        bucket_id: b.id,
        bucket_name: b.name,
        policy_names: names,
        policy_count: names.length,
      },
      `public_bucket_allows_listing_${b.id}`,
    ));
  }
  return lints;
}

const holdsSelect = (grants: Table["grants"], role: string) =>
  grants.some((g) => (g.grantee === role || g.grantee === "PUBLIC") && g.privilege === "SELECT");

function graphqlLints(model: Model): Lint[] {
  if (!model.extensions.some((e) => e.name === "pg_graphql")) return [];
  const objects = [
    ...model.tables.filter((t) => t.kind !== "partitioned" && t.columns.length > 0).map((t) => ({
      schema: t.schema,
      name: t.name,
      type: t.kind === "foreign" ? "foreign table" : "table",
      selectable: (role: string) =>
        holdsSelect(t.grants, role) || t.columns.some((c) => holdsSelect(c.grants, role)),
    })),
    ...model.views.map((v) => ({
      schema: v.schema,
      name: v.name,
      type: v.materialized ? "materialized view" : "view",
      selectable: (role: string) => holdsSelect(v.grants, role),
    })),
  ];
  const lints: Lint[] = [];
  for (const o of objects) {
    if (o.selectable("anon")) {
      lints.push(make(
        "pg_graphql_anon_table_exposed",
        `${o.type} \`${o.schema}.${o.name}\` is visible in the GraphQL schema because the \`anon\` ` +
          "role can `SELECT` it. Revoke `SELECT` from `anon` if it should not be discoverable " +
          "without signing in.",
        { schema: o.schema, name: o.name, type: o.type },
        `pg_graphql_anon_table_exposed_${o.schema}_${o.name}`,
      ));
    }
    if (o.selectable("authenticated")) {
      lints.push(make(
        "pg_graphql_authenticated_table_exposed",
        `${o.type} \`${o.schema}.${o.name}\` is visible in the GraphQL schema to signed-in users ` +
          "because the `authenticated` role can `SELECT` it. Revoke `SELECT` from " +
          "`authenticated` if it should not be discoverable to every account.",
        { schema: o.schema, name: o.name, type: o.type },
        `pg_graphql_authenticated_table_exposed_${o.schema}_${o.name}`,
      ));
    }
  }
  return lints;
}

/** The schemas lints treat as exposed by the Data API. */
export function apiSchemasOf(model: Model, options: LintOptions = {}): string[] {
  return [...(options.apiSchemas ?? model.platform.apiSchemas ?? ["public"])];
}

/** Every lint the model triggers, ordered by name and cache key. */
export function lint(model: Model, options: LintOptions = {}): Lint[] {
  const api = new Set(apiSchemasOf(model, options));
  const roles = options.roles ?? model.platform.roles;
  const lints: Lint[] = [
    ...model.tables.flatMap((t) => [
      ...tableLints(t, api, roles),
      ...regTypeLints(t),
      ...authUniqueLints(t, model),
    ]),
    ...queueLints(model, api),
    ...outdatedExtensionLints(model),
    ...bucketLints(model),
    ...graphqlLints(model),
    ...model.views.flatMap((v) => viewLints(v, model, api)),
    ...model.routines.flatMap((r) => routineLints(r, api)),
    ...model.extensions.filter((e) => e.schema === "public" && e.name !== "plpgsql").map((e) =>
      make(
        "extension_in_public",
        `Extension \`${e.name}\` is installed in the public schema. Move it to another schema.`,
        { schema: e.schema, name: e.name, type: "extension" },
        `extension_in_public_${e.name}`,
      )
    ),
  ];
  return lints.sort((a, b) =>
    a.name < b.name
      ? -1
      : a.name > b.name
      ? 1
      : a.cache_key < b.cache_key
      ? -1
      : a.cache_key > b.cache_key
      ? 1
      : 0
  );
}
