/**
 * @module A browser can call the control-plane functions: over real HTTP through the gateway,
 * preflights (OPTIONS, no credentials) are answered even where verify_jwt = true, without
 * running anything, and every answer, errors included, carries the CORS headers; the allowed
 * headers cover everything supabase-js sends and the API's Idempotency-Key.
 */
import assert from "node:assert/strict";
import { corsHeaders as supabaseCorsHeaders } from "@supabase/supabase-js/cors";
import { corsHeaders } from "../../functions-shared/http/cors.ts";
import { callFunction, newUser, stack } from "../support/stack.ts";

const ORIGIN = "https://app.example.com";

function listed(value: string | null | undefined): string[] {
  return (value ?? "").split(",").map((h) => h.trim().toLowerCase()).filter(Boolean);
}

async function preflight(path: string, method: string, headers: string): Promise<Response> {
  const s = await stack();
  return await fetch(`${s.FUNCTIONS_URL}/${path}`, {
    method: "OPTIONS",
    headers: {
      origin: ORIGIN,
      "access-control-request-method": method,
      "access-control-request-headers": headers,
    },
  });
}

Deno.test("our CORS headers allow everything supabase-js sends, plus Idempotency-Key", () => {
  const ours = listed(corsHeaders["Access-Control-Allow-Headers"]!);
  for (const header of listed(supabaseCorsHeaders["Access-Control-Allow-Headers"])) {
    assert.ok(ours.includes(header), `supabase-js sends ${header}`);
  }
  assert.ok(ours.includes("idempotency-key"));
  assert.equal(corsHeaders["Access-Control-Allow-Origin"], "*");
});

Deno.test("preflights of every function are answered without credentials, before any handler", async () => {
  for (
    const [path, method] of [
      ["sessions", "POST"], // verify_jwt = true: the platform lets OPTIONS through
      ["sessions/00000000-0000-4000-8000-000000000000/events", "GET"],
      ["worker", "POST"],
      ["drift_check", "POST"],
    ] as const
  ) {
    const res = await preflight(path, method, "authorization, content-type, idempotency-key");
    assert.equal(res.status, 200, `OPTIONS ${path}`);
    assert.equal(await res.text(), "ok", "the preflight answer, not a handler's JSON");
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.ok(
      listed(res.headers.get("access-control-allow-methods")).includes(method.toLowerCase()),
    );
    for (const header of ["authorization", "content-type", "idempotency-key", "apikey"]) {
      assert.ok(listed(res.headers.get("access-control-allow-headers")).includes(header), header);
    }
  }
});

Deno.test("answers carry the CORS headers, errors included", async () => {
  const user = await newUser("cors");
  const ok = await callFunction("sessions/health", {
    token: user.token,
    headers: { origin: ORIGIN },
  });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("access-control-allow-origin"), "*");
  await ok.body?.cancel();
  const invalid = await callFunction("sessions", {
    method: "POST",
    token: user.token,
    headers: { origin: ORIGIN, "content-type": "application/json" },
    body: "{}",
  });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.headers.get("access-control-allow-origin"), "*", "a 400 is readable");
  await invalid.body?.cancel();
  const unauthenticated = await callFunction("worker", { method: "POST", token: null });
  assert.equal(unauthenticated.status, 401);
  assert.equal(unauthenticated.headers.get("access-control-allow-origin"), "*", "a 401 too");
  await unauthenticated.body?.cancel();
  const missing = await callFunction("sessions/no/such/route", { token: user.token });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get("access-control-allow-origin"), "*");
  await missing.body?.cancel();
});
