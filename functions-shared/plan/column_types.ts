/** @module The column types a plan may use. */

/** Column types a plan may use as written; `numeric(p,s)` is allowed as well. */
export const COLUMN_TYPES: readonly string[] = [
  "uuid",
  "text",
  "boolean",
  "smallint",
  "integer",
  "bigint",
  "numeric",
  "real",
  "double precision",
  "date",
  "timestamptz",
  "jsonb",
  "text[]",
  "uuid[]",
];

const NUMERIC_WITH_PRECISION = /^numeric\(([1-9][0-9]{0,3}),([0-9]{1,4})\)$/;

/** Whether `type` is in {@linkcode COLUMN_TYPES} or is `numeric(p,s)` with 1 ≤ p ≤ 1000, s ≤ p. */
export function isAllowedColumnType(type: string): boolean {
  if (COLUMN_TYPES.includes(type)) return true;
  const match = NUMERIC_WITH_PRECISION.exec(type);
  if (!match) return false;
  const precision = Number(match[1]);
  const scale = Number(match[2]);
  return precision <= 1000 && scale <= precision;
}
