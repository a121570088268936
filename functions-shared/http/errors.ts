/** @module HTTP errors that handlers throw and the app's single error handler renders. */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { UnauthenticatedError } from "../auth/identity.ts";

/** An error with an HTTP status and a message safe to show the caller. */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly details?: unknown,
    /** Response headers, e.g. `Retry-After` on a 429. */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}

/** The one error handler of every app: typed errors become their response, the rest a 500. */
export function renderError(err: Error, c: Context): Response {
  if (err instanceof HttpError) {
    return c.json(
      { error: err.message, ...(err.details === undefined ? {} : { details: err.details }) },
      err.status,
      err.headers ? { ...err.headers } : undefined,
    );
  }
  if (err instanceof UnauthenticatedError) return c.json({ error: err.message }, 401);
  const id = crypto.randomUUID();
  console.error(`[${id}] ${err.stack ?? err.message}`);
  return c.json({ error: "Internal error", id }, 500);
}
