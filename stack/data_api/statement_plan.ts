/**
 * @module From an HTTP request to the one statement that answers it, and from that statement's
 * result row back to the response PostgREST would send (status, Content-Range, body). Pure:
 * the server module runs the statement in the request's transaction.
 */
import type { Query } from "../../functions-shared/db/query.ts";
import {
  callQuery,
  findFunction,
  inputParams,
  resultRelation,
  takesWholeBody,
} from "./call_sql.ts";
import { ApiError, invalidBody, singularityError } from "./errors.ts";
import {
  deleteQuery,
  insertQuery,
  parseJsonRows,
  type Representation,
  updateQuery,
  writeColumns,
} from "./mutate_sql.ts";
import { appliedPreferences, type Preferences } from "./preferences.ts";
import { parseQueryParams, type QueryParams } from "./query_params.ts";
import { planOnRelation, planRead, type ReadNode, rootAlias } from "./read_plan.ts";
import { type BodyShape, readQuery, type ResultRow } from "./read_sql.ts";
import {
  ALL_ROWS,
  contentRange,
  intersectRanges,
  outOfBounds,
  rangeStatus,
  type RowRange,
} from "./range.ts";
import { findTable, type SchemaCache } from "./schema_cache.ts";

/** What a request asks for, already read from the HTTP layer. */
export interface ApiRequest {
  readonly method: string;
  /** `table` or `rpc/<fn>` below `/rest/v1/`. */
  readonly resource: { readonly kind: "table" | "rpc"; readonly name: string };
  readonly schema: string;
  readonly search: URLSearchParams;
  readonly prefs: Preferences;
  readonly shape: BodyShape;
  /** The `Range` header's window. */
  readonly headerRange: RowRange;
  readonly bodyText: string;
}

/** The statement and what shaping its response needs. */
export interface PlannedStatement {
  readonly query: Query;
  readonly kind: "read" | "insert" | "update" | "delete" | "call";
  /** GET and HEAD run in a read-only transaction (a volatile function writing fails: 405). */
  readonly readOnly: boolean;
  readonly shape: BodyShape;
  readonly offset: number;
  readonly exactCount: boolean;
  /** The body is sent (return=representation, reads, calls). */
  readonly representation: boolean;
  /** Upsert with merge-duplicates: 200 when nothing was inserted. */
  readonly upsertMerge: boolean;
  /** A function returning void: 204. */
  readonly returnsVoid: boolean;
  /** The response is one JSON value, not a list of rows (scalar functions). */
  readonly singleValue: boolean;
}

const TOP: readonly string[] = [];

function topRange(query: QueryParams, headerRange: RowRange): RowRange {
  const params = query.ranges.find((r) => r.path.length === TOP.length)?.range;
  if (!params) return headerRange;
  return intersectRanges(headerRange, { offset: params.offset, limit: params.limit });
}

function representationFor(
  req: ApiRequest,
  query: QueryParams,
  cache: SchemaCache,
): Representation | null {
  if (req.prefs.return !== "representation") return null;
  const node = planRead(cache, req.schema, req.resource.name, {
    ...query,
    filters: query.filters.filter((f) => f.path.length > 0),
    logic: query.logic.filter((l) => l.path.length > 0),
    order: query.order.filter((o) => o.path.length > 0),
  }, ALL_ROWS);
  return { node, shape: req.shape };
}

function noNullEmbedFilters(node: ReadNode): void {
  if (node.nullEmbedFilters.length > 0) {
    throw new ApiError(
      400,
      "PGRST127",
      "Feature not implemented",
      "Filtering on embedded resources is not supported on writes by the local Data API",
    );
  }
}

