/**
 * @module The Data API's schema cache: the exposed schemas' tables and views with their columns
 * and primary keys, the foreign keys between them (what embedding follows), the functions RPC
 * can call, and the API roles' statement timeouts. One catalog statement loads it (run as
 * `authenticator`); it is keyed by `supabase_compat.schema_version`, which every committed DDL
 * statement bumps, so a request never sees a stale cache.
 */
import type { Query } from "../../functions-shared/db/query.ts";
import { columnNotFound, tableNotFound } from "./errors.ts";

/** A column of a table or view. */
export interface CachedColumn {
  readonly name: string;
  /** `format_type` of the column, e.g. `numeric(12,2)` or `text[]`. */
  readonly type: string;
  readonly nullable: boolean;
  /** The default expression as the catalog prints it, or null. */
  readonly default: string | null;
  readonly generated: boolean;
}

/** A table, view, materialized view or foreign table. */
export interface CachedTable {
  readonly schema: string;
  readonly name: string;
  readonly kind: "table" | "view" | "materialized view" | "foreign table";
  readonly columns: readonly CachedColumn[];
  readonly primaryKey: readonly string[];
}

/** A foreign key: `table(columns)` references `foreignTable(foreignColumns)`. */
export interface CachedForeignKey {
  readonly constraint: string;
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly foreignSchema: string;
  readonly foreignTable: string;
  readonly foreignColumns: readonly string[];
  /** The referencing columns are unique: one-to-one in both directions. */
  readonly oneToOne: boolean;
}

/** One parameter of a function (`mode`: i in, o out, b inout, v variadic, t table). */
export interface CachedParam {
  readonly name: string;
  readonly type: string;
  readonly mode: "i" | "o" | "b" | "v" | "t";
}

/** A function RPC may call. */
export interface CachedFunction {
  readonly schema: string;
  readonly name: string;
  readonly params: readonly CachedParam[];
  /** How many trailing input parameters have defaults. */
  readonly defaults: number;
  readonly returnType: string;
  readonly returnsSet: boolean;
  /** `composite`: rows with `returnColumns`; `scalar`; `void`. */
  readonly returnKind: "composite" | "scalar" | "void";
  readonly returnColumns: readonly string[] | null;
  readonly volatility: "i" | "s" | "v";
}

/** What the Data API knows of one database. */
export interface SchemaCache {
  readonly version: string;
  readonly schemas: readonly string[];
  readonly tables: ReadonlyMap<string, CachedTable>;
  readonly foreignKeys: readonly CachedForeignKey[];
  readonly functions: ReadonlyMap<string, readonly CachedFunction[]>;
  /** `statement_timeout` per API role, from `alter role … set` (database-specific first). */
  readonly statementTimeouts: ReadonlyMap<string, string>;
}

/** `schema.name`: the key of tables and functions in the cache. */
export function cacheKey(schema: string, name: string): string {
  return `${schema}.${name}`;
}

/** The cache's version: cheap enough to read in every request's transaction. */
export const SCHEMA_VERSION_SQL =
  "select version::text as version from supabase_compat.schema_version";

/** The statement loading the cache for `schemas`; one row with one JSON column `cache`. */
export function schemaCacheQuery(schemas: readonly string[]): Query {
  const text = `
with rels as (
  select c.oid, n.nspname as schema, c.relname as name, c.relkind::text as kind
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
   where n.nspname = any($1::text[]) and c.relkind in ('r', 'p', 'v', 'm', 'f')
)
select pg_catalog.json_build_object(
  'version', (select version::text from supabase_compat.schema_version),
  'relations', coalesce((select pg_catalog.json_agg(pg_catalog.json_build_object(
      'schema', r.schema, 'name', r.name, 'kind', r.kind,
      'columns', (select pg_catalog.json_agg(pg_catalog.json_build_object(
          'name', a.attname,
          'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
          'nullable', not a.attnotnull,
          'default', pg_catalog.pg_get_expr(d.adbin, d.adrelid),
          'generated', a.attgenerated <> '') order by a.attnum)
         from pg_catalog.pg_attribute a
         left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
        where a.attrelid = r.oid and a.attnum > 0 and not a.attisdropped),
      'primaryKey', coalesce((select pg_catalog.json_agg(a.attname order by k.ord)
         from pg_catalog.pg_constraint pk
         cross join lateral unnest(pk.conkey) with ordinality as k(attnum, ord)
         join pg_catalog.pg_attribute a on a.attrelid = pk.conrelid and a.attnum = k.attnum
        where pk.conrelid = r.oid and pk.contype = 'p'), '[]'::json))) from rels r), '[]'::json),
  'foreignKeys', coalesce((select pg_catalog.json_agg(pg_catalog.json_build_object(
      'constraint', fk.conname, 'schema', src.schema, 'table', src.name,
      'columns', (select pg_catalog.json_agg(a.attname order by k.ord)
         from unnest(fk.conkey) with ordinality as k(attnum, ord)
         join pg_catalog.pg_attribute a on a.attrelid = fk.conrelid and a.attnum = k.attnum),
      'foreignSchema', dst.schema, 'foreignTable', dst.name,
      'foreignColumns', (select pg_catalog.json_agg(a.attname order by k.ord)
         from unnest(fk.confkey) with ordinality as k(attnum, ord)
         join pg_catalog.pg_attribute a on a.attrelid = fk.confrelid and a.attnum = k.attnum),
      'oneToOne', exists (select 1 from pg_catalog.pg_constraint u
         where u.conrelid = fk.conrelid and u.contype in ('p', 'u')
           and u.conkey::int2[] @> fk.conkey::int2[] and u.conkey::int2[] <@ fk.conkey::int2[]))
      order by fk.conname)
     from pg_catalog.pg_constraint fk
     join rels src on src.oid = fk.conrelid
     join rels dst on dst.oid = fk.confrelid
    where fk.contype = 'f'), '[]'::json),
  'functions', coalesce((select pg_catalog.json_agg(pg_catalog.json_build_object(
      'schema', n.nspname, 'name', p.proname,
      'params', coalesce((select pg_catalog.json_agg(pg_catalog.json_build_object(
          'name', coalesce(p.proargnames[a.ord], ''),
          'type', pg_catalog.format_type(a.typ, null),
          'mode', coalesce(p.proargmodes[a.ord]::text, 'i')) order by a.ord)
         from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality as a(typ, ord)),
         '[]'::json),
      'defaults', p.pronargdefaults,
      'returnType', pg_catalog.format_type(p.prorettype, null),
      'returnTypeKind', rt.typtype::text,
      'returnsSet', p.proretset,
      'returnRelationColumns', (select pg_catalog.json_agg(a.attname order by a.attnum)
         from pg_catalog.pg_attribute a
        where a.attrelid = rt.typrelid and a.attnum > 0 and not a.attisdropped),
      'volatility', p.provolatile::text) order by p.proname, p.oid)
     from pg_catalog.pg_proc p
     join pg_catalog.pg_namespace n on n.oid = p.pronamespace
     join pg_catalog.pg_type rt on rt.oid = p.prorettype
    where n.nspname = any($1::text[]) and p.prokind = 'f'), '[]'::json),
  'roleSettings', coalesce((select pg_catalog.json_agg(pg_catalog.json_build_object(
      'role', r.rolname, 'database', s.setdatabase <> 0, 'config', s.setconfig))
     from pg_catalog.pg_db_role_setting s
     join pg_catalog.pg_roles r on r.oid = s.setrole
    where r.rolname in ('anon', 'authenticated', 'service_role')
      and s.setdatabase in (0, (select oid from pg_catalog.pg_database
                                 where datname = pg_catalog.current_database()))), '[]'::json)
) as cache`;
  return { text, values: [[...schemas]] };
}

