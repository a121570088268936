/**
 * @module Pure builders of the idempotent SQL that restores a contract: every statement can run
 * twice (IF [NOT] EXISTS, OR REPLACE, GRANT/REVOKE, or a DO block that checks first). Names
 * are always quoted; expressions and definitions come from the contract's catalog text, which
 * was printed with an empty search_path and so is fully qualified.
 */
import { dollarQuote, qualifiedName, quoteLiteral, quoteName, roleName } from "./names.ts";
import type {
  Bucket,
  Column,
  Constraint,
  DefaultPrivilege,
  Enum,
  Extension,
  Grant,
  Index,
  Policy,
  Publication,
  PublishedTable,
  RelationRef,
  ReplicaIdentity,
  Routine,
  Sequence,
  Table,
  Trigger,
  TriggerEnabled,
  View,
} from "./model.ts";

/** An object privileges are granted on. */
export type PrivilegeTarget =
  | { readonly kind: "table"; readonly schema: string; readonly name: string }
  | { readonly kind: "sequence"; readonly schema: string; readonly name: string }
  | {
    readonly kind: "routine";
    readonly schema: string;
    readonly name: string;
    readonly identityArgs: string;
  }
  | { readonly kind: "schema"; readonly name: string }
  | {
    readonly kind: "column";
    readonly schema: string;
    readonly table: string;
    readonly column: string;
  };

/** `"schema"."name"(args)` for a routine. */
export function routineSignature(r: Pick<Routine, "schema" | "name" | "identityArgs">): string {
  return `${qualifiedName(r.schema, r.name)}(${r.identityArgs})`;
}

function targetSql(target: PrivilegeTarget): string {
  switch (target.kind) {
    case "table":
      return `table ${qualifiedName(target.schema, target.name)}`;
    case "sequence":
      return `sequence ${qualifiedName(target.schema, target.name)}`;
    case "routine":
      return `routine ${routineSignature(target)}`;
    case "schema":
      return `schema ${quoteName(target.name)}`;
    case "column":
      return `table ${qualifiedName(target.schema, target.table)}`;
  }
}

/** The privilege list (`SELECT` or `SELECT, UPDATE`), each with the column for column targets. */
function privilegeSql(target: PrivilegeTarget, privilege: string): string {
  return privilege.split(",").map((p) => {
    const word = p.trim().toLowerCase();
    return target.kind === "column" ? `${word} (${quoteName(target.column)})` : word;
  }).join(", ");
}

/** `grant <privilege> on <target> to <grantee> [with grant option];` */
export function grantSql(target: PrivilegeTarget, grant: Grant): string {
  return `grant ${privilegeSql(target, grant.privilege)} on ${targetSql(target)} to ` +
    `${roleName(grant.grantee)}${grant.grantable ? " with grant option" : ""};`;
}

/** `revoke <privilege> on <target> from <grantee>;` */
export function revokeSql(
  target: PrivilegeTarget,
  grant: Pick<Grant, "grantee" | "privilege">,
): string {
  return `revoke ${privilegeSql(target, grant.privilege)} on ${targetSql(target)} from ` +
    `${roleName(grant.grantee)};`;
}

/** `revoke grant option for <privilege> on <target> from <grantee>;` */
export function revokeGrantOptionSql(target: PrivilegeTarget, grant: Grant): string {
  return `revoke grant option for ${privilegeSql(target, grant.privilege)} on ` +
    `${targetSql(target)} from ${roleName(grant.grantee)};`;
}

/** `revoke all on <target> from <roles>;` */
export function revokeAllSql(target: PrivilegeTarget, roles: readonly string[]): string {
  return `revoke all on ${targetSql(target)} from ${roles.map(roleName).join(", ")};`;
}

/**
 * A DO block running `body` only when `condition` holds, evaluated with an empty search_path
 * (so catalog text compares equal to the contract's) and the caller's path restored after.
 */
export function guardedSql(condition: string, body: readonly string[]): string {
  const inner = [
    "declare",
    "  caller_path text := pg_catalog.current_setting('search_path');",
    "begin",
    "  perform pg_catalog.set_config('search_path', '', true);",
    `  if ${condition} then`,
    ...body.map((line) => `    ${line}`),
    "  end if;",
    "  perform pg_catalog.set_config('search_path', caller_path, true);",
    "end",
  ].join("\n");
  const tag = dollarQuote(inner);
  return `do ${tag}\n${inner}\n${tag};`;
}

