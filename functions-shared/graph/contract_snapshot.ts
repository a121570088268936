/**
 * @module The environment's contract: its model right after the pipeline built it (schema and
 * RLS applied, nothing else touched), read through MCP `execute_sql` with the single-statement
 * introspection, so no database password is needed and hosted environments work the same.
 */
import { introspect } from "../drift/introspect.ts";
import type { Model } from "../drift/model.ts";
import type { SqlRunner } from "../drift/sql_runner.ts";
import { type Provisioner, ProvisioningError } from "../mcp/provisioner.ts";
import type { ToolCallSink } from "../mcp/tool_call_audit.ts";
import type { ToolCallRecord } from "../mcp/types.ts";

/**
 * A SqlRunner over MCP execute_sql that keeps the calls' records, and hands each one to
 * `audit` (the tool-call log) as its call finishes, failed calls included.
 */
export function mcpSqlRunner(
  provisioner: Provisioner,
  ref: string,
  records: ToolCallRecord[],
  audit?: ToolCallSink,
): SqlRunner {
  const log = async (made: readonly ToolCallRecord[]) => {
    for (const r of made) await audit?.(r);
  };
  return {
    async query<T>(text: string, values?: readonly unknown[]): Promise<T[]> {
      if (values?.length) throw new Error("Cannot send parameters through execute_sql");
      let result;
      try {
        result = await provisioner.executeSql<T>(ref, text);
      } catch (e) {
        if (e instanceof ProvisioningError) await log(e.records);
        throw e;
      }
      records.push(...result.records);
      await log(result.records);
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
