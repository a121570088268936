/** @module The local stack's lifecycle: up, down, status, reset, migrate. */
import { applyClusterRoles, createDatabase, prepareDatabase } from "./compat.ts";
import {
  clusterInitialized,
  clusterRunning,
  initCluster,
  startCluster,
  stopCluster,
  withAdmin,
} from "./cluster.ts";
import { gatewayRunning, startGateway, stopGateway } from "./gateway_process.ts";
import { ensureInstalled } from "./install.ts";
import { applyMigrations } from "./migrate.ts";
import { ensureParentProject } from "./platform/parent_project.ts";
import { portOpen, waitFor } from "./process.ts";
import { newApiKeys } from "./api_keys.ts";
import { ensureSecrets, loadSecrets, roleKeys } from "./secrets.ts";
import { paths, readSettings } from "./settings.ts";

/** What `stack status` prints; names as `supabase status -o env` uses them. */
export interface StackStatus {
  API_URL: string;
  FUNCTIONS_URL: string;
  MCP_URL: string;
  DB_URL: string;
  ANON_KEY: string;
  SERVICE_ROLE_KEY: string;
  JWT_SECRET: string;
  /** The functions' `VIBE_REPORT_TOKEN_SECRET` (environments' reporting tokens derive from it). */
  REPORT_TOKEN_SECRET: string;
  /** The new API keys (not JWTs): `sb_publishable_…` (anon) and `sb_secret_…` (service role). */
  PUBLISHABLE_KEY: string;
  SECRET_KEY: string;
  DB_RUNNING: boolean;
  API_RUNNING: boolean;
}

export type Log = (message: string) => void;

export async function stackStatus(): Promise<StackStatus> {
  const settings = readSettings();
  const secrets = await loadSecrets();
  const keys = await roleKeys(secrets.jwtSecret);
  const apiKeys = await newApiKeys(secrets.jwtSecret);
  const api = `http://127.0.0.1:${settings.apiPort}`;
  return {
    API_URL: api,
    FUNCTIONS_URL: `${api}/functions/v1`,
    MCP_URL: `${api}/mcp`,
    DB_URL: `postgresql://postgres:${secrets.dbPassword}@127.0.0.1:${settings.dbPort}/postgres`,
    ANON_KEY: keys.anonKey,
    SERVICE_ROLE_KEY: keys.serviceRoleKey,
    JWT_SECRET: secrets.jwtSecret,
    REPORT_TOKEN_SECRET: secrets.reportTokenSecret,
    PUBLISHABLE_KEY: apiKeys.publishableKey,
    SECRET_KEY: apiKeys.secretKey,
    DB_RUNNING: await portOpen(settings.dbPort),
    API_RUNNING: await gatewayRunning(settings.apiPort),
  };
}

/** Writes the Vault secrets the cron jobs and kicks read to reach the functions. */
async function writeVaultSecrets(dbPort: number, apiUrl: string, serviceKey: string) {
  await withAdmin(dbPort, "postgres", async (c) => {
    for (const [name, value] of [["project_url", apiUrl], ["service_role_key", serviceKey]]) {
      const found = await c.query("select id from vault.secrets where name = $1", [name]);
      if (found.rowCount === 0) {
        await c.query("select vault.create_secret($1, $2)", [value, name]);
      } else {
        await c.query("select vault.update_secret($1, $2)", [found.rows[0].id, value]);
      }
    }
  });
}

/**
 * Brings the stack up: installs what is missing, starts the cluster, applies the compatibility
 * layer and migrations, starts the gateway. Running it again changes nothing.
 */
export async function up(log: Log, opts: { testTools?: boolean } = {}): Promise<StackStatus> {
  const settings = readSettings();
  await ensureInstalled(log, opts);
  const { secrets, changed } = await ensureSecrets();
  if (changed.length && (await gatewayRunning(settings.apiPort))) {
    // Its functions hold the old values: they must start again with the new ones.
    log(`new stack secrets (${changed.join(", ")}): restarting the gateway`);
    await stopGateway(log);
  }
  if (!(await clusterInitialized())) {
    log("initialising the PostgreSQL cluster");
    await initCluster(settings.dbPort, secrets.dbPassword);
  }
  if (!(await clusterRunning(settings.dbPort))) {
    log(`starting PostgreSQL on port ${settings.dbPort}`);
    await startCluster(settings.dbPort);
  }
  await applyClusterRoles(settings.dbPort, secrets.dbPassword);
  await withAdmin(settings.dbPort, "postgres", prepareDatabase);
  const applied = await applyMigrations(settings.dbPort, "postgres");
  if (applied.length > 0) log(`applied migrations ${applied.join(", ")}`);
  if (await ensureParentProject(settings.dbPort, settings.parentProjectRef)) {
    log(`created the parent project ${settings.parentProjectRef} (branches are made from it)`);
  }
  const keys = await roleKeys(secrets.jwtSecret);
  await writeVaultSecrets(
    settings.dbPort,
    `http://127.0.0.1:${settings.apiPort}`,
    keys.serviceRoleKey,
  );
  if (!(await gatewayRunning(settings.apiPort))) {
    log(`starting the gateway on port ${settings.apiPort}`);
    await startGateway(settings.apiPort);
  }
  return stackStatus();
}

/** Stops the gateway (and every function it runs) and the cluster; nothing is left listening. */
export async function down(log: Log): Promise<void> {
  const settings = readSettings();
  await stopGateway(log);
  if (await clusterInitialized()) {
    log("stopping PostgreSQL");
    await stopCluster();
  }
  await waitFor(
    `port ${settings.apiPort} to close`,
    async () => !(await portOpen(settings.apiPort)),
  );
  await waitFor(`port ${settings.dbPort} to close`, async () => !(await portOpen(settings.dbPort)));
}

/** Recreates every database from scratch and applies the migrations again. */
export async function reset(log: Log): Promise<StackStatus> {
  await down(log);
  log("removing the cluster's data");
  await Deno.remove(paths.pgdata, { recursive: true }).catch(() => {});
  await Deno.remove(paths.deployedDir, { recursive: true }).catch(() => {});
  return await up(log);
}

/** Applies migrations that are not yet recorded. */
export async function migrate(log: Log): Promise<string[]> {
  const settings = readSettings();
  if (!(await clusterRunning(settings.dbPort))) {
    throw new Error("The local stack is not running: start it with `deno task stack up`");
  }
  const applied = await applyMigrations(settings.dbPort, "postgres");
  log(applied.length ? `applied ${applied.join(", ")}` : "no new migrations");
  return applied;
}

export { createDatabase };
