/**
 * @module The build plan: the contract shared by the planners, the validator, the SQL
 * generator and the drift sentinel. Every field is required and absent values are `null`, so a
 * plan is plain JSON (stored in jsonb) and the schema is usable as an LLM structured-output
 * format. Names are checked by `validatePlan`, not here, so its reasons can say how to fix them.
 */

import { z } from "zod";

/** The templates a session can start from. */
export const TemplateSchema = z.enum(["marketplace", "saas"]);
/** A template name. */
export type Template = z.infer<typeof TemplateSchema>;

/** What a foreign key does when the referenced row is deleted. */
export const OnDeleteSchema = z.enum(["cascade", "restrict", "set null", "no action"]);

/** A foreign key from one column to a primary-key or unique column. */
export const ForeignKeySchema = z.object({
  schema: z.enum(["public", "auth"]).describe(
    'Schema of the referenced table: "public" for plan tables, "auth" only for auth.users',
  ),
  table: z.string().describe("Referenced table, e.g. listings or users (with schema auth)"),
  column: z.string().describe("Referenced column, normally id"),
  onDelete: OnDeleteSchema,
});
/** A foreign key. */
export type ForeignKey = z.infer<typeof ForeignKeySchema>;

/** One column of a table. */
export const ColumnSchema = z.object({
  name: z.string().describe("lowercase snake_case, not a reserved word"),
  type: z.string().describe(
    "One of: uuid, text, boolean, smallint, integer, bigint, numeric, numeric(p,s), real, " +
      "double precision, date, timestamptz, jsonb, text[], uuid[]",
  ),
  nullable: z.boolean(),
  default: z.string().nullable().describe("SQL default expression, e.g. now(), or null"),
  primaryKey: z.boolean(),
  unique: z.boolean(),
  references: ForeignKeySchema.nullable(),
  check: z.string().nullable().describe(
    "SQL boolean expression over this table's columns, e.g. rating between 1 and 5, or null",
  ),
});
/** A column. */
export type Column = z.infer<typeof ColumnSchema>;

/** An index; every foreign-key and owner column has one. */
export const IndexSchema = z.object({
  name: z.string().describe("Unique among tables and indexes, e.g. bids_listing_id_idx"),
  columns: z.array(z.string()).min(1),
  unique: z.boolean(),
});
/** An index. */
export type Index = z.infer<typeof IndexSchema>;

/** A table in the `public` schema; row-level security is always enabled on it. */
export const TableSchema = z.object({
  name: z.string().describe("Plural lowercase snake_case, e.g. reviews"),
  comment: z.string().nullable(),
  columns: z.array(ColumnSchema).min(1),
  ownerColumn: z.string().nullable().describe(
    "Column holding the owning user's id (uuid not null default auth.uid() references " +
      "auth.users(id) on delete cascade), or null when rows have no single owner",
  ),
  indexes: z.array(IndexSchema),
});
/** A table. */
export type Table = z.infer<typeof TableSchema>;

/** The SQL commands a policy applies to. */
export const PolicyCommandSchema = z.enum(["select", "insert", "update", "delete", "all"]);
/** A policy command. */
export type PolicyCommand = z.infer<typeof PolicyCommandSchema>;

/** The client roles policies are written for; `service_role` bypasses row-level security. */
export const PolicyRoleSchema = z.enum(["anon", "authenticated"]);
/** A policy role. */
export type PolicyRole = z.infer<typeof PolicyRoleSchema>;

/**
 * Why a policy lets a row through: `public` (anyone the policy targets), `owner` (the row's
 * owner column is the user), `membership` (the user belongs to the row's organization),
 * `related` (the user owns or is a member of a related row, through a subquery).
 */
export const PolicyBasisSchema = z.enum(["public", "owner", "membership", "related"]);
/** A policy basis. */
export type PolicyBasis = z.infer<typeof PolicyBasisSchema>;

/** A permissive row-level security policy. */
export const PolicySchema = z.object({
  name: z.string().describe("lowercase snake_case, unique in the plan, e.g. bids_select_own"),
  table: z.string(),
  command: PolicyCommandSchema,
  roles: z.array(PolicyRoleSchema).min(1),
  using: z.string().nullable().describe(
    "USING expression (select, update, delete, all; null for insert). Use (select auth.uid()) " +
      "rather than auth.uid()",
  ),
  withCheck: z.string().nullable().describe(
    "WITH CHECK expression (insert, update, all; null for select and delete)",
  ),
  basis: z.array(PolicyBasisSchema).min(1).describe(
    "Every basis the expression grants access on",
  ),
  rule: z.string().nullable().describe(
    "Id of the template baseline rule this policy satisfies (keep it when extending that " +
      "policy), or null for a policy the vibe added",
  ),
  description: z.string().describe("One sentence saying who may do what"),
});
/** A policy. */
export type Policy = z.infer<typeof PolicySchema>;

/** Roles that receive table privileges. */
export const GrantRoleSchema = z.enum(["anon", "authenticated", "service_role"]);
/** A grant role. */
export type GrantRole = z.infer<typeof GrantRoleSchema>;

/** Table privileges a plan grants. */
export const TablePrivilegeSchema = z.enum(["select", "insert", "update", "delete"]);
/** A table privilege. */
export type TablePrivilege = z.infer<typeof TablePrivilegeSchema>;

/**
 * The exact privileges one role has on one table. New tables carry no privileges for the API
 * roles, so a client role can use a table only through these grants (and then its policies).
 */
