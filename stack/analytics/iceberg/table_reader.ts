/**
 * @module Reads an Iceberg table from a warehouse on disk, following the spec's chain: the
 * version hint → table metadata → current snapshot → manifest list → manifests → Parquet data
 * files (read with hyparquet). The warehouse stands in for an analytics bucket: `s3://<bucket>/…`
 * locations resolve under `<root>/<bucket>/`, and nothing outside the root is ever read.
 */
import { readFile } from "node:fs/promises";
import { normalize } from "node:path";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { readAvroFile } from "./avro.ts";
import {
  type IcebergField,
  type ManifestEntry,
  type ManifestFile,
  metadataFromJson,
  type TableMetadata,
} from "./spec.ts";

/** Where a table is. */
export interface TableAddress {
  /** The directory holding the warehouses (buckets). */
  root: string;
  /** The warehouse: the analytics bucket's name. */
  warehouse: string;
  /** `namespace.table`. */
  table: string;
}

/** A table's current state, as read. */
export interface IcebergTable {
  metadata: TableMetadata;
  metadataFile: string;
  snapshotId: bigint;
  fields: IcebergField[];
  /** Data files of the snapshot, in manifest order. */
  dataFiles: string[];
}

const NAME = /^[A-Za-z0-9_]+$/;
const WAREHOUSE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Thrown for a table that cannot be read; the message says why. */
export class IcebergReadError extends Error {
  override name = "IcebergReadError";
}

/** The local path of an `s3://<warehouse>/…` URI, refusing anything outside the warehouse. */
export function localPath(addr: TableAddress, uri: string): string {
  const prefix = `s3://${addr.warehouse}/`;
  if (!uri.startsWith(prefix)) {
    throw new IcebergReadError(`Cannot read ${uri}: it is outside the warehouse ${prefix}`);
  }
  const rest = uri.slice(prefix.length);
  const path = normalize(`${addr.root}/${addr.warehouse}/${rest}`);
  if (rest.split("/").includes("..") || !path.startsWith(`${normalize(addr.root)}/`)) {
    throw new IcebergReadError(`Cannot read ${uri}: the path leaves the warehouse`);
  }
  return path;
}

function tableDir(addr: TableAddress): string {
  if (!WAREHOUSE.test(addr.warehouse)) {
    throw new IcebergReadError(`Cannot read warehouse "${addr.warehouse}": not a bucket name`);
  }
  const parts = addr.table.split(".");
  if (parts.length < 2 || !parts.every((p) => NAME.test(p))) {
    throw new IcebergReadError(
      `Cannot read table "${addr.table}": name it namespace.table (letters, digits, _)`,
    );
  }
  return `${addr.root}/${addr.warehouse}/${parts.join("/")}`;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new IcebergReadError(`Cannot read ${what} (${path}): ${(e as Error).message}`);
  }
}

/** Loads the table's current metadata and the data files of its current snapshot. */
export async function loadTable(addr: TableAddress): Promise<IcebergTable> {
  const dir = tableDir(addr);
  const hintFile = `${dir}/metadata/version-hint.text`;
  const hint = (await readFile(hintFile, "utf8").catch(() => {
    throw new IcebergReadError(
      `Table ${addr.table} does not exist in the analytics bucket ${addr.warehouse}`,
    );
  })).trim();
  if (!/^\d+$/.test(hint)) throw new IcebergReadError(`Table ${addr.table} has a bad version hint`);
  const metadataFile = `${dir}/metadata/v${hint}.metadata.json`;
  const metadata = metadataFromJson(await readText(metadataFile, "the table metadata"));
  if (metadata["format-version"] !== 2) {
    throw new IcebergReadError(`Table ${addr.table} is not Iceberg format version 2`);
  }
  const snapshotId = metadata["current-snapshot-id"];
  const snapshot = metadata.snapshots.find((s) => s["snapshot-id"] === snapshotId);
  if (snapshotId === null || !snapshot) {
    throw new IcebergReadError(`Table ${addr.table} has no current snapshot`);
  }
  const schema = metadata.schemas.find((s) => s["schema-id"] === snapshot["schema-id"]) ??
    metadata.schemas.find((s) => s["schema-id"] === metadata["current-schema-id"]);
  if (!schema) throw new IcebergReadError(`Table ${addr.table} has no schema`);
  const list = readAvroFile(await readFile(localPath(addr, snapshot["manifest-list"])));
  const dataFiles: string[] = [];
  for (const m of list.records as ManifestFile[]) {
    if (m.content !== 0) continue; // delete manifests: the demo has none
    const manifest = readAvroFile(await readFile(localPath(addr, m.manifest_path)));
    for (const e of manifest.records as ManifestEntry[]) {
      if (e.status === 2 || e.data_file.content !== 0) continue;
      if (e.data_file.file_format.toUpperCase() !== "PARQUET") {
        throw new IcebergReadError(`Cannot read ${e.data_file.file_path}: only Parquet is read`);
      }
      dataFiles.push(e.data_file.file_path);
    }
  }
  return { metadata, metadataFile, snapshotId, fields: schema.fields, dataFiles };
}

/** Reads the rows of the table's current snapshot: `columns` (default all), by name. */
export async function readRows(
  addr: TableAddress,
  table: IcebergTable,
  columns?: readonly string[],
): Promise<Record<string, unknown>[]> {
  const names = columns ?? table.fields.map((f) => f.name);
  for (const c of names) {
    if (!table.fields.some((f) => f.name === c)) {
      throw new IcebergReadError(`Table ${addr.table} has no column "${c}"`);
    }
  }
  const rows: Record<string, unknown>[] = [];
  for (const uri of table.dataFiles) {
    const file = await asyncBufferFromFile(localPath(addr, uri));
    rows.push(...await parquetReadObjects({ file, columns: [...names] }));
  }
  return rows;
}
