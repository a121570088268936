/**
 * @module What belongs to the Supabase platform rather than to the user: schemas, extensions and
 * publications the platform owns. Platform objects are consulted (auth.users, storage.buckets)
 * but never diffed.
 */

/**
 * Schemas owned by Postgres or the Supabase platform. `supabase_*` schemas and Postgres'
 * `pg_toast`/`pg_temp_*` schemas are matched by {@linkcode isPlatformSchema} as well.
 * `pgbouncer`, `pgsodium_masks` and `pgtle` exist on hosted projects only.
 */
export const PLATFORM_SCHEMAS: readonly string[] = [
  "pg_catalog",
  "information_schema",
  "auth",
  "storage",
  "realtime",
  "vault",
  "net",
  "pgmq",
  "cron",
  "extensions",
  "graphql",
  "graphql_public",
  "pgsodium",
  "pgsodium_masks",
  "pgbouncer",
  "pgtle",
  "supabase_functions",
  "supabase_migrations",
  "supabase_compat",
];

/** Platform schemas whose tables may carry user policies (storage.objects, realtime.messages). */
export const POLICY_ATTACHMENT_SCHEMAS: readonly string[] = ["storage", "realtime"];

/** Whether `schema` is a platform schema. */
export function isPlatformSchema(schema: string): boolean {
  return PLATFORM_SCHEMAS.includes(schema) || /^(supabase_|pg_toast|pg_temp_)/.test(schema);
}

/**
 * Extensions a Supabase project has before any migration runs; when one is present but not in
 * the contract it is not reported.
 */
export const PLATFORM_EXTENSIONS: readonly string[] = [
  "plpgsql",
  "pg_graphql",
  "pg_stat_statements",
  "pgsodium",
  "supabase_vault",
  "pgjwt",
  "uuid-ossp",
  "pgcrypto",
];

/** The roles a browser reaches the database as, through the Data API. */
export const API_ROLES: readonly string[] = ["anon", "authenticated"];
