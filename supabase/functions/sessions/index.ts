/** @module Entry point of the `sessions` Edge Function: read the environment, build, serve. */
import { mcpAnalyticsRunner } from "../../../functions-shared/analytics/query_runner.ts";
import { readFunctionConfig } from "../../../functions-shared/config.ts";
import { createPool } from "../../../functions-shared/db/pool.ts";
import { authDeps } from "../../../functions-shared/http/auth_deps.ts";
import { type McpTarget, mcpTargetFrom } from "../../../functions-shared/mcp/target.ts";
import { knownSecrets } from "../../../functions-shared/redact.ts";
import { createSessionsApp } from "../../../functions-shared/sessions/app.ts";
import {
  driftCheckClientConfig,
  httpDriftCheckClient,
} from "../../../functions-shared/sessions/drift_check_client.ts";
import {
  readDriftCheckThrottle,
  throttledDriftCheck,
} from "../../../functions-shared/sessions/drift_check_throttle.ts";
import { readSessionLimits } from "../../../functions-shared/sessions/quota.ts";

const env = Deno.env.toObject();
const config = readFunctionConfig(env);
const limits = readSessionLimits(env);
const throttle = readDriftCheckThrottle(env);
const pool = createPool(config.dbUrl);
let mcp: McpTarget | null = null;
try {
  mcp = mcpTargetFrom(env, "analytics queries");
} catch (e) {
  console.warn((e as Error).message); // the analytics route answers 503 with the same advice
}
const app = createSessionsApp({
  auth: authDeps(config),
  pool,
  driftCheck: throttledDriftCheck(
    httpDriftCheckClient(driftCheckClientConfig(config)),
    pool,
    throttle,
  ),
  limits,
  analytics: mcp && mcpAnalyticsRunner(mcp, knownSecrets(env)),
});

Deno.serve(app.fetch);
