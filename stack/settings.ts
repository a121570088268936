/** @module Where the local stack keeps its files, and the ports and names it uses. */
import { parse as parseToml } from "smol-toml";

/** Absolute path of the repository root (this file lives in stack/). */
export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Everything the stack writes lives here; the folder is gitignored. */
export const STACK_DIR = Deno.env.get("VIBE_STACK_DIR") ?? `${ROOT}/.stack`;

export const paths = {
  root: ROOT,
  stackDir: STACK_DIR,
  pgdata: `${STACK_DIR}/pgdata`,
  socketDir: `${STACK_DIR}/run`,
  logs: `${STACK_DIR}/logs`,
  secrets: `${STACK_DIR}/secrets.json`,
  gatewayPid: `${STACK_DIR}/gateway.pid`,
  functionsDir: `${ROOT}/supabase/functions`,
  migrationsDir: `${ROOT}/supabase/migrations`,
  configToml: `${ROOT}/supabase/config.toml`,
  compatDir: `${ROOT}/stack/compat`,
  deployedDir: `${STACK_DIR}/deployed`,
} as const;

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
