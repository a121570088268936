/** @module The stack's PostgreSQL cluster: initdb, start, stop, and superuser connections. */
import pg from "../functions-shared/db/pg.ts";
import { postgresLayout } from "./install.ts";
import { exists, isRoot, portOpen, run, waitFor } from "./process.ts";
import { clusterLocation, paths } from "./settings.ts";

/** The cluster's superuser, as on hosted Supabase. */
export const SUPERUSER = "supabase_admin";
const OS_USER = "postgres";

function asUser(): { asUser?: string } {
  return isRoot() ? { asUser: OS_USER } : {};
}

async function chownToPostgres(path: string): Promise<void> {
  if (isRoot()) await run("chown", ["-R", `${OS_USER}:${OS_USER}`, path]);
}

function serverConfig(port: number): string {
  return [
    "# Written by the vibe-architect local stack.",
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${paths.socketDir}'`,
    "max_connections = 300",
    "shared_buffers = 128MB",
    "shared_preload_libraries = 'pg_cron'",
    "cron.database_name = 'postgres'",
    "cron.use_background_workers = on",
    "max_worker_processes = 32",
    "wal_level = logical",
    "max_wal_senders = 10",
    "max_replication_slots = 10",
    // A disposable development cluster: durability traded for speed.
    "fsync = off",
    "synchronous_commit = off",
    "full_page_writes = off",
    "timezone = 'UTC'",
    "log_timezone = 'UTC'",
    "log_min_messages = warning",
    // The database on every line: get_logs (postgres) reads one environment's lines.
    "log_line_prefix = '%m [%p] %q%u@%d '",
    "password_encryption = 'scram-sha-256'",
    "",
  ].join("\n");
}

export async function clusterInitialized(): Promise<boolean> {
  return await exists(`${paths.pgdata}/PG_VERSION`);
}

/** Creates the cluster: superuser supabase_admin, trust on the socket, passwords over TCP. */
export async function initCluster(port: number, password: string): Promise<void> {
  const { home } = clusterLocation();
  const logDir = paths.postgresLog.replace(/\/[^/]+$/, "");
  // Directories the stack creates on the way are made searchable, so postgres reaches them.
  await Deno.mkdir(home, { recursive: true });
  await Deno.chmod(home, 0o755); // whatever the umask
  await Deno.mkdir(paths.socketDir, { recursive: true });
  await Deno.mkdir(logDir, { recursive: true });
  const pwfile = `${home}/.pwfile`;
  await Deno.writeTextFile(pwfile, `${password}\n`, { mode: 0o600 });
  await chownToPostgres(paths.socketDir);
  await chownToPostgres(logDir);
  await chownToPostgres(pwfile);
  const { bin } = await postgresLayout();
  // initdb refuses an existing non-empty directory; start clean.
  await Deno.remove(paths.pgdata, { recursive: true }).catch(() => {});
  await Deno.mkdir(paths.pgdata, { recursive: true, mode: 0o700 });
  await chownToPostgres(paths.pgdata);
  try {
    await run(`${bin}/initdb`, [
      "-D",
      paths.pgdata,
      "-U",
      SUPERUSER,
      `--pwfile=${pwfile}`,
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
      "-E",
      "UTF8",
      "--locale=C.UTF-8",
    ], asUser());
  } finally {
    await Deno.remove(pwfile).catch(() => {});
  }
  await Deno.writeTextFile(`${paths.pgdata}/postgresql.auto.conf`, serverConfig(port));
  await chownToPostgres(paths.pgdata);
}

export async function clusterRunning(port: number): Promise<boolean> {
  const pidFile = `${paths.pgdata}/postmaster.pid`;
  if (!(await exists(pidFile))) return false;
  const { bin } = await postgresLayout();
  const r = await run(`${bin}/pg_ctl`, ["-D", paths.pgdata, "status"], {
    ...asUser(),
    allowFailure: true,
  });
  return r.code === 0 && await portOpen(port);
}

export async function startCluster(port: number): Promise<void> {
  // The port may have changed in config.toml since initdb.
  await Deno.writeTextFile(`${paths.pgdata}/postgresql.auto.conf`, serverConfig(port));
  await chownToPostgres(`${paths.pgdata}/postgresql.auto.conf`);
  if (await portOpen(port)) {
    throw new Error(
      `Cannot start PostgreSQL: port ${port} is already in use. Stop what listens there, ` +
        `or set VIBE_DB_PORT to a free port.`,
    );
  }
  const log = paths.postgresLog;
  const { bin } = await postgresLayout();
  try {
    await run(
      `${bin}/pg_ctl`,
      ["-D", paths.pgdata, "-l", log, "-w", "-t", "60", "start"],
      asUser(),
    );
  } catch (e) {
    const tail = (await Deno.readTextFile(log).catch(() => "")).trim().split("\n").slice(-10);
    throw new Error(`${(e as Error).message}\n${log}:\n${tail.join("\n")}`);
  }
  await waitFor(`PostgreSQL on port ${port}`, () => portOpen(port));
}

export async function stopCluster(): Promise<void> {
  if (!(await exists(`${paths.pgdata}/postmaster.pid`))) return;
  const { bin } = await postgresLayout();
  await run(`${bin}/pg_ctl`, ["-D", paths.pgdata, "-m", "fast", "-w", "stop"], {
    ...asUser(),
    allowFailure: true,
  });
}

/** A superuser connection over the cluster's Unix socket. */
export async function adminClient(port: number, database = "postgres"): Promise<pg.Client> {
  const client = new pg.Client({ host: paths.socketDir, port, user: SUPERUSER, database });
  await client.connect();
  return client;
}

/** Runs `fn` with a superuser connection and always closes it. */
export async function withAdmin<T>(
  port: number,
  database: string,
  fn: (c: pg.Client) => Promise<T>,
): Promise<T> {
  const client = await adminClient(port, database);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
