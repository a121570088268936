/**
 * @module The local Data API (`/rest/v1`), PostgREST's stand-in: checks the `apikey` as the
 * hosted gateway does, verifies the JWT with the project's secret, then answers each request
 * with one statement in its own transaction as the JWT's role, with `request.jwt.claims` (and
 * the request's method, path and headers) set, so grants and row-level security decide.
 */
import { InvalidTokenError, type JwtClaims } from "../../functions-shared/auth/jwt.ts";
import { verifyToken } from "./token_cache.ts";
import type { DatabasePools } from "./database_pools.ts";
import { ApiError, fromPgError, isPgError, unacceptableSchema } from "./errors.ts";
import { parsePreferences } from "./preferences.ts";
import { AggregateNotAllowed } from "./query_params.ts";
import { rangeFromHeader } from "./range.ts";
import type { BodyShape, ResultRow } from "./read_sql.ts";
import {
  buildSchemaCache,
  type RawSchemaCache,
  type SchemaCache,
  schemaCacheQuery,
} from "./schema_cache.ts";
import { type ApiRequest, planStatement, responseFor } from "./statement_plan.ts";

/** The project a request is for. */
export interface ProjectTarget {
  /** Its database in the cluster. */
  readonly database: string;
  /** Verifies its JWTs (and its API keys, which are JWTs). */
  readonly jwtSecret: string;
}

/** The schemas the Data API exposes (hosted's default). */
export const EXPOSED_SCHEMAS: readonly string[] = ["public", "graphql_public"];

/** CORS headers every answer carries, as the hosted gateway sends them. */
export const CORS_HEADERS: Record<string, string> = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "Content-Range, Content-Location, Preference-Applied, " +
    "X-Supabase-Api-Version",
};

/** The answer to a browser's preflight request. */
export function preflight(req: Request): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...CORS_HEADERS,
      "access-control-allow-methods": "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
      "access-control-allow-headers": req.headers.get("access-control-request-headers") ??
        "authorization, x-client-info, apikey, content-type, prefer, range, accept-profile, " +
          "content-profile, x-supabase-api-version",
      "access-control-max-age": "3600",
    },
  });
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...CORS_HEADERS, "content-type": "application/json; charset=utf-8", ...headers },
  });
}

function errorResponse(error: ApiError): Response {
  return json(error.status, error.body(), error.headers);
}

/** The caller, as the gateway authenticated them. */
export interface Caller {
  readonly role: string;
  readonly claims: JwtClaims;
}

/**
 * Checks the `apikey` (header or query parameter) is one of the project's keys — a JWT signed
 * with its secret whose role is anon or service_role — and answers 401 as hosted does if not.
 */
export async function checkApiKey(req: Request, jwtSecret: string): Promise<Response | null> {
  const apikey = req.headers.get("apikey") ?? new URL(req.url).searchParams.get("apikey");
  if (!apikey) {
    return json(401, {
      message: "No API key found in request",
      hint: "No `apikey` request header or url param was found.",
    });
  }
  try {
    const keyClaims = await verifyToken(apikey, jwtSecret);
    if (keyClaims.role === "anon" || keyClaims.role === "service_role") return null;
  } catch {
    // not a key of this project
  }
  return json(401, {
    message: "Invalid API key",
    hint: "Double check your Supabase `anon` or `service_role` API key.",
  });
}

/**
 * Checks the apikey, then returns the verified JWT of the request (`Authorization: Bearer`,
 * else the apikey itself), or PostgREST's 401.
 */
export async function authenticate(
  req: Request,
  jwtSecret: string,
): Promise<Caller | Response> {
  const rejected = await checkApiKey(req, jwtSecret);
  if (rejected) return rejected;
  const apikey = req.headers.get("apikey") ?? new URL(req.url).searchParams.get("apikey") ?? "";
  const header = req.headers.get("authorization");
  const bearer = header?.match(/^Bearer\s+(.*)$/i)?.[1]?.trim();
  const token = bearer ?? apikey;
  if (token === "") {
    return errorResponse(
      new ApiError(401, "PGRST301", "Empty JWT is sent in Authorization header", null, null, {
        "WWW-Authenticate": "Bearer",
      }),
    );
  }
  try {
    const claims = await verifyToken(token, jwtSecret);
    const role = typeof claims.role === "string" && claims.role !== "" ? claims.role : "anon";
    return { role, claims };
  } catch (e) {
    if (!(e instanceof InvalidTokenError)) throw e;
    const expired = e.message === "Token has expired";
    const error = expired
      ? new ApiError(401, "PGRST303", "JWT expired")
      : new ApiError(401, "PGRST301", "JWT cryptographic operation failed");
    return errorResponse(
      new ApiError(error.status, error.code, error.message, null, null, {
        "WWW-Authenticate": `Bearer error="invalid_token", error_description="${error.message}"`,
      }),
    );
  }
}

