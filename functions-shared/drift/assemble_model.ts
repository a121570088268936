/**
 * @module Turns the rows of the catalog queries into a {@linkcode Model}: nests columns,
 * constraints, indexes, policies and triggers under their table, maps catalog codes to words,
 * and sorts every list so the same database always gives the same model.
 */
import type { CatalogKind } from "./catalog_queries.ts";
import {
  type Bucket,
  type Column,
  type ColumnRef,
  type Constraint,
  type ConstraintType,
  type DefaultPrivilege,
  type DefaultPrivilegeObject,
  type Enum,
  type Extension,
  type Grant,
  type Index,
  type Model,
  MODEL_FORMAT,
  type PlatformTable,
  type Policy,
  type PolicyCommand,
  type Publication,
  type PublishedTable,
  qualifiedKey,
  type RelationRef,
  type ReplicaIdentity,
  type Role,
  type Routine,
  type Schema,
  type Sequence,
  type Table,
  type Trigger,
  type TriggerEnabled,
  type View,
} from "./model.ts";

/** Rows of every kind, as the catalog queries return them (JSON values). */
export type CatalogRows = { readonly [K in CatalogKind]: readonly Record<string, unknown>[] };

/** Codepoint order, independent of any collation. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byKey<T>(key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => compareText(key(a), key(b));
}

function str(row: Record<string, unknown>, field: string): string {
  const value = row[field];
  if (typeof value !== "string") {
    throw new TypeError(
      `Cannot read catalog row: "${field}" is ${JSON.stringify(value)}, not text`,
    );
  }
  return value;
}

function optStr(row: Record<string, unknown>, field: string): string | null {
  const value = row[field];
  return value === null || value === undefined ? null : String(value);
}

function bool(row: Record<string, unknown>, field: string): boolean {
  return row[field] === true;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map((v) => String(v)) : [];
}

function grants(value: unknown): Grant[] {
  if (!Array.isArray(value)) return [];
  return value
    .map((g: Record<string, unknown>) => ({
      grantee: str(g, "grantee"),
      privilege: str(g, "privilege"),
      grantable: bool(g, "grantable"),
    }))
    .sort(byKey((g) => `${g.grantee}\u0000${g.privilege}`));
}

const CONSTRAINT_TYPES: Record<string, ConstraintType> = {
  p: "primary key",
  f: "foreign key",
  u: "unique",
  c: "check",
  x: "exclusion",
};
const POLICY_COMMANDS: Record<string, PolicyCommand> = {
  "*": "ALL",
  r: "SELECT",
  a: "INSERT",
  w: "UPDATE",
  d: "DELETE",
};
const TRIGGER_ENABLED: Record<string, TriggerEnabled> = {
  O: "origin",
  D: "disabled",
  R: "replica",
  A: "always",
};
const REPLICA_IDENTITY: Record<string, ReplicaIdentity> = {
  d: "default",
  n: "nothing",
  f: "full",
  i: "index",
};
const ROUTINE_KINDS: Record<string, Routine["kind"]> = {
  f: "function",
  p: "procedure",
  a: "aggregate",
  w: "window",
};
const VOLATILITY: Record<string, Routine["volatility"]> = {
  i: "immutable",
  s: "stable",
  v: "volatile",
};
const DEFAULT_OBJECTS: Record<string, DefaultPrivilegeObject> = {
  r: "tables",
  S: "sequences",
  f: "functions",
  T: "types",
  n: "schemas",
};

function code<T>(map: Record<string, T>, value: string, what: string): T {
  const mapped = map[value];
  if (mapped === undefined) {
    throw new TypeError(`Cannot read catalog row: unknown ${what} "${value}"`);
  }
  return mapped;
}

/** Groups rows by their table's `schema.table`. */
function groupByTable<T>(
  rows: readonly Record<string, unknown>[],
  map: (row: Record<string, unknown>) => T,
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const key = qualifiedKey(str(row, "schema"), str(row, "table"));
    const list = groups.get(key) ?? [];
    list.push(map(row));
    groups.set(key, list);
  }
  return groups;
}

