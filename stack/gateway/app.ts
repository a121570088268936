/**
 * @module The local gateway's routes: `/functions/v1/<name>` for the control-plane functions,
 * `/env/<ref>/functions/v1/<slug>` for functions deployed into environments, `/mcp` for the
 * Supabase MCP server, admin endpoints for tests (`/_stack/...`), and health.
 */
import type { Jwk } from "../../functions-shared/auth/jwt.ts";
import type { EnvironmentFunctionHost } from "./environment_functions.ts";
import { hasServiceKey, rejectWithoutJwt } from "./function_auth.ts";
import type { FunctionSpec, FunctionSupervisor } from "./supervisor.ts";

export interface ControlPlaneFunctions {
  /** Whether supabase/functions/<name>/index.ts exists (one stat, no directory listing). */
  exists(name: string): Promise<boolean>;
  /** How to start the function; its environment is read only when a process starts. */
  spec(name: string): FunctionSpec;
  verifyJwt(name: string): boolean;
  /** Test-only environment overrides for one function (restarts it). */
  setOverrides(name: string, env: Record<string, string>): void;
}

export interface GatewayDeps {
  jwtSecret: string;
  /** The control plane's JWT signing keys (public JWKS), for tokens signed with them. */
  jwks?: Jwk[];
  serviceRoleKey: string;
  supervisor: FunctionSupervisor;
  functions: ControlPlaneFunctions;
  /** Functions deployed into environments (absent: `/env/...` answers 404). */
  environments?: EnvironmentFunctionHost;
  /** The MCP endpoint (absent: `/mcp` answers 404). */
  mcp?: { fetch(req: Request): Promise<Response> };
  /** The Realtime server, `/realtime/v1/*` (absent: 404). */
  realtime?: { handle(req: Request): Promise<Response> };
  /** Data API, Auth and Storage of the control plane and environments (absent: 404). */
  projectApis?: { handle(req: Request): Promise<Response | null> };
  /** The session console, `/console/*` (absent: 404). */
  console?: { handle(req: Request): Promise<Response> };
  /** Told of every request to an environment's functions, once it has been answered. */
  onEnvironmentRequest?: (request: EnvironmentRequest) => void;
}

/** A request to `/env/<ref>/functions/v1/<slug>…` and how it was answered. */
export interface EnvironmentRequest {
  ref: string;
  slug: string;
  method: string;
  /** Path and query as the client sent them. */
  path: string;
  status: number;
  durationMs: number;
  /** The function's version, when it exists. */
  version?: number;
}

const NOT_FOUND = { code: "NOT_FOUND", message: "Requested function was not found" };

const MAX_BODY = 10 * 1024 * 1024;

async function bufferedBody(req: Request): Promise<ArrayBuffer | null | Response> {
  if (req.method === "GET" || req.method === "HEAD" || !req.body) return null;
  const body = await req.arrayBuffer();
  if (body.byteLength > MAX_BODY) {
    return Response.json({ code: 413, message: "Request body too large" }, { status: 413 });
  }
  return body;
}

/** Serves an environment's function: 404, paused, verify_jwt, then the function itself. */
async function environmentFunction(
  deps: GatewayDeps,
  environments: EnvironmentFunctionHost,
  req: Request,
  target: { ref: string; slug: string; forwardPath: string },
): Promise<{ res: Response; version?: number }> {
  const resolved = await environments.resolve(target.ref, target.slug);
  if (!resolved) return { res: Response.json(NOT_FOUND, { status: 404 }) };
  const version = resolved.version;
  if (resolved.paused) {
    const res = Response.json({ code: "PROJECT_PAUSED", message: "Project is paused" }, {
      status: 503,
    });
    return { res, version };
  }
  if (resolved.verifyJwt) {
    const rejected = await rejectWithoutJwt(req, { jwtSecret: resolved.jwtSecret });
    if (rejected) return { res: rejected, version };
  }
  const body = await bufferedBody(req);
  if (body instanceof Response) return { res: body, version };
  const res = await deps.supervisor.forward(resolved.spec, req, body, target.forwardPath);
  return { res, version };
}

export function createGateway(deps: GatewayDeps): (req: Request) => Promise<Response> {
  return async (req) => {
    const url = new URL(req.url);
    const path = url.pathname;

    if (path === "/_stack/health") {
      return Response.json({ ok: true, functions: deps.supervisor.running() });
    }

    if (deps.realtime && path.startsWith("/realtime/v1/")) return deps.realtime.handle(req);
    if (deps.console && path.startsWith("/console/")) return deps.console.handle(req);

    const admin = path.match(/^\/_stack\/functions\/([a-z0-9_-]+)\/(kill|env)$/);
    if (admin) {
      if (!hasServiceKey(req, deps.serviceRoleKey)) {
        return Response.json({ message: "Admin endpoints need the service_role key" }, {
          status: 401,
        });
      }
      const [, name, action] = admin as unknown as [string, string, string];
      if (req.method !== "POST") return Response.json({ message: "Use POST" }, { status: 405 });
      if (action === "kill") return Response.json({ killed: deps.supervisor.kill(name) });
      const env = await req.json() as Record<string, string>;
      deps.functions.setOverrides(name, env);
      return Response.json({ ok: true });
    }

    if (path === "/mcp" && deps.mcp) return deps.mcp.fetch(req);

    const projectApi = await deps.projectApis?.handle(req);
    if (projectApi) return projectApi;

    const envFn = path.match(/^\/env\/([a-z][a-z0-9_]*)\/functions\/v1\/([A-Za-z0-9_-]+)(\/.*)?$/);
    if (envFn && deps.environments) {
      const [, ref, slug, rest] = envFn as unknown as [string, string, string, string | undefined];
      const started = performance.now();
      const { res, version } = await environmentFunction(deps, deps.environments, req, {
        ref,
        slug,
        forwardPath: `/${slug}${rest ?? ""}${url.search}`,
      });
      deps.onEnvironmentRequest?.({
        ref,
        slug,
        method: req.method,
        path: `${path}${url.search}`,
        status: res.status,
        durationMs: Math.round(performance.now() - started),
        ...(version === undefined ? {} : { version }),
      });
      return res;
    }
    const fn = path.match(/^\/functions\/v1\/([A-Za-z0-9_-]+)(\/.*)?$/);
    if (fn) {
      const name = fn[1]!;
      if (!(await deps.functions.exists(name))) {
        return Response.json(NOT_FOUND, { status: 404 });
      }
      if (deps.functions.verifyJwt(name)) {
        const rejected = await rejectWithoutJwt(req, {
          jwtSecret: deps.jwtSecret,
          jwks: deps.jwks,
        });
        if (rejected) return rejected;
      }
      const body = await bufferedBody(req);
      if (body instanceof Response) return body;
      // As on hosted, the function sees the path after /functions/v1.
      return deps.supervisor.forward(
        deps.functions.spec(name),
        req,
        body,
        `/${name}${fn[2] ?? ""}${url.search}`,
      );
    }

    return Response.json({ message: `No route for ${req.method} ${path}` }, { status: 404 });
  };
}
