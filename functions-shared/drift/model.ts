/**
 * @module The database model the drift engine compares: every object kind that matters for a
 * Supabase backend, as plain JSON-serialisable data. A model comes from introspecting a live
 * database (`introspect`), from a migrations folder applied to a scratch database, or is built
 * by hand (a plan's contract). Lists are sorted by name so two models of the same database are
 * deeply equal.
 */

/** Version of the model's shape; bumped when a field changes meaning. */
export const MODEL_FORMAT = 1;

/** A reference to a relation by schema and name. */
export interface RelationRef {
  readonly schema: string;
  readonly name: string;
}

/** A reference to a table column. */
export interface ColumnRef {
  readonly schema: string;
  readonly table: string;
  readonly column: string;
}

/** One privilege held by a grantee on an object (grants to the object's owner are omitted). */
export interface Grant {
  /** Role name, or `PUBLIC` for the pseudo-role every role belongs to. */
  readonly grantee: string;
  /** `SELECT`, `INSERT`, `UPDATE`, `DELETE`, `TRUNCATE`, `REFERENCES`, `TRIGGER`, `USAGE`, `CREATE`, `EXECUTE`. */
  readonly privilege: string;
  /** Granted WITH GRANT OPTION. */
  readonly grantable: boolean;
}

/** A database role, consulted by lints (never diffed: roles are cluster-wide). */
export interface Role {
  readonly name: string;
  readonly bypassRls: boolean;
  readonly superuser: boolean;
}

/** An installed extension. */
export interface Extension {
  readonly name: string;
  readonly schema: string;
  readonly version: string;
  /**
   * The server's default (recommended) version when the installed one is among the versions
   * the server offers; null otherwise, absent in models taken before it was recorded.
   */
  readonly defaultVersion?: string | null;
}

/** A user schema. */
export interface Schema {
  readonly name: string;
  readonly owner: string;
  /** USAGE and CREATE grants. */
  readonly grants: readonly Grant[];
}

/** A table column. */
export interface Column {
  readonly name: string;
  /** `format_type` text, e.g. `uuid`, `character varying(80)`, `public.listing_status`. */
  readonly type: string;
  readonly notNull: boolean;
  /** Default expression; null for none and for generated columns. */
  readonly default: string | null;
  /** Identity kind. */
  readonly identity: "always" | "by default" | null;
  /** Expression of a stored generated column. */
  readonly generated: string | null;
  /** Collation when it differs from the type's default, e.g. `"C"`. */
  readonly collation: string | null;
  /** Column-level privileges. */
  readonly grants: readonly Grant[];
}

/** Constraint kinds: primary key, foreign key, unique, check, exclusion. */
export type ConstraintType = "primary key" | "foreign key" | "unique" | "check" | "exclusion";

/** A table constraint. */
export interface Constraint {
  readonly name: string;
  readonly type: ConstraintType;
  /** `pg_get_constraintdef` text, e.g. `FOREIGN KEY (owner_id) REFERENCES auth.users(id)`. */
  readonly definition: string;
  /** Constrained columns in key order. */
  readonly columns: readonly string[];
}

/** An index (those backing a constraint included, marked with `constraint`). */
export interface Index {
  readonly name: string;
  /** `pg_get_indexdef` text, including method, uniqueness and partial predicate. */
  readonly definition: string;
  readonly unique: boolean;
  readonly primary: boolean;
  /** Name of the constraint this index implements, if any. */
  readonly constraint: string | null;
  /** Indexed columns in key order; null for an expression. */
  readonly columns: readonly (string | null)[];
  readonly valid: boolean;
}

/** Command a policy applies to. */
export type PolicyCommand = "ALL" | "SELECT" | "INSERT" | "UPDATE" | "DELETE";

/** A row-level security policy. */
export interface Policy {
  readonly name: string;
  readonly command: PolicyCommand;
  /** Permissive (OR-ed) rather than restrictive (AND-ed). */
  readonly permissive: boolean;
  /** Role names, sorted; `public` for all roles. */
  readonly roles: readonly string[];
  /** USING expression. */
  readonly using: string | null;
  /** WITH CHECK expression. */
  readonly withCheck: string | null;
}

/** Trigger firing state (`ALTER TABLE ... ENABLE/DISABLE TRIGGER`). */
export type TriggerEnabled = "origin" | "disabled" | "replica" | "always";

/** A trigger. */
export interface Trigger {
  readonly name: string;
  /** `pg_get_triggerdef` text: `CREATE TRIGGER ... EXECUTE FUNCTION ...`. */
  readonly definition: string;
  readonly enabled: TriggerEnabled;
  /** Qualified name of the trigger function. */
  readonly function: string;
}

/** Replica identity of a table (what logical replication and Realtime see of old rows). */
export type ReplicaIdentity = "default" | "nothing" | "full" | "index";

