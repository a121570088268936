/**
 * @module The `cleanup` function (service role only): `POST /cleanup` runs one pass that removes
 * the environments of builds failed or canceled longer than the TTL ago (pg_cron sends
 * `{"source":"cron"}` every 30 minutes), or only `{ "sessionId": … }`'s, if it is due.
 */
import type { Hono } from "hono";
import { z } from "zod";
import { HttpError } from "../http/errors.ts";
import {
  type AppEnv,
  type AuthDeps,
  createFunctionApp,
  requireServiceRole,
} from "../http/function_app.ts";
import { UUID_PATTERN } from "../text/uuid.ts";
import { type CleanupDeps, runCleanup } from "./environment_cleanup.ts";

/** What the cleanup app needs. */
export interface CleanupAppDeps extends CleanupDeps {
  readonly auth: AuthDeps;
}

const BodySchema = z.strictObject({
  source: z.string().max(40).optional(),
  sessionId: z.string().regex(UUID_PATTERN, "must be a UUID").optional(),
});

export function createCleanupApp(deps: CleanupAppDeps): Hono<AppEnv> {
  const app = createFunctionApp("cleanup", deps.auth);
  app.post("/", async (c) => {
    requireServiceRole(c.get("identity"));
    const raw = await c.req.text();
    let json: unknown = {};
    if (raw.trim()) {
      try {
        json = JSON.parse(raw);
      } catch {
        throw new HttpError(400, "Request body must be valid JSON");
      }
    }
    const parsed = BodySchema.safeParse(json);
    if (!parsed.success) {
      throw new HttpError(
        400,
        'Request body is invalid: send {} or { "sessionId": "<uuid>" }',
        parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`),
      );
    }
    const sessionId = parsed.data.sessionId?.toLowerCase();
    const pass = await runCleanup(deps, sessionId ? { sessionId } : {});
    return c.json({ source: parsed.data.source ?? "request", ...pass });
  });
  return app;
}
