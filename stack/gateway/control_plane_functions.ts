/** @module The control-plane functions under supabase/functions, as the gateway runs them. */
import { type FunctionConfig, paths, readSettings, type StackSettings } from "../settings.ts";
import type { ControlPlaneFunctions } from "./app.ts";
import type { FunctionSpec, FunctionSupervisor } from "./supervisor.ts";

export interface ControlPlaneOptions {
  functionsDir: string;
  root: string;
  settings: StackSettings;
  supervisor: FunctionSupervisor;
  /** The variables hosted Supabase gives every function. */
  env: Record<string, string>;
  /** Function secrets the stack sets by default (supabase/functions/.env and tests override). */
  secretDefaults?: Record<string, string>;
  /** Current `[functions.*]` settings (default: `settings.functions`, fixed at start). */
  functionSettings?: () => Record<string, FunctionConfig>;
}

/**
 * `[functions.*]` of supabase/config.toml, re-read whenever the file changes, so a changed
 * `verify_jwt` applies without restarting the gateway (as a redeploy applies it on hosted).
 */
export function liveFunctionSettings(
  initial: Record<string, FunctionConfig>,
): () => Record<string, FunctionConfig> {
  const mtime = () => Deno.statSync(paths.configToml).mtime?.getTime() ?? 0;
  let seen = mtime();
  let current = initial;
  return () => {
    try {
      const now = mtime();
      if (now !== seen) {
        current = readSettings().functions;
        seen = now;
      }
    } catch { /* keep the last readable settings */ }
    return current;
  };
}

/** Parses a dotenv file (KEY=value lines; # comments; optional quotes). */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = line.match(/^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/);
    if (!m) continue;
    let value = m[2]!;
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    out[m[1]!] = value;
  }
  return out;
}

export function controlPlaneFunctions(opts: ControlPlaneOptions): ControlPlaneFunctions {
  const overrides = new Map<string, Record<string, string>>();

  // Secrets set for functions, as `supabase secrets set` does on hosted: supabase/functions/.env.
  function userSecrets(): Record<string, string> {
    try {
      return parseDotenv(Deno.readTextFileSync(`${opts.functionsDir}/.env`));
    } catch {
      return {};
    }
  }

  return {
    async exists(name) {
      try {
        return (await Deno.stat(`${opts.functionsDir}/${name}/index.ts`)).isFile;
      } catch {
        return false; // not a function
      }
    },
    spec(name): FunctionSpec {
      return {
        key: name,
        entry: `${opts.functionsDir}/${name}/index.ts`,
        cwd: opts.root,
        // Read when a process starts, not per request: a changed .env applies on the next start.
        env: () => ({
          ...opts.secretDefaults,
          ...userSecrets(),
          ...(overrides.get(name) ?? {}),
          ...opts.env,
        }),
      };
    },
    verifyJwt(name) {
      const settings = opts.functionSettings?.() ?? opts.settings.functions;
      return settings[name]?.verifyJwt ?? true;
    },
    setOverrides(name, env) {
      overrides.set(name, env);
      opts.supervisor.kill(name);
    },
  };
}
