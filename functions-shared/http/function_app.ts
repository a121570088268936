/**
 * @module The shape every control-plane function app shares: a Hono app under
 * `basePath("/<function>")`, CORS (preflights answered first), the caller's identity on the
 * context, `GET /health`, and the single error handler. Identity is verified here, on every route, whatever the gateway's
 * `verify_jwt` says; only paths declared public authenticate their callers themselves.
 */
import { Hono } from "hono";
import { identify, type Identity, type TokenVerifier } from "../auth/identity.ts";
import { cors } from "./cors.ts";
import { HttpError, renderError } from "./errors.ts";

export type AppEnv = { Variables: { identity: Identity } };

/** What {@link createFunctionApp} needs to identify callers. */
export interface AuthDeps {
  verifier: TokenVerifier;
  /** The project's secret keys (`sb_secret_…`): the service role. */
  secretKeys: readonly string[];
  /** The project's publishable keys (`sb_publishable_…`): anon. */
  publishableKeys?: readonly string[];
}

/** Options for {@link createFunctionApp}. */
export interface FunctionAppOptions {
  /** The detailed health report the service role gets from `GET /health` (503 when not ok). */
  healthReport?: () => Promise<{ ok: boolean }>;
  /**
   * Paths under the function (e.g. `/report`) whose handlers authenticate callers themselves
   * with something other than a JWT (an environment's reporting token, say), so the function
   * can be deployed with `verify_jwt = false`. Exact matches only; every other path still
   * requires a valid JWT or secret key. Handlers of public paths must not read `identity`.
   */
  publicPaths?: readonly string[];
}

/**
 * A Hono app for one function; every route requires a valid JWT (anon included) except the
 * `publicPaths`. `GET /health` answers `{ ok }` to any caller, and the detailed report to the
 * service role.
 */
export function createFunctionApp(
  name: string,
  auth: AuthDeps,
  opts: FunctionAppOptions = {},
): Hono<AppEnv> {
  const app = new Hono<AppEnv>().basePath(`/${name}`);
  app.onError(renderError);
  app.notFound((c) => c.json({ error: `No route for ${c.req.method} ${c.req.path}` }, 404));
  const publicPaths = new Set((opts.publicPaths ?? []).map((p) => `/${name}${p}`));
  app.use("*", cors());
  app.use("*", async (c, next) => {
    if (publicPaths.has(c.req.path)) return await next();
    c.set(
      "identity",
      await identify(c.req.raw, auth.verifier, auth.secretKeys, auth.publishableKeys),
    );
    await next();
  });
  app.get("/health", async (c) => {
    if (opts.healthReport && c.get("identity").role === "service_role") {
      const report = await opts.healthReport();
      return c.json(report, report.ok ? 200 : 503);
    }
    return c.json({ ok: true });
  });
  return app;
}

/** Throws 401/403 unless the caller is the service role. */
export function requireServiceRole(identity: Identity): void {
  if (identity.role !== "service_role") {
    throw new HttpError(403, "Only the service role may call this endpoint");
  }
}
