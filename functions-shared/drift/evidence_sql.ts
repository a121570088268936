/**
 * @module Evidence queries: for each kind of object, a read-only query a reviewer can run to see
 * the actual state a finding describes. Pure text, names passed as quoted literals.
 */
import type { PrivilegeTarget } from "./fix_sql.ts";
import { regclassSql } from "./fix_sql.ts";
import { qualifiedName, quoteLiteral } from "./names.ts";

const lit = quoteLiteral;

export function tableEvidence(schema: string, table: string): string {
  return `select c.relname, c.relkind, c.relrowsecurity as rls_enabled, c.relforcerowsecurity as rls_forced,\n` +
    `  c.relreplident as replica_identity, pg_catalog.pg_get_userbyid(c.relowner) as owner\n` +
    `from pg_catalog.pg_class c where c.oid = ${regclassSql(schema, table)};`;
}

export function columnEvidence(schema: string, table: string, column: string): string {
  return `select a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) as type, a.attnotnull,\n` +
    `  a.attidentity, a.attgenerated, pg_catalog.pg_get_expr(d.adbin, d.adrelid) as default_expr\n` +
    `from pg_catalog.pg_attribute a\n` +
    `left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum\n` +
    `where a.attrelid = ${regclassSql(schema, table)} and a.attname = ${
      lit(column)
    } and not a.attisdropped;`;
}

export function constraintEvidence(schema: string, table: string, name: string): string {
  return `select c.conname, c.contype, pg_catalog.pg_get_constraintdef(c.oid) as definition\n` +
    `from pg_catalog.pg_constraint c\n` +
    `where c.conrelid = ${regclassSql(schema, table)} and c.conname = ${lit(name)};`;
}

export function indexEvidence(schema: string, name: string): string {
  return `select schemaname, tablename, indexname, indexdef from pg_catalog.pg_indexes\n` +
    `where schemaname = ${lit(schema)} and indexname = ${lit(name)};`;
}

export function policyEvidence(schema: string, table: string, name: string | null): string {
  const byName = name === null ? "" : ` and policyname = ${lit(name)}`;
  return `select policyname, permissive, roles, cmd, qual, with_check from pg_catalog.pg_policies\n` +
    `where schemaname = ${lit(schema)} and tablename = ${lit(table)}${byName};`;
}

export function triggerEvidence(schema: string, table: string, name: string): string {
  return `select t.tgname, t.tgenabled, pg_catalog.pg_get_triggerdef(t.oid) as definition\n` +
    `from pg_catalog.pg_trigger t\n` +
    `where t.tgrelid = ${regclassSql(schema, table)} and t.tgname = ${lit(name)};`;
}

export function routineEvidence(schema: string, name: string, identityArgs: string): string {
  return `select p.oid::pg_catalog.regprocedure as signature, p.prosecdef as security_definer, p.proconfig,\n` +
    `  p.provolatile, pg_catalog.md5(p.prosrc) as body_hash, pg_catalog.pg_get_userbyid(p.proowner) as owner,\n` +
    `  p.proacl\n` +
    `from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace\n` +
    `where n.nspname = ${lit(schema)} and p.proname = ${lit(name)}\n` +
    `  and pg_catalog.pg_get_function_identity_arguments(p.oid) = ${lit(identityArgs)};`;
}

export function viewEvidence(schema: string, name: string): string {
  return `select c.relname, c.relkind, c.reloptions, pg_catalog.pg_get_viewdef(c.oid) as definition\n` +
    `from pg_catalog.pg_class c where c.oid = ${regclassSql(schema, name)};`;
}

export function sequenceEvidence(schema: string, name: string): string {
  return `select * from pg_catalog.pg_sequences\n` +
    `where schemaname = ${lit(schema)} and sequencename = ${lit(name)};`;
}

export function enumEvidence(schema: string, name: string): string {
  return `select e.enumlabel from pg_catalog.pg_enum e\n` +
    `where e.enumtypid = pg_catalog.to_regtype(${lit(qualifiedName(schema, name))})\n` +
    `order by e.enumsortorder;`;
}

export function extensionEvidence(name: string): string {
  return `select e.extname, e.extnamespace::pg_catalog.regnamespace as schema, e.extversion\n` +
    `from pg_catalog.pg_extension e where e.extname = ${lit(name)};`;
}

export function schemaEvidence(name: string): string {
  return `select n.nspname, pg_catalog.pg_get_userbyid(n.nspowner) as owner, n.nspacl\n` +
    `from pg_catalog.pg_namespace n where n.nspname = ${lit(name)};`;
}

export function publicationEvidence(name: string): string {
  return `select p.pubname, p.puballtables, p.pubinsert, p.pubupdate, p.pubdelete, p.pubtruncate,\n` +
    `  p.pubviaroot from pg_catalog.pg_publication p where p.pubname = ${lit(name)};`;
}

export function publicationTableEvidence(
  publication: string,
  schema: string,
  table: string,
): string {
  return `select * from pg_catalog.pg_publication_tables\n` +
    `where pubname = ${lit(publication)} and schemaname = ${lit(schema)} and tablename = ${
      lit(table)
    };`;
}

export function defaultPrivilegesEvidence(role: string, schema: string): string {
  return `select pg_catalog.pg_get_userbyid(d.defaclrole) as role, n.nspname as schema,\n` +
    `  d.defaclobjtype, d.defaclacl\n` +
    `from pg_catalog.pg_default_acl d join pg_catalog.pg_namespace n on n.oid = d.defaclnamespace\n` +
    `where n.nspname = ${lit(schema)} and pg_catalog.pg_get_userbyid(d.defaclrole) = ${lit(role)};`;
}

export function bucketEvidence(id: string): string {
  return `select id, name, public, file_size_limit, allowed_mime_types from storage.buckets\n` +
    `where id = ${lit(id)};`;
}

const GRANTS_FROM =
  `select case when a.grantee = 0 then 'PUBLIC' else pg_catalog.pg_get_userbyid(a.grantee)::text end\n` +
  `  as grantee, a.privilege_type, a.is_grantable\nfrom`;

/** The privileges held on an object, one row per grantee and privilege. */
export function privilegesEvidence(target: PrivilegeTarget): string {
  switch (target.kind) {
    case "table":
    case "sequence": {
      const type = target.kind === "table" ? "r" : "s";
      return `${GRANTS_FROM} pg_catalog.pg_class c,\n` +
        `  pg_catalog.aclexplode(coalesce(c.relacl, pg_catalog.acldefault('${type}', c.relowner))) a\n` +
        `where c.oid = ${regclassSql(target.schema, target.name)};`;
    }
    case "column":
      return `${GRANTS_FROM} pg_catalog.pg_attribute t, pg_catalog.aclexplode(t.attacl) a\n` +
        `where t.attrelid = ${regclassSql(target.schema, target.table)} and t.attname = ${
          lit(target.column)
        };`;
    case "routine":
      return `${GRANTS_FROM} pg_catalog.pg_proc p\n` +
        `join pg_catalog.pg_namespace n on n.oid = p.pronamespace,\n` +
        `  pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a\n` +
        `where n.nspname = ${lit(target.schema)} and p.proname = ${lit(target.name)}\n` +
        `  and pg_catalog.pg_get_function_identity_arguments(p.oid) = ${lit(target.identityArgs)};`;
    case "schema":
      return `${GRANTS_FROM} pg_catalog.pg_namespace n,\n` +
        `  pg_catalog.aclexplode(coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner))) a\n` +
        `where n.nspname = ${lit(target.name)};`;
  }
}
