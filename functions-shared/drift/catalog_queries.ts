/**
 * @module The catalog queries introspection runs: one per object kind, never one per object.
 * Each kind's SQL is written once and used two ways — as its own query returning the kind's
 * rows as one JSON array, or inside a single statement returning every kind as one JSON object
 * (for hosted environments reached only through MCP `execute_sql`). Both set `search_path` to
 * empty for their own evaluation, so every name `pg_get_*` prints is schema-qualified whatever
 * the session's path.
 */
import { quoteLiteral } from "./names.ts";
import { isPlatformSchema, PLATFORM_SCHEMAS, POLICY_ATTACHMENT_SCHEMAS } from "./platform.ts";

/** Names of the kinds, in the order they are queried. */
export const CATALOG_KINDS = [
  "meta",
  "extensions",
  "schemas",
  "relations",
  "columns",
  "constraints",
  "indexes",
  "policies",
  "triggers",
  "routines",
  "enums",
  "publications",
  "defaultPrivileges",
  "buckets",
] as const;

/** One catalog kind. */
export type CatalogKind = typeof CATALOG_KINDS[number];

/** Options shared by the catalog queries. */
export interface CatalogQueryOptions {
  /** Schemas treated as platform schemas besides {@linkcode PLATFORM_SCHEMAS}. */
  readonly extraPlatformSchemas?: readonly string[];
}

function platformList(options: CatalogQueryOptions): string {
  const names = [...PLATFORM_SCHEMAS, ...(options.extraPlatformSchemas ?? [])];
  return names.map(quoteLiteral).join(", ");
}

/** SQL predicate: the namespace alias `n` is a user schema. */
export function userSchemaPredicate(alias: string, options: CatalogQueryOptions = {}): string {
  return `(${alias}.nspname not in (${platformList(options)}) ` +
    `and ${alias}.nspname !~ '^(supabase_|pg_toast|pg_temp_)')`;
}

/** SQL predicate: the object `objid` of catalog `catalog` is not a member of an extension. */
function notExtensionMember(catalog: string, objid: string): string {
  return `not exists (select 1 from pg_catalog.pg_depend dep where dep.classid = ` +
    `'pg_catalog.${catalog}'::pg_catalog.regclass and dep.objid = ${objid} and dep.deptype = 'e')`;
}

/**
 * SQL for the privileges in an ACL as a JSON array of `{grantee, privilege, grantable}`,
 * omitting the owner's own. With `defaultType`, a null ACL means the built-in default
 * (`acldefault`), which for functions includes EXECUTE to PUBLIC. `defaultType` is a SQL
 * expression for the object type letter, e.g. `'f'`.
 */
export function grantsJson(acl: string, owner: string | null, defaultType?: string): string {
  const source = defaultType
    ? `coalesce(${acl}, pg_catalog.acldefault((${defaultType})::"char", ${owner}))`
    : acl; // aclexplode(null) yields no rows
  const ownerFilter = owner ? ` where acl.grantee <> ${owner}` : "";
  return `(select coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(` +
    `'grantee', case when acl.grantee = 0 then 'PUBLIC' else pg_catalog.pg_get_userbyid(acl.grantee)::text end, ` +
    `'privilege', acl.privilege_type, 'grantable', acl.is_grantable)), '[]'::json) ` +
    `from pg_catalog.aclexplode(${source}) acl${ownerFilter})`;
}

/** Names of the attributes `attnums` (an int2 array expression) of relation `relid`, in order. */
function attributeNames(relid: string, attnums: string, keepExpressions = false): string {
  const join = keepExpressions ? "left join" : "join";
  return `array(select att.attname::text from pg_catalog.unnest(${attnums}) with ordinality k(attnum, ord) ` +
    `${join} pg_catalog.pg_attribute att on att.attrelid = ${relid} and att.attnum = k.attnum ` +
    `order by k.ord)`;
}

