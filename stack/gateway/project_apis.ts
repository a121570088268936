/**
 * @module The project APIs the gateway serves besides functions: the Data API (`/rest/v1`), Auth
 * (`/auth/v1`) and Storage (`/storage/v1`), for the control plane at the API URL and for each
 * environment at `/env/<ref>/…` (its own database and JWT secret, read from the registry and
 * kept for a second).
 */
import type pg from "../../functions-shared/db/pg.ts";
import { type AuthApi, createAuthApi } from "../auth/server.ts";
import type { DatabasePools } from "../data_api/database_pools.ts";
import { checkApiKey, createDataApi, type DataApi } from "../data_api/server.ts";
import { createStorageApi, type StorageApi } from "../storage/server.ts";
import { environmentUrl } from "../platform/environments.ts";

/** A project the APIs answer for. */
interface Project {
  readonly database: string;
  readonly jwtSecret: string;
  /** The project's API URL (the control plane's, or `{API_URL}/env/<ref>`). */
  readonly url: string;
  readonly paused: boolean;
}

/** Options of {@linkcode projectApis}. */
export interface ProjectApisOptions {
  /** The local platform's registry (environments and their secrets). */
  readonly registry: pg.Pool;
  readonly pools: DatabasePools;
  readonly apiUrl: string;
  /** Where Storage keeps object bytes. */
  readonly storageDir: string;
  /** The control plane's database and JWT secret. */
  readonly controlPlane: { readonly database: string; readonly jwtSecret: string };
}

/** Answers project API requests; `null` for any other path. */
export interface ProjectApis {
  handle(req: Request): Promise<Response | null>;
}

const ROUTE = /^(?:\/env\/([a-z][a-z0-9_]*))?\/(rest|auth|storage)\/v1(\/.*)?$/;
const CACHE_MS = 1000;

export function projectApis(opts: ProjectApisOptions): ProjectApis {
  const data: DataApi = createDataApi({ pools: opts.pools });
  const auth: AuthApi = createAuthApi({ pools: opts.pools, checkApiKey });
  const storage: StorageApi = createStorageApi({ pools: opts.pools, rootDir: opts.storageDir });
  const environments = new Map<string, { at: number; project: Project | null }>();
  const controlPlane: Project = {
    database: opts.controlPlane.database,
    jwtSecret: opts.controlPlane.jwtSecret,
    url: opts.apiUrl,
    paused: false,
  };

  async function environment(ref: string): Promise<Project | null> {
    const cached = environments.get(ref);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.project;
    const r = await opts.registry.query<
      { database_name: string; jwt_secret: string; status: string }
    >(
      "select database_name, jwt_secret, status from platform.environments where ref = $1",
      [ref],
    );
    const row = r.rows[0];
    const project = row
      ? {
        database: row.database_name,
        jwtSecret: row.jwt_secret,
        url: environmentUrl(opts.apiUrl, ref),
        paused: row.status === "INACTIVE",
      }
      : null;
    if (!project && cached?.project) await opts.pools.drop(cached.project.database);
    environments.set(ref, { at: Date.now(), project });
    return project;
  }

  return {
    async handle(req) {
      const path = new URL(req.url).pathname;
      const m = ROUTE.exec(path);
      if (!m) return null;
      const [, ref, api, rest] = m as unknown as [string, string | undefined, string, string?];
      const project = ref === undefined ? controlPlane : await environment(ref);
      if (!project) {
        return Response.json({ message: `Project ${ref} not found` }, { status: 404 });
      }
      if (project.paused) {
        return Response.json({ code: "PROJECT_PAUSED", message: "Project is paused" }, {
          status: 503,
        });
      }
      const below = rest ?? "/";
      if (api === "rest") return await data.handle(req, project, below);
      if (api === "auth") {
        return await auth.handle(req, { ...project, issuer: `${project.url}/auth/v1` }, below);
      }
      return await storage.handle(req, project, below);
    },
  };
}
