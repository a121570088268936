/**
 * @module RPC: choosing the function a call means (by name and argument names, as PostgREST
 * does; PGRST202/203 otherwise) and the SQL calling it with named arguments — from the JSON
 * body through `json_to_recordset` (POST) or from query parameters cast to their declared types
 * (GET) — with filters, order and window on functions returning rows. Pure.
 */
import type { Query } from "../../functions-shared/db/query.ts";
import { ApiError } from "./errors.ts";
import type { ReadNode } from "./read_plan.ts";
import { type BodyShape, bodySql, pagedQuery } from "./read_sql.ts";
import type { CachedFunction, CachedParam, CachedTable, SchemaCache } from "./schema_cache.ts";
import { cacheKey } from "./schema_cache.ts";
import { ident, Params, qualifiedName } from "./sql_text.ts";

/** The input parameters of a function (in, inout, variadic). */
export function inputParams(fn: CachedFunction): CachedParam[] {
  return fn.params.filter((p) => p.mode === "i" || p.mode === "b" || p.mode === "v");
}

const JSON_TYPES = new Set(["json", "jsonb"]);

/** Whether the function takes the whole JSON body as its one unnamed json/jsonb parameter. */
export function takesWholeBody(fn: CachedFunction): boolean {
  const inputs = inputParams(fn);
  return inputs.length === 1 && inputs[0]!.name === "" && JSON_TYPES.has(inputs[0]!.type);
}

/**
 * The overload of `schema.name` accepting exactly these argument names: every one of them is a
 * parameter, and every parameter without a default is among them.
 */
export function findFunction(
  cache: SchemaCache,
  schema: string,
  name: string,
  argNames: readonly string[],
  jsonBody: boolean,
): CachedFunction {
  const overloads = cache.functions.get(cacheKey(schema, name)) ?? [];
  const given = new Set(argNames);
  const matches = overloads.filter((fn) => {
    if (jsonBody && takesWholeBody(fn)) return true;
    const inputs = inputParams(fn);
    if (inputs.some((p) => p.name === "")) return false;
    const required = inputs.slice(0, inputs.length - fn.defaults);
    return [...given].every((a) => inputs.some((p) => p.name === a)) &&
      required.every((p) => given.has(p.name));
  });
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new ApiError(
      300,
      "PGRST203",
      `Could not choose the best candidate function between: ${
        matches.map((fn) =>
          `${fn.schema}.${fn.name}(${
            inputParams(fn).map((p) => `${p.name} => ${p.type}`).join(", ")
          })`
        ).join(", ")
      }`,
      null,
      "Try renaming the parameters or the function itself in the database so function overloading can be resolved",
    );
  }
  const list = [...given].sort().join(", ");
  throw new ApiError(
    404,
    "PGRST202",
    `Could not find the function ${schema}.${name}${
      given.size === 0 ? " without parameters" : `(${list})`
    } in the schema cache`,
    `Searched for the function ${schema}.${name}${
      given.size === 0
        ? " without parameters"
        : ` with parameter${given.size > 1 ? "s" : ""} ${list}`
    }${
      jsonBody ? " or with a single unnamed json/jsonb parameter" : ""
    }, but no matches were found in the schema cache.`,
  );
}

/** The columns of the rows a function returns, as a relation the read plan can use. */
export function resultRelation(fn: CachedFunction, cache: SchemaCache): CachedTable | null {
  if (fn.returnKind !== "composite" || fn.returnColumns === null) return null;
  const [schema, name] = fn.returnType.includes(".")
    ? fn.returnType.split(".", 2) as [string, string]
    : [fn.schema, fn.returnType];
  const table = cache.tables.get(cacheKey(schema.replaceAll('"', ""), name.replaceAll('"', "")));
  if (table) return table;
  return {
    schema: fn.schema,
    name: fn.name,
    kind: "view",
    primaryKey: [],
    columns: fn.returnColumns.map((c) => ({
      name: c,
      type: "",
      nullable: true,
      default: null,
      generated: false,
    })),
  };
}

