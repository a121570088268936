/** @module The `worker` function: steps builds, one graph node per invocation. */
import type { Hono } from "hono";
import { type AppEnv, type AuthDeps, createFunctionApp } from "../http/function_app.ts";

export interface WorkerDeps {
  auth: AuthDeps;
}

export function createWorkerApp(deps: WorkerDeps): Hono<AppEnv> {
  return createFunctionApp("worker", deps.auth);
}
