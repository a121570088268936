/** @module The `sessions` function: the public API the frontend calls. */
import type { Hono } from "hono";
import { type AppEnv, type AuthDeps, createFunctionApp } from "../http/function_app.ts";

export interface SessionsDeps {
  auth: AuthDeps;
}

export function createSessionsApp(deps: SessionsDeps): Hono<AppEnv> {
  return createFunctionApp("sessions", deps.auth);
}
