/**
 * @module Where analytics rows came from: the Iceberg table and snapshot, how many rows, a
 * checksum over them, and when they were read. The checksum is SHA-256 over the rows as
 * canonical JSON (keys sorted, in the order returned), so a client can verify what it got.
 */

/** Provenance as `GET /sessions/:id/analytics` returns it. */
export interface Provenance {
  /** The Iceberg table: `<location> (<namespace.table>)`. */
  source: string;
  /** The Iceberg snapshot the dataset was attached at (decimal: 64-bit). */
  snapshot_id: string;
  row_count: number;
  /** `sha256:<hex>` of the rows' canonical JSON. */
  checksum: string;
  queried_at: string;
}

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

export async function rowsChecksum(rows: readonly unknown[]): Promise<string> {
  const bytes = new TextEncoder().encode(canonicalJson(rows));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return `sha256:${[...digest].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export async function provenance(
  source: { location: string; table: string; snapshotId: string },
  rows: readonly unknown[],
  queriedAt: Date,
): Promise<Provenance> {
  return {
    source: `${source.location} (${source.table})`,
    snapshot_id: source.snapshotId,
    row_count: rows.length,
    checksum: await rowsChecksum(rows),
    queried_at: queriedAt.toISOString(),
  };
}
