/**
 * @module The local platform's Edge Functions: each deploy stores the files as a new version in
 * the registry; the gateway serves the latest version at `/env/<ref>/functions/v1/<slug>`.
 */
import type {
  DeployEdgeFunctionOptions,
  EdgeFunction,
  EdgeFunctionsOperations,
} from "@supabase/mcp-server-supabase/platform";
import type pg from "../../functions-shared/db/pg.ts";
import type { PlatformContext } from "./context.ts";
import { NotFoundError, requireEnvironment } from "./environments.ts";

/** A file of a deployed function. */
export interface FunctionFile {
  name: string;
  content: string;
}

interface FunctionRow {
  id: string;
  slug: string;
  name: string;
  status: string;
  version: number;
  verify_jwt: boolean;
  entrypoint_path: string;
  import_map_path: string | null;
  created_at: Date;
  updated_at: Date;
}

/** What the gateway needs to serve the latest version of a function (without its files). */
export interface DeployedFunctionHead {
  ref: string;
  slug: string;
  version: number;
  verifyJwt: boolean;
  entrypointPath: string;
  importMapPath: string | null;
  /** The environment's database, JWT secret and status (for its keys and env vars). */
  databaseName: string;
  jwtSecret: string;
  environmentStatus: string;
}

/** The latest version of a function with its files. */
export interface DeployedFunction extends DeployedFunctionHead {
  files: FunctionFile[];
}

/** Validates a function slug (it names a URL segment and a directory). */
export function assertSlug(slug: string): void {
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,127}$/.test(slug)) {
    throw new Error(
      `Cannot deploy function "${slug}": use a name of letters, digits, - and _, starting with a letter`,
    );
  }
}

/** Validates a file path inside a function: relative, without `..`. */
export function assertFilePath(slug: string, path: string): void {
  const parts = path.split("/");
  if (!path || path.startsWith("/") || parts.some((p) => p === ".." || p === "")) {
    throw new Error(`Cannot deploy function ${slug}: file name "${path}" must be a relative path`);
  }
}

/** `./index.ts` and `index.ts` name the same file. */
function normalizePath(path: string): string {
  return path.replace(/^(\.\/)+/, "");
}

function edgeFunctionOf(row: FunctionRow): EdgeFunction {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    status: row.status,
    version: row.version,
    created_at: row.created_at.getTime(),
    updated_at: row.updated_at.getTime(),
    verify_jwt: row.verify_jwt,
    import_map: row.import_map_path !== null,
    entrypoint_path: row.entrypoint_path,
    ...(row.import_map_path ? { import_map_path: row.import_map_path } : {}),
  };
}

async function latestVersion(
  registry: pg.Pool | pg.Client,
  ref: string,
  slug: string,
  withFiles: boolean,
): Promise<(DeployedFunctionHead & { files?: FunctionFile[] }) | undefined> {
  const r = await registry.query<{
    version: number;
    verify_jwt: boolean;
    entrypoint_path: string;
    import_map_path: string | null;
    files: FunctionFile[] | null;
    database_name: string;
    jwt_secret: string;
    status: string;
  }>(
    `select f.version, v.verify_jwt, v.entrypoint_path, v.import_map_path,
            case when $3 then v.files end as files,
            e.database_name, e.jwt_secret, e.status
       from platform.functions f
       join platform.function_versions v on v.function_id = f.id and v.version = f.version
       join platform.environments e on e.ref = f.project_ref
      where f.project_ref = $1 and f.slug = $2`,
    [ref, slug, withFiles],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    ref,
    slug,
    version: row.version,
    verifyJwt: row.verify_jwt,
    entrypointPath: row.entrypoint_path,
    importMapPath: row.import_map_path,
    databaseName: row.database_name,
    jwtSecret: row.jwt_secret,
    environmentStatus: row.status,
    ...(row.files ? { files: row.files } : {}),
  };
}