function column(row: Record<string, unknown>): Column & { position: number } {
  const identity = optStr(row, "identity");
  return {
    name: str(row, "name"),
    type: str(row, "type"),
    notNull: bool(row, "notNull"),
    default: optStr(row, "default"),
    identity: identity === "always" || identity === "by default" ? identity : null,
    generated: optStr(row, "generated"),
    collation: optStr(row, "collation"),
    grants: grants(row.grants),
    position: Number(row.position),
  };
}

function constraint(row: Record<string, unknown>): Constraint {
  return {
    name: str(row, "name"),
    type: code(CONSTRAINT_TYPES, str(row, "type"), "constraint type"),
    definition: str(row, "definition"),
    columns: strings(row.columns),
  };
}

function index(row: Record<string, unknown>): Index {
  return {
    name: str(row, "name"),
    definition: str(row, "definition"),
    unique: bool(row, "unique"),
    primary: bool(row, "primary"),
    constraint: optStr(row, "constraint"),
    columns: Array.isArray(row.columns)
      ? row.columns.map((c) => (c === null ? null : String(c)))
      : [],
    valid: bool(row, "valid"),
  };
}

function policy(row: Record<string, unknown>): Policy {
  return {
    name: str(row, "name"),
    command: code(POLICY_COMMANDS, str(row, "command"), "policy command"),
    permissive: bool(row, "permissive"),
    roles: strings(row.roles).sort(compareText),
    using: optStr(row, "using"),
    withCheck: optStr(row, "withCheck"),
  };
}

function trigger(row: Record<string, unknown>): Trigger {
  return {
    name: str(row, "name"),
    definition: str(row, "definition"),
    enabled: code(TRIGGER_ENABLED, str(row, "enabled"), "trigger state"),
    function: str(row, "function"),
  };
}

function relationRef(value: unknown): RelationRef | null {
  if (value === null || typeof value !== "object") return null;
  const row = value as Record<string, unknown>;
  return { schema: str(row, "schema"), name: str(row, "name") };
}

function columnRef(value: unknown): ColumnRef | null {
  if (value === null || typeof value !== "object") return null;
  const row = value as Record<string, unknown>;
  return { schema: str(row, "schema"), table: str(row, "table"), column: str(row, "column") };
}

function sorted<T extends { name: string }>(list: T[] | undefined): T[] {
  return (list ?? []).sort(byKey((item) => item.name));
}

function reloption(options: readonly string[], name: string): boolean {
  const entry = options.find((o) => o.toLowerCase().startsWith(`${name}=`));
  if (!entry) return false;
  return ["true", "on", "yes", "1"].includes(entry.slice(name.length + 1).toLowerCase());
}

function publishedTable(value: Record<string, unknown>): PublishedTable {
  return {
    schema: str(value, "schema"),
    name: str(value, "name"),
    columns: Array.isArray(value.columns) ? strings(value.columns) : null,
    rowFilter: optStr(value, "rowFilter"),
  };
}

function bucket(value: Record<string, unknown>): Bucket {
  const mimeTypes = value.allowed_mime_types;
  return {
    id: str(value, "id"),
    name: str(value, "name"),
    public: bool(value, "public"),
    fileSizeLimit: value.file_size_limit === null || value.file_size_limit === undefined
      ? null
      : String(value.file_size_limit),
    allowedMimeTypes: Array.isArray(mimeTypes) ? strings(mimeTypes) : null,
  };
}

