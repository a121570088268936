/**
 * @module Turns a raw MCP tool-call function into a {@link McpToolClient}: every call is timed
 * and yields a redacted {@link ToolCallRecord}, its result parsed into data, a failure thrown
 * as a {@link ToolCallError} carrying its record. Function files sent to `deploy_edge_function`
 * are recorded as their names, SHA-256 hashes and sizes, never their contents.
 */
import { sha256Hex } from "../auth/digest.ts";
import { redact } from "../redact.ts";
import { parseToolResult, type RawToolResult } from "./tool_result.ts";
import {
  type McpToolClient,
  ToolCallError,
  type ToolCallRecord,
  type ToolResult,
} from "./types.ts";

/** Sends one `tools/call` and resolves with the server's raw result. */
export type CallTool = (tool: string, args: Record<string, unknown>) => Promise<RawToolResult>;

/** Options every MCP client accepts. */
export interface RecordingOptions {
  /**
   * Called with each call's record (successful or not) as the call finishes, e.g. to write it
   * to the audit log; when it returns a promise the call's result waits for it, and a failure
   * to record a successful call fails the call.
   */
  onRecord?: (record: ToolCallRecord) => unknown;
  /** Extra secret values to redact from records (see {@link redact}). */
  secrets?: readonly string[];
}

const MAX_SUMMARY = 200;

function count(value: unknown, noun: string, plural = `${noun}s`): string {
  const n = Array.isArray(value) ? value.length : 0;
  return `${n} ${n === 1 ? noun : plural}`;
}

function clip(text: string): string {
  return text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY)}…` : text;
}

function field(data: unknown, key: string): unknown {
  return data && typeof data === "object" ? (data as Record<string, unknown>)[key] : undefined;
}

/** A short description of a tool's result: counts, refs, statuses, versions — never values. */
export function summarizeResult(tool: string, data: unknown): string {
  switch (tool) {
    case "execute_sql":
      return count(data, "row");
    case "list_tables":
      return count(field(data, "tables"), "table");
    case "list_extensions":
      return count(field(data, "extensions"), "extension");
    case "list_migrations": {
      const migrations = field(data, "migrations");
      const last = Array.isArray(migrations) ? field(migrations.at(-1), "name") : undefined;
      return `${count(migrations, "migration")}${last ? `, last ${last}` : ""}`;
    }
    case "list_branches": {
      const branches = field(data, "branches");
      const each = Array.isArray(branches)
        ? branches.map((b) => `${field(b, "name")} ${field(b, "status")}`).join(", ")
        : "";
      return clip(`${count(branches, "branch", "branches")}${each ? `: ${each}` : ""}`);
    }
    case "list_projects":
      return count(field(data, "projects"), "project");
    case "list_organizations":
      return count(field(data, "organizations"), "organization");
    case "list_edge_functions":
      return count(field(data, "functions"), "function");
    case "get_publishable_keys":
      return count(field(data, "keys"), "key");
    case "get_project_url":
      return String(field(data, "url") ?? "");
    case "get_cost":
      return `${field(data, "amount")} ${field(data, "recurrence")} (${field(data, "type")})`;
    case "confirm_cost":
      return "cost confirmed";
    case "create_branch":
      return `branch ${field(data, "name")} (${field(data, "project_ref")}) ${
        field(data, "status")
      }`;
    case "create_project":
    case "get_project":
      return `project ${field(data, "name")} (${field(data, "ref")}) ${field(data, "status")}`;
    case "deploy_edge_function":
    case "get_edge_function":
      return `${field(data, "slug")} version ${field(data, "version")}`;
    case "generate_typescript_types":
      return `${String(field(data, "types") ?? "").length} characters of types`;
    case "get_logs":
    case "query_logs":
      return count(field(data, "result"), "log entry", "log entries");
    case "get_advisors": {
      const lints = field(field(data, "result"), "lints");
      const each = Array.isArray(lints)
        ? lints.map((l) => `${field(l, "name")}×${field(l, "count") ?? 1}`).join(", ")
        : "";
      return clip(`${count(lints, "advisor")}${each ? `: ${each}` : ""}`);
    }
    default:
      if (field(data, "success") === true) return "success";
      return clip(JSON.stringify(data) ?? "");
  }
}

/** The identifiers a call created (see `ToolCallRecord.result_ids`); undefined for others. */
export function resultIds(
  tool: string,
  data: unknown,
): Record<string, string | number> | undefined {
  const pick = (...keys: string[]) => {
    const out: Record<string, string | number> = {};
    for (const k of keys) {
      const v = field(data, k);
      if (typeof v === "string" || typeof v === "number") out[k] = v;
    }
    return Object.keys(out).length ? out : undefined;
  };
  switch (tool) {
    case "create_branch":
      return pick("id", "project_ref");
    case "create_project":
      return pick("ref");
    case "deploy_edge_function":
      return pick("slug", "version");
    default:
      return undefined;
  }
}

/** A function file as recorded: what identifies it, not its content. */
export interface RecordedFile {
  name: string;
  sha256: string;
  /** Bytes (UTF-8). */
  size: number;
}

const encoder = new TextEncoder();

/** The arguments as recorded: `deploy_edge_function` files become hashes and sizes. */
export async function recordedArguments(
  tool: string,
  args: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  if (tool !== "deploy_edge_function" || !Array.isArray(args.files)) return args;
  const files = await Promise.all(
    (args.files as unknown[]).map(async (f): Promise<unknown> => {
      const file = f as { name?: unknown; content?: unknown };
      if (typeof file?.content !== "string") return f;
      const recorded: RecordedFile = {
        name: String(file.name ?? ""),
        sha256: await sha256Hex(file.content),
        size: encoder.encode(file.content).length,
      };
      return recorded;
    }),
  );
  return { ...args, files };
}

/** Wraps a raw call function so every call produces a redacted record. */
export function recordedToolClient(
  call: CallTool,
  close: () => Promise<void>,
  opts: RecordingOptions = {},
): McpToolClient {
  const secrets = opts.secrets ?? [];
  return {
    async callTool<T>(tool: string, args: Record<string, unknown>): Promise<ToolResult<T>> {
      const startedAt = new Date();
      const t0 = performance.now();
      let parsed: ReturnType<typeof parseToolResult>;
      try {
        parsed = parseToolResult(tool, await call(tool, args));
      } catch (e) {
        parsed = { ok: false, error: e instanceof Error ? e.message : String(e) };
      }
      const base = {
        tool,
        arguments: redact(await recordedArguments(tool, args), { secrets }),
        duration_ms: Math.round(performance.now() - t0),
        started_at: startedAt.toISOString(),
      };
      if (!parsed.ok) {
        const error = redact(parsed.error, { secrets });
        const record: ToolCallRecord = { ...base, ok: false, result_summary: "failed", error };
        try {
          await opts.onRecord?.(record);
        } catch (e) {
          console.error(`[mcp] ${redact((e as Error).message, { secrets })}`);
        }
        throw new ToolCallError(`Tool ${tool} failed: ${error}`, record);
      }
      const ids = resultIds(tool, parsed.data);
      const record: ToolCallRecord = {
        ...base,
        ok: true,
        result_summary: redact(summarizeResult(tool, parsed.data), { secrets }),
        ...(ids ? { result_ids: redact(ids, { secrets }) } : {}),
      };
      await opts.onRecord?.(record);
      return { data: parsed.data as T, record };
    },
    close,
  };
}