/** `pg_catalog.to_regclass('"s"."t"')`: the relation's oid, or null. */
export function regclassSql(schema: string, name: string): string {
  return `pg_catalog.to_regclass(${quoteLiteral(qualifiedName(schema, name))})`;
}

// Schemas and extensions ---------------------------------------------------------------------

export function createSchemaSql(name: string): string {
  return `create schema if not exists ${quoteName(name)};`;
}

export function createExtensionSql(extension: Extension): string {
  return `create extension if not exists ${quoteName(extension.name)} with schema ` +
    `${quoteName(extension.schema)};`;
}

export function alterExtensionSchemaSql(extension: Extension): string {
  return `alter extension ${quoteName(extension.name)} set schema ${quoteName(extension.schema)};`;
}

export function updateExtensionSql(extension: Extension): string {
  return `alter extension ${quoteName(extension.name)} update to ${
    quoteLiteral(extension.version)
  };`;
}

export function dropExtensionSql(name: string): string {
  return `drop extension if exists ${quoteName(name)};`;
}

// Types and sequences ------------------------------------------------------------------------

export function createEnumSql(e: Enum): string {
  const condition =
    `not exists (select 1 from pg_catalog.pg_type t join pg_catalog.pg_namespace n ` +
    `on n.oid = t.typnamespace where n.nspname = ${quoteLiteral(e.schema)} and t.typname = ` +
    `${quoteLiteral(e.name)})`;
  return guardedSql(condition, [
    `create type ${qualifiedName(e.schema, e.name)} as enum (${
      e.values.map(quoteLiteral).join(", ")
    });`,
  ]);
}

/** Adds an enum label after `after` (or first when null). */
export function addEnumValueSql(
  e: Pick<Enum, "schema" | "name">,
  value: string,
  after: string | null,
  before: string | null,
): string {
  const position = after !== null
    ? ` after ${quoteLiteral(after)}`
    : before !== null
    ? ` before ${quoteLiteral(before)}`
    : "";
  return `alter type ${qualifiedName(e.schema, e.name)} add value if not exists ` +
    `${quoteLiteral(value)}${position};`;
}

export function dropTypeSql(schema: string, name: string): string {
  return `drop type if exists ${qualifiedName(schema, name)};`;
}

function sequenceOptions(s: Sequence): string {
  return `as ${s.dataType} increment by ${s.increment} minvalue ${s.min} maxvalue ${s.max} ` +
    `start with ${s.start} cache ${s.cache} ${s.cycle ? "cycle" : "no cycle"}`;
}

export function createSequenceSql(s: Sequence): string {
  return `create sequence if not exists ${qualifiedName(s.schema, s.name)} ${sequenceOptions(s)};`;
}

export function alterSequenceSql(s: Sequence): string {
  return `alter sequence ${qualifiedName(s.schema, s.name)} ${sequenceOptions(s)};`;
}

export function sequenceOwnedBySql(s: Sequence): string {
  const owner = s.ownedBy
    ? `${qualifiedName(s.ownedBy.schema, s.ownedBy.table)}.${quoteName(s.ownedBy.column)}`
    : "none";
  return `alter sequence ${qualifiedName(s.schema, s.name)} owned by ${owner};`;
}

// Tables and columns -------------------------------------------------------------------------

/** The column's definition as in CREATE TABLE / ADD COLUMN. */
export function columnClause(c: Column): string {
  const parts = [quoteName(c.name), c.type];
  if (c.collation) parts.push(`collate ${c.collation}`);
  if (c.generated !== null) parts.push(`generated always as (${c.generated}) stored`);
  else if (c.identity !== null) parts.push(`generated ${c.identity} as identity`);
  else if (c.default !== null) parts.push(`default ${c.default}`);
  if (c.notNull) parts.push("not null");
  return parts.join(" ");
}

/** CREATE TABLE IF NOT EXISTS with columns (constraints, indexes and RLS come separately). */
export function createTableSql(t: Table): string | null {
  const name = qualifiedName(t.schema, t.name);
  if (t.kind === "foreign") return null;
  if (t.partitionOf && t.partitionBound) {
    return `create table if not exists ${name} partition of ` +
      `${qualifiedName(t.partitionOf.schema, t.partitionOf.name)} ${t.partitionBound};`;
  }
  const columns = t.columns.map((c) => `  ${columnClause(c)}`).join(",\n");
  const partition = t.partitionKey ? ` partition by ${t.partitionKey}` : "";
  const options = t.options.length > 0 ? ` with (${t.options.join(", ")})` : "";
  return `create ${t.unlogged ? "unlogged " : ""}table if not exists ${name} (\n${columns}\n)` +
    `${partition}${options};`;
}

