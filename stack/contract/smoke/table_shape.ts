/**
 * @module What the smoke test needs to know about a table, read from its model: its foreign
 * keys, the column that says which user owns a row (a uuid referencing `auth.users`, or one the
 * table's policies compare with `auth.uid()`), and an order in which tables can be seeded so
 * every foreign key finds its parent row.
 */
import type { Table } from "../../../functions-shared/drift/model.ts";

/** A single- or multi-column foreign key. */
export interface ForeignKey {
  readonly columns: readonly string[];
  readonly schema: string;
  readonly table: string;
  readonly refColumns: readonly string[];
}

/** The column holding a row's owner, and how it was recognised. */
export interface OwnerColumn {
  readonly column: string;
  readonly source: "foreign key" | "policy";
}

const NAME = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const FK = new RegExp(
  String.raw`^FOREIGN KEY \(([^)]*)\) REFERENCES (?:(${NAME})\.)?(${NAME})\(([^)]*)\)`,
);

function unquote(name: string): string {
  const n = name.trim();
  return n.startsWith('"') ? n.slice(1, -1).replaceAll('""', '"') : n;
}

function names(list: string): string[] {
  return list.split(",").map(unquote);
}

/** The table's foreign keys, parsed from their definitions. */
export function foreignKeys(table: Table): ForeignKey[] {
  const out: ForeignKey[] = [];
  for (const c of table.constraints) {
    if (c.type !== "foreign key") continue;
    const m = c.definition.match(FK);
    if (!m) continue;
    out.push({
      columns: names(m[1]!),
      schema: m[2] ? unquote(m[2]) : table.schema,
      table: unquote(m[3]!),
      refColumns: names(m[4]!),
    });
  }
  return out;
}

/** Whether the foreign key points at `auth.users(id)`. */
export function referencesUsers(fk: ForeignKey): boolean {
  return fk.schema === "auth" && fk.table === "users" && fk.columns.length === 1;
}

/** Columns the table's policies compare with `auth.uid()` (either side of `=`). */
export function policyOwnerColumns(table: Table): string[] {
  const uid = String.raw`\(?\s*(?:\(\s*SELECT\s+)?auth\.uid\(\)(?:\s+AS\s+uid)?\s*\)?\s*\)?`;
  const column = String.raw`(?:[A-Za-z_][A-Za-z0-9_]*\.)?("?[A-Za-z_][A-Za-z0-9_]*"?)`;
  const patterns = [
    new RegExp(`${uid}\\s*=\\s*\\(?${column}\\)?`, "gi"),
    new RegExp(`${column}\\)?\\s*=\\s*${uid}`, "gi"),
  ];
  const found = new Set<string>();
  for (const p of table.policies) {
    for (const expr of [p.using, p.withCheck]) {
      if (!expr) continue;
      for (const pattern of patterns) {
        for (const m of expr.matchAll(pattern)) found.add(unquote(m[1]!));
      }
    }
  }
  return [...found].filter((c) =>
    table.columns.some((col) => col.name === c && col.type === "uuid")
  );
}

/**
 * The owner column: a uuid referencing auth.users that the policies also compare with
 * `auth.uid()`, else the first one referencing auth.users, else the first compared one.
 */
export function ownerColumn(table: Table): OwnerColumn | null {
  const userKeys = foreignKeys(table).filter(referencesUsers).map((fk) => fk.columns[0]!);
  const compared = policyOwnerColumns(table);
  const both = userKeys.find((c) => compared.includes(c));
  if (both) return { column: both, source: "foreign key" };
  if (userKeys[0]) return { column: userKeys[0], source: "foreign key" };
  if (compared[0]) return { column: compared[0], source: "policy" };
  return null;
}

/** Tables ordered so each comes after the tables its foreign keys reference (cycles kept in order). */
export function seedOrder(tables: readonly Table[]): Table[] {
  const key = (schema: string, name: string) => `${schema}.${name}`;
  const byKey = new Map(tables.map((t) => [key(t.schema, t.name), t]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: Table[] = [];
  const visit = (t: Table) => {
    const k = key(t.schema, t.name);
    if (done.has(k) || visiting.has(k)) return;
    visiting.add(k);
    for (const fk of foreignKeys(t)) {
      const parent = byKey.get(key(fk.schema, fk.table));
      if (parent && parent !== t) visit(parent);
    }
    visiting.delete(k);
    done.add(k);
    out.push(t);
  };
  for (const t of tables) visit(t);
  return out;
}
