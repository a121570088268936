/**
 * @module Runs the analytics query in an environment through the Supabase MCP server's
 * `execute_sql`, on a read-only server (the query cannot write), one connection per query.
 */
import { connectMcp } from "../mcp/connect.ts";
import { mcpConnectOptions, type McpTarget } from "../mcp/target.ts";

/** Runs one read-only statement in an environment and returns its rows. */
export interface AnalyticsQueryRunner {
  run(ref: string, sql: string): Promise<Record<string, unknown>[]>;
}

/** A runner over MCP; `secrets` are redacted from the calls' records and errors. */
export function mcpAnalyticsRunner(
  target: McpTarget,
  secrets: readonly string[],
): AnalyticsQueryRunner {
  return {
    async run(ref, sql) {
      const client = await connectMcp(
        mcpConnectOptions(target, { secrets, readOnly: true, timeoutMs: 30_000 }),
      );
      try {
        const { data } = await client.callTool<Record<string, unknown>[]>("execute_sql", {
          project_id: ref,
          query: sql,
        });
        return data;
      } finally {
        await client.close();
      }
    },
  };
}
