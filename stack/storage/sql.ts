/** @module The local Storage API's SQL on `storage.buckets` and `storage.objects`. Pure. */
import type { Query } from "../../functions-shared/db/query.ts";

/** A bucket's limits. */
export interface BucketRow {
  id: string;
  public: boolean | null;
  file_size_limit: string | null;
  allowed_mime_types: string[] | null;
}

/** An object's row. */
export interface ObjectRow {
  id: string;
  metadata: Record<string, unknown> | null;
}

/** The bucket (read by its owner role, which row-level security does not restrict). */
export function bucketById(id: string): Query {
  return {
    text: `select id, public, file_size_limit::text, allowed_mime_types
             from storage.buckets where id = $1`,
    values: [id],
  };
}

/** Inserts an object's row (as the caller: insert policies decide); upsert replaces it. */
export function upsertObject(
  bucket: string,
  name: string,
  owner: string | null,
  metadata: Record<string, unknown>,
  upsert: boolean,
): Query {
  const conflict = upsert
    ? `on conflict (bucket_id, name) do update set metadata = excluded.metadata,
         owner = excluded.owner, owner_id = excluded.owner_id, updated_at = now(),
         last_accessed_at = now()`
    : "on conflict (bucket_id, name) do nothing";
  return {
    text: `insert into storage.objects (bucket_id, name, owner, owner_id, metadata)
           values ($1, $2, $3::uuid, $3, $4::jsonb) ${conflict}
           returning id, metadata`,
    values: [bucket, name, owner, JSON.stringify(metadata)],
  };
}

/** The object with this name (as the caller: select policies decide). */
export function objectByName(bucket: string, name: string): Query {
  return {
    text: "select id, metadata from storage.objects where bucket_id = $1 and name = $2",
    values: [bucket, name],
  };
}

/** Deletes the named objects the caller may delete; returns them. */
export function deleteObjects(bucket: string, names: readonly string[]): Query {
  return {
    text: `delete from storage.objects where bucket_id = $1 and name = any($2::text[])
           returning id, name, bucket_id, metadata`,
    values: [bucket, [...names]],
  };
}
