/**
 * @module Reads a Supabase MCP server's tool results: the JSON text it sends, its error shape
 * (`{ error: { name, message } }` with `isError`), and the `<untrusted-data-…>` envelope
 * `execute_sql` wraps rows in, which is unwrapped into the rows themselves.
 */

/** The part of an MCP `tools/call` result this module reads. */
export interface RawToolResult {
  content?: unknown;
  isError?: boolean;
  structuredContent?: unknown;
}

/** A tool result as data, or the tool's error message. */
export type ParsedToolResult =
  | { ok: true; data: unknown }
  | { ok: false; error: string };

function textOf(result: RawToolResult): string {
  if (!Array.isArray(result.content)) return "";
  return result.content
    .filter((c): c is { type: "text"; text: string } =>
      typeof c === "object" && c !== null && (c as { type?: unknown }).type === "text" &&
      typeof (c as { text?: unknown }).text === "string"
    )
    .map((c) => c.text)
    .join("\n");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The block itself: its opening tag alone on a line (the tag is also named in the sentence
 * before it), then one line of JSON (JSON.stringify escapes every newline), then the closing tag.
 */
const UNTRUSTED = /<untrusted-data-([0-9a-f-]+)>\r?\n([^\n]*)\r?\n<\/untrusted-data-\1>/;

/** Extracts the JSON between `<untrusted-data-…>` boundaries; the text itself when absent. */
export function unwrapUntrustedData(text: string): unknown {
  const m = text.match(UNTRUSTED);
  if (!m) return parseJson(text);
  try {
    return JSON.parse(m[2]!);
  } catch {
    throw new Error("Cannot read the SQL result: the untrusted-data block is not JSON");
  }
}

function errorMessage(payload: unknown, text: string): string {
  if (payload && typeof payload === "object" && "error" in payload) {
    const error = (payload as { error: unknown }).error;
    if (error && typeof error === "object" && "message" in error) {
      return String((error as { message: unknown }).message);
    }
    if (typeof error === "string") return error;
  }
  return text || "The tool failed without a message";
}

/** Tools whose result the server wraps in an untrusted-data envelope. */
const WRAPPED_TOOLS = new Set(["execute_sql", "get_logs", "query_logs"]);

/**
 * Parses a tool's result. `execute_sql` yields its rows, `get_logs` the platform's logs result
 * (the server's `{ result: "<wrapped>" }` unwrapped); every other tool its JSON value.
 */
export function parseToolResult(tool: string, result: RawToolResult): ParsedToolResult {
  const text = textOf(result);
  const payload = result.structuredContent ?? (text ? parseJson(text) : null);
  if (result.isError) return { ok: false, error: errorMessage(payload, text) };
  if (WRAPPED_TOOLS.has(tool) && payload && typeof payload === "object" && "result" in payload) {
    const inner = (payload as { result: unknown }).result;
    return { ok: true, data: typeof inner === "string" ? unwrapUntrustedData(inner) : inner };
  }
  return { ok: true, data: payload };
}
