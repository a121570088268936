/**
 * @module CORS for the control-plane functions, per Supabase's recipe for Edge Functions: the
 * headers `@supabase/supabase-js/cors` exports (every header the client libraries send; a test
 * keeps the list a superset of it) plus `idempotency-key`, which `POST /sessions` takes, and a
 * preflight (`OPTIONS`) answered before anything else runs. The platform's verify_jwt check lets
 * OPTIONS through without credentials, so preflights reach the app even where verify_jwt = true.
 */
import type { MiddlewareHandler } from "hono";

/** The CORS headers on every response of a control-plane function. */
export const corsHeaders: Readonly<Record<string, string>> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "authorization, x-client-info, apikey, content-type, " +
    "x-retry-count, traceparent, tracestate, baggage, idempotency-key",
  "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
  "Access-Control-Max-Age": "86400",
};

/**
 * Answers preflights with 200 `ok` and the CORS headers, without authentication and without
 * running any handler; adds the headers to every other response (errors included, so a browser
 * can read why a request failed).
 */
export function cors(): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === "OPTIONS") return c.body("ok", 200, { ...corsHeaders });
    await next();
    for (const [name, value] of Object.entries(corsHeaders)) c.res.headers.set(name, value);
  };
}