const META = `select
  pg_catalog.current_setting('server_version_num')::int as "serverVersionNum",
  nullif(pg_catalog.current_setting('pgrst.db_schemas', true), '') as "apiSchemas",
  pg_catalog.to_regclass('auth.users') is not null as "hasAuthUsers",
  coalesce((select c.relrowsecurity from pg_catalog.pg_class c
    where c.oid = pg_catalog.to_regclass('auth.users')), false) as "authUsersRls",
  (select coalesce(pg_catalog.json_agg(pg_catalog.json_build_object('name', r.rolname::text,
    'bypassRls', r.rolbypassrls, 'superuser', r.rolsuper)), '[]'::json)
    from pg_catalog.pg_roles r where r.rolname !~ '^pg_') as roles,
  (select coalesce(pg_catalog.json_agg(pg_catalog.json_build_object('table', c.relname::text,
      'columns', array(select att.attname::text from pg_catalog.unnest(i.indkey::int2[])
        with ordinality k(attnum, ord) join pg_catalog.pg_attribute att
        on att.attrelid = c.oid and att.attnum = k.attnum order by k.ord),
      'primary', i.indisprimary)), '[]'::json)
    from pg_catalog.pg_index i join pg_catalog.pg_class c on c.oid = i.indrelid
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'auth' and i.indisunique) as "authKeys",
  (select coalesce(pg_catalog.json_agg(pg_catalog.json_build_object('name', c.relname::text,
      'rls', c.relrowsecurity, 'apiReadable', exists (select 1 from pg_catalog.pg_roles r
        where r.rolname in ('anon', 'authenticated')
          and pg_catalog.has_table_privilege(r.oid, c.oid, 'SELECT')))), '[]'::json)
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'pgmq' and c.relkind = 'r' and c.relname like 'q_%') as "queueTables",
  pg_catalog.current_setting('search_path') as "sessionSearchPath",
  pg_catalog.transaction_timestamp() <> pg_catalog.statement_timestamp() as "inTransaction"`;

const EXTENSIONS =
  `select e.extname::text as name, n.nspname::text as schema, e.extversion as version,
  (select a.default_version from pg_catalog.pg_available_extensions a where a.name = e.extname
    and exists (select 1 from pg_catalog.pg_available_extension_versions v
      where v.name = e.extname and v.installed)) as "defaultVersion"
from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace`;

function schemas(o: CatalogQueryOptions): string {
  return `select n.nspname::text as name, pg_catalog.pg_get_userbyid(n.nspowner)::text as owner,
  ${grantsJson("n.nspacl", "n.nspowner", "'n'")} as grants
from pg_catalog.pg_namespace n
where ${userSchemaPredicate("n", o)} and ${notExtensionMember("pg_namespace", "n.oid")}`;
}

function relations(o: CatalogQueryOptions): string {
  return `select n.nspname::text as schema, c.relname::text as name, c.relkind::text as relkind,
  pg_catalog.pg_get_userbyid(c.relowner)::text as owner,
  c.relpersistence = 'u' as unlogged,
  c.relrowsecurity as rls,
  c.relforcerowsecurity as "forceRls",
  c.relreplident::text as "replicaIdentity",
  (select ic.relname::text from pg_catalog.pg_index i join pg_catalog.pg_class ic on ic.oid = i.indexrelid
    where i.indrelid = c.oid and i.indisreplident limit 1) as "replicaIdentityIndex",
  (select pg_catalog.json_build_object('schema', pn.nspname::text, 'name', pc.relname::text)
    from pg_catalog.pg_inherits h
    join pg_catalog.pg_class pc on pc.oid = h.inhparent
    join pg_catalog.pg_namespace pn on pn.oid = pc.relnamespace
    where c.relispartition and h.inhrelid = c.oid limit 1) as "partitionOf",
  case when c.relispartition then pg_catalog.pg_get_expr(c.relpartbound, c.oid) end as "partitionBound",
  case when c.relkind = 'p' then pg_catalog.pg_get_partkeydef(c.oid) end as "partitionKey",
  coalesce(c.reloptions, '{}')::text[] as options,
  case when c.relkind in ('v', 'm') then pg_catalog.pg_get_viewdef(c.oid) end as "viewDefinition",
  case when c.relkind in ('v', 'm') then exists (
    select 1 from pg_catalog.pg_rewrite rw join pg_catalog.pg_depend d
      on d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass and d.objid = rw.oid
    where rw.ev_class = c.oid and d.deptype = 'n'
      and d.refobjid = pg_catalog.to_regclass('auth.users')) else false end as "readsAuthUsers",
  case when c.relkind = 'S' then pg_catalog.json_build_object(
    'dataType', pg_catalog.format_type(s.seqtypid, null), 'start', s.seqstart::text,
    'increment', s.seqincrement::text, 'min', s.seqmin::text, 'max', s.seqmax::text,
    'cache', s.seqcache::text, 'cycle', s.seqcycle) end as sequence,
  case when c.relkind = 'S' then (select pg_catalog.json_build_object('schema', tn.nspname::text,
      'table', tc.relname::text, 'column', ta.attname::text)
    from pg_catalog.pg_depend d
    join pg_catalog.pg_class tc on tc.oid = d.refobjid
    join pg_catalog.pg_namespace tn on tn.oid = tc.relnamespace
    join pg_catalog.pg_attribute ta on ta.attrelid = d.refobjid and ta.attnum = d.refobjsubid
    where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.objid = c.oid
      and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.deptype = 'a'
    limit 1) end as "ownedBy",
  ${
    grantsJson("c.relacl", "c.relowner", "case when c.relkind = 'S' then 's' else 'r' end")
  } as grants
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
left join pg_catalog.pg_sequence s on s.seqrelid = c.oid
where c.relkind in ('r', 'p', 'f', 'v', 'm', 'S')
  and ${userSchemaPredicate("n", o)}
  and ${notExtensionMember("pg_class", "c.oid")}
  and not (c.relkind = 'S' and exists (select 1 from pg_catalog.pg_depend d
    where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.objid = c.oid and d.deptype = 'i'))`;
}

