/**
 * @module The RLS migration of a validated plan: row-level security enabled on every table,
 * each policy dropped if it exists and created again, then the client roles' exact table
 * privileges. Idempotent, and runs as Supabase's non-superuser `postgres` (the table owner).
 */

import { planStorage, type Policy, type PolicyCommand, type PolicyRole } from "../plan/schema.ts";
import type { ValidatedPlan } from "../plan/validate.ts";
import { exactTableGrants, publicTable } from "./grants_sql.ts";
import { createPolicySql } from "./policy_sql.ts";
import type { Migration } from "./migration.ts";
import { type StoragePolicyStatements, storagePolicyStatements } from "./storage_sql.ts";

/** The statement enabling row-level security on one table, for an `rls_enabled` event. */
export interface RlsTableStatement {
  readonly table: string;
  readonly sql: string;
}

/** The statements (re)creating one policy, for a `policy_created` event. */
export interface PolicyStatements {
  readonly name: string;
  readonly table: string;
  readonly command: PolicyCommand;
  readonly roles: readonly PolicyRole[];
  readonly sql: string;
}

/** The RLS migration and its parts, in the order they appear in it. */
export interface RlsMigration {
  readonly migration: Migration;
  readonly tables: readonly RlsTableStatement[];
  readonly policies: readonly PolicyStatements[];
  /** The client-role privileges, granted after every policy exists. */
  readonly grantsSql: string;
  /** Policies on `storage.objects` for the plan's buckets (after the tables' policies). */
  readonly storagePolicies: readonly StoragePolicyStatements[];
}

/** Options of {@linkcode rlsMigration}. */
export interface RlsMigrationOptions {
  /** Migration name; default `plan_rls`. */
  readonly name?: string;
}

/** A plan policy's statements, on its public table. */
export function policyStatements(policy: Policy): PolicyStatements {
  return {
    name: policy.name,
    table: policy.table,
    command: policy.command,
    roles: policy.roles,
    sql: createPolicySql(policy, publicTable(policy.table)),
  };
}

/** The RLS migration of `plan`; run it after the schema migration. */
export function rlsMigration(plan: ValidatedPlan, options: RlsMigrationOptions = {}): RlsMigration {
  const tables = plan.tables.map((table) => ({
    table: table.name,
    sql: `alter table ${publicTable(table.name)} enable row level security;`,
  }));
  const policies = plan.policies.map(policyStatements);
  const grantsSql = plan.tables
    .flatMap((table) => exactTableGrants(table.name, ["anon", "authenticated"], plan.grants))
    .join("\n");
  const storagePolicies = storagePolicyStatements(planStorage(plan));
  const sections = [
    `-- Row-level security of the ${plan.template} plan: RLS on, policies, client privileges.`,
    tables.map((t) => t.sql).join("\n"),
    ...policies.map((p) => p.sql),
    ...storagePolicies.map((p) => p.sql),
    grantsSql,
  ];
  return {
    migration: { name: options.name ?? "plan_rls", sql: `${sections.join("\n\n")}\n` },
    tables,
    policies,
    grantsSql,
    storagePolicies,
  };
}