interface RawRelation {
  schema: string;
  name: string;
  kind: string;
  columns: CachedColumn[] | null;
  primaryKey: string[];
}

interface RawFunction {
  schema: string;
  name: string;
  params: CachedParam[];
  defaults: number;
  returnType: string;
  returnTypeKind: string;
  returnsSet: boolean;
  returnRelationColumns: string[] | null;
  volatility: "i" | "s" | "v";
}

/** The loaded statement's JSON, as {@link schemaCacheQuery} returns it. */
export interface RawSchemaCache {
  version: string;
  relations: RawRelation[];
  foreignKeys: CachedForeignKey[];
  functions: RawFunction[];
  roleSettings: { role: string; database: boolean; config: string[] }[];
}

const KINDS: Record<string, CachedTable["kind"]> = {
  r: "table",
  p: "table",
  v: "view",
  m: "materialized view",
  f: "foreign table",
};

function returnShape(
  f: RawFunction,
): { returnKind: CachedFunction["returnKind"]; returnColumns: string[] | null } {
  if (f.returnType === "void") return { returnKind: "void", returnColumns: null };
  const outs = f.params.filter((p) => p.mode === "o" || p.mode === "b" || p.mode === "t");
  if (f.returnTypeKind === "c") {
    return { returnKind: "composite", returnColumns: f.returnRelationColumns ?? [] };
  }
  if (f.returnType === "record" && outs.length > 1) {
    return { returnKind: "composite", returnColumns: outs.map((p) => p.name) };
  }
  if (f.returnType === "record") return { returnKind: "composite", returnColumns: null };
  return { returnKind: "scalar", returnColumns: null };
}

/** Builds the cache from the loaded JSON. */
export function buildSchemaCache(raw: RawSchemaCache, schemas: readonly string[]): SchemaCache {
  const tables = new Map<string, CachedTable>();
  for (const r of raw.relations) {
    tables.set(cacheKey(r.schema, r.name), {
      schema: r.schema,
      name: r.name,
      kind: KINDS[r.kind] ?? "table",
      columns: r.columns ?? [],
      primaryKey: r.primaryKey,
    });
  }
  const functions = new Map<string, CachedFunction[]>();
  for (const f of raw.functions) {
    const key = cacheKey(f.schema, f.name);
    const list = functions.get(key) ?? [];
    list.push({
      schema: f.schema,
      name: f.name,
      params: f.params,
      defaults: f.defaults,
      returnType: f.returnType,
      returnsSet: f.returnsSet,
      volatility: f.volatility,
      ...returnShape(f),
    });
    functions.set(key, list);
  }
  const statementTimeouts = new Map<string, string>();
  // Cluster-wide settings first, then the database's own override them.
  for (const s of [...raw.roleSettings].sort((a, b) => Number(a.database) - Number(b.database))) {
    for (const item of s.config) {
      const m = /^statement_timeout=(.*)$/.exec(item);
      if (m) statementTimeouts.set(s.role, m[1]!);
    }
  }
  return {
    version: raw.version,
    schemas,
    tables,
    foreignKeys: raw.foreignKeys,
    functions,
    statementTimeouts,
  };
}

/** The table or view, or PGRST205. */
export function findTable(cache: SchemaCache, schema: string, name: string): CachedTable {
  const table = cache.tables.get(cacheKey(schema, name));
  if (!table) throw tableNotFound(schema, name);
  return table;
}

/** The column of a table, or PGRST204 (a filter or select naming an unknown column). */
export function findColumn(table: CachedTable, name: string): CachedColumn {
  const column = table.columns.find((c) => c.name === name);
  if (!column) throw columnNotFound(table.name, name);
  return column;
}
