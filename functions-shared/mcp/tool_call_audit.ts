/**
 * @module The append-only audit log of MCP tool calls (`public.mcp_tool_calls`): each call's
 * redacted record is written, autocommit, as soon as the call finishes — outside any step
 * transaction, so the calls of an attempt that crashes or is killed stay recorded. The worker
 * and the drift sentinel write here; events still carry their calls in `payload.tool_calls[]`.
 */
import type { Query, Queryable } from "../db/query.ts";
import type { ToolCallRecord } from "./types.ts";

/** Who made a call, for the log. */
export interface ToolCallContext {
  sessionId: string;
  source: "worker" | "sentinel";
  /** The graph node (worker). */
  node?: string;
  /** The node's attempt (worker). */
  attempt?: number;
  /** The invocation (worker step or sentinel pass) that made the call. */
  invocation?: string;
}

/** Receives each call's record as the call finishes. */
export type ToolCallSink = (record: ToolCallRecord) => Promise<void>;

export function insertToolCall(context: ToolCallContext, record: ToolCallRecord): Query {
  return {
    text: `insert into public.mcp_tool_calls
             (session_id, source, node, attempt, invocation, tool, ok, record)
           values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
    values: [
      context.sessionId,
      context.source,
      context.node ?? null,
      context.attempt ?? null,
      context.invocation ?? null,
      record.tool,
      record.ok,
      JSON.stringify(record),
    ],
  };
}

/** The ref and branch id of the environment this session's worker created last, if any. */
export function selectCreatedEnvironment(sessionId: string): Query {
  return {
    text: `select record -> 'result_ids' as ids from public.mcp_tool_calls
            where session_id = $1 and source = 'worker' and ok
              and tool in ('create_branch', 'create_project')
            order by id desc limit 1`,
    values: [sessionId],
  };
}

/**
 * A sink writing to the log on `db` (a pool: each insert commits on its own). A record that
 * cannot be written fails the call's caller: an effect nobody can audit is not kept quiet.
 */
export function toolCallAudit(db: Queryable, context: ToolCallContext): ToolCallSink {
  return async (record) => {
    const q = insertToolCall(context, record);
    try {
      await db.query(q.text, q.values);
    } catch (e) {
      throw new Error(
        `Cannot record the ${record.tool} call in the tool-call log: ${(e as Error).message}`,
        { cause: e },
      );
    }
  };
}
