/**
 * @module Edge Functions deployed into environments through the local platform, as the gateway
 * runs them at `/env/<ref>/functions/v1/<slug>`: the latest version's files written once under
 * `.stack/deployed/<ref>/<slug>/v<version>/`, one process per function with THAT environment's
 * URL, keys, database URL and JWT secret. A redeploy replaces the running process.
 */
import type pg from "../../functions-shared/db/pg.ts";
import { environmentKeys, environmentUrl } from "../platform/environments.ts";
import { exists } from "../process.ts";
import {
  deployedFunction,
  type DeployedFunctionHead,
  deployedFunctionHead,
} from "../platform/functions.ts";
import type { FunctionSpec, FunctionSupervisor } from "./supervisor.ts";

/** A deployed function, ready to be forwarded to. */
export interface ResolvedFunction {
  spec: FunctionSpec;
  /** The version being served. */
  version: number;
  verifyJwt: boolean;
  /** The environment's JWT secret (verify_jwt checks tokens against it). */
  jwtSecret: string;
  paused: boolean;
}

/** Finds and prepares an environment's function for the gateway. */
export interface EnvironmentFunctionHost {
  /** Undefined when the environment has no such function. */
  resolve(ref: string, slug: string): Promise<ResolvedFunction | undefined>;
  /**
   * What the gateway knows of a running function by its supervisor key (`env/<ref>/<slug>`):
   * its version and its environment's JWT secret (redacted from its output).
   */
  describe(
    key: string,
  ): { ref: string; slug: string; version: number; jwtSecret: string } | undefined;
}

/** Options for {@link environmentFunctionHost}. */
export interface EnvironmentFunctionOptions {
  registry: pg.Pool;
  supervisor: FunctionSupervisor;
  /** Where versions are written, e.g. `.stack/deployed`. */
  deployedDir: string;
  apiUrl: string;
  dbPort: number;
  dbPassword: string;
}

/**
 * Writes a version's files once (to a temporary folder, then renamed into place); the files are
 * read from the registry only when that version is not on disk yet.
 */
async function materialize(
  dir: string,
  registry: pg.Pool,
  fn: DeployedFunctionHead,
): Promise<void> {
  if (await exists(dir)) return;
  const full = await deployedFunction(registry, fn.ref, fn.slug);
  if (full?.version !== fn.version) throw new Error(`${fn.slug} was redeployed meanwhile; retry`);
  const tmp = `${dir}.tmp-${crypto.randomUUID()}`;
  await Deno.mkdir(tmp, { recursive: true });
  for (const file of full.files) {
    const path = `${tmp}/${file.name}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, file.content);
  }
  try {
    await Deno.rename(tmp, dir);
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    if (!(await exists(dir))) throw e; // lost a race with another request: theirs is the same
  }
}

/** `deno run` flags: the function's own deno.json or import map, never the repository's. */
async function denoArgs(dir: string, fn: DeployedFunctionHead): Promise<string[]> {
  for (const name of ["deno.json", "deno.jsonc"]) {
    if (await exists(`${dir}/${name}`)) return [`--config=${dir}/${name}`];
  }
  const args = ["--no-config"];
  if (fn.importMapPath) args.push(`--import-map=${dir}/${fn.importMapPath}`);
  return args;
}

export function environmentFunctionHost(opts: EnvironmentFunctionOptions): EnvironmentFunctionHost {
  const runningVersion = new Map<string, number>();
  const jwtSecrets = new Map<string, string>();
  return {
    describe(key) {
      const m = key.match(/^env\/([^/]+)\/([^/]+)$/);
      const version = runningVersion.get(key);
      const jwtSecret = jwtSecrets.get(key);
      if (!m || version === undefined || jwtSecret === undefined) return undefined;
      return { ref: m[1]!, slug: m[2]!, version, jwtSecret };
    },
    async resolve(ref, slug) {
      const key = `env/${ref}/${slug}`;
      const fn = await deployedFunctionHead(opts.registry, ref, slug);
      if (!fn) {
        opts.supervisor.kill(key); // deleted with its environment
        runningVersion.delete(key);
        return undefined;
      }
      const dir = `${opts.deployedDir}/${ref}/${slug}/v${fn.version}`;
      await materialize(dir, opts.registry, fn);
      if (runningVersion.get(key) !== fn.version) {
        opts.supervisor.kill(key);
        runningVersion.set(key, fn.version);
      }
      jwtSecrets.set(key, fn.jwtSecret);
      const keys = await environmentKeys({ ref, jwt_secret: fn.jwtSecret });
      return {
        version: fn.version,
        verifyJwt: fn.verifyJwt,
        jwtSecret: fn.jwtSecret,
        paused: fn.environmentStatus === "INACTIVE",
        spec: {
          key,
          entry: `${dir}/${fn.entrypointPath}`,
          cwd: dir,
          denoArgs: await denoArgs(dir, fn),
          env: {
            SUPABASE_URL: environmentUrl(opts.apiUrl, ref),
            SUPABASE_ANON_KEY: keys.anonKey,
            SUPABASE_SERVICE_ROLE_KEY: keys.serviceRoleKey,
            SUPABASE_DB_URL:
              `postgresql://postgres:${opts.dbPassword}@127.0.0.1:${opts.dbPort}/${fn.databaseName}`,
            VIBE_JWT_SECRET: fn.jwtSecret,
            SB_REGION: "local",
          },
        },
      };
    },
  };
}
