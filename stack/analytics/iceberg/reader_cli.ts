/**
 * @module The Iceberg reader the local `wrappers` extension runs for each foreign scan:
 * `reader --root <dir> scan <warehouse> <namespace.table> <column>...` prints the current
 * snapshot's rows as CSV (COPY's format, no header), the columns in the order given;
 * `reader --root <dir> snapshot <warehouse> <namespace.table>` prints the snapshot id.
 * Bundled into one file and run with Node (or Deno); it uses Node's APIs only.
 */
import process from "node:process";
import { IcebergReadError, loadTable, readRows } from "./table_reader.ts";

/** One CSV field as COPY reads it: NULL unquoted and empty, everything else quoted if needed. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text: string;
  if (value instanceof Date) {
    const iso = value.toISOString();
    text = iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso;
  } else if (typeof value === "boolean") text = value ? "t" : "f";
  else if (typeof value === "object" && !(value instanceof Uint8Array)) {
    text = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  } else text = String(value);
  return text === "" || /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] !== "--root" || !argv[1]) {
    process.stderr.write("usage: reader --root <dir> scan|snapshot <warehouse> <table> [col...]\n");
    return 2;
  }
  const [, root, command, warehouse, table, ...columns] = argv;
  if (!command || !warehouse || !table) {
    process.stderr.write("usage: reader --root <dir> scan|snapshot <warehouse> <table> [col...]\n");
    return 2;
  }
  const addr = { root, warehouse, table };
  try {
    const loaded = await loadTable(addr);
    if (command === "snapshot") {
      process.stdout.write(`${loaded.snapshotId}\n`);
      return 0;
    }
    if (command !== "scan") throw new IcebergReadError(`Unknown command "${command}"`);
    const rows = await readRows(addr, loaded, columns.length > 0 ? columns : undefined);
    const names = columns.length > 0 ? columns : loaded.fields.map((f) => f.name);
    const lines = rows.map((r) => names.map((n) => csvField(r[n])).join(",") + "\n");
    // One write: Postgres may stop reading early (LIMIT); a closed pipe is then no error.
    process.stdout.on("error", (e: NodeJS.ErrnoException) => {
      process.exit(e.code === "EPIPE" ? 0 : 1);
    });
    await new Promise<void>((resolve) => process.stdout.write(lines.join(""), () => resolve()));
    return 0;
  } catch (e) {
    const message = e instanceof IcebergReadError ? e.message : `Cannot read ${table}: ${e}`;
    process.stderr.write(`${message}\n`);
    return 1;
  }
}