function planTable(req: ApiRequest, cache: SchemaCache): PlannedStatement {
  const query = parseQueryParams(req.search);
  const exactCount = req.prefs.count !== null;
  const base = {
    shape: req.shape,
    exactCount,
    upsertMerge: false,
    returnsVoid: false,
    singleValue: false,
  };
  switch (req.method) {
    case "GET":
    case "HEAD": {
      const range = topRange(query, req.headerRange);
      const root = planRead(cache, req.schema, req.resource.name, query, range);
      return {
        ...base,
        query: readQuery(root, req.shape, exactCount),
        kind: "read",
        readOnly: true,
        offset: range.offset,
        representation: req.method === "GET",
      };
    }
    case "POST": {
      const table = findTable(cache, req.schema, req.resource.name);
      const body = parseJsonRows(req.bodyText);
      const columns = writeColumns(table, body, query.columns);
      const resolution = req.prefs.resolution;
      let onConflict: { columns: readonly string[]; merge: boolean } | null = null;
      // As in PostgREST, on_conflict only matters with a resolution (what upsert() sends).
      if (resolution !== null) {
        const conflict = query.onConflict ?? [...table.primaryKey];
        if (conflict.length === 0) {
          throw new ApiError(
            400,
            "PGRST100",
            `Cannot upsert into '${table.name}': it has no primary key`,
            null,
            "Pass on_conflict with the columns of a unique constraint.",
          );
        }
        for (const c of conflict) writeColumns(table, { rows: [], array: true }, [c]);
        onConflict = { columns: conflict, merge: resolution === "merge-duplicates" };
      }
      const representation = representationFor(req, query, cache);
      return {
        ...base,
        query: insertQuery({
          table,
          alias: rootAlias(table.name),
          columns,
          body,
          applyDefaults: req.prefs.missing === "default",
          onConflict,
          representation,
        }),
        kind: "insert",
        readOnly: false,
        offset: 0,
        representation: representation !== null,
        upsertMerge: onConflict?.merge === true,
      };
    }
    case "PATCH": {
      const body = parseJsonRows(req.bodyText);
      if (body.array) throw invalidBody("A PATCH body must be a single JSON object");
      const target = planRead(cache, req.schema, req.resource.name, {
        ...query,
        select: [{ kind: "star" }],
      }, ALL_ROWS);
      noNullEmbedFilters(target);
      const columns = writeColumns(target.table, body, query.columns);
      const representation = representationFor(req, query, cache);
      return {
        ...base,
        query: updateQuery({
          target,
          columns,
          body: body.rows[0] ?? {},
          applyDefaults: req.prefs.missing === "default",
          representation,
        }),
        kind: "update",
        readOnly: false,
        offset: 0,
        representation: representation !== null,
      };
    }
    case "DELETE": {
      const target = planRead(cache, req.schema, req.resource.name, {
        ...query,
        select: [{ kind: "star" }],
      }, ALL_ROWS);
      noNullEmbedFilters(target);
      const representation = representationFor(req, query, cache);
      return {
        ...base,
        query: deleteQuery(target, representation),
        kind: "delete",
        readOnly: false,
        offset: 0,
        representation: representation !== null,
      };
    }
    default:
      throw new ApiError(405, "PGRST117", `Unsupported HTTP method: ${req.method}`);
  }
}

function planCall(req: ApiRequest, cache: SchemaCache): PlannedStatement {
  const read = req.method === "GET" || req.method === "HEAD";
  if (!read && req.method !== "POST") {
    throw new ApiError(405, "PGRST101", `Cannot use the ${req.method} method on RPC`);
  }
  const overloads = cache.functions.get(`${req.schema}.${req.resource.name}`) ?? [];
  const argNames = new Set(overloads.flatMap((fn) => inputParams(fn).map((p) => p.name)));
  const query = parseQueryParams(req.search, { rpcRead: read, rpcArgNames: argNames });
  let body: Record<string, unknown> = {};
  let bodyIsObject = true;
  if (!read && req.bodyText.trim() !== "") {
    try {
      const parsed = JSON.parse(req.bodyText);
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) body = parsed;
      else bodyIsObject = false;
    } catch (e) {
      throw invalidBody(`Empty or invalid json: ${(e as Error).message}`);
    }
  }
  const names = read ? query.rpcArgs.map(([k]) => k) : Object.keys(body);
  const fn = findFunction(cache, req.schema, req.resource.name, names, !read);
  if (!bodyIsObject && !takesWholeBody(fn)) {
    throw invalidBody("An RPC body must be a JSON object of named arguments");
  }
  const args = read
    ? { kind: "query" as const, args: query.rpcArgs }
    : takesWholeBody(fn)
    ? { kind: "whole-body" as const, bodyText: req.bodyText.trim() === "" ? "{}" : req.bodyText }
    : { kind: "body" as const, body };
  const relation = resultRelation(fn, cache);
  const range = topRange(query, req.headerRange);
  const node = relation === null
    ? null
    : planOnRelation(cache, relation, rootAlias(relation.name), query, range);
  if (node === null && (query.filters.length > 0 || query.order.length > 0)) {
    throw new ApiError(
      400,
      "PGRST100",
      `Cannot filter or order the result of ${fn.schema}.${fn.name}: it does not return rows`,
    );
  }
  const exactCount = req.prefs.count !== null;
  return {
    query: callQuery({ fn, args, node, shape: req.shape, exactCount }),
    kind: "call",
    readOnly: read,
    shape: req.shape,
    offset: node === null ? 0 : range.offset,
    exactCount,
    representation: req.method !== "HEAD",
    upsertMerge: false,
    returnsVoid: fn.returnKind === "void",
    singleValue: fn.returnKind === "scalar" || !fn.returnsSet,
  };
}

