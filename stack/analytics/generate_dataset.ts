/**
 * @module Generates the analytics demo dataset once, deterministically: a marketplace-sales
 * Iceberg table (format v2) in `stack/analytics/warehouse/<bucket>/marketplace/sales/` — one
 * Parquet data file (hyparquet-writer), its manifest and manifest list (Avro), the table
 * metadata and the version hint — plus `functions-shared/analytics/demo_dataset.generated.ts`,
 * the descriptor the control plane attaches. Run: `deno run -A stack/analytics/generate_dataset.ts`.
 */
import { seededRandom } from "../seeded_random.ts";
import { parquetWriteBuffer } from "hyparquet-writer";
import { paths } from "../settings.ts";
import { writeAvroFile } from "./iceberg/avro.ts";
import {
  type IcebergField,
  MANIFEST_ENTRY_SCHEMA,
  MANIFEST_LIST_SCHEMA,
  metadataToJson,
  type TableMetadata,
} from "./iceberg/spec.ts";

export const DEMO_WAREHOUSE = "vibe-analytics-demo";
export const DEMO_NAMESPACE = "marketplace";
export const DEMO_TABLE = "sales";
export const WAREHOUSE_ROOT = `${paths.root}/stack/analytics/warehouse`;
const ROWS = 480;
/** 2025-12-01T00:00:00Z: the dataset's commit time (fixed, so the files are reproducible). */
const COMMITTED_MS = 1764547200000;

const FIELDS: IcebergField[] = [
  { id: 1, name: "order_id", required: true, type: "long" },
  { id: 2, name: "sale_date", required: true, type: "date" },
  { id: 3, name: "category", required: true, type: "string" },
  { id: 4, name: "listing", required: true, type: "string" },
  { id: 5, name: "region", required: true, type: "string" },
  { id: 6, name: "quantity", required: true, type: "int" },
  { id: 7, name: "amount_cents", required: true, type: "long" },
];

/** The Postgres type the Iceberg wrapper maps each Iceberg type to (wrappers docs). */
const PG_TYPES: Record<string, string> = {
  long: "bigint",
  int: "integer",
  date: "date",
  string: "text",
  double: "double precision",
  boolean: "boolean",
};

const CATALOG: Record<string, string[]> = {
  synthesizers: ["Juno-60", "Prophet-5", "DX7", "Minimoog Model D", "MS-20", "Jupiter-8"],
  drum_machines: ["TR-808", "TR-909", "LinnDrum", "SP-1200"],
  effects: ["Space Echo RE-201", "Small Stone", "Big Muff", "Memory Man"],
  keyboards: ["Rhodes Mark I", "Wurlitzer 200A", "Clavinet D6", "Hammond B3"],
  accessories: ["Patch cables", "Keyboard stand", "Sustain pedal", "Flight case"],
};
const BASE_PRICE: Record<string, number> = {
  synthesizers: 180000,
  drum_machines: 120000,
  effects: 15000,
  keyboards: 140000,
  accessories: 4000,
};
const REGIONS = ["eu-west", "na-east", "na-west", "apac"];

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** A UUID (v4 layout) derived from a label, so names are stable across runs. */
async function stableUuid(label: string): Promise<string> {
  const b = (await sha256(label)).slice(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The demo rows, column by column. */
export function demoColumns(): Record<string, unknown[]> {
  const next = seededRandom(20251201);
  const cols: Record<string, unknown[]> = Object.fromEntries(FIELDS.map((f) => [f.name, []]));
  const categories = Object.keys(CATALOG);
  const firstDay = Date.UTC(2025, 0, 1) / 86_400_000;
  for (let i = 0; i < ROWS; i++) {
    const category = categories[Math.floor(next() * categories.length)]!;
    const listings = CATALOG[category]!;
    const quantity = category === "accessories" ? 1 + Math.floor(next() * 4) : 1;
    const price = Math.round(BASE_PRICE[category]! * (0.6 + next() * 0.8));
    cols.order_id!.push(BigInt(100001 + i));
    cols.sale_date!.push(new Date((firstDay + Math.floor((i / ROWS) * 334)) * 86_400_000));
    cols.category!.push(category);
    cols.listing!.push(listings[Math.floor(next() * listings.length)]!);
    cols.region!.push(REGIONS[Math.floor(next() * REGIONS.length)]!);
    cols.quantity!.push(quantity);
    cols.amount_cents!.push(BigInt(price * quantity));
  }
  return cols;
}

function parquetFile(cols: Record<string, unknown[]>): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: FIELDS.map((f) => ({ name: f.name, data: cols[f.name]!, nullable: false })),
    schema: [
      { name: "table", num_children: FIELDS.length },
      ...FIELDS.map((f) => ({
        name: f.name,
        repetition_type: "REQUIRED" as const,
        field_id: f.id,
        ...(f.type === "long"
          ? { type: "INT64" as const }
          : f.type === "int"
          ? { type: "INT32" as const }
          : f.type === "date"
          ? { type: "INT32" as const, converted_type: "DATE" as const }
          : { type: "BYTE_ARRAY" as const, converted_type: "UTF8" as const }),
      })),
    ],
    codec: "UNCOMPRESSED",
    createdBy: "vibe-architect demo dataset generator",
  });
  return new Uint8Array(buffer);
}

async function write(path: string, data: Uint8Array | string): Promise<void> {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  if (typeof data === "string") await Deno.writeTextFile(path, data);
  else await Deno.writeFile(path, data);
}