/** The latest version of a deployed function without its files (the gateway's per-request look-up). */
export function deployedFunctionHead(
  registry: pg.Pool | pg.Client,
  ref: string,
  slug: string,
): Promise<DeployedFunctionHead | undefined> {
  return latestVersion(registry, ref, slug, false);
}

/** The latest version of a deployed function, with its files; undefined when absent. */
export async function deployedFunction(
  registry: pg.Pool | pg.Client,
  ref: string,
  slug: string,
): Promise<DeployedFunction | undefined> {
  const fn = await latestVersion(registry, ref, slug, true);
  return fn && { ...fn, files: fn.files ?? [] };
}

/** Stores a new version of a function; returns the function as the hosted API does. */
export async function storeFunctionVersion(
  registry: pg.Pool,
  ref: string,
  options: DeployEdgeFunctionOptions,
): Promise<EdgeFunction> {
  const slug = options.name;
  assertSlug(slug);
  const files = options.files.map((f) => ({ name: normalizePath(f.name), content: f.content }));
  for (const f of files) assertFilePath(slug, f.name);
  const entrypoint = normalizePath(options.entrypoint_path || "index.ts");
  if (!files.some((f) => f.name === entrypoint)) {
    throw new Error(
      `Cannot deploy function ${slug}: its entrypoint ${entrypoint} is not among the files`,
    );
  }
  const importMap = options.import_map_path
    ? normalizePath(options.import_map_path)
    : files.find((f) => ["deno.json", "deno.jsonc", "import_map.json"].includes(f.name))?.name ??
      null;
  const verifyJwt = options.verify_jwt ?? true;
  const client = await registry.connect();
  try {
    await client.query("begin");
    const r = await client.query<FunctionRow>(
      `insert into platform.functions
         (project_ref, slug, name, version, verify_jwt, entrypoint_path, import_map_path)
       values ($1, $2, $2, 1, $3, $4, $5)
       on conflict (project_ref, slug) do update
         set version = platform.functions.version + 1, verify_jwt = excluded.verify_jwt,
             entrypoint_path = excluded.entrypoint_path,
             import_map_path = excluded.import_map_path, status = 'ACTIVE', updated_at = now()
       returning *`,
      [ref, slug, verifyJwt, entrypoint, importMap],
    );
    const row = r.rows[0]!;
    await client.query(
      `insert into platform.function_versions
         (function_id, version, verify_jwt, entrypoint_path, import_map_path, files)
       values ($1, $2, $3, $4, $5, $6)`,
      [row.id, row.version, verifyJwt, entrypoint, importMap, JSON.stringify(files)],
    );
    await client.query("commit");
    return edgeFunctionOf(row);
  } catch (e) {
    await client.query("rollback").catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

export function functionOperations(ctx: PlatformContext): EdgeFunctionsOperations {
  return {
    async listEdgeFunctions(ref) {
      await requireEnvironment(ctx, ref, `list the functions of project ${ref}`);
      const r = await ctx.registry.query<FunctionRow>(
        "select * from platform.functions where project_ref = $1 order by slug",
        [ref],
      );
      return r.rows.map(edgeFunctionOf);
    },

    async getEdgeFunction(ref, slug) {
      await requireEnvironment(ctx, ref, `get function ${slug} of project ${ref}`);
      const r = await ctx.registry.query<FunctionRow & { files: FunctionFile[] }>(
        `select f.*, v.files from platform.functions f
           join platform.function_versions v on v.function_id = f.id and v.version = f.version
          where f.project_ref = $1 and f.slug = $2`,
        [ref, slug],
      );
      const row = r.rows[0];
      if (!row) {
        throw new NotFoundError(`Cannot get function ${slug}: project ${ref} has no such function`);
      }
      return { ...edgeFunctionOf(row), files: row.files };
    },

    async deployEdgeFunction(ref, options) {
      await requireEnvironment(ctx, ref, `deploy function ${options.name} to project ${ref}`);
      return await storeFunctionVersion(ctx.registry, ref, options);
    },
  };
}
