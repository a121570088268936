/** @module Where control-plane functions reach the MCP server, from their environment. */
import assert from "node:assert/strict";
import { mcpConnectOptions, mcpTargetFrom } from "../../functions-shared/mcp/target.ts";

Deno.test("VIBE_MCP_URL wins, with the service key as bearer; read-only adds the query flag", () => {
  const target = mcpTargetFrom({
    VIBE_MCP_URL: "http://127.0.0.1:54321/mcp",
    SUPABASE_SERVICE_ROLE_KEY: "service",
    VIBE_ACCESS_TOKEN: "sbp_x",
  }, "the worker");
  assert.deepEqual(target, {
    kind: "remote",
    url: "http://127.0.0.1:54321/mcp",
    bearer: "service",
  });
  const opts = mcpConnectOptions(target, { secrets: ["service"], readOnly: true }) as {
    url: string;
  };
  assert.equal(opts.url, "http://127.0.0.1:54321/mcp?read_only=true");
});

Deno.test("an access token selects the in-process server with the Management API platform", () => {
  const target = mcpTargetFrom(
    { VIBE_ACCESS_TOKEN: "sbp_x", VIBE_API_URL: "http://api" },
    "w",
  );
  assert.deepEqual(target, { kind: "hosted", accessToken: "sbp_x", apiUrl: "http://api" });
  const opts = mcpConnectOptions(target, { secrets: [], readOnly: true });
  assert.ok("platform" in opts && opts.readOnly === true);
});

Deno.test("without either, the error says what to set", () => {
  assert.throws(
    () => mcpTargetFrom({}, "drift_check"),
    /Cannot start drift_check: .*VIBE_ACCESS_TOKEN.*VIBE_MCP_URL/,
  );
  assert.throws(
    () => mcpTargetFrom({ VIBE_MCP_URL: "http://x/mcp" }, "w"),
    /SUPABASE_SERVICE_ROLE_KEY/,
  );
});