export function addColumnSql(t: Pick<Table, "schema" | "name">, c: Column): string {
  return `alter table ${qualifiedName(t.schema, t.name)} add column if not exists ${
    columnClause(c)
  };`;
}

export function dropColumnSql(t: Pick<Table, "schema" | "name">, column: string): string {
  return `alter table ${qualifiedName(t.schema, t.name)} drop column if exists ${
    quoteName(column)
  };`;
}

function alterColumn(t: Pick<Table, "schema" | "name">, column: string, action: string): string {
  return `alter table ${qualifiedName(t.schema, t.name)} alter column ${
    quoteName(column)
  } ${action};`;
}

export function alterColumnTypeSql(t: Pick<Table, "schema" | "name">, c: Column): string {
  const collate = c.collation ? ` collate ${c.collation}` : "";
  return alterColumn(t, c.name, `type ${c.type}${collate} using ${quoteName(c.name)}::${c.type}`);
}

export function columnDefaultSql(t: Pick<Table, "schema" | "name">, c: Column): string {
  return alterColumn(t, c.name, c.default === null ? "drop default" : `set default ${c.default}`);
}

export function columnNotNullSql(t: Pick<Table, "schema" | "name">, c: Column): string {
  return alterColumn(t, c.name, c.notNull ? "set not null" : "drop not null");
}

/** Brings a column's identity to the contract's, whatever it is now. */
export function columnIdentitySql(t: Pick<Table, "schema" | "name">, c: Column): string {
  if (c.identity === null) return alterColumn(t, c.name, "drop identity if exists");
  const condition = `exists (select 1 from pg_catalog.pg_attribute a where a.attrelid = ` +
    `${regclassSql(t.schema, t.name)} and a.attname = ${
      quoteLiteral(c.name)
    } and a.attidentity = '')`;
  return [
    guardedSql(condition, [
      alterColumn(t, c.name, `add generated ${c.identity} as identity`),
    ]),
    alterColumn(t, c.name, `set generated ${c.identity}`),
  ].join("\n");
}

/**
 * Whether changing a column from type `from` to type `to` keeps every value: widening integer
 * or float types, to numeric or text, or lengthening a varchar.
 */
export function isLosslessTypeChange(from: string, to: string): boolean {
  if (from === to) return true;
  const rank: Record<string, number> = { smallint: 1, integer: 2, bigint: 3 };
  const fromRank = rank[from];
  const toRank = rank[to];
  if (fromRank !== undefined && toRank !== undefined) return toRank >= fromRank;
  if (fromRank !== undefined && to === "numeric") return true;
  if (from === "real" && to === "double precision") return true;
  const varchar = /^character varying(?:\((\d+)\))?$/;
  const fromVarchar = varchar.exec(from);
  const toVarchar = varchar.exec(to);
  if (fromVarchar && toVarchar) {
    return toVarchar[1] === undefined ||
      (fromVarchar[1] !== undefined && Number(toVarchar[1]) >= Number(fromVarchar[1]));
  }
  if (to === "text" && (fromVarchar || /^character(\(\d+\))?$/.test(from) || from === "citext")) {
    return true;
  }
  const numeric = /^numeric(?:\((\d+),(\d+)\))?$/;
  const fromNumeric = numeric.exec(from);
  const toNumeric = numeric.exec(to);
  if (fromNumeric && toNumeric) {
    if (toNumeric[1] === undefined) return true;
    if (fromNumeric[1] === undefined) return false;
    const [fp, fs, tp, ts] = [fromNumeric[1], fromNumeric[2], toNumeric[1], toNumeric[2]].map(
      Number,
    );
    return (ts ?? 0) >= (fs ?? 0) && (tp ?? 0) - (ts ?? 0) >= (fp ?? 0) - (fs ?? 0);
  }
  return false;
}

export function rlsSql(t: Pick<Table, "schema" | "name">, enabled: boolean): string {
  return `alter table ${qualifiedName(t.schema, t.name)} ${
    enabled ? "enable" : "disable"
  } row level security;`;
}