/** A table (ordinary, partitioned or foreign) with everything attached to it. */
export interface Table {
  readonly schema: string;
  readonly name: string;
  readonly kind: "table" | "partitioned" | "foreign";
  readonly owner: string;
  readonly unlogged: boolean;
  /** Row-level security enabled. */
  readonly rls: boolean;
  /** Row-level security forced on the owner too. */
  readonly forceRls: boolean;
  readonly replicaIdentity: ReplicaIdentity;
  /** Index used when `replicaIdentity` is `index`. */
  readonly replicaIdentityIndex: string | null;
  /** The partitioned parent, for a partition. */
  readonly partitionOf: RelationRef | null;
  /** Partition bound, e.g. `FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')`. */
  readonly partitionBound: string | null;
  /** Partition key of a partitioned table, e.g. `RANGE (created_at)`. */
  readonly partitionKey: string | null;
  /** Storage options (`reloptions`), e.g. `fillfactor=90`. */
  readonly options: readonly string[];
  readonly columns: readonly Column[];
  readonly constraints: readonly Constraint[];
  readonly indexes: readonly Index[];
  readonly policies: readonly Policy[];
  readonly triggers: readonly Trigger[];
  readonly grants: readonly Grant[];
}

/** A table in a platform schema (auth, storage, realtime) that carries user policies or triggers. */
export interface PlatformTable {
  readonly schema: string;
  readonly name: string;
  readonly policies: readonly Policy[];
  /** Triggers whose function lives in a user schema (e.g. `on_auth_user_created`). */
  readonly triggers: readonly Trigger[];
}

/** A view or materialized view. */
export interface View {
  readonly schema: string;
  readonly name: string;
  readonly materialized: boolean;
  readonly owner: string;
  /** `pg_get_viewdef` text (the SELECT). */
  readonly definition: string;
  /** `security_invoker` option: RLS and privileges of the caller rather than the owner. */
  readonly securityInvoker: boolean;
  readonly securityBarrier: boolean;
  /** Other `reloptions`, e.g. `check_option=local`. */
  readonly options: readonly string[];
  /** The view reads `auth.users` (directly, through its rewrite rule). */
  readonly readsAuthUsers: boolean;
  readonly indexes: readonly Index[];
  readonly triggers: readonly Trigger[];
  readonly grants: readonly Grant[];
}

/** A sequence (identity sequences are part of their column and not listed). */
export interface Sequence {
  readonly schema: string;
  readonly name: string;
  readonly owner: string;
  readonly dataType: string;
  /** Numbers as text: they are bigint. */
  readonly start: string;
  readonly increment: string;
  readonly min: string;
  readonly max: string;
  readonly cache: string;
  readonly cycle: boolean;
  /** Column the sequence is owned by (serial columns). */
  readonly ownedBy: ColumnRef | null;
  readonly grants: readonly Grant[];
}

/** A function, procedure, aggregate or window function. */
export interface Routine {
  readonly schema: string;
  readonly name: string;
  readonly kind: "function" | "procedure" | "aggregate" | "window";
  /** Identity arguments (`pg_get_function_identity_arguments`), e.g. `listing_id uuid`. */
  readonly identityArgs: string;
  /** Full argument list with names and defaults. */
  readonly args: string;
  /** Result type (`pg_get_function_result`), e.g. `SETOF public.listings`, `trigger`. */
  readonly returns: string;
  readonly language: string;
  readonly securityDefiner: boolean;
  readonly volatility: "immutable" | "stable" | "volatile";
  readonly strict: boolean;
  /** `proconfig` settings, e.g. `search_path=""`. */
  readonly config: readonly string[];
  /** md5 of the body (`prosrc`). */
  readonly bodyHash: string;
  /** `pg_get_functiondef` text (`CREATE OR REPLACE FUNCTION ...`); null for aggregates. */
  readonly definition: string | null;
  readonly owner: string;
  /** EXECUTE grants, including the default grant to PUBLIC. */
  readonly grants: readonly Grant[];
}

/** An enum type. */
export interface Enum {
  readonly schema: string;
  readonly name: string;
  readonly owner: string;
  /** Labels in sort order. */
  readonly values: readonly string[];
}

/** A table published by a publication. */
export interface PublishedTable {
  readonly schema: string;
  readonly name: string;
  /** Column list, or null for all columns. */
  readonly columns: readonly string[] | null;
  /** Row filter (`WHERE (...)`), or null. */
  readonly rowFilter: string | null;
}

