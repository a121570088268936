/**
 * @module apply_migrations: the plan's schema (tables, constraints, indexes, functions,
 * triggers, grants closed to client roles) as one idempotent migration applied through MCP.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { schemaMigration } from "../../sql/schema_sql.ts";
import { stepContext } from "../context.ts";
import { requireEnvironment, requirePlan } from "../require.ts";
import type { BuildStateType, BuildUpdate } from "../state.ts";

export async function applyMigrations(
  state: BuildStateType,
  config: LangGraphRunnableConfig,
): Promise<BuildUpdate> {
  const ctx = stepContext(config, "apply_migrations", state.sessionId);
  const plan = requirePlan(state);
  const environment = requireEnvironment(state);
  const schema = schemaMigration(plan, { name: "vibe_schema" });
  ctx.emit("migration_started", `Applying ${schema.migration.name} to ${environment.ref}`, {
    payload: { migration: schema.migration.name, tables: schema.tables.map((t) => t.table) },
  });
  ctx.present({ type: "table", name: schema.tables[0]?.table ?? "schema" }, 0.4);
  const { records } = await ctx.deps.provisioner.applyMigration(
    environment.ref,
    schema.migration.name,
    schema.migration.sql,
  );
  const calls = ctx.recordCalls(records);
  const count = schema.tables.length;
  schema.tables.forEach((t, i) => {
    // The cursor walks the tables as each is recorded (streamed live, throttled).
    ctx.present({ type: "table", name: t.table }, 0.4 + 0.1 * (i + 1) / count);
    ctx.emit("table_created", `Created table public.${t.table}`, {
      key: `table:${t.table}`,
      payload: { table: t.table, columns: t.columns, migration: schema.migration.name },
      // The migration's tool calls travel with its first table event.
      ...(i === 0 ? { toolCalls: calls } : {}),
    });
  });
  if (count === 0) {
    ctx.emit("migration_started", "The plan has no tables", { key: "empty", toolCalls: calls });
    ctx.present({ type: "table", name: "schema" }, 0.5);
  }
  return { migrations: [...new Set([...state.migrations, schema.migration.name])] };
}