/** The statement answering a request. */
export function planStatement(req: ApiRequest, cache: SchemaCache): PlannedStatement {
  return req.resource.kind === "rpc" ? planCall(req, cache) : planTable(req, cache);
}

/** A response before it becomes an HTTP Response. */
export interface ApiResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string | null;
  /** The transaction must be rolled back (a singular-object or max-affected violation). */
  readonly rollback: boolean;
}

const JSON_TYPE = "application/json; charset=utf-8";
const OBJECT_TYPE = "application/vnd.pgrst.object+json; charset=utf-8";

/** Shapes the statement's result into PostgREST's response. */
export function responseFor(
  plan: PlannedStatement,
  row: ResultRow,
  prefs: Preferences,
): ApiResponse {
  const pageTotal = Number(row.page_total);
  const total = row.total_result_set === null || row.total_result_set === ""
    ? null
    : Number(row.total_result_set);
  const contentType = plan.shape.shape === "object" && !plan.singleValue ? OBJECT_TYPE : JSON_TYPE;
  const headers: Record<string, string> = {};
  const mutation = plan.kind === "insert" || plan.kind === "update" || plan.kind === "delete";
  if (
    plan.shape.shape === "object" && !plan.singleValue && pageTotal !== 1 &&
    !(mutation && !plan.representation)
  ) {
    const error = singularityError(pageTotal);
    return {
      status: error.status,
      headers: { "content-type": JSON_TYPE },
      body: JSON.stringify(error.body()),
      rollback: true,
    };
  }
  if (
    prefs.handling === "strict" && prefs.maxAffected !== null && pageTotal > prefs.maxAffected &&
    (plan.kind === "update" || plan.kind === "delete" || plan.kind === "call")
  ) {
    const error = new ApiError(
      400,
      "PGRST124",
      "Query result exceeds max-affected preference constraint",
      `The query affects ${pageTotal} rows`,
    );
    return {
      status: 400,
      headers: { "content-type": JSON_TYPE },
      body: JSON.stringify(error.body()),
      rollback: true,
    };
  }
  const applied = appliedPreferences(
    prefs,
    mutation ? ["return", "count", "resolution", "missing", "tx"] : ["count", "tx"],
  );
  if (applied !== null) headers["preference-applied"] = applied;

  if (plan.kind === "read" || plan.kind === "call") {
    if (plan.kind === "call" && plan.returnsVoid) {
      return { status: 204, headers, body: null, rollback: false };
    }
    const status = rangeStatus(plan.offset, pageTotal, total);
    if (status === 416) {
      const error = outOfBounds(plan.offset, total ?? 0);
      return {
        status,
        headers: {
          "content-type": JSON_TYPE,
          "content-range": contentRange(plan.offset, 0, total),
        },
        body: JSON.stringify(error.body()),
        rollback: false,
      };
    }
    headers["content-range"] = contentRange(plan.offset, pageTotal, total);
    headers["content-type"] = contentType;
    return {
      status,
      headers,
      body: plan.representation
        ? (row.body ?? (plan.shape.shape === "object" ? "null" : "[]"))
        : null,
      rollback: false,
    };
  }
  const countTotal = plan.exactCount ? pageTotal : null;
  if (plan.kind === "update") {
    headers["content-range"] = pageTotal > 0
      ? `0-${pageTotal - 1}/${countTotal ?? "*"}`
      : `*/${countTotal ?? "*"}`;
  } else headers["content-range"] = `*/${countTotal ?? "*"}`;
  let status: number;
  if (plan.kind === "insert") {
    const inserted = row.response_inserted === null || row.response_inserted === undefined
      ? null
      : Number(row.response_inserted);
    status = plan.upsertMerge && inserted !== null && inserted <= 0 ? 200 : 201;
    if (!plan.representation && status === 200 && plan.upsertMerge) status = 200;
  } else status = plan.representation ? 200 : 204;
  if (!plan.representation) {
    return { status: plan.kind === "insert" ? status : 204, headers, body: null, rollback: false };
  }
  headers["content-type"] = contentType;
  return {
    status,
    headers,
    body: row.body ?? (plan.shape.shape === "object" ? "null" : "[]"),
    rollback: false,
  };
}
