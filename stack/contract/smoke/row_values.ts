/**
 * @module Values for the columns of a synthetic row: the owner column gets the acting user,
 * foreign keys the parent rows seeded for that user, required columns a plain value of their
 * type (the first allowed literal when a CHECK lists them, the first label of an enum), and
 * everything else its default. Each value is sent as text and cast to the column's type.
 */
import type { Column, Model, Table } from "../../../functions-shared/drift/model.ts";
import { qualifiedName, quoteName } from "../../../functions-shared/drift/names.ts";
import { foreignKeys, referencesUsers } from "./table_shape.ts";

/** A row seeded earlier: its column values as text, by column name. */
export type SeededRow = Readonly<Record<string, string | null>>;

/** Where a new row's parents come from. */
export interface RowContext {
  /** The user who owns the row. */
  readonly userId: string;
  /** The owner column, if the table has one. */
  readonly ownerColumn: string | null;
  /** The row seeded for this user in `schema.table`, if any. */
  readonly parent: (schema: string, table: string) => SeededRow | undefined;
  /** Distinguishes rows (unique text columns): `a`, `b`, `c1` … */
  readonly label: string;
}

/** An INSERT and the values it sends. */
export interface RowInsert {
  readonly text: string;
  readonly values: (string | null)[];
}

/** The first literal a CHECK constraint allows for `column` (`col = ANY (ARRAY['a'::text …])`). */
export function allowedLiteral(table: Table, column: string): string | null {
  for (const c of table.constraints) {
    if (c.type !== "check" || !c.columns.includes(column)) continue;
    const m = c.definition.match(/ANY \(+ARRAY\['((?:[^']|'')*)'/) ??
      c.definition.match(new RegExp(`${column}\\)? = '((?:[^']|'')*)'`));
    if (m) return m[1]!.replaceAll("''", "'");
  }
  return null;
}

/** A plain value of `type` as text, or null when the type has none this module knows. */
export function plainValue(type: string, label: string, model: Model): string | null {
  const t = type.toLowerCase();
  if (t.endsWith("[]")) return "{}";
  if (t === "uuid") return crypto.randomUUID();
  if (/^(smallint|integer|bigint|numeric|real|double precision|money)/.test(t)) return "1";
  if (t === "boolean") return "false";
  if (t.startsWith("timestamp")) return new Date().toISOString();
  if (t === "date") return new Date().toISOString().slice(0, 10);
  if (t.startsWith("time")) return "12:00:00";
  if (t === "interval") return "1 day";
  if (t === "json" || t === "jsonb") return "{}";
  if (t === "bytea") return "\\x00";
  if (t === "inet" || t === "cidr") return "127.0.0.1";
  const text = t.match(/^(?:text|citext|character varying|varchar|character|char)(?:\((\d+)\))?$/);
  if (text) return `smoke ${label}`.slice(0, text[1] ? Number(text[1]) : undefined);
  const e = model.enums.find((x) => `${x.schema}.${x.name}` === type || x.name === type);
  if (e) return e.values[0] ?? null;
  return null;
}

function required(c: Column): boolean {
  return c.notNull && c.default === null && c.identity === null && c.generated === null;
}

/**
 * The INSERT of one row into `table` for `ctx.userId`: owner, foreign keys (to the parent rows
 * seeded for the same user, or to the user for keys on auth.users), required columns.
 */
export function rowInsert(table: Table, model: Model, ctx: RowContext): RowInsert {
  const assigned = new Map<string, string | null>();
  if (ctx.ownerColumn) assigned.set(ctx.ownerColumn, ctx.userId);
  for (const fk of foreignKeys(table)) {
    if (fk.columns.some((c) => assigned.has(c))) continue;
    if (referencesUsers(fk)) {
      assigned.set(fk.columns[0]!, ctx.userId);
      continue;
    }
    const parent = ctx.parent(fk.schema, fk.table);
    if (!parent) continue;
    fk.columns.forEach((c, i) => assigned.set(c, parent[fk.refColumns[i]!] ?? null));
  }
  for (const c of table.columns) {
    if (assigned.has(c.name) || !required(c)) continue;
    assigned.set(c.name, allowedLiteral(table, c.name) ?? plainValue(c.type, ctx.label, model));
  }
  const columns = table.columns.filter((c) => assigned.has(c.name));
  const target = qualifiedName(table.schema, table.name);
  if (columns.length === 0) {
    return { text: `insert into ${target} default values returning *`, values: [] };
  }
  return {
    text: `insert into ${target} (${columns.map((c) => quoteName(c.name)).join(", ")}) values (${
      columns.map((c, i) => `$${i + 1}::${c.type}`).join(", ")
    }) returning *`,
    values: columns.map((c) => assigned.get(c.name) ?? null),
  };
}