function columns(o: CatalogQueryOptions): string {
  return `select n.nspname::text as schema, c.relname::text as "table", a.attname::text as name,
  pg_catalog.format_type(a.atttypid, a.atttypmod) as type,
  a.attnotnull as "notNull",
  case when a.attgenerated = '' then pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) end as "default",
  case a.attidentity when 'a' then 'always' when 'd' then 'by default' end as identity,
  case when a.attgenerated = 's' then pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) end as generated,
  case when a.attcollation <> t.typcollation then (
    select pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
    from pg_catalog.pg_collation co join pg_catalog.pg_namespace cn on cn.oid = co.collnamespace
    where co.oid = a.attcollation) end as collation,
  ${grantsJson("a.attacl", "c.relowner")} as grants,
  a.attnum::int as position
from pg_catalog.pg_attribute a
join pg_catalog.pg_class c on c.oid = a.attrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
join pg_catalog.pg_type t on t.oid = a.atttypid
left join pg_catalog.pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
where c.relkind in ('r', 'p', 'f') and a.attnum > 0 and not a.attisdropped
  and ${userSchemaPredicate("n", o)}
  and ${notExtensionMember("pg_class", "c.oid")}`;
}

function constraints(o: CatalogQueryOptions): string {
  return `select n.nspname::text as schema, c.relname::text as "table", con.conname::text as name,
  con.contype::text as type,
  pg_catalog.pg_get_constraintdef(con.oid) as definition,
  ${attributeNames("con.conrelid", "con.conkey")} as columns
from pg_catalog.pg_constraint con
join pg_catalog.pg_class c on c.oid = con.conrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where con.contype in ('p', 'f', 'u', 'c', 'x') and con.conparentid = 0 and con.conislocal
  and c.relkind in ('r', 'p', 'f')
  and ${userSchemaPredicate("n", o)}
  and ${notExtensionMember("pg_class", "c.oid")}`;
}

function indexes(o: CatalogQueryOptions): string {
  return `select n.nspname::text as schema, c.relname::text as "table", ic.relname::text as name,
  pg_catalog.pg_get_indexdef(i.indexrelid) as definition,
  i.indisunique as "unique", i.indisprimary as "primary", i.indisvalid as valid,
  (select con.conname::text from pg_catalog.pg_constraint con
    where con.conindid = i.indexrelid and con.conrelid = i.indrelid and con.contype in ('p', 'u', 'x')
    limit 1) as "constraint",
  ${attributeNames("i.indrelid", "i.indkey::int2[]", true)} as columns
from pg_catalog.pg_index i
join pg_catalog.pg_class ic on ic.oid = i.indexrelid
join pg_catalog.pg_class c on c.oid = i.indrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p', 'm')
  and ${userSchemaPredicate("n", o)}
  and ${notExtensionMember("pg_class", "c.oid")}
  and not exists (select 1 from pg_catalog.pg_inherits h where h.inhrelid = i.indexrelid)`;
}

