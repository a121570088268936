/**
 * @module The environment's contract: its model right after the pipeline built it (schema and
 * RLS applied, nothing else touched), read through MCP `execute_sql` with the single-statement
 * introspection, so no database password is needed and hosted environments work the same.
 */
import { introspect } from "../drift/introspect.ts";
import type { Model } from "../drift/model.ts";
import type { SqlRunner } from "../drift/sql_runner.ts";
import type { Provisioner } from "../mcp/provisioner.ts";
import type { ToolCallRecord } from "../mcp/types.ts";

/** A SqlRunner over MCP execute_sql that keeps the calls' records. */
export function mcpSqlRunner(
  provisioner: Provisioner,
  ref: string,
  records: ToolCallRecord[],
): SqlRunner {
  return {
    async query<T>(text: string, values?: readonly unknown[]): Promise<T[]> {
      if (values?.length) throw new Error("Cannot send parameters through execute_sql");
      const result = await provisioner.executeSql<T>(ref, text);
      records.push(...result.records);
      return result.value;
    },
  };
}

export async function snapshotContract(
  provisioner: Provisioner,
  ref: string,
): Promise<{ model: Model; records: ToolCallRecord[] }> {
  const records: ToolCallRecord[] = [];
  const { model } = await introspect(mcpSqlRunner(provisioner, ref, records), {
    mode: "single-statement",
  });
  return { model, records };
}
