/** @module Hand-built drift models for unit tests: small builders with sensible defaults. */
import {
  type Column,
  emptyModel,
  type Grant,
  type Model,
  type Policy,
  type Routine,
  type Table,
  type View,
} from "../../functions-shared/drift/model.ts";

export const ROLES = [
  { name: "anon", bypassRls: false, superuser: false },
  { name: "authenticated", bypassRls: false, superuser: false },
  { name: "authenticator", bypassRls: false, superuser: false },
  { name: "postgres", bypassRls: true, superuser: false },
  { name: "service_role", bypassRls: true, superuser: false },
  { name: "supabase_admin", bypassRls: true, superuser: true },
];

export function grant(grantee: string, privilege: string, grantable = false): Grant {
  return { grantee, privilege, grantable };
}

export function column(name: string, type = "text", extra: Partial<Column> = {}): Column {
  return {
    name,
    type,
    notNull: false,
    default: null,
    identity: null,
    generated: null,
    collation: null,
    grants: [],
    ...extra,
  };
}

export function policy(name: string, extra: Partial<Policy> = {}): Policy {
  return {
    name,
    command: "SELECT",
    permissive: true,
    roles: ["authenticated"],
    using: "(( SELECT auth.uid() AS uid) = owner_id)",
    withCheck: null,
    ...extra,
  };
}

export function table(name: string, extra: Partial<Table> = {}): Table {
  return {
    schema: "public",
    name,
    kind: "table",
    owner: "postgres",
    unlogged: false,
    rls: true,
    forceRls: false,
    replicaIdentity: "default",
    replicaIdentityIndex: null,
    partitionOf: null,
    partitionBound: null,
    partitionKey: null,
    options: [],
    columns: [
      column("id", "uuid", { notNull: true, default: "gen_random_uuid()" }),
      column("owner_id", "uuid", { notNull: true }),
    ],
    constraints: [{
      name: `${name}_pkey`,
      type: "primary key",
      definition: "PRIMARY KEY (id)",
      columns: ["id"],
    }],
    indexes: [{
      name: `${name}_pkey`,
      definition: `CREATE UNIQUE INDEX ${name}_pkey ON public.${name} USING btree (id)`,
      unique: true,
      primary: true,
      constraint: `${name}_pkey`,
      columns: ["id"],
      valid: true,
    }],
    policies: [policy(`${name} owners read`)],
    triggers: [],
    grants: [grant("authenticated", "SELECT")],
    ...extra,
  };
}

export function routine(name: string, extra: Partial<Routine> = {}): Routine {
  return {
    schema: "public",
    name,
    kind: "function",
    identityArgs: "",
    args: "",
    returns: "integer",
    language: "sql",
    securityDefiner: false,
    volatility: "volatile",
    strict: false,
    config: ['search_path=""'],
    bodyHash: "d41d8cd98f00b204e9800998ecf8427e",
    definition: `CREATE OR REPLACE FUNCTION public.${name}()\n RETURNS integer\n LANGUAGE sql\n` +
      ` SET search_path TO ''\nAS $function$select 1$function$\n`,
    owner: "postgres",
    grants: [grant("PUBLIC", "EXECUTE")],
    ...extra,
  };
}

export function view(name: string, extra: Partial<View> = {}): View {
  return {
    schema: "public",
    name,
    materialized: false,
    owner: "postgres",
    definition: "SELECT 1 AS one",
    securityInvoker: true,
    securityBarrier: false,
    options: [],
    readsAuthUsers: false,
    indexes: [],
    triggers: [],
    grants: [grant("anon", "SELECT")],
    ...extra,
  };
}

export function model(extra: Partial<Model> = {}): Model {
  return {
    ...emptyModel({ roles: ROLES, serverVersionNum: 150020 }),
    schemas: [{ name: "public", owner: "pg_database_owner", grants: [grant("PUBLIC", "USAGE")] }],
    publications: [{
      name: "supabase_realtime",
      allTables: false,
      insert: true,
      update: true,
      delete: true,
      truncate: true,
      viaRoot: false,
      tables: [],
      schemas: [],
    }],
    ...extra,
  };
}
