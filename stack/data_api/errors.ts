/**
 * @module The Data API's errors, shaped as PostgREST's: `{ code, message, details, hint }` with
 * PostgREST's HTTP status for each PGRST code, and Postgres errors mapped from their SQLSTATE
 * the way PostgREST maps them (42501 is 401 for anon and 403 otherwise, 23505 is 409, ...).
 */

/** A PostgREST-shaped error response. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
    readonly hint: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** The JSON body PostgREST sends. */
  body(): { code: string; message: string; details: unknown; hint: string | null } {
    return { code: this.code, message: this.message, details: this.details, hint: this.hint };
  }
}

/** PGRST100: a query parameter could not be parsed. */
export function queryParamError(message: string, details: string): ApiError {
  return new ApiError(400, "PGRST100", message, details);
}

/** PGRST102: the body is not valid JSON of the expected shape. */
export function invalidBody(message: string): ApiError {
  return new ApiError(400, "PGRST102", message);
}

/** PGRST106: a schema that is not exposed was requested. */
export function unacceptableSchema(schema: string, exposed: readonly string[]): ApiError {
  return new ApiError(
    406,
    "PGRST106",
    `Invalid schema: ${schema}`,
    null,
    `Only the following schemas are exposed: ${exposed.join(", ")}`,
  );
}

/** PGRST116: one object was requested but the result has another number of rows. */
export function singularityError(rows: number): ApiError {
  return new ApiError(
    406,
    "PGRST116",
    "Cannot coerce the result to a single JSON object",
    `The result contains ${rows} rows`,
  );
}

/** PGRST204: a column is not in the schema cache. */
export function columnNotFound(relation: string, column: string): ApiError {
  return new ApiError(
    400,
    "PGRST204",
    `Could not find the '${column}' column of '${relation}' in the schema cache`,
  );
}

/** 42703, as Postgres reports it: a selected, filtered or ordered column does not exist. */
export function undefinedColumn(relation: string, column: string): ApiError {
  return new ApiError(400, "42703", `column ${relation}.${column} does not exist`);
}

/** PGRST205: a table or view is not in the schema cache. */
export function tableNotFound(schema: string, name: string): ApiError {
  return new ApiError(
    404,
    "PGRST205",
    `Could not find the table '${schema}.${name}' in the schema cache`,
    null,
    null,
  );
}

/** The subset of a node-postgres error the mapping reads. */
export interface PgErrorFields {
  code?: string;
  message: string;
  detail?: string;
  hint?: string;
}

/**
 * PostgREST's HTTP status for a Postgres error (`mapSQLtoHTTP`): `authenticated` is whether the
 * request's role is other than anon (42501 is then 403 rather than 401).
 */
export function statusForSqlState(code: string, message: string, authenticated: boolean): number {
  if (code.startsWith("08")) return 503;
  if (code.startsWith("09")) return 500;
  if (code.startsWith("0L") || code.startsWith("0P")) return 403;
  switch (code) {
    case "23503":
    case "23505":
      return 409;
    case "25006":
      return 405;
    case "21000":
      return message.endsWith("requires a WHERE clause") ? 400 : 500;
    case "22023":
      return message.startsWith("role") && message.endsWith("does not exist") ? 401 : 400;
    case "53400":
      return 500;
    case "57P01":
      return 503;
    case "P0001":
      return 400;
    case "42883":
      return message.startsWith("function xmlagg(") ? 406 : 404;
    case "42P01":
      return 404;
    case "42P17":
      return 500;
    case "42501":
      return authenticated ? 403 : 401;
  }
  const prefix = code.slice(0, 2);
  if (
    ["25", "2D", "38", "39", "3B", "40", "54", "55", "57", "58", "F0", "HV", "XX"].includes(prefix)
  ) {
    return 500;
  }
  if (prefix === "28") return 403;
  if (prefix === "53") return 503;
  if (prefix === "P0") return 500;
  if (prefix === "PT") {
    const status = Number(code.slice(2));
    return Number.isInteger(status) && status >= 100 && status <= 599 ? status : 500;
  }
  return 400;
}

/** A Postgres error as PostgREST returns it. */
export function fromPgError(error: PgErrorFields, authenticated: boolean): ApiError {
  const code = error.code ?? "PGRSTX00";
  const status = statusForSqlState(code, error.message, authenticated);
  return new ApiError(
    status,
    code,
    error.message,
    error.detail ?? null,
    error.hint ?? null,
    status === 401 ? { "WWW-Authenticate": "Bearer" } : {},
  );
}

/** Whether a thrown value came from the Postgres server (it carries a SQLSTATE). */
export function isPgError(value: unknown): value is PgErrorFields & Error {
  return value instanceof Error && typeof (value as { code?: unknown }).code === "string" &&
    /^[0-9A-Z]{5}$/.test((value as unknown as { code: string }).code);
}