export function forceRlsSql(t: Pick<Table, "schema" | "name">, forced: boolean): string {
  return `alter table ${qualifiedName(t.schema, t.name)} ${
    forced ? "force" : "no force"
  } row level security;`;
}

export function replicaIdentitySql(
  t: Pick<Table, "schema" | "name">,
  identity: ReplicaIdentity,
  index: string | null,
): string {
  const clause = identity === "index" && index ? `using index ${quoteName(index)}` : identity;
  return `alter table ${qualifiedName(t.schema, t.name)} replica identity ${clause};`;
}

export function ownerSql(
  kind: "table" | "view" | "materialized view" | "sequence" | "schema" | "type",
  schema: string | null,
  name: string,
  owner: string,
): string {
  const target = schema === null ? quoteName(name) : qualifiedName(schema, name);
  return `alter ${kind} ${target} owner to ${quoteName(owner)};`;
}

export function routineOwnerSql(r: Routine, owner: string): string {
  return `alter routine ${routineSignature(r)} owner to ${quoteName(owner)};`;
}

// Constraints and indexes --------------------------------------------------------------------

/** Adds the constraint, replacing a same-named one with another definition. */
export function ensureConstraintSql(t: Pick<Table, "schema" | "name">, c: Constraint): string {
  const table = qualifiedName(t.schema, t.name);
  const condition = `not exists (select 1 from pg_catalog.pg_constraint c where c.conrelid = ` +
    `${regclassSql(t.schema, t.name)} and c.conname = ${quoteLiteral(c.name)} and ` +
    `pg_catalog.pg_get_constraintdef(c.oid) = ${quoteLiteral(c.definition)})`;
  return guardedSql(condition, [
    `alter table ${table} drop constraint if exists ${quoteName(c.name)};`,
    `alter table ${table} add constraint ${quoteName(c.name)} ${c.definition};`,
  ]);
}

export function dropConstraintSql(t: Pick<Table, "schema" | "name">, name: string): string {
  return `alter table ${qualifiedName(t.schema, t.name)} drop constraint if exists ${
    quoteName(name)
  };`;
}

/** Creates the index, replacing a same-named one with another definition. */
export function ensureIndexSql(schema: string, index: Index): string {
  const condition =
    `not exists (select 1 from pg_catalog.pg_class i join pg_catalog.pg_namespace n ` +
    `on n.oid = i.relnamespace where n.nspname = ${quoteLiteral(schema)} and i.relname = ` +
    `${quoteLiteral(index.name)} and i.relkind in ('i', 'I') and ` +
    `pg_catalog.pg_get_indexdef(i.oid) = ${quoteLiteral(index.definition)})`;
  // A partitioned table's index prints as `ON ONLY`, which would not reach the partitions.
  const create = index.definition.replace(/^(CREATE (?:UNIQUE )?INDEX \S+ ON) ONLY /, "$1 ");
  return guardedSql(condition, [
    `drop index if exists ${qualifiedName(schema, index.name)};`,
    `${create};`,
  ]);
}

function partitionOfSql(parent: RelationRef, child: Pick<Table, "schema" | "name">): string {
  return `exists (select 1 from pg_catalog.pg_inherits h where h.inhrelid = ${
    regclassSql(child.schema, child.name)
  } and h.inhparent = ${regclassSql(parent.schema, parent.name)})`;
}

/** Detaches a partition from its parent (when it is attached there). */
export function detachPartitionSql(
  parent: RelationRef,
  child: Pick<Table, "schema" | "name">,
): string {
  return guardedSql(partitionOfSql(parent, child), [
    `alter table ${qualifiedName(parent.schema, parent.name)} detach partition ${
      qualifiedName(child.schema, child.name)
    };`,
  ]);
}

/**
 * Attaches a table as a partition of `parent` with its bound (`FOR VALUES ...`, `DEFAULT`),
 * unless it already is one.
 */
export function attachPartitionSql(
  parent: RelationRef,
  child: Pick<Table, "schema" | "name">,
  bound: string,
): string {
  const table = qualifiedName(child.schema, child.name);
  // A table being attached may not have identity columns of its own: PostgreSQL 17 leaves a
  // detached partition with a copy of its parent's identity, and attached it uses the parent's.
  const identities = `from pg_catalog.pg_attribute a where a.attrelid = ${
    regclassSql(child.schema, child.name)
  } and a.attidentity <> '' and not a.attisdropped`;
  return guardedSql(`not ${partitionOfSql(parent, child)}`, [
    `if exists (select 1 ${identities}) then`,
    `  execute (select pg_catalog.string_agg(pg_catalog.format('alter table %s alter column %I drop identity', ${
      quoteLiteral(table)
    }, a.attname), '; ') ${identities});`,
    "end if;",
    `alter table ${qualifiedName(parent.schema, parent.name)} attach partition ${table} ${bound};`,
  ]);
}