/** A logical replication publication (`supabase_realtime` drives Realtime Postgres Changes). */
export interface Publication {
  readonly name: string;
  readonly allTables: boolean;
  readonly insert: boolean;
  readonly update: boolean;
  readonly delete: boolean;
  readonly truncate: boolean;
  readonly viaRoot: boolean;
  /** User tables published (platform tables are left out). */
  readonly tables: readonly PublishedTable[];
  /** Schemas published with `FOR TABLES IN SCHEMA`. */
  readonly schemas: readonly string[];
}

/** Object types default privileges apply to. */
export type DefaultPrivilegeObject = "tables" | "sequences" | "functions" | "types" | "schemas";

/** `ALTER DEFAULT PRIVILEGES FOR ROLE role IN SCHEMA schema GRANT ... ON objects`. */
export interface DefaultPrivilege {
  readonly role: string;
  readonly schema: string;
  readonly objects: DefaultPrivilegeObject;
  readonly grants: readonly Grant[];
}

/** A Storage bucket (`storage.buckets` row). */
export interface Bucket {
  readonly id: string;
  readonly name: string;
  readonly public: boolean;
  /** Bytes as text, or null for no limit. */
  readonly fileSizeLimit: string | null;
  readonly allowedMimeTypes: readonly string[] | null;
}

/** Facts about the platform the model was taken on, consulted by lints and never diffed. */
export interface PlatformFacts {
  /** `server_version_num`, e.g. 150020. */
  readonly serverVersionNum: number;
  /** `pgrst.db_schemas` when set: the schemas PostgREST exposes. */
  readonly apiSchemas: readonly string[] | null;
  readonly hasAuthUsers: boolean;
  readonly authUsersRls: boolean;
  readonly roles: readonly Role[];
  /** Unique keys (unique indexes) of tables in schema auth; absent in older models. */
  readonly authKeys?: readonly AuthKey[];
  /** pgmq queue tables (`pgmq.q_*`); absent in older models. */
  readonly queueTables?: readonly QueueTable[];
}

/** A unique index of a table in schema auth, e.g. `auth.users (email)`. */
export interface AuthKey {
  readonly table: string;
  readonly columns: readonly string[];
  readonly primary: boolean;
}

/** A pgmq queue table and whether the Data API roles can read it. */
export interface QueueTable {
  readonly name: string;
  readonly rls: boolean;
  /** anon or authenticated holds SELECT on it. */
  readonly apiReadable: boolean;
}

/** Everything the drift engine knows about one database. */
export interface Model {
  readonly format: typeof MODEL_FORMAT;
  readonly platform: PlatformFacts;
  readonly extensions: readonly Extension[];
  readonly schemas: readonly Schema[];
  readonly tables: readonly Table[];
  readonly platformTables: readonly PlatformTable[];
  readonly views: readonly View[];
  readonly sequences: readonly Sequence[];
  readonly routines: readonly Routine[];
  readonly enums: readonly Enum[];
  readonly publications: readonly Publication[];
  readonly defaultPrivileges: readonly DefaultPrivilege[];
  /** Storage buckets; null when the database has no storage schema. */
  readonly buckets: readonly Bucket[] | null;
}

/** `schema.name`, unquoted: the key and display name of a schema-qualified object. */
export function qualifiedKey(schema: string, name: string): string {
  return `${schema}.${name}`;
}

/** Key of a routine: `schema.name(identity args)`, unique even for overloads. */
export function routineKey(routine: Pick<Routine, "schema" | "name" | "identityArgs">): string {
  return `${routine.schema}.${routine.name}(${routine.identityArgs})`;
}

/**
 * Reads a model saved as JSON (`contract snapshot`), checking its format version.
 *
 * @throws {TypeError} when the text is not a model of this format.
 */
export function modelFromJson(text: string): Model {
  const value = JSON.parse(text) as Partial<Model> | null;
  if (value === null || typeof value !== "object" || value.format !== MODEL_FORMAT) {
    throw new TypeError(
      `Cannot read the model: expected a JSON object with "format": ${MODEL_FORMAT} ` +
        "(take a new snapshot with this version)",
    );
  }
  for (
    const list of ["extensions", "schemas", "tables", "views", "routines", "publications"] as const
  ) {
    if (!Array.isArray(value[list])) {
      throw new TypeError(`Cannot read the model: "${list}" is not a list`);
    }
  }
  return value as Model;
}

/** An empty model, a starting point for contracts built by hand. */
export function emptyModel(platform: Partial<PlatformFacts> = {}): Model {
  return {
    format: MODEL_FORMAT,
    platform: {
      serverVersionNum: 150000,
      apiSchemas: null,
      hasAuthUsers: true,
      authUsersRls: true,
      roles: [],
      ...platform,
    },
    extensions: [],
    schemas: [],
    tables: [],
    platformTables: [],
    views: [],
    sequences: [],
    routines: [],
    enums: [],
    publications: [],
    defaultPrivileges: [],
    buckets: null,
  };
}
