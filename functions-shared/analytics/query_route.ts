/**
 * @module `GET /sessions/:id/analytics` (run_analytics_query): the session owner's demo query
 * over the attached Iceberg table, run read-only in the environment through MCP, with its
 * provenance — the table and snapshot, the row count, a checksum, and when it ran. 409 when
 * the session has no analytics attached.
 */
import { Hono } from "hono";
import type pg from "../db/pg.ts";
import { HttpError } from "../http/errors.ts";
import type { AppEnv } from "../http/function_app.ts";
import { findSession } from "../sessions/store.ts";
import { isUuid } from "../text/uuid.ts";
import { analyticsQuerySql } from "./attach_sql.ts";
import { DEMO_DATASET } from "./demo_dataset.generated.ts";
import { provenance } from "./provenance.ts";
import type { AnalyticsQueryRunner } from "./query_runner.ts";

export interface AnalyticsRouteDeps {
  pool: pg.Pool;
  /** Null when the function cannot reach environments (no MCP target configured). */
  analytics: AnalyticsQueryRunner | null;
}

/** What configure_analytics recorded in the session's outputs. */
interface Attachment {
  source?: { location?: string; table?: string; snapshotId?: string };
}

export function analyticsRoutes(deps: AnalyticsRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/:id/analytics", async (c) => {
    const identity = c.get("identity");
    if (identity.role === "anon") {
      throw new HttpError(401, "Sign in first: send a user's access token as Bearer <JWT>");
    }
    const raw = c.req.param("id");
    if (!isUuid(raw)) throw new HttpError(400, "Session id must be a UUID");
    const session = await findSession(deps.pool, identity, raw.toLowerCase());
    if (!session) throw new HttpError(404, "Session not found");
    if (!session.options.enableAnalytics) {
      throw new HttpError(
        409,
        "Analytics was not configured for this session: create a session with " +
          "options.enableAnalytics = true",
      );
    }
    if (session.status !== "succeeded") {
      throw new HttpError(
        409,
        `Analytics is not attached: the build is ${session.status}; query it once it succeeded`,
      );
    }
    const attached = session.outputs?.analytics as Attachment | null | undefined;
    const ref = session.environment?.ref;
    const src = attached?.source;
    if (!src?.location || !src.table || !src.snapshotId || typeof ref !== "string") {
      throw new HttpError(
        409,
        "Analytics was not configured for this session: the build skipped it (see its " +
          "analytics_skipped event)",
      );
    }
    if (!deps.analytics) {
      throw new HttpError(
        503,
        "Cannot query analytics: the sessions function reaches environments through MCP; set " +
          "VIBE_ACCESS_TOKEN (hosted) or VIBE_MCP_URL",
      );
    }
    const started = performance.now();
    let rows: Record<string, unknown>[];
    try {
      rows = await deps.analytics.run(ref, analyticsQuerySql(DEMO_DATASET));
    } catch (e) {
      throw new HttpError(502, `Cannot query the environment's analytics: ${(e as Error).message}`);
    }
    const durationMs = Math.round(performance.now() - started);
    const prov = await provenance(
      { location: src.location, table: src.table, snapshotId: src.snapshotId },
      rows,
      new Date(),
    );
    return c.json({
      sessionId: session.id,
      rows,
      provenance: { ...prov, duration_ms: durationMs },
    });
  });

  return app;
}
