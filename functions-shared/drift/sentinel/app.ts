/**
 * @module The `drift_check` function (deployed with `verify_jwt = false`; the app verifies
 * callers itself):
 * - `POST /drift_check` (service role): a sentinel pass over every watched environment (pg_cron
 *   sends `{"source":"cron"}` every 5 minutes), or over one with `{ "sessionId": … }`.
 * - `POST /drift_check/report` (an environment's reporting token, no JWT): the findings an
 *   environment's own drift_check found, recorded like the sentinel's.
 * - `POST /drift_check/tokens/:sessionId/revoke` (service role): refuse that environment's
 *   reports from now on.
 * - `POST /drift_check/tokens/:sessionId/reissue` (service role): redeploy the environment's
 *   drift_check with the next generation's token and accept only that one from now on.
 */
import type { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { HttpError } from "../../http/errors.ts";
import {
  type AppEnv,
  type AuthDeps,
  createFunctionApp,
  requireServiceRole,
} from "../../http/function_app.ts";
import { isUuid, UUID_PATTERN } from "../../text/uuid.ts";
import {
  bearerToken,
  checkEnvironmentToken,
  MAX_REPORT_BYTES,
  parseEnvironmentReport,
  revokeToken,
} from "./environment_report.ts";
import { recordDrift } from "./record_drift.ts";
import { runSentinel, type SentinelDeps, SessionNotCheckableError } from "./sentinel.ts";
import {
  reissueEnvironmentToken,
  type TokenReissueDeps,
  TokenReissueError,
} from "./token_reissue.ts";

/** What the drift_check app needs. */
export interface DriftCheckDeps extends SentinelDeps {
  readonly auth: AuthDeps;
  /** What reissuing reporting tokens needs (absent: the reissue route answers 501). */
  readonly tokens?: Omit<TokenReissueDeps, "pool" | "secrets">;
}

const CheckBodySchema = z.object({
  source: z.string().max(40).optional(),
  sessionId: z.string().regex(UUID_PATTERN, "must be a UUID").optional(),
});

async function jsonBody(req: { text(): Promise<string> }): Promise<unknown> {
  const raw = await req.text();
  if (raw.trim() === "") return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw new HttpError(400, "Request body must be valid JSON");
  }
}

const INVALID_TOKEN = "Invalid or revoked environment token: send the environment's reporting " +
  "token as Bearer <token> for the session named in the body";

export function createDriftCheckApp(deps: DriftCheckDeps): Hono<AppEnv> {
  const app = createFunctionApp("drift_check", deps.auth, { publicPaths: ["/report"] });

  app.post("/", async (c) => {
    requireServiceRole(c.get("identity"));
    const parsed = CheckBodySchema.safeParse(await jsonBody(c.req));
    if (!parsed.success) {
      throw new HttpError(
        400,
        'Request body is invalid: send {} or { "sessionId": "<uuid>" }',
        parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`),
      );
    }
    const sessionId = parsed.data.sessionId?.toLowerCase();
    try {
      const pass = await runSentinel(deps, sessionId ? { sessionId } : {});
      if (sessionId) {
        const [error] = pass.errors;
        if (error) throw new HttpError(502, error.error, { sessionId });
        return c.json({ sessionId, ...pass.environments[0] });
      }
      return c.json({ source: parsed.data.source ?? "request", ...pass });
    } catch (e) {
      if (e instanceof SessionNotCheckableError) {
        throw new HttpError(e.reason === "not_found" ? 404 : 409, e.message);
      }
      throw e;
    }
  });

  app.post(
    "/report",
    bodyLimit({
      maxSize: MAX_REPORT_BYTES,
      onError: (c) =>
        c.json({ error: `Report body must be at most ${MAX_REPORT_BYTES} bytes` }, 413),
    }),
    async (c) => {
      const token = bearerToken(c.req.header("authorization"));
      if (!token) throw new HttpError(401, INVALID_TOKEN);
      const body = await jsonBody(c.req);
      const sessionId = (body as { sessionId?: unknown } | null)?.sessionId;
      if (typeof sessionId !== "string" || !isUuid(sessionId)) {
        throw new HttpError(400, 'Report body must name its session: { "sessionId": "<uuid>" }');
      }
      const check = await checkEnvironmentToken(deps.pool, sessionId.toLowerCase(), token);
      if (!check.ok) throw new HttpError(401, INVALID_TOKEN);
      const parsed = parseEnvironmentReport(body);
      if (!parsed.ok) throw new HttpError(400, "Report body is invalid", parsed.errors);
      const recorded = await recordDrift(deps, {
        sessionId: parsed.report.sessionId,
        environmentRef: check.environmentRef,
        source: "environment",
        findings: parsed.report.findings,
      });
      return c.json({
        sessionId: parsed.report.sessionId,
        drift: parsed.report.findings.length,
        newAlerts: recorded.newAlerts,
        resolved: recorded.resolved.length,
        open: recorded.open,
        events: recorded.events,
      });
    },
  );

  app.post("/tokens/:sessionId/revoke", async (c) => {
    requireServiceRole(c.get("identity"));
    const sessionId = c.req.param("sessionId");
    if (!isUuid(sessionId)) throw new HttpError(400, "Session id must be a UUID");
    const revoked = await revokeToken(deps.pool, sessionId.toLowerCase());
    if (!revoked) {
      throw new HttpError(
        404,
        "No environment token for this session: its build has not deployed drift_check yet",
      );
    }
    return c.json({ ...revoked, revoked: true });
  });

  app.post("/tokens/:sessionId/reissue", async (c) => {
    requireServiceRole(c.get("identity"));
    const sessionId = c.req.param("sessionId");
    if (!isUuid(sessionId)) throw new HttpError(400, "Session id must be a UUID");
    if (!deps.tokens) {
      throw new HttpError(
        501,
        "This drift_check cannot reissue tokens: set VIBE_REPORT_TOKEN_SECRET",
      );
    }
    try {
      const reissued = await reissueEnvironmentToken(
        { ...deps.tokens, pool: deps.pool, ...(deps.secrets ? { secrets: deps.secrets } : {}) },
        sessionId.toLowerCase(),
      );
      return c.json({ ...reissued, reissued: true });
    } catch (e) {
      if (e instanceof TokenReissueError) throw new HttpError(e.status, e.message);
      throw e;
    }
  });

  return app;
}