function policies(o: CatalogQueryOptions): string {
  const attachments = POLICY_ATTACHMENT_SCHEMAS.map(quoteLiteral).join(", ");
  return `select n.nspname::text as schema, c.relname::text as "table", p.polname::text as name,
  p.polcmd::text as command, p.polpermissive as permissive,
  array(select case when r = 0 then 'public' else pg_catalog.pg_get_userbyid(r)::text end
    from pg_catalog.unnest(p.polroles) r) as roles,
  pg_catalog.pg_get_expr(p.polqual, p.polrelid) as "using",
  pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) as "withCheck"
from pg_catalog.pg_policy p
join pg_catalog.pg_class c on c.oid = p.polrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where ((${userSchemaPredicate("n", o)} and ${notExtensionMember("pg_class", "c.oid")})
  or n.nspname in (${attachments}))`;
}

function triggers(o: CatalogQueryOptions): string {
  return `select n.nspname::text as schema, c.relname::text as "table", t.tgname::text as name,
  pg_catalog.pg_get_triggerdef(t.oid) as definition,
  t.tgenabled::text as enabled,
  fn.nspname::text || '.' || f.proname::text as function
from pg_catalog.pg_trigger t
join pg_catalog.pg_class c on c.oid = t.tgrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
join pg_catalog.pg_proc f on f.oid = t.tgfoid
join pg_catalog.pg_namespace fn on fn.oid = f.pronamespace
where not t.tgisinternal and t.tgparentid = 0
  and ((${userSchemaPredicate("n", o)} and ${notExtensionMember("pg_class", "c.oid")})
    or (not ${userSchemaPredicate("n", o)} and ${userSchemaPredicate("fn", o)}))`;
}

function routines(o: CatalogQueryOptions): string {
  return `select n.nspname::text as schema, p.proname::text as name, p.prokind::text as kind,
  pg_catalog.pg_get_function_identity_arguments(p.oid) as "identityArgs",
  pg_catalog.pg_get_function_arguments(p.oid) as args,
  coalesce(pg_catalog.pg_get_function_result(p.oid), '') as returns,
  l.lanname::text as language,
  p.prosecdef as "securityDefiner",
  p.provolatile::text as volatility,
  p.proisstrict as strict,
  coalesce(p.proconfig, '{}')::text[] as config,
  pg_catalog.md5(p.prosrc) as "bodyHash",
  case when p.prokind <> 'a' then pg_catalog.pg_get_functiondef(p.oid) end as definition,
  pg_catalog.pg_get_userbyid(p.proowner)::text as owner,
  ${grantsJson("p.proacl", "p.proowner", "'f'")} as grants
from pg_catalog.pg_proc p
join pg_catalog.pg_namespace n on n.oid = p.pronamespace
join pg_catalog.pg_language l on l.oid = p.prolang
where ${userSchemaPredicate("n", o)} and ${notExtensionMember("pg_proc", "p.oid")}`;
}

function enums(o: CatalogQueryOptions): string {
  return `select n.nspname::text as schema, t.typname::text as name,
  pg_catalog.pg_get_userbyid(t.typowner)::text as owner,
  array(select e.enumlabel::text from pg_catalog.pg_enum e where e.enumtypid = t.oid
    order by e.enumsortorder) as "values"
from pg_catalog.pg_type t
join pg_catalog.pg_namespace n on n.oid = t.typnamespace
where t.typtype = 'e' and ${userSchemaPredicate("n", o)} and ${
    notExtensionMember("pg_type", "t.oid")
  }`;
}

function publications(o: CatalogQueryOptions): string {
  return `select p.pubname::text as name, p.puballtables as "allTables", p.pubinsert as "insert",
  p.pubupdate as "update", p.pubdelete as "delete", p.pubtruncate as "truncate", p.pubviaroot as "viaRoot",
  (select coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
      'schema', n.nspname::text, 'name', c.relname::text,
      'columns', case when pr.prattrs is null then null
        else ${attributeNames("pr.prrelid", "pr.prattrs::int2[]")} end,
      'rowFilter', pg_catalog.pg_get_expr(pr.prqual, pr.prrelid))), '[]'::json)
    from pg_catalog.pg_publication_rel pr
    join pg_catalog.pg_class c on c.oid = pr.prrelid
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where pr.prpubid = p.oid and ${userSchemaPredicate("n", o)}) as tables,
  array(select pn.nspname::text from pg_catalog.pg_publication_namespace pnn
    join pg_catalog.pg_namespace pn on pn.oid = pnn.pnnspid where pnn.pnpubid = p.oid) as schemas
from pg_catalog.pg_publication p
where p.pubname = 'supabase_realtime' or p.pubname !~ '^supabase_'`;
}

