/**
 * @module Storage SQL of a plan: each bucket upserted into `storage.buckets` (idempotent, part of
 * the schema migration) and each storage policy dropped if it exists and created again on
 * `storage.objects` (part of the RLS migration). Runs as Supabase's `postgres`, which hosted
 * projects let write buckets and storage policies.
 */
import type { Storage, StorageBucket, StoragePolicy } from "../plan/schema.ts";
import { quoteLiteral } from "./identifier.ts";
import { createPolicySql } from "./policy_sql.ts";

/** A bucket id: lowercase letters, digits and dashes (safe in a URL and as a literal). */
export const BUCKET_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** `insert into storage.buckets … on conflict (id) do update …` for one bucket. */
export function bucketSql(bucket: StorageBucket): string {
  if (!BUCKET_ID_PATTERN.test(bucket.id)) {
    throw new TypeError(`Cannot use bucket id "${bucket.id}": use lowercase letters, digits and -`);
  }
  const mime = bucket.allowedMimeTypes === null
    ? "null"
    : `array[${bucket.allowedMimeTypes.map(quoteLiteral).join(", ")}]::text[]`;
  const limit = bucket.fileSizeLimit === null ? "null" : `${Math.trunc(bucket.fileSizeLimit)}`;
  return "insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)\n" +
    `values (${quoteLiteral(bucket.id)}, ${quoteLiteral(bucket.id)}, ${bucket.public}, ${limit}, ` +
    `${mime})\n` +
    "on conflict (id) do update set name = excluded.name, public = excluded.public, " +
    "file_size_limit = excluded.file_size_limit, allowed_mime_types = excluded.allowed_mime_types;";
}

/** The statements (re)creating one storage policy. */
export interface StoragePolicyStatements {
  readonly name: string;
  readonly bucket: string;
  readonly sql: string;
}

/** `drop policy if exists` + `create policy … on storage.objects`. */
export function storagePolicySql(policy: StoragePolicy): StoragePolicyStatements {
  return {
    name: policy.name,
    bucket: policy.bucket,
    sql: createPolicySql(policy, "storage.objects"),
  };
}

/** The buckets' statements, for the schema migration (empty when the plan keeps no files). */
export function bucketStatements(storage: Storage): string[] {
  return storage.buckets.map(bucketSql);
}

/** The storage policies' statements, for the RLS migration. */
export function storagePolicyStatements(storage: Storage): StoragePolicyStatements[] {
  return storage.policies.map(storagePolicySql);
}
