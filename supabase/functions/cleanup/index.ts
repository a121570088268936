/** @module Entry point of the `cleanup` Edge Function: read the environment, build, serve. */
import { createCleanupApp } from "../../../functions-shared/cleanup/app.ts";
import { readCleanupConfig } from "../../../functions-shared/cleanup/settings.ts";
import { readFunctionConfig } from "../../../functions-shared/config.ts";
import { createPool } from "../../../functions-shared/db/pool.ts";
import { authDeps } from "../../../functions-shared/http/auth_deps.ts";
import { connectMcp } from "../../../functions-shared/mcp/connect.ts";
import { mcpConnectOptions } from "../../../functions-shared/mcp/target.ts";

const env = Deno.env.toObject();
const config = readFunctionConfig(env);
const cleanup = readCleanupConfig(env);
const app = createCleanupApp({
  auth: authDeps(config),
  pool: createPool(config.dbUrl),
  connect: () => connectMcp(mcpConnectOptions(cleanup.mcp, { secrets: cleanup.secrets })),
  settings: cleanup,
});

Deno.serve(app.fetch);
