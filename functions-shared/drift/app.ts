/** @module The `drift_check` function: compares provisioned backends with their contract. */
import type { Hono } from "hono";
import { type AppEnv, type AuthDeps, createFunctionApp } from "../http/function_app.ts";

export interface DriftCheckDeps {
  auth: AuthDeps;
}

export function createDriftCheckApp(deps: DriftCheckDeps): Hono<AppEnv> {
  return createFunctionApp("drift_check", deps.auth);
}
