/**
 * @module A recorded tool-call log: a session's MCP tool calls (from
 * `build_events.payload.tool_calls[]` in event `seq` order) with the environment the session
 * built, as read from the control plane or from a JSON file `deno task replay export` wrote.
 * A bare JSON array of records is accepted too.
 */
import { z } from "zod";
import type pg from "../../functions-shared/db/pg.ts";
import type { ToolCallRecord } from "../../functions-shared/mcp/types.ts";

/** The file format's name and version. */
export const LOG_FORMAT = "vibe-architect/tool-calls@1";

/** The environment a session provisioned (`build_sessions.environment`, minus its keys). */
export interface LoggedEnvironment {
  kind: "branch" | "project";
  ref: string;
  name?: string;
  parentRef?: string;
  branchId?: string;
}

/** A record with the build event it came from. */
export type LoggedCall = ToolCallRecord & { seq?: number; event?: string };

export interface ToolCallLog {
  format: typeof LOG_FORMAT;
  sessionId?: string;
  environment?: LoggedEnvironment;
  tool_calls: LoggedCall[];
}

const recordSchema = z.object({
  tool: z.string().min(1),
  arguments: z.record(z.string(), z.unknown()),
  ok: z.boolean(),
  result_summary: z.string().default(""),
  error: z.string().optional(),
  duration_ms: z.number().default(0),
  started_at: z.string().default(""),
  result_ids: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  seq: z.number().int().optional(),
  event: z.string().optional(),
});

const environmentSchema = z.object({
  kind: z.enum(["branch", "project"]),
  ref: z.string().min(1),
  name: z.string().optional(),
  parentRef: z.string().optional(),
  branchId: z.string().optional(),
});

const logSchema = z.object({
  format: z.literal(LOG_FORMAT),
  sessionId: z.string().optional(),
  environment: environmentSchema.optional(),
  tool_calls: z.array(recordSchema),
});

/** Reads a log from JSON text (a log object, or a bare array of records). */
export function parseToolCallLog(text: string): ToolCallLog {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`Cannot read the tool-call log: it is not JSON (${(e as Error).message})`);
  }
  const candidate = Array.isArray(value) ? { format: LOG_FORMAT, tool_calls: value } : value;
  const parsed = logSchema.safeParse(candidate);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(
      `Cannot read the tool-call log: ${issues.join("; ")} ` +
        `(write one with \`deno task replay export <sessionId>\`)`,
    );
  }
  return stripUndefined(parsed.data) as ToolCallLog;
}

/** zod leaves absent optionals as undefined; the log's types are exact. */
function stripUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripUndefined);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [
        k,
        k === "arguments" ? v : stripUndefined(v),
      ]),
    );
  }
  return value;
}

/** A session's log from the control plane: its events' tool calls in `seq` order. */
export async function sessionToolCallLog(db: pg.Client, sessionId: string): Promise<ToolCallLog> {
  if (!/^[0-9a-f-]{36}$/i.test(sessionId)) {
    throw new Error(`Cannot replay session "${sessionId}": a session id is a uuid`);
  }
  const session = await db.query<{ environment: Record<string, unknown> | null }>(
    "select environment from public.build_sessions where id = $1",
    [sessionId],
  );
  if (session.rowCount === 0) {
    throw new Error(`Cannot replay session ${sessionId}: no such session in the control plane`);
  }
  const events = await db.query<{ seq: number; type: string; calls: unknown[] }>(
    `select seq, type, payload->'tool_calls' as calls from public.build_events
      where session_id = $1 and jsonb_typeof(payload->'tool_calls') = 'array'
      order by seq`,
    [sessionId],
  );
  const calls: LoggedCall[] = [];
  for (const e of events.rows) {
    for (const c of e.calls) {
      calls.push({ ...recordSchema.parse(c), seq: e.seq, event: e.type } as LoggedCall);
    }
  }
  const env = environmentSchema.safeParse(session.rows[0]!.environment ?? undefined);
  return stripUndefined({
    format: LOG_FORMAT,
    sessionId,
    ...(env.success ? { environment: env.data } : {}),
    tool_calls: calls,
  }) as ToolCallLog;
}
