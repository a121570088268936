/**
 * @module The Supabase Management API's published request and response shapes, as zod
 * schemas, for the endpoints the hosted platform calls.
 *
 * Source: `@supabase/mcp-server-supabase` 0.13.0 is built from
 * `packages/mcp-server-supabase/src/management-api/types.ts` (openapi-typescript output of the
 * Management API's OpenAPI document, https://api.supabase.com/api/v1-json), which its
 * `./platform/api` calls through `openapi-fetch`; the schemas below mirror
 * `components.schemas.<Name>` there (named alike; `_Output` suffixes dropped) and the
 * operations' parameters. Request bodies are strict (an unknown field is a contract
 * violation); responses are checked as the client reads them. The package's own
 * platform-level schemas (`branchSchema`, `edgeFunctionSchema`, … in
 * `@supabase/mcp-server-supabase/platform`) are what the MCP tools then return.
 */
import { z } from "zod";

const PROJECT_STATUS = z.enum([
  "INACTIVE",
  "ACTIVE_HEALTHY",
  "ACTIVE_UNHEALTHY",
  "COMING_UP",
  "UNKNOWN",
  "GOING_DOWN",
  "INIT_FAILED",
  "REMOVED",
  "RESTORING",
  "UPGRADING",
  "PAUSING",
  "RESTORE_FAILED",
  "RESTARTING",
  "PAUSE_FAILED",
  "RESIZING",
]);

const BRANCH_STATUS = z.enum([
  "CREATING_PROJECT",
  "RUNNING_MIGRATIONS",
  "MIGRATIONS_PASSED",
  "MIGRATIONS_FAILED",
  "FUNCTIONS_DEPLOYED",
  "FUNCTIONS_FAILED",
]);

const INSTANCE_SIZE = z.enum([
  "pico",
  "nano",
  "micro",
  "small",
  "medium",
  "large",
  "xlarge",
  "2xlarge",
  "4xlarge",
  "8xlarge",
  "12xlarge",
  "16xlarge",
  "24xlarge",
  "24xlarge_optimized_memory",
  "24xlarge_optimized_cpu",
  "24xlarge_high_memory",
  "48xlarge",
  "48xlarge_optimized_memory",
  "48xlarge_optimized_cpu",
  "48xlarge_high_memory",
]);

const RELEASE_CHANNEL = z.enum(["internal", "alpha", "beta", "ga", "withdrawn", "preview"]);

/** A `Boolean string, true or false` query parameter. */
const BOOLEAN_STRING = z.enum(["true", "false"]);

/** `components.schemas.CreateBranchBody` (request of `v1-create-a-branch`). */
export const CreateBranchBody = z.strictObject({
  branch_name: z.string(),
  git_branch: z.string().optional(),
  is_default: z.boolean().optional(),
  persistent: z.boolean().optional(),
  region: z.string().optional(),
  desired_instance_size: INSTANCE_SIZE.optional(),
  release_channel: RELEASE_CHANNEL.optional(),
  postgres_engine: z.enum(["15", "17", "17-oriole"]).optional(),
  secrets: z.record(z.string(), z.string()).optional(),
  with_data: z.boolean().optional(),
  notify_url: z.url().optional(),
});

/** `components.schemas.BranchResponse` (responses of `v1-create-a-branch`, `v1-list-all-branches`). */
export const BranchResponse = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  project_ref: z.string(),
  parent_project_ref: z.string(),
  is_default: z.boolean(),
  git_branch: z.string().optional(),
  pr_number: z.number().int().optional(),
  latest_check_run_id: z.number().optional(),
  persistent: z.boolean(),
  status: BRANCH_STATUS,
  created_at: z.iso.datetime({ offset: true }),
  updated_at: z.iso.datetime({ offset: true }),
  review_requested_at: z.iso.datetime({ offset: true }).optional(),
  with_data: z.boolean(),
  notify_url: z.url().optional(),
  deletion_scheduled_at: z.iso.datetime({ offset: true }).optional(),
  preview_project_status: PROJECT_STATUS.optional(),
});

