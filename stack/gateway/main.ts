/**
 * @module The local gateway daemon (port 54321): serves the control-plane Edge Functions, each
 * in its own subprocess with the environment hosted Supabase gives it, the functions deployed
 * into environments (`/env/<ref>/functions/v1/<slug>`), the Supabase MCP server with the local
 * platform (`/mcp`), and performs pg_net requests after commit. What environments' functions
 * print, their invocations and the requests to them go (redacted, batched) to the registry's
 * log table, which `get_logs` reads. Started by `deno task stack up`.
 */
import { redact } from "../../functions-shared/redact.ts";
import { localAnalyticsEnv } from "../analytics/local_source.ts";
import { consoleRoutes } from "../console/console_routes.ts";
import { SUPERUSER } from "../cluster.ts";
import { createLocalPlatform } from "../platform/index.ts";
import { registryPool } from "../platform/registry.ts";
import { jwksOf, loadSigningKey, newApiKeys } from "../api_keys.ts";
import { loadSecrets, logSecrets as stackLogSecrets, roleKeys } from "../secrets.ts";
import { paths, readSettings } from "../settings.ts";
import { createDatabasePools } from "../data_api/database_pools.ts";
import { createGateway } from "./app.ts";
import { controlPlaneFunctions, liveFunctionSettings } from "./control_plane_functions.ts";
import { environmentFunctionHost } from "./environment_functions.ts";
import { type EnvironmentLogs, environmentLogs } from "./environment_logs.ts";
import { createLogWriter } from "./log_writer.ts";
import { mcpEndpoint } from "./mcp_endpoint.ts";
import { PgNetRunner } from "./pg_net_runner.ts";
import { projectApis } from "./project_apis.ts";
import { createRealtime } from "./realtime/server.ts";
import { FunctionSupervisor } from "./supervisor.ts";

const settings = readSettings();
const secrets = await loadSecrets();
const keys = await roleKeys(secrets.jwtSecret);
const apiKeys = await newApiKeys(secrets.jwtSecret);
const jwks = jwksOf(await loadSigningKey());
const apiUrl = `http://127.0.0.1:${settings.apiPort}`;

// The demo analytics bucket the worker attaches (credentials derived from the JWT secret).
const analyticsEnv = await localAnalyticsEnv(apiUrl, secrets.jwtSecret);
// Function output is logged redacted: a function printing a key or a password leaks nothing.
const logSecrets = [
  ...stackLogSecrets(secrets, keys),
  apiKeys.secretKey,
  analyticsEnv.VIBE_ANALYTICS_ACCESS_KEY_ID!,
  analyticsEnv.VIBE_ANALYTICS_SECRET_ACCESS_KEY!,
  analyticsEnv.VIBE_ANALYTICS_CATALOG_TOKEN!,
];
const registry = registryPool(settings.dbPort);
const logWriter = createLogWriter({ registry, secrets: logSecrets });
// Set once the environment host exists (it needs the supervisor, whose sink needs it).
const logs: { current?: EnvironmentLogs } = {};
const supervisor = new FunctionSupervisor((key, stream, line) => {
  logs.current?.output(key, stream, line); // an environment's function: also to its log table
  const out = stream === "stderr" ? console.error : console.log;
  out(redact(`[${key}] ${line}`, { secrets: logSecrets }));
});

const platform = createLocalPlatform({ dbPort: settings.dbPort, apiUrl, logSecrets });
const mcp = mcpEndpoint({ platform, serviceRoleKey: keys.serviceRoleKey, secrets: logSecrets });

const functions = controlPlaneFunctions({
  functionsDir: paths.functionsDir,
  root: paths.root,
  settings,
  supervisor,
  functionSettings: liveFunctionSettings(settings.functions),
  env: {
    SUPABASE_URL: apiUrl,
    SUPABASE_ANON_KEY: keys.anonKey,
    SUPABASE_SERVICE_ROLE_KEY: keys.serviceRoleKey,
    SUPABASE_DB_URL:
      `postgresql://postgres:${secrets.dbPassword}@127.0.0.1:${settings.dbPort}/postgres`,
    VIBE_JWT_SECRET: secrets.jwtSecret,
    VIBE_REPORT_TOKEN_SECRET: secrets.reportTokenSecret,
    // The new API keys and JWT signing keys, as hosted gives them during the move to them.
    SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: apiKeys.publishableKey }),
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: apiKeys.secretKey }),
    SUPABASE_JWKS: JSON.stringify(jwks),
    SB_REGION: "local",
    // The control plane provisions through the stack's MCP endpoint (bearer: its service key).
    VIBE_MCP_URL: `${apiUrl}/mcp`,
  },
  // Every local user may build in project mode (a project is a database here, not a bill), and
  // the local analytics bucket, as `supabase secrets set VIBE_ANALYTICS_*` would set it.
  defaults: { VIBE_PROJECT_MODE_ALLOWLIST: "*", ...analyticsEnv },
});

const environments = environmentFunctionHost({
  registry,
  supervisor,
  deployedDir: paths.deployedDir,
  apiUrl,
  dbPort: settings.dbPort,
  dbPassword: secrets.dbPassword,
});
logs.current = environmentLogs({ writer: logWriter, environments });

const pgNet = new PgNetRunner((database) => ({
  host: paths.socketDir,
  port: settings.dbPort,
  user: SUPERUSER,
  database,
}));
await pgNet.start();

const realtime = createRealtime({
  jwtSecret: secrets.jwtSecret,
  database: { host: paths.socketDir, port: settings.dbPort, user: SUPERUSER, database: "postgres" },
});
await realtime.start();

// Data API, Auth and Storage for the control plane and every environment.
const apiPools = createDatabasePools({ host: paths.socketDir, port: settings.dbPort });
const apis = projectApis({
  registry,
  pools: apiPools,
  apiUrl,
  storageDir: `${paths.stackDir}/storage`,
  controlPlane: { database: "postgres", jwtSecret: secrets.jwtSecret },
});

const server = Deno.serve(
  { hostname: "127.0.0.1", port: settings.apiPort, onListen: () => {} },
  createGateway({
    jwtSecret: secrets.jwtSecret,
    jwks: jwks.keys,
    serviceRoleKey: keys.serviceRoleKey,
    supervisor,
    functions,
    environments,
    mcp,
    realtime,
    projectApis: apis,
    console: consoleRoutes({ anonKey: keys.anonKey }),
    onEnvironmentRequest: (r) => logs.current?.request(r),
  }),
);
console.log(`gateway listening on ${apiUrl}`);

async function shutdown() {
  supervisor.stopAll();
  await mcp.close();
  await platform.close();
  await apiPools.close();
  await logWriter.close();
  await registry.end();
  await realtime.stop();
  await pgNet.stop();
  await server.shutdown();
  Deno.exit(0);
}
Deno.addSignalListener("SIGTERM", shutdown);
Deno.addSignalListener("SIGINT", shutdown);