export const GrantSchema = z.object({
  table: z.string(),
  role: GrantRoleSchema,
  privileges: z.array(TablePrivilegeSchema).min(1),
});
/** A grant. */
export type Grant = z.infer<typeof GrantSchema>;

/** A database function (helper for policies, or a trigger function). */
export const DbFunctionSchema = z.object({
  schema: z.enum(["public", "private"]),
  name: z.string(),
  args: z.array(z.object({ name: z.string(), type: z.string() })),
  returns: z.string().describe("Return type, e.g. boolean or trigger"),
  language: z.enum(["sql", "plpgsql"]),
  volatility: z.enum(["volatile", "stable", "immutable"]),
  securityDefiner: z.boolean(),
  searchPath: z.string().describe('The function\'s search_path; "" with fully-qualified names'),
  body: z.string(),
  executeRoles: z.array(GrantRoleSchema).describe(
    "Roles granted EXECUTE; it is revoked from everyone else, PUBLIC included",
  ),
  comment: z.string().nullable(),
});
/** A database function. */
export type DbFunction = z.infer<typeof DbFunctionSchema>;

/** A row trigger, e.g. the one filling `profiles` after an insert on `auth.users`. */
export const TriggerSchema = z.object({
  name: z.string(),
  schema: z.enum(["public", "auth"]),
  table: z.string(),
  timing: z.enum(["before", "after"]),
  events: z.array(z.enum(["insert", "update", "delete"])).min(1),
  function: z.object({ schema: z.enum(["public", "private"]), name: z.string() }),
});
/** A trigger. */
export type Trigger = z.infer<typeof TriggerSchema>;

/** An Edge Function deployed into the provisioned environment. */
export const EdgeFunctionSchema = z.object({
  name: z.enum(["drift_check", "spec_gate"]),
  verifyJwt: z.boolean(),
  description: z.string(),
});
/** An Edge Function to deploy. */
export type EdgeFunction = z.infer<typeof EdgeFunctionSchema>;

/** Analytics wrapper options. */
export const AnalyticsSchema = z.object({
  enabled: z.boolean().describe("Whether the analytics wrapper is attached"),
});

/** A Storage bucket the environment gets (e.g. listing photos, avatars). */
export const StorageBucketSchema = z.object({
  id: z.string().describe(
    "Bucket id (and name): lowercase letters, digits and dashes, e.g. avatars",
  ),
  public: z.boolean().describe("Whether anyone may download its files by their public URL"),
  fileSizeLimit: z.number().int().positive().nullable().describe("Largest file in bytes, or null"),
  allowedMimeTypes: z.array(z.string()).nullable().describe(
    "MIME types uploads may have, e.g. image/*, or null for any",
  ),
  description: z.string().describe("One sentence saying what the bucket holds"),
});
/** A Storage bucket. */
export type StorageBucket = z.infer<typeof StorageBucketSchema>;

/** A permissive policy on `storage.objects`, restricted to one bucket. */
export const StoragePolicySchema = z.object({
  name: z.string().describe("lowercase snake_case, unique among storage policies"),
  bucket: z.string().describe("Id of the bucket the policy is about"),
  command: PolicyCommandSchema,
  roles: z.array(PolicyRoleSchema).min(1),
  using: z.string().nullable().describe(
    "USING expression over storage.objects (bucket_id, name, owner_id), starting with " +
      "bucket_id = '<bucket>'; null for insert",
  ),
  withCheck: z.string().nullable().describe("WITH CHECK expression; null for select and delete"),
  description: z.string().describe("One sentence saying who may do what"),
});
/** A storage policy. */
export type StoragePolicy = z.infer<typeof StoragePolicySchema>;

/** The environment's Storage: buckets and the policies on `storage.objects`. */
export const StorageSchema = z.object({
  buckets: z.array(StorageBucketSchema),
  policies: z.array(StoragePolicySchema),
});
/** A plan's storage part. */
export type Storage = z.infer<typeof StorageSchema>;

/** One thing a requirement changed in the plan. */
export const RequirementChangeSchema = z.object({
  kind: z.enum(["table", "column", "constraint", "index", "policy", "grant"]),
  target: z.string().describe("e.g. reviews, listings.price, bids_select_own"),
});
/** A requirement change. */
export type RequirementChange = z.infer<typeof RequirementChangeSchema>;

/** How one sentence of the vibe was handled. */
export const RequirementSchema = z.object({
  sentence: z.string(),
  status: z.enum(["applied", "not_applied"]),
  reason: z.string().describe("What was done, or why nothing was and how to rephrase"),
  changes: z.array(RequirementChangeSchema),
});
/** A requirement. */
export type Requirement = z.infer<typeof RequirementSchema>;

/** The build plan. */
export const PlanSchema = z.object({
  version: z.literal(1),
  template: TemplateSchema,
  tables: z.array(TableSchema),
  policies: z.array(PolicySchema),
  grants: z.array(GrantSchema),
  functions: z.array(DbFunctionSchema),
  triggers: z.array(TriggerSchema),
  edgeFunctions: z.array(EdgeFunctionSchema),
  analytics: AnalyticsSchema,
  requirements: z.array(RequirementSchema),
  /** Buckets and storage policies (from the template); null when the product keeps no files. */
  storage: StorageSchema.nullable().default(null),
});
/** A build plan (not yet validated; see `validatePlan`). */
export type Plan = z.infer<typeof PlanSchema>;

/** The plan's storage part; empty for plans without one (or stored before it existed). */
export function planStorage(plan: { readonly storage?: Storage | null }): Storage {
  return plan.storage ?? { buckets: [], policies: [] };
}
