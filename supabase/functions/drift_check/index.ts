/** @module Entry point of the `drift_check` Edge Function: read the environment, build, serve. */
import { readFunctionConfig } from "../../../functions-shared/config.ts";
import { createPool } from "../../../functions-shared/db/pool.ts";
import { createDriftCheckApp } from "../../../functions-shared/drift/sentinel/app.ts";
import {
  readSentinelConfig,
  sentinelConnector,
} from "../../../functions-shared/drift/sentinel/settings.ts";
import { embedderNamed } from "../../../functions-shared/embed/embedder_by_name.ts";
import { authDeps } from "../../../functions-shared/http/auth_deps.ts";

const env = Deno.env.toObject();
const config = readFunctionConfig(env);
const sentinel = readSentinelConfig(env);
const app = createDriftCheckApp({
  auth: authDeps(config),
  pool: createPool(config.dbUrl),
  connect: sentinelConnector(sentinel),
  embedderNamed: (name) => embedderNamed(name, { openai: sentinel.openai }),
  concurrency: sentinel.concurrency,
  batchSize: sentinel.batchSize,
  secrets: sentinel.secrets,
});

Deno.serve(app.fetch);