function defaultPrivileges(o: CatalogQueryOptions): string {
  return `select pg_catalog.pg_get_userbyid(d.defaclrole)::text as role, n.nspname::text as schema,
  d.defaclobjtype::text as objects,
  ${grantsJson("d.defaclacl", null)} as grants
from pg_catalog.pg_default_acl d
join pg_catalog.pg_namespace n on n.oid = d.defaclnamespace
where ${userSchemaPredicate("n", o)}
  and pg_catalog.pg_get_userbyid(d.defaclrole) <> 'supabase_admin'`;
}

/**
 * Storage buckets through dynamic SQL, so the statement also parses where `storage.buckets`
 * does not exist. The rows travel base64-encoded through `query_to_xml` (XML-safe).
 */
const BUCKETS_INNER =
  `select pg_catalog.encode(pg_catalog.convert_to(coalesce(pg_catalog.json_agg(` +
  `pg_catalog.to_jsonb(b))::text, '[]'), 'UTF8'), 'base64') as j from storage.buckets b`;

const BUCKETS = `select case when pg_catalog.to_regclass('storage.buckets') is not null then
  pg_catalog.convert_from(pg_catalog.decode((pg_catalog.xpath('/row/j/text()',
    pg_catalog.query_to_xml(${quoteLiteral(BUCKETS_INNER)}, false, true, '')))[1]::text, 'base64'),
    'UTF8')::json end as buckets`;

/** The SQL of one kind: a plain query whose rows describe that kind's objects. */
export function kindSql(kind: CatalogKind, options: CatalogQueryOptions = {}): string {
  switch (kind) {
    case "meta":
      return META;
    case "extensions":
      return EXTENSIONS;
    case "schemas":
      return schemas(options);
    case "relations":
      return relations(options);
    case "columns":
      return columns(options);
    case "constraints":
      return constraints(options);
    case "indexes":
      return indexes(options);
    case "policies":
      return policies(options);
    case "triggers":
      return triggers(options);
    case "routines":
      return routines(options);
    case "enums":
      return enums(options);
    case "publications":
      return publications(options);
    case "defaultPrivileges":
      return defaultPrivileges(options);
    case "buckets":
      return BUCKETS;
  }
}

/** Sets `search_path` to empty for the rest of the statement's transaction (see module doc). */
const EMPTY_PATH = `(select pg_catalog.set_config('search_path', '', true) as sp) s`;

/**
 * One kind's catalog query: a single row whose `rows` column is the kind's rows as a JSON
 * array, evaluated with an empty `search_path`. The lateral reference to the setting forces
 * it to be set before any row is produced.
 */
export function kindQuery(kind: CatalogKind, options: CatalogQueryOptions = {}): string {
  if (kind === "meta") {
    // Session facts (the caller's search_path) must be read before it is changed.
    return `select coalesce(pg_catalog.json_agg(k), '[]'::json) as rows from (${META}) k`;
  }
  return `select coalesce(pg_catalog.json_agg(k), '[]'::json) as rows\nfrom ${EMPTY_PATH}\n` +
    `cross join lateral (select * from (\n${
      kindSql(kind, options)
    }\n) k0 where s.sp is not null offset 0) k`;
}

/**
 * The single statement returning the whole model's raw rows as one JSON object, keyed by kind,
 * in its `model` column. Every kind is a correlated subquery of the row that set the path.
 */
export function modelStatement(options: CatalogQueryOptions = {}): string {
  const parts = CATALOG_KINDS.map((kind) =>
    `  ${quoteLiteral(kind)}, (select coalesce(pg_catalog.json_agg(k), '[]'::json) from (\n` +
    `${kindSql(kind, options)}\n) k where s.sp is not null)`
  );
  return `select pg_catalog.json_build_object(\n${
    parts.join(",\n")
  }\n) as model\nfrom ${EMPTY_PATH}`;
}

/** Restores the caller's `search_path` after per-kind introspection inside a transaction. */
export function restoreSearchPath(path: string): { text: string; values: string[] } {
  return { text: "select pg_catalog.set_config('search_path', $1, true)", values: [path] };
}

export { isPlatformSchema };
