/**
 * @module `generate_typescript_types` for the local platform: reads an environment's `public`
 * schema from the catalog and prints Supabase's `Database` type (Tables with Row/Insert/Update/
 * Relationships, Views, Functions, Enums, CompositeTypes) and its helper types.
 */
import type pg from "../../functions-shared/db/pg.ts";

interface ColumnRow {
  relation: string;
  relkind: string;
  column: string;
  nullable: boolean;
  has_default: boolean;
  identity: string;
  generated: string;
  type_name: string;
  type_kind: string;
  type_schema: string;
  elem_name: string | null;
  elem_kind: string | null;
  elem_schema: string | null;
}

interface RelationshipRow {
  name: string;
  relation: string;
  columns: string[];
  referenced: string;
  referenced_columns: string[];
  one_to_one: boolean;
}

interface FunctionRow {
  name: string;
  arg_names: string[] | null;
  arg_types: string[];
  returns: string;
  returns_set: boolean;
}

const SCALARS: Record<string, string> = {
  bool: "boolean",
  int2: "number",
  int4: "number",
  int8: "number",
  float4: "number",
  float8: "number",
  numeric: "number",
  oid: "number",
  json: "Json",
  jsonb: "Json",
  void: "undefined",
  record: "Record<string, unknown>",
};

const COLUMNS_SQL = `
select c.relname as relation, c.relkind::text as relkind, a.attname as column,
       not a.attnotnull as nullable, a.atthasdef as has_default,
       a.attidentity::text as identity, a.attgenerated::text as generated,
       t.typname as type_name, t.typtype::text as type_kind, tn.nspname as type_schema,
       et.typname as elem_name, et.typtype::text as elem_kind, etn.nspname as elem_schema
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
  join pg_type t on t.oid = a.atttypid
  join pg_namespace tn on tn.oid = t.typnamespace
  left join pg_type et on et.oid = t.typelem and t.typcategory = 'A'
  left join pg_namespace etn on etn.oid = et.typnamespace
 where n.nspname = $1 and c.relkind in ('r', 'p', 'v', 'm', 'f')
 order by c.relname, a.attnum`;

const ENUMS_SQL = `
select t.typname as name, array_agg(e.enumlabel::text order by e.enumsortorder) as labels
  from pg_type t
  join pg_namespace n on n.oid = t.typnamespace
  join pg_enum e on e.enumtypid = t.oid
 where n.nspname = $1
 group by t.typname order by t.typname`;

const RELATIONSHIPS_SQL = `
select con.conname as name, src.relname as relation,
       array(select a.attname::text from unnest(con.conkey) with ordinality k(num, ord)
               join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.num
              order by k.ord) as columns,
       tgt.relname as referenced,
       array(select a.attname::text from unnest(con.confkey) with ordinality k(num, ord)
               join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.num
              order by k.ord) as referenced_columns,
       exists (select 1 from pg_index i
                where i.indrelid = con.conrelid and i.indisunique
                  and (select array_agg(x order by x) from unnest(i.indkey::int2[]) x)
                    = (select array_agg(x order by x) from unnest(con.conkey) x)) as one_to_one
  from pg_constraint con
  join pg_class src on src.oid = con.conrelid
  join pg_namespace n on n.oid = src.relnamespace
  join pg_class tgt on tgt.oid = con.confrelid
 where con.contype = 'f' and n.nspname = $1
 order by src.relname, con.conname`;

const FUNCTIONS_SQL = `
select p.proname as name, p.proargnames as arg_names,
       array(select format_type(t, null) from unnest(p.proargtypes) t) as arg_types,
       format_type(p.prorettype, null) as returns, p.proretset as returns_set
  from pg_proc p
  join pg_namespace n on n.oid = p.pronamespace
 where n.nspname = $1 and p.prokind = 'f'
   and p.prorettype <> 'trigger'::regtype and p.prorettype <> 'event_trigger'::regtype
   and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
 order by p.proname`;

