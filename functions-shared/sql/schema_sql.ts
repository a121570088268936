/**
 * @module The schema migration of a validated plan: schemas, tables (in foreign-key order) with
 * their constraints and indexes, functions, triggers, and table privileges closed to the client
 * roles until the RLS migration opens them. Every statement is idempotent and needs only the
 * privileges Supabase's non-superuser `postgres` role has.
 */

import type { ValidatedPlan } from "../plan/validate.ts";
import {
  type Column,
  type DbFunction,
  planStorage,
  type Table,
  type Trigger,
} from "../plan/schema.ts";
import { exactTableGrants, publicTable } from "./grants_sql.ts";
import { qualified, quoteIdent, quoteLiteral, toIdentifier } from "./identifier.ts";
import type { Migration } from "./migration.ts";
import { bucketStatements } from "./storage_sql.ts";

/** The statements creating one table, for a `table_created` event. */
export interface TableStatements {
  readonly table: string;
  readonly columns: readonly string[];
  readonly sql: string;
}

/** The statements creating one function. */
export interface FunctionStatements {
  readonly schema: string;
  readonly name: string;
  readonly sql: string;
}

/** The statement creating one trigger. */
export interface TriggerStatements {
  readonly name: string;
  /** `schema.table` the trigger is on. */
  readonly table: string;
  readonly sql: string;
}

/** The schema migration and its parts, in the order they appear in it (Storage buckets last). */
export interface SchemaMigration {
  readonly migration: Migration;
  readonly tables: readonly TableStatements[];
  readonly functions: readonly FunctionStatements[];
  readonly triggers: readonly TriggerStatements[];
}

/** Options of {@linkcode schemaMigration}. */
export interface SchemaMigrationOptions {
  /** Migration name; default `plan_schema`. */
  readonly name?: string;
}

const ident = (name: string): string => quoteIdent(toIdentifier(name));
const relation = (schema: string, name: string): string =>
  qualified(toIdentifier(schema), toIdentifier(name));

/** Tables ordered so that every table comes after the tables its foreign keys reference. */
function tableCreationOrder(tables: readonly Table[]): Table[] {
  const ordered: Table[] = [];
  const placed = new Set<string>();
  const pending = [...tables];
  while (pending.length > 0) {
    const index = pending.findIndex((table) =>
      table.columns.every((column) => {
        const ref = column.references;
        return ref === null || ref.schema !== "public" || ref.table === table.name ||
          placed.has(ref.table);
      })
    );
    if (index < 0) throw new TypeError("Cannot order tables: their foreign keys form a cycle");
    const [next] = pending.splice(index, 1);
    if (next === undefined) break;
    ordered.push(next);
    placed.add(next.name);
  }
  return ordered;
}

function columnDefinition(column: Column): string {
  const parts = [ident(column.name), column.type];
  if (!column.nullable) parts.push("not null");
  if (column.default !== null) parts.push(`default (${column.default})`);
  if (column.unique) parts.push("unique");
  if (column.check !== null) parts.push(`check (${column.check})`);
  const ref = column.references;
  if (ref !== null) {
    parts.push(
      `references ${relation(ref.schema, ref.table)} (${
        ident(ref.column)
      }) on delete ${ref.onDelete}`,
    );
  }
  return parts.join(" ");
}

function tableStatements(table: Table, plan: ValidatedPlan): TableStatements {
  const target = publicTable(table.name);
  const keys = table.columns.filter((column) => column.primaryKey).map((c) => ident(c.name));
  const lines = [
    ...table.columns.map(columnDefinition),
    `primary key (${keys.join(", ")})`,
  ];
  const statements = [
    `create table if not exists ${target} (\n  ${lines.join(",\n  ")}\n);`,
  ];
  if (table.comment !== null) {
    statements.push(`comment on table ${target} is ${quoteLiteral(table.comment)};`);
  }
  for (const index of table.indexes) {
    const columns = index.columns.map(ident).join(", ");
    statements.push(
      `create ${index.unique ? "unique " : ""}index if not exists ${
        ident(index.name)
      } on ${target} (${columns});`,
    );
  }
  const serverGrants = plan.grants.filter((grant) => grant.role === "service_role");
  statements.push(
    ...exactTableGrants(table.name, ["anon", "authenticated", "service_role"], serverGrants),
  );
  return {
    table: table.name,
    columns: table.columns.map((column) => column.name),
    sql: statements.join("\n"),
  };
}

