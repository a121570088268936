/**
 * @module The parts of the Apache Iceberg table spec (format version 2) the demo dataset uses:
 * table metadata JSON, and the Avro schemas of manifest lists and manifests with their field
 * ids, as the spec defines them.
 */
import type { AvroSchema } from "./avro.ts";

/** A field of an Iceberg schema (primitive types only). */
export interface IcebergField {
  id: number;
  name: string;
  required: boolean;
  /** `boolean`, `int`, `long`, `float`, `double`, `date`, `string`, `timestamptz`, … */
  type: string;
  doc?: string;
}

export interface IcebergSchema {
  type: "struct";
  "schema-id": number;
  fields: IcebergField[];
}

export interface IcebergSnapshot {
  "sequence-number": number;
  "snapshot-id": bigint;
  "parent-snapshot-id"?: bigint;
  "timestamp-ms": number;
  summary: Record<string, string>;
  "manifest-list": string;
  "schema-id": number;
}

/** Table metadata (`metadata/v<N>.metadata.json`). */
export interface TableMetadata {
  "format-version": 2;
  "table-uuid": string;
  location: string;
  "last-sequence-number": number;
  "last-updated-ms": number;
  "last-column-id": number;
  "current-schema-id": number;
  schemas: IcebergSchema[];
  "default-spec-id": number;
  "partition-specs": { "spec-id": number; fields: unknown[] }[];
  "last-partition-id": number;
  "default-sort-order-id": number;
  "sort-orders": { "order-id": number; fields: unknown[] }[];
  properties: Record<string, string>;
  "current-snapshot-id": bigint | null;
  refs: Record<string, { "snapshot-id": bigint; type: "branch" | "tag" }>;
  snapshots: IcebergSnapshot[];
  "snapshot-log": { "timestamp-ms": number; "snapshot-id": bigint }[];
  "metadata-log": { "timestamp-ms": number; "metadata-file": string }[];
}

/** One entry of a manifest list (`manifest_file`, spec v2). */
export interface ManifestFile {
  manifest_path: string;
  manifest_length: bigint;
  partition_spec_id: number;
  content: number;
  sequence_number: bigint;
  min_sequence_number: bigint;
  added_snapshot_id: bigint;
  added_files_count: number;
  existing_files_count: number;
  deleted_files_count: number;
  added_rows_count: bigint;
  existing_rows_count: bigint;
  deleted_rows_count: bigint;
}

/** One entry of a manifest (`manifest_entry`, spec v2): status 0 existing, 1 added, 2 deleted. */
export interface ManifestEntry {
  status: number;
  snapshot_id: bigint | null;
  sequence_number: bigint | null;
  file_sequence_number: bigint | null;
  data_file: {
    content: number;
    file_path: string;
    file_format: string;
    partition: Record<string, never>;
    record_count: bigint;
    file_size_in_bytes: bigint;
  };
}

export const MANIFEST_LIST_SCHEMA: AvroSchema = {
  type: "record",
  name: "manifest_file",
  fields: [
    { name: "manifest_path", type: "string", "field-id": 500 },
    { name: "manifest_length", type: "long", "field-id": 501 },
    { name: "partition_spec_id", type: "int", "field-id": 502 },
    { name: "content", type: "int", "field-id": 517 },
    { name: "sequence_number", type: "long", "field-id": 515 },
    { name: "min_sequence_number", type: "long", "field-id": 516 },
    { name: "added_snapshot_id", type: "long", "field-id": 503 },
    { name: "added_files_count", type: "int", "field-id": 504 },
    { name: "existing_files_count", type: "int", "field-id": 505 },
    { name: "deleted_files_count", type: "int", "field-id": 506 },
    { name: "added_rows_count", type: "long", "field-id": 512 },
    { name: "existing_rows_count", type: "long", "field-id": 513 },
    { name: "deleted_rows_count", type: "long", "field-id": 514 },
  ],
};

export const MANIFEST_ENTRY_SCHEMA: AvroSchema = {
  type: "record",
  name: "manifest_entry",
  fields: [
    { name: "status", type: "int", "field-id": 0 },
    { name: "snapshot_id", type: ["null", "long"], default: null, "field-id": 1 },
    { name: "sequence_number", type: ["null", "long"], default: null, "field-id": 3 },
    { name: "file_sequence_number", type: ["null", "long"], default: null, "field-id": 4 },
    {
      name: "data_file",
      "field-id": 2,
      type: {
        type: "record",
        name: "r2",
        fields: [
          { name: "content", type: "int", "field-id": 134 },
          { name: "file_path", type: "string", "field-id": 100 },
          { name: "file_format", type: "string", "field-id": 101 },
          {
            name: "partition",
            "field-id": 102,
            type: { type: "record", name: "r102", fields: [] },
          },
          { name: "record_count", type: "long", "field-id": 103 },
          { name: "file_size_in_bytes", type: "long", "field-id": 104 },
        ],
      },
    },
  ],
};

/** Iceberg metadata JSON with 64-bit ids written as exact integers. */
export function metadataToJson(metadata: TableMetadata): string {
  return JSON.stringify(
    metadata,
    (_k, v) => (typeof v === "bigint" ? `__int64:${v}` : v),
    2,
  ).replace(/"__int64:(-?\d+)"/g, "$1") + "\n";
}

/** Parses metadata JSON keeping 64-bit ids (snapshot ids) exact as bigint. */
export function metadataFromJson(text: string): TableMetadata {
  const exact = text.replace(
    /("(?:snapshot-id|current-snapshot-id|parent-snapshot-id)"\s*:\s*)(-?\d+)/g,
    '$1"__int64:$2"',
  );
  return JSON.parse(
    exact,
    (_k, v) => (typeof v === "string" && v.startsWith("__int64:") ? BigInt(v.slice(8)) : v),
  ) as TableMetadata;
}