function quote(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

function scalar(name: string, kind: string | null, schema: string | null, enums: Set<string>) {
  if (kind === "e") {
    return schema === "public" && enums.has(name)
      ? `Database["public"]["Enums"][${JSON.stringify(name)}]`
      : "string";
  }
  return SCALARS[name] ?? "string";
}

function columnType(c: ColumnRow, enums: Set<string>): string {
  if (c.elem_name) return `${scalar(c.elem_name, c.elem_kind, c.elem_schema, enums)}[]`;
  return scalar(c.type_name, c.type_kind, c.type_schema, enums);
}

/** `format_type` output (e.g. `integer`, `text[]`) as a TypeScript type. */
function formattedType(t: string): string {
  const array = t.endsWith("[]");
  const base = t.replace(/\[\]$/, "");
  const map: Record<string, string> = {
    boolean: "boolean",
    smallint: "number",
    integer: "number",
    bigint: "number",
    real: "number",
    "double precision": "number",
    numeric: "number",
    json: "Json",
    jsonb: "Json",
    void: "undefined",
    record: "Record<string, unknown>",
  };
  const ts = map[base] ?? "string";
  return array ? `${ts}[]` : ts;
}

function block(entries: string[], indent: string): string {
  return entries.length ? `{\n${entries.join("\n")}\n${indent}}` : "{\n" +
    `${indent}  [_ in never]: never\n${indent}}`;
}

const HELPERS = `
type DefaultSchema = Database["public"]

export type Tables<T extends keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])> =
  (DefaultSchema["Tables"] & DefaultSchema["Views"])[T] extends { Row: infer R } ? R : never

export type TablesInsert<T extends keyof DefaultSchema["Tables"]> =
  DefaultSchema["Tables"][T] extends { Insert: infer I } ? I : never

export type TablesUpdate<T extends keyof DefaultSchema["Tables"]> =
  DefaultSchema["Tables"][T] extends { Update: infer U } ? U : never

export type Enums<T extends keyof DefaultSchema["Enums"]> = DefaultSchema["Enums"][T]
`;

/** Generates the `Database` type of a schema (default `public`) of the connected database. */
export async function typescriptTypes(client: pg.Client, schema = "public"): Promise<string> {
  const [columns, enums, relationships, functions] = await Promise.all([
    client.query<ColumnRow>(COLUMNS_SQL, [schema]),
    client.query<{ name: string; labels: string[] }>(ENUMS_SQL, [schema]),
    client.query<RelationshipRow>(RELATIONSHIPS_SQL, [schema]),
    client.query<FunctionRow>(FUNCTIONS_SQL, [schema]),
  ]);
  const enumNames = new Set(enums.rows.map((e) => e.name));
  const relations = new Map<string, { kind: string; columns: ColumnRow[] }>();
  for (const c of columns.rows) {
    const r = relations.get(c.relation) ?? { kind: c.relkind, columns: [] };
    r.columns.push(c);
    relations.set(c.relation, r);
  }
  const i = "      ";
  const rels = (name: string) =>
    relationships.rows.filter((r) => r.relation === name).map((r) =>
      `${i}    {\n${i}      foreignKeyName: ${JSON.stringify(r.name)}\n` +
      `${i}      columns: ${JSON.stringify(r.columns)}\n` +
      `${i}      isOneToOne: ${r.one_to_one}\n` +
      `${i}      referencedRelation: ${JSON.stringify(r.referenced)}\n` +
      `${i}      referencedColumns: ${JSON.stringify(r.referenced_columns)}\n${i}    },`
    );
  const tables: string[] = [];
  const views: string[] = [];
  for (const [name, rel] of [...relations.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const field = (c: ColumnRow, optional: boolean) => {
      const t = columnType(c, enumNames) + (c.nullable ? " | null" : "");
      return `${i}    ${quote(c.column)}${optional ? "?" : ""}: ${t}`;
    };
    const row = rel.columns.map((c) => field(c, false));
    const isTable = rel.kind === "r" || rel.kind === "p";
    const insert = rel.columns.map((c) =>
      c.generated === "s" || c.identity === "a"
        ? `${i}    ${quote(c.column)}?: never`
        : field(c, c.nullable || c.has_default || c.identity === "d")
    );
    const update = rel.columns.map((c) =>
      c.generated === "s" || c.identity === "a"
        ? `${i}    ${quote(c.column)}?: never`
        : field(c, true)
    );
    const parts = [
      `${i}  Row: {\n${row.join("\n")}\n${i}  }`,
      ...(isTable
        ? [
          `${i}  Insert: {\n${insert.join("\n")}\n${i}  }`,
          `${i}  Update: {\n${update.join("\n")}\n${i}  }`,
        ]
        : []),
      `${i}  Relationships: [${rels(name).length ? `\n${rels(name).join("\n")}\n${i}  ` : ""}]`,
    ];
    (isTable ? tables : views).push(`${i}${quote(name)}: {\n${parts.join("\n")}\n${i}}`);
  }
  const fns = functions.rows.map((f) => {
    const names = f.arg_names ?? [];
    const args = f.arg_types.map((t, n) => `${quote(names[n] || `arg${n}`)}: ${formattedType(t)}`);
    const ret = formattedType(f.returns) + (f.returns_set ? "[]" : "");
    return `${i}${quote(f.name)}: {\n${i}  Args: ${
      args.length ? `{ ${args.join("; ")} }` : "Record<PropertyKey, never>"
    }\n${i}  Returns: ${ret}\n${i}}`;
  });
  const enumEntries = enums.rows.map((e) =>
    `${i}${quote(e.name)}: ${e.labels.map((l) => JSON.stringify(l)).join(" | ")}`
  );
  return `export type Json =
  | string
  | number
  | boolean
  | null
  | { [key: string]: Json | undefined }
  | Json[]

export type Database = {
  ${quote(schema)}: {
    Tables: ${block(tables, "    ")}
    Views: ${block(views, "    ")}
    Functions: ${block(fns, "    ")}
    Enums: ${block(enumEntries, "    ")}
    CompositeTypes: ${block([], "    ")}
  }
}
${schema === "public" ? HELPERS : ""}`;
}
