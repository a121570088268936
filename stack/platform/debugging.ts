/**
 * @module The local platform's debugging operations: `get_logs` from the gateway's log table
 * (`api`, `edge-function`, `edge-function-runtime`) and the cluster's log file (`postgres`),
 * and `get_advisors` from the drift engine's lints. Services the stack has no stand-in for
 * (auth, storage, realtime, branch actions) have no entries.
 */
import type { DebuggingOperations } from "@supabase/mcp-server-supabase/platform";
import { advisorLints } from "./advisors.ts";
import type { PlatformContext } from "./context.ts";
import { withEnvironmentDb } from "./database.ts";
import { requireEnvironment, requireRunning } from "./environments.ts";
import { GATEWAY_LOG_SERVICES, type GatewayLogService, type LogRow, readLogs } from "./logs.ts";
import { parsePostgresLog, postgresLogRows, readLogTail } from "./postgres_log.ts";

function isGatewayService(service: string): service is GatewayLogService {
  return (GATEWAY_LOG_SERVICES as readonly string[]).includes(service);
}

export function debuggingOperations(ctx: PlatformContext): DebuggingOperations {
  return {
    async getLogs(ref, options) {
      const env = await requireEnvironment(ctx, ref, `get the logs of project ${ref}`);
      const window = { start: options.iso_timestamp_start, end: options.iso_timestamp_end };
      let result: LogRow[] = [];
      if (isGatewayService(options.service)) {
        result = await readLogs(ctx.registry, ref, options.service, window);
      } else if (options.service === "postgres") {
        const text = await readLogTail(ctx.opts.postgresLogFile);
        result = postgresLogRows(parsePostgresLog(text), env.database_name, window, {
          secrets: ctx.opts.logSecrets,
        });
      }
      // The hosted logs endpoint's shape: `{ result: rows }`.
      return { result };
    },

    async getSecurityAdvisors(ref) {
      const env = await requireRunning(ctx, ref, `get the security advisors of project ${ref}`);
      return await withEnvironmentDb(ctx, env, (c) => advisorLints(c, "SECURITY"));
    },

    async getPerformanceAdvisors(ref) {
      const env = await requireRunning(ctx, ref, `get the performance advisors of project ${ref}`);
      return await withEnvironmentDb(ctx, env, (c) => advisorLints(c, "PERFORMANCE"));
    },
  };
}
