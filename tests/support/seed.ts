/**
 * @module Seeds one row into each table of a provisioned environment, in foreign-key order,
 * filling required columns with plain values and foreign keys with the rows seeded before.
 */
import type pg from "../../functions-shared/db/pg.ts";

interface RequiredColumn {
  column: string;
  type: string;
  ref_table: string | null;
  ref_column: string | null;
}

function valueFor(type: string): unknown {
  if (type === "uuid") return crypto.randomUUID();
  if (/^(smallint|integer|bigint|numeric|real|double precision)/.test(type)) return 1;
  if (type === "boolean") return false;
  if (type.startsWith("timestamp")) return new Date().toISOString();
  if (type === "date") return new Date().toISOString().slice(0, 10);
  if (type === "jsonb" || type === "json") return "{}";
  if (type.endsWith("[]")) return "{}";
  return "seed";
}

/**
 * Inserts one row per table (in the order given, which must respect foreign keys) as the
 * connection's current role, owned by auth.uid() (set `request.jwt.claims` first). Returns
 * each table's row id.
 */
export async function seedRows(
  db: pg.Client,
  tables: readonly string[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const table of tables) {
    // Triggers may have made the row already (a profile per user, an owner membership).
    const existing = await db.query<{ id: string }>(`select id from public.${table} limit 1`);
    if (existing.rows[0]) {
      ids.set(table, existing.rows[0].id);
      continue;
    }
    const cols = await db.query<RequiredColumn>(
      `select a.attname as column, format_type(a.atttypid, a.atttypmod) as type,
              rt.relname as ref_table, ra.attname as ref_column
         from pg_attribute a
         left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
         left join pg_constraint c on c.conrelid = a.attrelid and c.contype = 'f'
              and c.conkey = array[a.attnum]
         left join pg_class rt on rt.oid = c.confrelid
         left join pg_attribute ra on ra.attrelid = c.confrelid and ra.attnum = c.confkey[1]
        where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped
          and a.attnotnull and d.adbin is null and a.attidentity = '' and a.attgenerated = ''`,
      [`public.${table}`],
    );
    const names: string[] = [];
    const values: unknown[] = [];
    for (const c of cols.rows) {
      names.push(`"${c.column}"`);
      if (c.ref_table && ids.has(c.ref_table)) values.push(ids.get(c.ref_table));
      else if (c.ref_table === "users") {
        values.push((await db.query<{ id: string }>("select auth.uid() as id")).rows[0]!.id);
      } else values.push(valueFor(c.type));
    }
    const sql = names.length
      ? `insert into public.${table} (${names.join(", ")}) values (${
        values.map((_, i) => `$${i + 1}`).join(", ")
      }) returning id`
      : `insert into public.${table} default values returning id`;
    const row = await db.query<{ id: string }>(sql, values);
    ids.set(table, row.rows[0]!.id);
  }
  return ids;
}
