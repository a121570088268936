/**
 * @module The `worker` function (service role only): each POST runs one build step. pg_cron
 * calls it as a safety net; every committed step (and every new session) kicks it again.
 */
import type { Hono } from "hono";
import {
  type AppEnv,
  type AuthDeps,
  createFunctionApp,
  requireServiceRole,
} from "../http/function_app.ts";
import { runOneStep, type WorkerDeps } from "./step.ts";

export interface WorkerAppDeps extends WorkerDeps {
  auth: AuthDeps;
}

export function createWorkerApp(deps: WorkerAppDeps): Hono<AppEnv> {
  const app = createFunctionApp("worker", deps.auth);
  app.post("/", async (c) => {
    requireServiceRole(c.get("identity"));
    const outcome = await runOneStep(deps);
    return c.json(outcome);
  });
  return app;
}