function bodyShape(accept: string | null): BodyShape {
  const value = (accept ?? "").toLowerCase();
  const stripped = /nulls=stripped/.test(value);
  if (value.includes("application/vnd.pgrst.object")) {
    return { shape: "object", stripNulls: stripped };
  }
  if (
    value === "" || value.includes("application/json") || value.includes("*/*") ||
    value.includes("application/vnd.pgrst.array")
  ) {
    return { shape: "array", stripNulls: stripped };
  }
  throw new ApiError(
    406,
    "PGRST107",
    `None of these media types are available: ${accept}`,
  );
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

async function readBody(req: Request): Promise<string> {
  if (req.method === "GET" || req.method === "HEAD" || !req.body) return "";
  const type = (req.headers.get("content-type") ?? "application/json").toLowerCase();
  if (!type.includes("json") && req.method !== "DELETE") {
    throw new ApiError(
      415,
      "PGRST102",
      `Content-Type ${type} is not supported: send application/json`,
    );
  }
  const buf = await req.arrayBuffer();
  if (buf.byteLength > MAX_BODY_BYTES) {
    throw new ApiError(413, "PGRST102", "Request body too large");
  }
  return new TextDecoder().decode(buf);
}

/** Options of {@linkcode createDataApi}. */
export interface DataApiOptions {
  readonly pools: DatabasePools;
}

/** The Data API over the cluster's databases. */
export interface DataApi {
  /** Answers `req`, whose path below `/rest/v1` is `path` (starting with `/`). */
  handle(req: Request, target: ProjectTarget, path: string): Promise<Response>;
}

const HEADER_SKIP = new Set(["authorization", "apikey", "cookie"]);

export function createDataApi(opts: DataApiOptions): DataApi {
  const caches = new Map<string, SchemaCache>();
  const loading = new Map<string, Promise<SchemaCache>>();

  async function loadCache(database: string): Promise<SchemaCache> {
    let pending = loading.get(database);
    if (!pending) {
      pending = (async () => {
        const pool = opts.pools.get(database, "authenticator");
        const q = schemaCacheQuery(EXPOSED_SCHEMAS);
        const r = await pool.query<{ cache: RawSchemaCache }>(q.text, q.values);
        const cache = buildSchemaCache(r.rows[0]!.cache, EXPOSED_SCHEMAS);
        caches.set(database, cache);
        return cache;
      })().finally(() => loading.delete(database));
      loading.set(database, pending);
    }
    return await pending;
  }

  /** Runs the request in one transaction; reloads the cache and retries once if it was stale. */
  async function execute(
    req: Request,
    target: ProjectTarget,
    caller: Caller,
    apiRequest: Omit<ApiRequest, "schema">,
    schema: string,
    path: string,
  ): Promise<Response> {
    const pool = opts.pools.get(target.database, "authenticator");
    let cache = caches.get(target.database) ?? await loadCache(target.database);
    for (let attempt = 0;; attempt++) {
      if (!cache.schemas.includes(schema)) throw unacceptableSchema(schema, cache.schemas);
      const plan = planStatement({ ...apiRequest, schema }, cache);
      const client = await pool.connect();
      let broken = false;
      let stale = false;
      try {
        await client.query(plan.readOnly ? "BEGIN READ ONLY" : "BEGIN");
        const timeout = cache.statementTimeouts.get(caller.role) ?? null;
        const settings = await client.query<{ version: string }>(
          transactionSettingsSql(timeout),
          transactionSettingsValues(req, caller, path, timeout ?? undefined),
        );
        if (settings.rows[0]?.version !== cache.version && attempt === 0) {
          stale = true;
          await client.query("ROLLBACK");
        } else {
          const result = await client.query<ResultRow>(plan.query.text, plan.query.values);
          const response = responseFor(plan, result.rows[0]!, apiRequest.prefs);
          const rollback = response.rollback || apiRequest.prefs.tx === "rollback";
          const end = client.query(rollback ? "ROLLBACK" : "COMMIT");
          // A read-only transaction has nothing to commit: answer now; the connection runs the
          // COMMIT before any later query it is given (node-postgres queues them in order).
          if (plan.readOnly) end.catch(() => {});
          else await end;
          return new Response(req.method === "HEAD" ? null : response.body, {
            status: response.status,
            headers: { ...CORS_HEADERS, ...response.headers },
          });
        }
      } catch (e) {
        await client.query("ROLLBACK").catch(() => {
          broken = true;
        });
        if (isPgError(e)) throw fromPgError(e, caller.role !== "anon");
        broken = true;
        throw e;
      } finally {
        client.release(broken);
      }
      if (stale) cache = await loadCache(target.database);
    }
  }

  return {
    async handle(req, target, path) {
      if (req.method === "OPTIONS") {
        if (req.headers.has("access-control-request-method")) return preflight(req);
        return new Response(null, {
          status: 200,
          headers: { ...CORS_HEADERS, allow: "OPTIONS,GET,HEAD,POST,PATCH,DELETE" },
        });
      }
      const caller = await authenticate(req, target.jwtSecret);
      if (caller instanceof Response) return caller;
      try {
        const url = new URL(req.url);
        const segments = path.replace(/^\/+/, "").split("/").map(decodeURIComponent);
        let resource: ApiRequest["resource"];
        if (segments.length === 1 && segments[0] !== "") {
          resource = { kind: "table", name: segments[0]! };
        } else if (segments.length === 2 && segments[0] === "rpc" && segments[1] !== "") {
          resource = { kind: "rpc", name: segments[1]! };
        } else if (segments.length === 1) {
          throw new ApiError(404, "PGRST126", "Root endpoint metadata is disabled");
        } else throw new ApiError(404, "PGRST125", "Invalid path specified in request URL");
        const read = req.method === "GET" || req.method === "HEAD";
        const profile = req.headers.get(read ? "accept-profile" : "content-profile");
        const schema = profile ?? EXPOSED_SCHEMAS[0]!;
        const apiRequest = {
          method: req.method,
          resource,
          search: url.searchParams,
          prefs: parsePreferences(req.headers.get("prefer")),
          shape: bodyShape(req.headers.get("accept")),
          headerRange: read
            ? rangeFromHeader(req.headers.get("range"))
            : { offset: 0, limit: null },
          bodyText: await readBody(req),
        };
        return await execute(req, target, caller, apiRequest, schema, path);
      } catch (e) {
        if (e instanceof ApiError) return errorResponse(e);
        if (e instanceof AggregateNotAllowed) {
          return errorResponse(
            new ApiError(400, "PGRST123", "Use of aggregate functions is not allowed"),
          );
        }
        if (isPgError(e)) return errorResponse(fromPgError(e, caller.role !== "anon"));
        const message = e instanceof Error ? e.message : String(e);
        if (/does not exist|ECONNREFUSED|ENOENT|terminating connection/.test(message)) {
          return errorResponse(new ApiError(503, "PGRST000", "Database connection error."));
        }
        console.error(`Data API: ${message}`);
        return errorResponse(new ApiError(500, "PGRSTX00", "Internal error of the local Data API"));
      }
    },
  };
}

/**
 * The statement opening a request's transaction: the schema version (read first, as
 * authenticator), then the role, the JWT claims and the request's method, path and headers.
 */
export function transactionSettingsSql(statementTimeout: string | null): string {
  return "WITH v AS MATERIALIZED (SELECT version::text AS version FROM supabase_compat.schema_version) " +
    "SELECT v.version, set_config('role', $1, true), set_config('request.jwt.claims', $2, true), " +
    "set_config('request.method', $3, true), set_config('request.path', $4, true), " +
    "set_config('request.headers', $5, true)" +
    (statementTimeout === null ? "" : ", set_config('statement_timeout', $6, true)") + " FROM v";
}

/** The values of {@linkcode transactionSettingsSql}. */
export function transactionSettingsValues(
  req: Request,
  caller: Caller,
  path: string,
  statementTimeout: string | undefined,
): unknown[] {
  const headers: Record<string, string> = {};
  req.headers.forEach((value, name) => {
    if (!HEADER_SKIP.has(name)) headers[name] = value;
  });
  const values: unknown[] = [
    caller.role,
    JSON.stringify(caller.claims),
    req.method,
    path,
    JSON.stringify(headers),
  ];
  if (statementTimeout !== undefined) values.push(statementTimeout);
  return values;
}