async function main(): Promise<void> {
  const location = `s3://${DEMO_WAREHOUSE}/${DEMO_NAMESPACE}/${DEMO_TABLE}`;
  const dir = `${WAREHOUSE_ROOT}/${DEMO_WAREHOUSE}/${DEMO_NAMESPACE}/${DEMO_TABLE}`;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  const digest = await sha256(`${location} snapshot 1`);
  // A positive 63-bit snapshot id, as Iceberg writers choose them.
  const snapshotId = new DataView(digest.buffer).getBigUint64(0) & 0x7fffffffffffffffn;
  const commitUuid = await stableUuid(`${location} commit 1`);
  const sync = digest.slice(16, 32);

  const cols = demoColumns();
  const parquet = parquetFile(cols);
  const dataUri = `${location}/data/00000-0-${commitUuid}.parquet`;
  await write(localOf(dataUri), parquet);

  const schemaJson = { type: "struct", "schema-id": 0, fields: FIELDS };
  const manifest = writeAvroFile({
    schema: MANIFEST_ENTRY_SCHEMA,
    sync,
    metadata: {
      schema: JSON.stringify(schemaJson),
      "schema-id": "0",
      "partition-spec": "[]",
      "partition-spec-id": "0",
      "format-version": "2",
      content: "data",
    },
    records: [{
      status: 1,
      snapshot_id: snapshotId,
      sequence_number: null,
      file_sequence_number: null,
      data_file: {
        content: 0,
        file_path: dataUri,
        file_format: "PARQUET",
        partition: {},
        record_count: BigInt(ROWS),
        file_size_in_bytes: BigInt(parquet.length),
      },
    }],
  });
  const manifestUri = `${location}/metadata/${commitUuid}-m0.avro`;
  await write(localOf(manifestUri), manifest);

  const manifestList = writeAvroFile({
    schema: MANIFEST_LIST_SCHEMA,
    sync,
    metadata: {
      "snapshot-id": String(snapshotId),
      "parent-snapshot-id": "null",
      "sequence-number": "1",
      "format-version": "2",
    },
    records: [{
      manifest_path: manifestUri,
      manifest_length: BigInt(manifest.length),
      partition_spec_id: 0,
      content: 0,
      sequence_number: 1n,
      min_sequence_number: 1n,
      added_snapshot_id: snapshotId,
      added_files_count: 1,
      existing_files_count: 0,
      deleted_files_count: 0,
      added_rows_count: BigInt(ROWS),
      existing_rows_count: 0n,
      deleted_rows_count: 0n,
    }],
  });
  const listUri = `${location}/metadata/snap-${snapshotId}-1-${commitUuid}.avro`;
  await write(localOf(listUri), manifestList);

  const metadata: TableMetadata = {
    "format-version": 2,
    "table-uuid": await stableUuid(`${location} table`),
    location,
    "last-sequence-number": 1,
    "last-updated-ms": COMMITTED_MS,
    "last-column-id": FIELDS.length,
    "current-schema-id": 0,
    schemas: [{ type: "struct", "schema-id": 0, fields: FIELDS }],
    "default-spec-id": 0,
    "partition-specs": [{ "spec-id": 0, fields: [] }],
    "last-partition-id": 999,
    "default-sort-order-id": 0,
    "sort-orders": [{ "order-id": 0, fields: [] }],
    properties: { "write.format.default": "parquet", "created-by": "vibe-architect" },
    "current-snapshot-id": snapshotId,
    refs: { main: { "snapshot-id": snapshotId, type: "branch" } },
    snapshots: [{
      "sequence-number": 1,
      "snapshot-id": snapshotId,
      "timestamp-ms": COMMITTED_MS,
      summary: {
        operation: "append",
        "added-data-files": "1",
        "added-records": String(ROWS),
        "added-files-size": String(parquet.length),
        "total-data-files": "1",
        "total-records": String(ROWS),
        "total-files-size": String(parquet.length),
        "total-delete-files": "0",
      },
      "manifest-list": listUri,
      "schema-id": 0,
    }],
    "snapshot-log": [{ "timestamp-ms": COMMITTED_MS, "snapshot-id": snapshotId }],
    "metadata-log": [],
  };
  await write(`${dir}/metadata/v1.metadata.json`, metadataToJson(metadata));
  await write(`${dir}/metadata/version-hint.text`, "1\n");

  const descriptor = {
    warehouse: DEMO_WAREHOUSE,
    namespace: DEMO_NAMESPACE,
    table: DEMO_TABLE,
    location,
    snapshotId: String(snapshotId),
    rowCount: ROWS,
    columns: FIELDS.map((f) => ({
      name: f.name,
      icebergType: f.type,
      pgType: PG_TYPES[f.type]!,
    })),
  };
  await Deno.writeTextFile(
    `${paths.root}/functions-shared/analytics/demo_dataset.generated.ts`,
    [
      "/**",
      " * @module GENERATED by `deno run -A stack/analytics/generate_dataset.ts`: the analytics demo",
      " * dataset (an Iceberg table in an analytics bucket) the pipeline attaches. Do not edit.",
      " */",
      'import type { DemoDataset } from "./demo_dataset.ts";',
      "",
      `export const DEMO_DATASET: DemoDataset = ${JSON.stringify(descriptor, null, 2)};`,
      "",
    ].join("\n"),
  );
  console.log(`wrote ${ROWS} rows, snapshot ${snapshotId}, into ${dir}`);

  function localOf(uri: string): string {
    return `${WAREHOUSE_ROOT}/${uri.slice("s3://".length)}`;
  }
}

if (import.meta.main) await main();
