/**
 * @module Pagination as PostgREST does it: the `Range` header (`0-9`) intersected with
 * `limit`/`offset`, the `Content-Range` header (`0-9/100`, `*` for an unknown total or an empty
 * page), and 200/206/416 once the total is known.
 */
import { ApiError } from "./errors.ts";

/** A row window: `offset` and at most `limit` rows (null: unbounded). */
export interface RowRange {
  readonly offset: number;
  readonly limit: number | null;
}

/** Every row. */
export const ALL_ROWS: RowRange = { offset: 0, limit: null };

/** Parses a `Range: <from>-<to>` header; anything else means every row (as PostgREST). */
export function rangeFromHeader(header: string | null): RowRange {
  const m = /^([0-9]+)-([0-9]*)$/.exec((header ?? "").trim());
  if (!m) return ALL_ROWS;
  const from = Number(m[1]);
  if (m[2] === "") return { offset: from, limit: null };
  const to = Number(m[2]);
  if (to < from) {
    throw new ApiError(
      416,
      "PGRST103",
      "Requested range not satisfiable",
      "The lower boundary must be lower than or equal to the upper boundary in the Range header.",
    );
  }
  return { offset: from, limit: to - from + 1 };
}

/** The intersection of two windows (header and query parameters). */
export function intersectRanges(a: RowRange, b: RowRange): RowRange {
  const offset = Math.max(a.offset, b.offset);
  const ends = [a, b].filter((r) => r.limit !== null).map((r) => r.offset + r.limit! - 1);
  if (ends.length === 0) return { offset, limit: null };
  return { offset, limit: Math.max(0, Math.min(...ends) - offset + 1) };
}

/** `Content-Range` for a page of `rows` rows starting at `offset`, out of `total` (if known). */
export function contentRange(offset: number, rows: number, total: number | null): string {
  const upper = offset + rows - 1;
  const range = total !== 0 && offset <= upper ? `${offset}-${upper}` : "*";
  return `${range}/${total ?? "*"}`;
}

/** 200, 206 (a partial page of a known total) or 416 (an offset past the total). */
export function rangeStatus(offset: number, rows: number, total: number | null): number {
  if (total === null) return 200;
  if (offset > total) return 416;
  if (rows < total) return 206;
  return 200;
}

/** The 416 error PostgREST sends when the offset is past the total. */
export function outOfBounds(offset: number, total: number): ApiError {
  return new ApiError(
    416,
    "PGRST103",
    "Requested range not satisfiable",
    `An offset of ${offset} was requested, but there are only ${total} rows.`,
  );
}
