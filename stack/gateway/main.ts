/**
 * @module The local gateway daemon (port 54321): serves the control-plane Edge Functions, each
 * in its own subprocess with the environment hosted Supabase gives it, and performs pg_net
 * requests after commit. Started by `deno task stack up`.
 */
import pg from "../../functions-shared/db/pg.ts";
import { SUPERUSER } from "../cluster.ts";
import { loadSecrets, roleKeys } from "../secrets.ts";
import { paths, readSettings } from "../settings.ts";
import { createGateway } from "./app.ts";
import { controlPlaneFunctions } from "./control_plane_functions.ts";
import { PgNetRunner } from "./pg_net_runner.ts";
import { FunctionSupervisor } from "./supervisor.ts";

const settings = readSettings();
const secrets = await loadSecrets();
const keys = await roleKeys(secrets.jwtSecret);
const apiUrl = `http://127.0.0.1:${settings.apiPort}`;

const supervisor = new FunctionSupervisor((key, stream, line) => {
  const out = stream === "stderr" ? console.error : console.log;
  out(`[${key}] ${line}`);
});

const functions = controlPlaneFunctions({
  functionsDir: paths.functionsDir,
  root: paths.root,
  settings,
  supervisor,
  env: {
    SUPABASE_URL: apiUrl,
    SUPABASE_ANON_KEY: keys.anonKey,
    SUPABASE_SERVICE_ROLE_KEY: keys.serviceRoleKey,
    SUPABASE_DB_URL:
      `postgresql://postgres:${secrets.dbPassword}@127.0.0.1:${settings.dbPort}/postgres`,
    VIBE_JWT_SECRET: secrets.jwtSecret,
    SB_REGION: "local",
  },
});

const pgNet = new PgNetRunner(async (database) => {
  const client = new pg.Client({
    host: paths.socketDir,
    port: settings.dbPort,
    user: SUPERUSER,
    database,
  });
  await client.connect();
  return client;
});
await pgNet.start();

const server = Deno.serve(
  { hostname: "127.0.0.1", port: settings.apiPort, onListen: () => {} },
  createGateway({
    jwtSecret: secrets.jwtSecret,
    serviceRoleKey: keys.serviceRoleKey,
    supervisor,
    functions,
  }),
);
console.log(`gateway listening on ${apiUrl}`);

async function shutdown() {
  supervisor.stopAll();
  await pgNet.stop();
  await server.shutdown();
  Deno.exit(0);
}
Deno.addSignalListener("SIGTERM", shutdown);
Deno.addSignalListener("SIGINT", shutdown);
