/**
 * @module Reading a JSON request body strictly: declared as JSON, valid UTF-8, valid JSON.
 * Anything else is a 4xx that says what to send instead, before any handler logic runs.
 */
import type { Context } from "hono";
import { HttpError } from "./errors.ts";

/** `application/json`, with or without parameters, or a `+json` type. */
export function isJsonContentType(header: string | undefined): boolean {
  const type = header?.split(";")[0]?.trim().toLowerCase() ?? "";
  return type === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/** Parses JSON from raw bytes; throws an HttpError naming what is wrong. */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new HttpError(400, "Request body must be UTF-8 text", { "(body)": ["is not UTF-8"] });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "Request body must be valid JSON", { "(body)": ["is not JSON"] });
  }
}

/** The request's JSON body; 415 unless it is declared JSON, 400 unless it is UTF-8 JSON. */
export async function readJsonBody(c: Context): Promise<unknown> {
  if (!isJsonContentType(c.req.header("content-type"))) {
    throw new HttpError(
      415,
      "Send the body as JSON with the header Content-Type: application/json",
    );
  }
  return parseJsonBytes(new Uint8Array(await c.req.arrayBuffer()));
}
