/**
 * @module The contract between the build pipeline and the MCP client: every provisioning
 * action is a tool call of the official Supabase MCP server, and every call yields a redacted,
 * replayable record for `build_events.payload.tool_calls[]`.
 */

/** One MCP tool call as recorded in `build_events.payload.tool_calls[]` (secrets redacted). */
export interface ToolCallRecord {
  /** Tool name, e.g. `create_branch`. */
  tool: string;
  /** The arguments sent, redacted; complete enough to replay the call. */
  arguments: Record<string, unknown>;
  ok: boolean;
  /** A short, redacted summary of the result (row counts, refs, versions — never secrets). */
  result_summary: string;
  /** The error message (redacted) when `ok` is false. */
  error?: string;
  duration_ms: number;
  /** ISO timestamp of when the call started. */
  started_at: string;
  /**
   * Identifiers the call created, never secrets: `create_branch` → `{ id, project_ref }`,
   * `create_project` → `{ ref }`, `deploy_edge_function` → `{ slug, version }`. Replay maps
   * them to the ones its own calls create.
   */
  result_ids?: Record<string, string | number>;
}

/** A successful call: the tool's result as data, and its record. */
export interface ToolResult<T> {
  data: T;
  record: ToolCallRecord;
}

/** A failed tool call; carries the record so the failure is logged like any other call. */
export class ToolCallError extends Error {
  override name = "ToolCallError";
  constructor(message: string, readonly record: ToolCallRecord) {
    super(message);
  }
}

/**
 * A connected MCP client. `execute_sql` results come back as the rows (not the server's
 * wrapped text); other tools return their parsed JSON result.
 */
export interface McpToolClient {
  callTool<T = unknown>(tool: string, args: Record<string, unknown>): Promise<ToolResult<T>>;
  close(): Promise<void>;
}
