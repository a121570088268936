/**
 * @module Constructors for plan elements (columns, indexes, owner policies, grants) with the
 * conventions every template and planner shares: uuid keys, owner columns defaulting to the
 * signed-in user, `(select auth.uid())` in policies, an index per foreign-key column.
 */

import type {
  Column,
  ForeignKey,
  Grant,
  GrantRole,
  Index,
  Policy,
  PolicyCommand,
  TablePrivilege,
} from "./schema.ts";

/** The signed-in user's id as policies must write it (evaluated once per statement). */
export const CURRENT_USER_ID = "(select auth.uid())";

/** Optional parts of a column; anything left out is off (`nullable` defaults to true). */
export interface ColumnOptions {
  /** Whether the column accepts null; default true. */
  readonly nullable?: boolean;
  /** SQL default expression. */
  readonly default?: string;
  /** Whether the column is (part of) the primary key. */
  readonly primaryKey?: boolean;
  /** Whether values must be unique. */
  readonly unique?: boolean;
  /** Foreign key target. */
  readonly references?: ForeignKey;
  /** CHECK expression over the table's columns. */
  readonly check?: string;
}

/** A column of the given type. */
export function column(name: string, type: string, options: ColumnOptions = {}): Column {
  return {
    name,
    type,
    nullable: options.nullable ?? true,
    default: options.default ?? null,
    primaryKey: options.primaryKey ?? false,
    unique: options.unique ?? false,
    references: options.references ?? null,
    check: options.check ?? null,
  };
}

/** `id uuid primary key default gen_random_uuid()`. */
export function idColumn(): Column {
  return column("id", "uuid", { nullable: false, default: "gen_random_uuid()", primaryKey: true });
}

/** `created_at timestamptz not null default now()`. */
export function createdAtColumn(): Column {
  return column("created_at", "timestamptz", { nullable: false, default: "now()" });
}

/** A foreign key to `auth.users(id)`. */
export function authUserKey(onDelete: ForeignKey["onDelete"]): ForeignKey {
  return { schema: "auth", table: "users", column: "id", onDelete };
}

/**
 * An owner column: `uuid not null default auth.uid() references auth.users(id) on delete
 * cascade`, so inserts from the API fill it with the signed-in user.
 */
export function ownerColumn(name: string): Column {
  return column(name, "uuid", {
    nullable: false,
    default: "auth.uid()",
    references: authUserKey("cascade"),
  });
}

/** A `uuid` column referencing `public.<table>(id)`. */
export function referenceColumn(
  name: string,
  table: string,
  onDelete: ForeignKey["onDelete"],
  options: { readonly nullable?: boolean } = {},
): Column {
  return column(name, "uuid", {
    nullable: options.nullable ?? false,
    references: { schema: "public", table, column: "id", onDelete },
  });
}

/** The conventional index name, `<table>_<columns>_idx` (or `_key` when unique). */
export function indexName(table: string, columns: readonly string[], unique = false): string {
  return `${table}_${columns.join("_")}_${unique ? "key" : "idx"}`;
}

/** An index named by {@linkcode indexName}. */
export function indexOn(table: string, columns: readonly string[], unique = false): Index {
  return { name: indexName(table, columns, unique), columns: [...columns], unique };
}

/** The condition "this row's owner column is the signed-in user". */
export function ownerCondition(ownerColumnName: string): string {
  return `${CURRENT_USER_ID} = ${ownerColumnName}`;
}

/** Where a command's condition goes: USING, WITH CHECK, or both. */
export function policyExpressions(
  command: PolicyCommand,
  condition: string,
): Pick<Policy, "using" | "withCheck"> {
  switch (command) {
    case "select":
    case "delete":
      return { using: condition, withCheck: null };
    case "insert":
      return { using: null, withCheck: condition };
    case "update":
    case "all":
      return { using: condition, withCheck: condition };
  }
}

const COMMAND_VERBS: Record<PolicyCommand, string> = {
  select: "read",
  insert: "create",
  update: "update",
  delete: "delete",
  all: "read and write",
};

/** Options of {@linkcode ownerPolicy}. */
export interface OwnerPolicyOptions {
  /** Baseline rule the policy satisfies; null for policies a vibe adds. */
  readonly rule: string | null;
  /** What the table's rows are called in the description, e.g. "bids". */
  readonly noun?: string;
}

/** `<table>_<command>_own`: signed-in users may act on rows whose owner column is theirs. */
export function ownerPolicy(
  table: string,
  command: PolicyCommand,
  ownerColumnName: string,
  options: OwnerPolicyOptions,
): Policy {
  return {
    name: `${table}_${command}_own`,
    table,
    command,
    roles: ["authenticated"],
    ...policyExpressions(command, ownerCondition(ownerColumnName)),
    basis: ["owner"],
    rule: options.rule,
    description: `Signed-in users ${COMMAND_VERBS[command]} only their own ${
      options.noun ?? table.replaceAll("_", " ")
    }.`,
  };
}

/** A grant of `privileges` on `table` to `role`. */
export function grant(
  table: string,
  role: GrantRole,
  privileges: readonly TablePrivilege[],
): Grant {
  return { table, role, privileges: [...privileges] };
}

/** Every table privilege, for `service_role`. */
export const ALL_PRIVILEGES: readonly TablePrivilege[] = ["select", "insert", "update", "delete"];
