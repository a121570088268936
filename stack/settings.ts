/** @module Where the local stack keeps its files, and the ports and names it uses. */
import { parse as parseToml } from "smol-toml";
import { chooseClusterHome, type ClusterLocation, type OsUser } from "./cluster_location.ts";

/** Absolute path of the repository root (this file lives in stack/). */
export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Everything the stack writes lives here; the folder is gitignored. */
export const STACK_DIR = Deno.env.get("VIBE_STACK_DIR") ?? `${ROOT}/.stack`;

/** Where clusters go whose checkout the postgres OS user cannot enter. */
const FALLBACK_CLUSTER_ROOT = "/var/lib/postgresql/vibe-architect";

function osUser(name: string): OsUser | undefined {
  try {
    for (const line of Deno.readTextFileSync("/etc/passwd").split("\n")) {
      const [user, , uid, gid] = line.split(":");
      if (user === name) return { uid: Number(uid), gid: Number(gid) };
    }
  } catch { /* no passwd file */ }
  return undefined;
}

let located: ClusterLocation | undefined;

/**
 * The directory that holds the cluster (pgdata/, run/, logs/postgres.log): the checkout's
 * .stack/ unless the postgres OS user cannot enter it (see cluster_location.ts). Decided once an
 * initialised cluster exists; until then on every call, since installing PostgreSQL creates
 * the postgres user.
 */
export function clusterLocation(): ClusterLocation {
  if (located) return located;
  const hasCluster = (home: string) => {
    try {
      Deno.statSync(`${home}/pgdata/PG_VERSION`);
      return true;
    } catch {
      return false;
    }
  };
  const override = Deno.env.get("VIBE_CLUSTER_DIR");
  const postgres = osUser("postgres");
  const where = chooseClusterHome({
    stackDir: STACK_DIR,
    ...(override ? { override } : {}),
    fallbackRoot: FALLBACK_CLUSTER_ROOT,
    root: Deno.uid() === 0,
    ...(postgres ? { postgres } : {}),
    hasCluster,
    stat: (p) => {
      try {
        const s = Deno.statSync(p);
        return { mode: s.mode ?? 0, uid: s.uid ?? -1, gid: s.gid ?? -1 };
      } catch {
        return null;
      }
    },
  });
  if (hasCluster(where.home)) located = where;
  return where;
}

export const paths = {
  root: ROOT,
  stackDir: STACK_DIR,
  /** The cluster's data directory. */
  get pgdata(): string {
    return `${clusterLocation().home}/pgdata`;
  },
  /** The cluster's Unix socket directory. */
  get socketDir(): string {
    return `${clusterLocation().home}/run`;
  },
  /** The cluster's log file (written by the postgres OS user). */
  get postgresLog(): string {
    return `${clusterLocation().home}/logs/postgres.log`;
  },
  logs: `${STACK_DIR}/logs`,
  secrets: `${STACK_DIR}/secrets.json`,
  gatewayPid: `${STACK_DIR}/gateway.pid`,
  functionsDir: `${ROOT}/supabase/functions`,
  migrationsDir: `${ROOT}/supabase/migrations`,
  configToml: `${ROOT}/supabase/config.toml`,
  compatDir: `${ROOT}/stack/compat`,
  deployedDir: `${STACK_DIR}/deployed`,
};

/** Per-function settings read from `[functions.<name>]` in supabase/config.toml. */
export interface FunctionConfig {
  verifyJwt: boolean;
}

export interface StackSettings {
  apiPort: number;
  dbPort: number;
  /** Ref of the parent project that branches are made from. */
  parentProjectRef: string;
  functions: Record<string, FunctionConfig>;
}

function portFrom(env: string, fallback: unknown, def: number): number {
  const raw = Deno.env.get(env) ?? fallback;
  const port = Number(raw ?? def);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`Set ${env} to a TCP port between 1 and 65535 (got "${raw}")`);
  }
  return port;
}

/** Reads supabase/config.toml, with `VIBE_API_PORT` / `VIBE_DB_PORT` overriding its ports. */
export function readSettings(): StackSettings {
  const toml = parseToml(Deno.readTextFileSync(paths.configToml)) as {
    api?: { port?: number };
    db?: { port?: number };
    functions?: Record<string, { verify_jwt?: boolean }>;
  };
  const functions: Record<string, FunctionConfig> = {};
  for (const [name, cfg] of Object.entries(toml.functions ?? {})) {
    functions[name] = { verifyJwt: cfg.verify_jwt ?? true };
  }
  return {
    apiPort: portFrom("VIBE_API_PORT", toml.api?.port, 54321),
    dbPort: portFrom("VIBE_DB_PORT", toml.db?.port, 54322),
    parentProjectRef: Deno.env.get("VIBE_PARENT_PROJECT_REF") ?? "main",
    functions,
  };
}