export function dropIndexSql(schema: string, name: string): string {
  return `drop index if exists ${qualifiedName(schema, name)};`;
}

// Policies -----------------------------------------------------------------------------------

export function createPolicySql(schema: string, table: string, p: Policy): string {
  const roles = p.roles.length > 0 ? p.roles.map(roleName).join(", ") : "public";
  const using = p.using !== null ? `\n  using (${p.using})` : "";
  const check = p.withCheck !== null ? `\n  with check (${p.withCheck})` : "";
  return `create policy ${quoteName(p.name)} on ${qualifiedName(schema, table)}\n  as ` +
    `${p.permissive ? "permissive" : "restrictive"} for ${p.command.toLowerCase()} to ${roles}` +
    `${using}${check};`;
}

export function dropPolicySql(schema: string, table: string, name: string): string {
  return `drop policy if exists ${quoteName(name)} on ${qualifiedName(schema, table)};`;
}

// Routines, triggers, views ------------------------------------------------------------------

/** The routine's CREATE OR REPLACE text, terminated. */
export function replaceRoutineSql(r: Routine): string | null {
  return r.definition === null ? null : `${r.definition.trimEnd()};`;
}

export function dropRoutineSql(r: Pick<Routine, "schema" | "name" | "identityArgs">): string {
  return `drop routine if exists ${routineSignature(r)};`;
}

/** Creates the trigger, replacing a same-named one with another definition. */
export function createTriggerSql(schema: string, table: string, t: Trigger): string {
  const condition = `not exists (select 1 from pg_catalog.pg_trigger t where t.tgrelid = ` +
    `${regclassSql(schema, table)} and t.tgname = ${quoteLiteral(t.name)} and ` +
    `pg_catalog.pg_get_triggerdef(t.oid) = ${quoteLiteral(t.definition)})`;
  return guardedSql(condition, [
    `drop trigger if exists ${quoteName(t.name)} on ${qualifiedName(schema, table)};`,
    `${t.definition};`,
  ]);
}

export function dropTriggerSql(schema: string, table: string, name: string): string {
  return `drop trigger if exists ${quoteName(name)} on ${qualifiedName(schema, table)};`;
}

const TRIGGER_STATE: Record<TriggerEnabled, string> = {
  origin: "enable",
  disabled: "disable",
  replica: "enable replica",
  always: "enable always",
};

export function triggerStateSql(
  schema: string,
  table: string,
  name: string,
  state: TriggerEnabled,
): string {
  return `alter table ${qualifiedName(schema, table)} ${TRIGGER_STATE[state]} trigger ${
    quoteName(name)
  };`;
}

function viewOptions(v: View): string[] {
  return [
    ...v.options,
    ...(v.securityInvoker ? ["security_invoker=true"] : []),
    ...(v.securityBarrier ? ["security_barrier=true"] : []),
  ];
}

/** CREATE OR REPLACE VIEW, or CREATE MATERIALIZED VIEW IF NOT EXISTS. */
export function createViewSql(v: View): string {
  const name = qualifiedName(v.schema, v.name);
  const options = viewOptions(v);
  const withClause = options.length > 0 ? ` with (${options.join(", ")})` : "";
  return v.materialized
    ? `create materialized view if not exists ${name}${withClause} as\n${v.definition};`
    : `create or replace view ${name}${withClause} as\n${v.definition};`;
}

/** Sets the view's security options to the contract's. */
export function viewSecuritySql(v: View): string {
  return `alter view ${qualifiedName(v.schema, v.name)} set (security_invoker = ` +
    `${v.securityInvoker}, security_barrier = ${v.securityBarrier});`;
}

export function dropViewSql(schema: string, name: string, materialized: boolean): string {
  return `drop ${materialized ? "materialized view" : "view"} if exists ${
    qualifiedName(schema, name)
  };`;
}

// Publications -------------------------------------------------------------------------------