function dollarQuote(body: string): string {
  let tag = "$function$";
  for (let n = 1; body.includes(tag); n++) tag = `$function_${n}$`;
  return `${tag}\n${body}\n${tag}`;
}

/** `"schema"."name"(type, ...)`: how GRANT and REVOKE name a function. */
function functionSignature(fn: DbFunction): string {
  return `${relation(fn.schema, fn.name)}(${fn.args.map((arg) => arg.type).join(", ")})`;
}

function functionStatements(fn: DbFunction): FunctionStatements {
  const args = fn.args.map((arg) => `${ident(arg.name)} ${arg.type}`).join(", ");
  const statements = [
    [
      `create or replace function ${relation(fn.schema, fn.name)}(${args})`,
      `returns ${fn.returns}`,
      `language ${fn.language}`,
      fn.volatility,
      fn.securityDefiner ? "security definer" : "security invoker",
      `set search_path = ${quoteLiteral(fn.searchPath)}`,
      `as ${dollarQuote(fn.body)};`,
    ].join("\n"),
  ];
  if (fn.comment !== null) {
    statements.push(`comment on function ${functionSignature(fn)} is ${quoteLiteral(fn.comment)};`);
  }
  statements.push(
    `revoke all on function ${
      functionSignature(fn)
    } from public, anon, authenticated, service_role;`,
  );
  if (fn.executeRoles.length > 0) {
    statements.push(
      `grant execute on function ${functionSignature(fn)} to ${fn.executeRoles.join(", ")};`,
    );
  }
  return { schema: fn.schema, name: fn.name, sql: statements.join("\n") };
}

/**
 * `create or replace trigger` (PostgreSQL 14+) rather than drop-and-create: replacing needs only
 * the TRIGGER privilege, while dropping a trigger needs ownership of the table, which `postgres`
 * does not have on `auth.users`.
 */
function triggerStatements(trigger: Trigger): TriggerStatements {
  const sql = [
    `create or replace trigger ${ident(trigger.name)}`,
    `  ${trigger.timing} ${trigger.events.join(" or ")} on ${
      relation(trigger.schema, trigger.table)
    }`,
    `  for each row execute function ${
      relation(trigger.function.schema, trigger.function.name)
    }();`,
  ].join("\n");
  return { name: trigger.name, table: `${trigger.schema}.${trigger.table}`, sql };
}

function schemaStatements(plan: ValidatedPlan): string[] {
  const schemas = [...new Set(plan.functions.map((fn) => fn.schema))].filter((s) => s !== "public");
  return schemas.flatMap((schema) => {
    const roles = [
      ...new Set(
        plan.functions.filter((fn) => fn.schema === schema).flatMap((fn) => fn.executeRoles),
      ),
    ];
    return [
      `create schema if not exists ${ident(schema)};`,
      ...(roles.length > 0
        ? [`grant usage on schema ${ident(schema)} to ${roles.join(", ")};`]
        : []),
    ];
  });
}

/**
 * The schema migration of `plan`. Client roles get no table privileges here (the RLS migration
 * grants them once row-level security is on), so no table is ever reachable without RLS.
 */
export function schemaMigration(
  plan: ValidatedPlan,
  options: SchemaMigrationOptions = {},
): SchemaMigration {
  const tables = tableCreationOrder(plan.tables).map((table) => tableStatements(table, plan));
  const functions = plan.functions.map(functionStatements);
  const triggers = plan.triggers.map(triggerStatements);
  const sections = [
    `-- Schema of the ${plan.template} plan: tables, functions, triggers, server privileges.`,
    schemaStatements(plan).join("\n"),
    ...tables.map((t) => t.sql),
    ...functions.map((f) => f.sql),
    ...triggers.map((t) => t.sql),
    bucketStatements(planStorage(plan)).join("\n"),
  ].filter((section) => section.length > 0);
  return {
    migration: { name: options.name ?? "plan_schema", sql: `${sections.join("\n\n")}\n` },
    tables,
    functions,
    triggers,
  };
}
