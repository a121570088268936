/**
 * @module The local platform's database operations: `execute_sql` as `postgres` (read-only
 * when asked), and migrations applied in one transaction and recorded once.
 */
import type { DatabaseOperations } from "@supabase/mcp-server-supabase/platform";
import type { PlatformContext } from "./context.ts";
import { type EnvironmentRow, requireRunning } from "./environments.ts";
import { applyRecorded, recordedMigrations } from "./migrations.ts";
import { postgresMessage, runSql } from "./sql_runner.ts";

/** Runs `fn` with a `postgres` connection to the environment's database. */
export async function withEnvironmentDb<T>(
  ctx: PlatformContext,
  env: EnvironmentRow,
  fn: (client: Awaited<ReturnType<PlatformContext["connectAsPostgres"]>>) => Promise<T>,
): Promise<T> {
  const client = await ctx.connectAsPostgres(env.database_name);
  client.on("error", () => {}); // a terminated connection (pause, drop) must not crash the host
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export function databaseOperations(ctx: PlatformContext): DatabaseOperations {
  return {
    async executeSql<T>(ref: string, options: Parameters<DatabaseOperations["executeSql"]>[1]) {
      const env = await requireRunning(ctx, ref, `run SQL in project ${ref}`);
      try {
        return await withEnvironmentDb(ctx, env, (c) =>
          runSql(c, {
            query: options.query,
            parameters: options.parameters,
            readOnly: options.read_only,
          })) as T[];
      } catch (e) {
        throw new Error(`Cannot run SQL in project ${ref}: ${postgresMessage(e)}`, { cause: e });
      }
    },

    async listMigrations(ref) {
      const env = await requireRunning(ctx, ref, `list migrations of project ${ref}`);
      const rows = await withEnvironmentDb(ctx, env, recordedMigrations);
      return rows.map((m) => ({ version: m.version, ...(m.name ? { name: m.name } : {}) }));
    },

    async applyMigration(ref, { name, query }) {
      const env = await requireRunning(ctx, ref, `apply migration ${name} to project ${ref}`);
      try {
        await withEnvironmentDb(ctx, env, (c) => applyRecorded(c, { name, statements: [query] }));
      } catch (e) {
        throw new Error(
          `Cannot apply migration ${name} to project ${ref}: ${postgresMessage(e)}`,
          { cause: e },
        );
      }
    },
  };
}
