/**
 * @module The local gateway's routes: `/functions/v1/<name>` for the control-plane functions,
 * admin endpoints for tests (`/_stack/...`), and health.
 */
import { hasServiceKey, rejectWithoutJwt } from "./function_auth.ts";
import type { FunctionSpec, FunctionSupervisor } from "./supervisor.ts";

export interface ControlPlaneFunctions {
  /** Names of the functions under supabase/functions. */
  names(): string[];
  spec(name: string): FunctionSpec;
  verifyJwt(name: string): boolean;
  /** Test-only environment overrides for one function (restarts it). */
  setOverrides(name: string, env: Record<string, string>): void;
}

export interface GatewayDeps {
  jwtSecret: string;
  serviceRoleKey: string;
  supervisor: FunctionSupervisor;
  functions: ControlPlaneFunctions;
}

const MAX_BODY = 10 * 1024 * 1024;

async function bufferedBody(req: Request): Promise<ArrayBuffer | null | Response> {
  if (req.method === "GET" || req.method === "HEAD" || !req.body) return null;
  const body = await req.arrayBuffer();
  if (body.byteLength > MAX_BODY) {
    return Response.json({ code: 413, message: "Request body too large" }, { status: 413 });
  }
  return body;
}

export function createGateway(deps: GatewayDeps): (req: Request) => Promise<Response> {
  return async (req) => {
    const url = new URL(req.url);
    const path = url.pathname;

    if (path === "/_stack/health") {
      return Response.json({ ok: true, functions: deps.supervisor.running() });
    }

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

    const fn = path.match(/^\/functions\/v1\/([A-Za-z0-9_-]+)(\/.*)?$/);
    if (fn) {
      const name = fn[1]!;
      if (!deps.functions.names().includes(name)) {
        return Response.json({ code: "NOT_FOUND", message: "Requested function was not found" }, {
          status: 404,
        });
      }
      if (deps.functions.verifyJwt(name)) {
        const rejected = await rejectWithoutJwt(req, deps.jwtSecret);
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
