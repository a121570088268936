/** @module Entry point of the `sessions` Edge Function: read the environment, build, serve. */
import { readFunctionConfig } from "../../../functions-shared/config.ts";
import { createPool } from "../../../functions-shared/db/pool.ts";
import { authDeps } from "../../../functions-shared/http/auth_deps.ts";
import { createSessionsApp } from "../../../functions-shared/sessions/app.ts";
import {
  driftCheckClientConfig,
  httpDriftCheckClient,
} from "../../../functions-shared/sessions/drift_check_client.ts";

const config = readFunctionConfig(Deno.env.toObject());
const app = createSessionsApp({
  auth: authDeps(config),
  pool: createPool(config.dbUrl),
  driftCheck: httpDriftCheckClient(driftCheckClientConfig(config)),
});

Deno.serve(app.fetch);
