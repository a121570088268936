/** @module Entry point of the `sessions` Edge Function: read the environment, build, serve. */
import { readFunctionConfig } from "../../../functions-shared/config.ts";
import { createPool } from "../../../functions-shared/db/pool.ts";
import { authDeps } from "../../../functions-shared/http/auth_deps.ts";
import { createSessionsApp } from "../../../functions-shared/sessions/app.ts";
import {
  httpDriftCheckClient,
  readDriftCheckClientConfig,
} from "../../../functions-shared/sessions/drift_check_client.ts";

const env = Deno.env.toObject();
const config = readFunctionConfig(env);
const app = createSessionsApp({
  auth: authDeps(config),
  pool: createPool(config.dbUrl),
  driftCheck: httpDriftCheckClient(readDriftCheckClientConfig(env)),
});

Deno.serve(app.fetch);