function publishedTableClause(t: PublishedTable): string {
  const columns = t.columns ? ` (${t.columns.map(quoteName).join(", ")})` : "";
  const filter = t.rowFilter ? ` where (${t.rowFilter})` : "";
  return `${qualifiedName(t.schema, t.name)}${columns}${filter}`;
}

function publicationHasTable(
  publication: string,
  t: Pick<PublishedTable, "schema" | "name">,
): string {
  return `exists (select 1 from pg_catalog.pg_publication_rel pr join pg_catalog.pg_publication p ` +
    `on p.oid = pr.prpubid where p.pubname = ${quoteLiteral(publication)} and pr.prrelid = ` +
    `${regclassSql(t.schema, t.name)})`;
}

/** Adds the table to the publication (re-adding it when its column list or filter differs). */
export function publicationAddTableSql(
  publication: string,
  t: PublishedTable,
  replace = false,
): string {
  const name = quoteName(publication);
  const body = [`alter publication ${name} add table ${publishedTableClause(t)};`];
  if (replace) {
    return guardedSql(publicationHasTable(publication, t), [
      `alter publication ${name} drop table ${qualifiedName(t.schema, t.name)};`,
    ]) + "\n" + guardedSql(`not ${publicationHasTable(publication, t)}`, body);
  }
  return guardedSql(`not ${publicationHasTable(publication, t)}`, body);
}

export function publicationDropTableSql(
  publication: string,
  t: Pick<PublishedTable, "schema" | "name">,
): string {
  return guardedSql(publicationHasTable(publication, t), [
    `alter publication ${quoteName(publication)} drop table ${qualifiedName(t.schema, t.name)};`,
  ]);
}

function publishList(p: Publication): string {
  const actions = (["insert", "update", "delete", "truncate"] as const).filter((a) => p[a]);
  return quoteLiteral(actions.join(", "));
}

export function createPublicationSql(p: Publication): string {
  const scope = p.allTables ? " for all tables" : "";
  return guardedSql(
    `not exists (select 1 from pg_catalog.pg_publication where pubname = ${quoteLiteral(p.name)})`,
    [
      `create publication ${quoteName(p.name)}${scope} with (publish = ${publishList(p)}, ` +
      `publish_via_partition_root = ${p.viaRoot});`,
    ],
  );
}

export function publicationOptionsSql(p: Publication): string {
  return `alter publication ${quoteName(p.name)} set (publish = ${publishList(p)}, ` +
    `publish_via_partition_root = ${p.viaRoot});`;
}

export function dropPublicationSql(name: string): string {
  return `drop publication if exists ${quoteName(name)};`;
}

// Default privileges and buckets -------------------------------------------------------------

function defaultPrivilegeTarget(d: Pick<DefaultPrivilege, "role" | "schema">): string {
  return `alter default privileges for role ${quoteName(d.role)} in schema ${quoteName(d.schema)}`;
}

export function grantDefaultSql(
  d: Pick<DefaultPrivilege, "role" | "schema" | "objects">,
  g: Grant,
): string {
  return `${defaultPrivilegeTarget(d)} grant ${g.privilege.toLowerCase()} on ${d.objects} to ` +
    `${roleName(g.grantee)}${g.grantable ? " with grant option" : ""};`;
}

export function revokeDefaultSql(
  d: Pick<DefaultPrivilege, "role" | "schema" | "objects">,
  g: Pick<Grant, "grantee" | "privilege">,
): string {
  return `${defaultPrivilegeTarget(d)} revoke ${g.privilege.toLowerCase()} on ${d.objects} from ` +
    `${roleName(g.grantee)};`;
}

function sqlValue(value: string | null): string {
  return value === null ? "null" : quoteLiteral(value);
}

export function upsertBucketSql(b: Bucket): string {
  const mime = b.allowedMimeTypes === null
    ? "null"
    : `array[${b.allowedMimeTypes.map(quoteLiteral).join(", ")}]::text[]`;
  return `insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)\n` +
    `values (${quoteLiteral(b.id)}, ${quoteLiteral(b.name)}, ${b.public}, ` +
    `${b.fileSizeLimit === null ? "null" : `${sqlValue(b.fileSizeLimit)}::bigint`}, ${mime})\n` +
    `on conflict (id) do update set name = excluded.name, public = excluded.public, ` +
    `file_size_limit = excluded.file_size_limit, allowed_mime_types = excluded.allowed_mime_types;`;
}

export function privateBucketSql(id: string): string {
  return `update storage.buckets set public = false where id = ${quoteLiteral(id)};`;
}
