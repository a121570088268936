/**
 * @module The `sessions` function: the public API the frontend calls. Besides the three frozen
 * routes: cancel, and drift (`GET /:id/drift` open alerts, `POST /:id/drift/check` on demand).
 */
import type { Hono } from "hono";
import { analyticsRoutes } from "../analytics/query_route.ts";
import type { AnalyticsQueryRunner } from "../analytics/query_runner.ts";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Identity } from "../auth/identity.ts";
import type pg from "../db/pg.ts";
import { readJsonBody } from "../http/json_body.ts";
import { HttpError } from "../http/errors.ts";
import { type AppEnv, type AuthDeps, createFunctionApp } from "../http/function_app.ts";
import { isUuid } from "../text/uuid.ts";
import { CreateSessionSchema, fieldErrors, MAX_BODY_BYTES } from "./body.ts";
import { type DriftCheckClient, DriftCheckUnavailableError } from "./drift_check_client.ts";
import { healthReport } from "./health.ts";
import {
  DEFAULT_SESSION_LIMITS,
  quotaExceeded,
  requireEnvironmentModeAllowed,
  type SessionLimits,
} from "./quota.ts";
import {
  cancelSession,
  createSession,
  findSession,
  listEvents,
  listOpenDriftAlerts,
  sessionVisible,
  UnknownUserError,
} from "./store.ts";

export interface SessionsDeps {
  auth: AuthDeps;
  pool: pg.Pool;
  /** Runs on-demand drift checks (the drift_check function). */
  driftCheck: DriftCheckClient;
  /** Per-user build quotas and the project-mode allowlist (default: DEFAULT_SESSION_LIMITS). */
  limits?: SessionLimits;
  /** Runs analytics queries in environments (`GET /:id/analytics`); null when unreachable. */
  analytics: AnalyticsQueryRunner | null;
}

const MAX_EVENTS = 1000;

function sessionId(raw: string): string {
  if (!isUuid(raw)) throw new HttpError(400, "Session id must be a UUID");
  return raw.toLowerCase();
}

/**
 * Anonymous callers may reach only /health. Users of Supabase Auth's anonymous sign-ins carry
 * the `authenticated` role too, but `is_anonymous: true`: they may not build (each build costs a
 * branch or a project), so they are refused on every route.
 */
function requireSignedIn(identity: Identity): void {
  if (identity.role === "anon") {
    throw new HttpError(401, "Sign in first: send a user's access token as Bearer <JWT>");
  }
  if (identity.role === "authenticated" && identity.claims.is_anonymous === true) {
    throw new HttpError(
      403,
      "Anonymous sign-ins cannot use the sessions API: sign in with an account (email, OAuth, …)",
    );
  }
}

function notFound(): HttpError {
  return new HttpError(404, "Session not found");
}

export function createSessionsApp(deps: SessionsDeps): Hono<AppEnv> {
  const app = createFunctionApp("sessions", deps.auth, {
    healthReport: () => healthReport(deps.pool),
  });

  app.post(
    "/",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        c.json({ error: `Request body must be at most ${MAX_BODY_BYTES} bytes` }, 413),
    }),
    async (c) => {
      const identity = c.get("identity");
      requireSignedIn(identity);
      if (identity.role !== "authenticated") {
        throw new HttpError(403, "Sessions belong to a signed-in user: call with a user's JWT");
      }
      const parsed = CreateSessionSchema.safeParse(await readJsonBody(c));
      if (!parsed.success) {
        throw new HttpError(400, "Request body is invalid", fieldErrors(parsed.error));
      }
      const key = c.req.header("idempotency-key") ?? null;
      if (key !== null && !/^[\x21-\x7e]{1,255}$/.test(key)) {
        throw new HttpError(400, "Idempotency-Key must be 1 to 255 visible ASCII characters");
      }
      const limits = deps.limits ?? DEFAULT_SESSION_LIMITS;
      requireEnvironmentModeAllowed(
        limits,
        { userId: identity.userId, email: identity.claims.email },
        parsed.data.options.environmentMode,
      );
      let result;
      try {
        result = await createSession(deps.pool, identity.userId, parsed.data, key, limits);
      } catch (e) {
        if (e instanceof UnknownUserError) {
          throw new HttpError(401, "Your user no longer exists: sign in again with an account");
        }
        throw e;
      }
      if (result.kind === "over_quota") throw quotaExceeded(result);
      if (result.kind === "key_reused") {
        throw new HttpError(
          422,
          "Idempotency-Key was already used with a different body: use a new key for a new session",
        );
      }
      return c.json({ sessionId: result.id }, result.kind === "created" ? 201 : 200);
    },
  );

  app.get("/:id", async (c) => {
    const identity = c.get("identity");
    requireSignedIn(identity);
    const session = await findSession(deps.pool, identity, sessionId(c.req.param("id")));
    if (!session) throw notFound();
    return c.json(session);
  });

  app.get("/:id/events", async (c) => {
    const identity = c.get("identity");
    requireSignedIn(identity);
    const afterRaw = c.req.query("after") ?? "0";
    if (!/^\d{1,9}$/.test(afterRaw)) {
      throw new HttpError(400, "after must be a non-negative integer (the last seq you have)");
    }
    const events = await listEvents(
      deps.pool,
      identity,
      sessionId(c.req.param("id")),
      Number(afterRaw),
      MAX_EVENTS,
    );
    if (!events) throw notFound();
    return c.json(events);
  });

  app.post("/:id/cancel", async (c) => {
    const identity = c.get("identity");
    requireSignedIn(identity);
    const id = sessionId(c.req.param("id"));
    const result = await cancelSession(deps.pool, identity, id);
    if (result === "not_found") throw notFound();
    if (result === "finished") {
      throw new HttpError(409, "Session already finished; nothing to cancel");
    }
    return c.json({ sessionId: id, cancelRequested: true }, 202);
  });

  app.get("/:id/drift", async (c) => {
    const identity = c.get("identity");
    requireSignedIn(identity);
    const id = sessionId(c.req.param("id"));
    const alerts = await listOpenDriftAlerts(deps.pool, identity, id);
    if (!alerts) throw notFound();
    return c.json({ sessionId: id, open: alerts.length, alerts });
  });

  app.post("/:id/drift/check", async (c) => {
    const identity = c.get("identity");
    requireSignedIn(identity);
    const id = sessionId(c.req.param("id"));
    if (!(await sessionVisible(deps.pool, identity, id))) throw notFound();
    try {
      const result = await deps.driftCheck.check(id);
      return c.json(result.body as Record<string, unknown>, result.status as ContentfulStatusCode);
    } catch (e) {
      if (e instanceof DriftCheckUnavailableError) throw new HttpError(503, e.message);
      throw e;
    }
  });

  app.route("/", analyticsRoutes({ pool: deps.pool, analytics: deps.analytics }));

  return app;
}
