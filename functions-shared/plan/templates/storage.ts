/**
 * @module Storage of the templates that keep files: one bucket of images whose files anyone may
 * read, and where signed-in users write only inside their own folder (`<user id>/…`), the
 * pattern Supabase documents for per-user uploads.
 */
import type { Storage, StoragePolicy } from "../schema.ts";

const OWN_FOLDER = "(storage.foldername(name))[1] = (select auth.uid())::text";

function bucketPolicies(bucket: string, prefix: string, noun: string): StoragePolicy[] {
  const inBucket = `bucket_id = '${bucket}'`;
  const own = `${inBucket} and ${OWN_FOLDER}`;
  return [
    {
      name: `${prefix}_select_public`,
      bucket,
      command: "select",
      roles: ["anon", "authenticated"],
      using: inBucket,
      withCheck: null,
      description: `Anyone can read ${noun}.`,
    },
    {
      name: `${prefix}_insert_own`,
      bucket,
      command: "insert",
      roles: ["authenticated"],
      using: null,
      withCheck: own,
      description: `Signed-in users upload ${noun} into their own folder.`,
    },
    {
      name: `${prefix}_update_own`,
      bucket,
      command: "update",
      roles: ["authenticated"],
      using: own,
      withCheck: own,
      description: `Users replace only ${noun} in their own folder.`,
    },
    {
      name: `${prefix}_delete_own`,
      bucket,
      command: "delete",
      roles: ["authenticated"],
      using: own,
      withCheck: null,
      description: `Users delete only ${noun} in their own folder.`,
    },
  ];
}

/** An image bucket of `bucket` (5 MB per file) with its owner-folder policies. */
export function imageBucketStorage(
  bucket: string,
  prefix: string,
  noun: string,
  description: string,
  fileSizeLimit = 5 * 1024 * 1024,
): Storage {
  return {
    buckets: [{
      id: bucket,
      public: true,
      fileSizeLimit,
      allowedMimeTypes: ["image/*"],
      description,
    }],
    policies: bucketPolicies(bucket, prefix, noun),
  };
}