/** How the arguments are passed. */
export type CallArguments =
  | { readonly kind: "body"; readonly body: Record<string, unknown> }
  | { readonly kind: "whole-body"; readonly bodyText: string }
  | { readonly kind: "query"; readonly args: readonly (readonly [string, string])[] };

/** The FROM items calling the function, aliased `pgrst_call` (scalars: column `pgrst_scalar`). */
function callFrom(fn: CachedFunction, args: CallArguments, params: Params): string {
  const callee = qualifiedName(fn.schema, fn.name);
  const alias = fn.returnKind === "composite" ? "pgrst_call" : "pgrst_call(pgrst_scalar)";
  if (args.kind === "whole-body") {
    const type = inputParams(fn)[0]!.type;
    return `${callee}(${params.add(args.bodyText)}::${type}) ${alias}`;
  }
  if (args.kind === "query") {
    const named = args.args.map(([name, value]) => {
      const param = inputParams(fn).find((p) => p.name === name)!;
      const variadic = param.mode === "v" ? "VARIADIC " : "";
      return `${variadic}${ident(name)} := ${params.add(value)}::${param.type}`;
    });
    return `${callee}(${named.join(", ")}) ${alias}`;
  }
  const used = inputParams(fn).filter((p) => p.name in args.body);
  if (used.length === 0) return `${callee}() ${alias}`;
  const payload = params.add(JSON.stringify([args.body]));
  const names = used.map((p) => ident(p.name));
  const typed = used.map((p) => `${ident(p.name)} ${p.type}`);
  const named = used.map((p) =>
    `${p.mode === "v" ? "VARIADIC " : ""}${ident(p.name)} := pgrst_body.${ident(p.name)}`
  );
  return `(SELECT ${payload}::json AS json_data) pgrst_payload, ` +
    `LATERAL (SELECT ${names.join(", ")} FROM json_to_recordset(pgrst_payload.json_data) ` +
    `AS _(${typed.join(", ")})) pgrst_body, LATERAL ${callee}(${named.join(", ")}) ${alias}`;
}

/** Options of {@linkcode callQuery}. */
export interface CallOptions {
  readonly fn: CachedFunction;
  readonly args: CallArguments;
  /** The read plan over the returned rows (functions returning rows), else null. */
  readonly node: ReadNode | null;
  readonly shape: BodyShape;
  readonly exactCount: boolean;
}

/** The statement calling a function and shaping its result. */
export function callQuery(o: CallOptions): Query {
  const params = new Params();
  const from = callFrom(o.fn, o.args, params);
  if (o.node !== null) {
    const source = `(SELECT pgrst_call.* FROM ${from})`;
    const shape: BodyShape = o.fn.returnsSet ? o.shape : { ...o.shape, shape: "object" };
    return {
      text: pagedQuery(o.node, params, shape, o.exactCount, source),
      values: params.values,
    };
  }
  let body: string;
  if (o.fn.returnKind === "void") body = "null";
  else if (o.fn.returnKind === "composite") {
    body = bodySql(o.fn.returnsSet ? o.shape : { ...o.shape, shape: "object" });
  } else if (o.fn.returnsSet) {
    body = `coalesce(json_agg(_postgrest_t.pgrst_scalar), '[]')::text`;
  } else {
    body = `coalesce((json_agg(_postgrest_t.pgrst_scalar)->0)::text, 'null')`;
  }
  const select = o.fn.returnKind === "composite" ? "pgrst_call.*" : "pgrst_call.pgrst_scalar";
  const text = `WITH pgrst_source AS (SELECT ${select} FROM ${from}) ` +
    `SELECT ${
      o.exactCount ? "pg_catalog.count(_postgrest_t)" : "null::bigint"
    } AS total_result_set, ` +
    `pg_catalog.count(_postgrest_t) AS page_total, ${body} AS body ` +
    "FROM (SELECT * FROM pgrst_source) _postgrest_t";
  return { text, values: params.values };
}