/** Builds the model from the rows of every catalog kind. */
export function assembleModel(rows: CatalogRows): Model {
  const meta = rows.meta[0];
  if (!meta) throw new TypeError("Cannot read catalog rows: the meta query returned nothing");

  const columnsByTable = groupByTable(rows.columns, column);
  const constraintsByTable = groupByTable(rows.constraints, constraint);
  const indexesByTable = groupByTable(rows.indexes, index);
  const policiesByTable = groupByTable(rows.policies, policy);
  const triggersByTable = groupByTable(rows.triggers, trigger);

  const tables: Table[] = [];
  const views: View[] = [];
  const sequences: Sequence[] = [];
  const relationKeys = new Set<string>();
  for (const row of rows.relations) {
    const schema = str(row, "schema");
    const name = str(row, "name");
    const key = qualifiedKey(schema, name);
    const relkind = str(row, "relkind");
    const options = strings(row.options).sort(compareText);
    relationKeys.add(key);
    if (relkind === "r" || relkind === "p" || relkind === "f") {
      tables.push({
        schema,
        name,
        kind: relkind === "r" ? "table" : relkind === "p" ? "partitioned" : "foreign",
        owner: str(row, "owner"),
        unlogged: bool(row, "unlogged"),
        rls: bool(row, "rls"),
        forceRls: bool(row, "forceRls"),
        replicaIdentity: code(REPLICA_IDENTITY, str(row, "replicaIdentity"), "replica identity"),
        replicaIdentityIndex: optStr(row, "replicaIdentityIndex"),
        partitionOf: relationRef(row.partitionOf),
        partitionBound: optStr(row, "partitionBound"),
        partitionKey: optStr(row, "partitionKey"),
        options,
        columns: (columnsByTable.get(key) ?? [])
          .sort((a, b) => a.position - b.position)
          .map(({ position: _position, ...c }) => c),
        constraints: sorted(constraintsByTable.get(key)),
        indexes: sorted(indexesByTable.get(key)),
        policies: sorted(policiesByTable.get(key)),
        triggers: sorted(triggersByTable.get(key)),
        grants: grants(row.grants),
      });
    } else if (relkind === "v" || relkind === "m") {
      views.push({
        schema,
        name,
        materialized: relkind === "m",
        owner: str(row, "owner"),
        definition: str(row, "viewDefinition").trim().replace(/;$/, ""),
        securityInvoker: reloption(options, "security_invoker"),
        securityBarrier: reloption(options, "security_barrier"),
        options: options.filter((o) => !/^security_(invoker|barrier)=/i.test(o)),
        readsAuthUsers: bool(row, "readsAuthUsers"),
        indexes: sorted(indexesByTable.get(key)),
        triggers: sorted(triggersByTable.get(key)),
        grants: grants(row.grants),
      });
    } else if (relkind === "S") {
      const seq = (row.sequence ?? {}) as Record<string, unknown>;
      sequences.push({
        schema,
        name,
        owner: str(row, "owner"),
        dataType: str(seq, "dataType"),
        start: str(seq, "start"),
        increment: str(seq, "increment"),
        min: str(seq, "min"),
        max: str(seq, "max"),
        cache: str(seq, "cache"),
        cycle: bool(seq, "cycle"),
        ownedBy: columnRef(row.ownedBy),
        grants: grants(row.grants),
      });
    }
  }

  // Policies and triggers on tables outside the user's schemas (storage.objects, auth.users).
  const platformTables = new Map<string, PlatformTable>();
  const attach = (key: string, schema: string, table: string) => {
    const existing = platformTables.get(key);
    if (existing) return existing;
    const created: PlatformTable = {
      schema,
      name: table,
      policies: sorted(policiesByTable.get(key)),
      triggers: sorted(triggersByTable.get(key)),
    };
    platformTables.set(key, created);
    return created;
  };
  for (const row of [...rows.policies, ...rows.triggers]) {
    const key = qualifiedKey(str(row, "schema"), str(row, "table"));
    if (!relationKeys.has(key)) attach(key, str(row, "schema"), str(row, "table"));
  }

  const routines: Routine[] = rows.routines.map((row) => ({
    schema: str(row, "schema"),
    name: str(row, "name"),
    kind: code(ROUTINE_KINDS, str(row, "kind"), "routine kind"),
    identityArgs: str(row, "identityArgs"),
    args: str(row, "args"),
    returns: str(row, "returns"),
    language: str(row, "language"),
    securityDefiner: bool(row, "securityDefiner"),
    volatility: code(VOLATILITY, str(row, "volatility"), "volatility"),
    strict: bool(row, "strict"),
    config: strings(row.config),
    bodyHash: str(row, "bodyHash"),
    definition: optStr(row, "definition"),
    owner: str(row, "owner"),
    grants: grants(row.grants),
  }));

  const enums: Enum[] = rows.enums.map((row) => ({
    schema: str(row, "schema"),
    name: str(row, "name"),
    owner: str(row, "owner"),
    values: strings(row.values),
  }));

  const publications: Publication[] = rows.publications.map((row) => ({
    name: str(row, "name"),
    allTables: bool(row, "allTables"),
    insert: bool(row, "insert"),
    update: bool(row, "update"),
    delete: bool(row, "delete"),
    truncate: bool(row, "truncate"),
    viaRoot: bool(row, "viaRoot"),
    tables: (Array.isArray(row.tables) ? row.tables : [])
      .map((t: Record<string, unknown>) => publishedTable(t))
      .sort(byKey((t) => qualifiedKey(t.schema, t.name))),
    schemas: strings(row.schemas).sort(compareText),
  }));

  const defaultPrivileges: DefaultPrivilege[] = rows.defaultPrivileges.map((row) => ({
    role: str(row, "role"),
    schema: str(row, "schema"),
    objects: code(DEFAULT_OBJECTS, str(row, "objects"), "default privilege object type"),
    grants: grants(row.grants),
  }));

  const schemas: Schema[] = rows.schemas.map((row) => ({
    name: str(row, "name"),
    owner: str(row, "owner"),
    grants: grants(row.grants),
  }));

  const extensions: Extension[] = rows.extensions.map((row) => ({
    name: str(row, "name"),
    schema: str(row, "schema"),
    version: str(row, "version"),
    defaultVersion: optStr(row, "defaultVersion"),
  }));

  const bucketRows = rows.buckets[0]?.buckets;
  const buckets = Array.isArray(bucketRows)
    ? bucketRows.map((b: Record<string, unknown>) => bucket(b)).sort(byKey((b) => b.id))
    : null;

  const roles: Role[] = (Array.isArray(meta.roles) ? meta.roles : [])
    .map((r: Record<string, unknown>) => ({
      name: str(r, "name"),
      bypassRls: bool(r, "bypassRls"),
      superuser: bool(r, "superuser"),
    }))
    .sort(byKey((r: Role) => r.name));
  const apiSchemas = optStr(meta, "apiSchemas");

  const qualified = <T extends { schema: string; name: string }>(a: T, b: T) =>
    compareText(qualifiedKey(a.schema, a.name), qualifiedKey(b.schema, b.name));
  return {
    format: MODEL_FORMAT,
    platform: {
      serverVersionNum: Number(meta.serverVersionNum),
      apiSchemas: apiSchemas === null
        ? null
        : apiSchemas.split(",").map((s) => s.trim()).filter((s) => s !== ""),
      hasAuthUsers: bool(meta, "hasAuthUsers"),
      authUsersRls: bool(meta, "authUsersRls"),
      roles,
      authKeys: (Array.isArray(meta.authKeys) ? meta.authKeys : [])
        .map((k: Record<string, unknown>) => ({
          table: str(k, "table"),
          columns: strings(k.columns),
          primary: bool(k, "primary"),
        }))
        .sort(byKey((k) => `${k.table}\u0000${k.columns.join(",")}`)),
      queueTables: (Array.isArray(meta.queueTables) ? meta.queueTables : [])
        .map((q: Record<string, unknown>) => ({
          name: str(q, "name"),
          rls: bool(q, "rls"),
          apiReadable: bool(q, "apiReadable"),
        }))
        .sort(byKey((q) => q.name)),
    },
    extensions: extensions.sort(byKey((e) => e.name)),
    schemas: schemas.sort(byKey((s) => s.name)),
    tables: tables.sort(qualified),
    platformTables: [...platformTables.values()].sort(qualified),
    views: views.sort(qualified),
    sequences: sequences.sort(qualified),
    routines: routines.sort(byKey((r) => `${r.schema}.${r.name}(${r.identityArgs})`)),
    enums: enums.sort(qualified),
    publications: publications.sort(byKey((p) => p.name)),
    defaultPrivileges: defaultPrivileges.sort(
      byKey((d) => `${d.schema}\u0000${d.role}\u0000${d.objects}`),
    ),
    buckets,
  };
}