/** `components.schemas.V1ProjectWithDatabaseResponse` (response of `v1-get-project`). */
export const V1ProjectWithDatabaseResponse = z.strictObject({
  id: z.string(),
  ref: z.string(),
  organization_id: z.string(),
  organization_slug: z.string(),
  name: z.string(),
  region: z.string(),
  created_at: z.string(),
  status: PROJECT_STATUS,
  database: z.strictObject({
    host: z.string(),
    version: z.string(),
    postgres_engine: z.string(),
    release_channel: z.string(),
  }),
});

/** `components.schemas.ApiKeyResponse` (items of `v1-get-project-api-keys`). */
export const ApiKeyResponse = z.strictObject({
  api_key: z.string().nullable().optional(),
  id: z.string().nullable().optional(),
  type: z.enum(["legacy", "publishable", "secret"]).nullable().optional(),
  prefix: z.string().nullable().optional(),
  name: z.string(),
  description: z.string().nullable().optional(),
  hash: z.string().nullable().optional(),
  secret_jwt_template: z.record(z.string(), z.unknown()).nullable().optional(),
  inserted_at: z.iso.datetime({ offset: true }).nullable().optional(),
  updated_at: z.iso.datetime({ offset: true }).nullable().optional(),
});

/** Query of `v1-get-project-api-keys`. */
export const ApiKeysQuery = z.strictObject({ reveal: BOOLEAN_STRING.optional() });

/** `components.schemas.LegacyApiKeysResponse` (response of `v1-get-project-legacy-api-keys`). */
export const LegacyApiKeysResponse = z.strictObject({ enabled: z.boolean() });

/** `components.schemas.V1CreateMigrationBody` (request of `v1-apply-a-migration`). */
export const V1CreateMigrationBody = z.strictObject({
  query: z.string(),
  name: z.string().optional(),
  rollback: z.string().optional(),
});

/** `components.schemas.V1ListMigrationsResponse` (response of `v1-list-migration-history`). */
export const V1ListMigrationsResponse = z.array(
  z.strictObject({ version: z.string(), name: z.string().optional() }),
);

/** `components.schemas.V1RunQueryBody` (request of `v1-run-a-query`). */
export const V1RunQueryBody = z.strictObject({
  query: z.string(),
  parameters: z.array(z.unknown()).optional(),
  read_only: z.boolean().optional(),
});

const FUNCTION_STATUS = z.enum(["ACTIVE", "REMOVED", "THROTTLED"]);

const functionFields = {
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  status: FUNCTION_STATUS,
  version: z.number().int(),
  verify_jwt: z.boolean().optional(),
  import_map: z.boolean().optional(),
  entrypoint_path: z.string().optional(),
  import_map_path: z.string().optional(),
  ezbr_sha256: z.string().optional(),
};

/** `components.schemas.FunctionResponse` (items of `v1-list-all-functions`). */
export const FunctionResponse = z.strictObject({
  ...functionFields,
  created_at: z.number().int(),
  updated_at: z.number().int(),
});

/** `components.schemas.FunctionSlugResponse` (response of `v1-get-a-function`). */
export const FunctionSlugResponse = FunctionResponse;

/** `components.schemas.DeployFunctionResponse` (response of `v1-deploy-a-function`). */
export const DeployFunctionResponse = z.strictObject({
  ...functionFields,
  created_at: z.number().int().optional(),
  updated_at: z.number().int().optional(),
});

/** `metadata` of `components.schemas.FunctionDeployBody` (a multipart part, JSON). */
export const FunctionDeployMetadata = z.strictObject({
  entrypoint_path: z.string(),
  import_map_path: z.string().optional(),
  static_patterns: z.array(z.string()).optional(),
  verify_jwt: z.boolean().optional(),
  name: z.string().optional(),
});

/** Query of `v1-deploy-a-function`. */
export const DeployFunctionQuery = z.strictObject({
  slug: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/).optional(),
  bundleOnly: BOOLEAN_STRING.optional(),
});

/** The error body the Management API sends. */
export const ErrorBody = z.object({ message: z.string() });
