/** @module Entry point of the `worker` Edge Function: read the environment, build, serve. */
import { readFunctionConfig } from "../../../functions-shared/config.ts";
import { createPool } from "../../../functions-shared/db/pool.ts";
import { bundledEnvironmentFunctions } from "../../../functions-shared/env_functions/bundled_functions.ts";
import { authDeps } from "../../../functions-shared/http/auth_deps.ts";
import { createWorkerApp } from "../../../functions-shared/worker/app.ts";
import {
  createPipelineFactory,
  readPipelineConfig,
} from "../../../functions-shared/worker/pipeline.ts";
import { readWorkerSettings } from "../../../functions-shared/worker/settings.ts";

const env = Deno.env.toObject();
const config = readFunctionConfig(env);
const pipeline = readPipelineConfig(env);
const pool = createPool(config.dbUrl);
const app = createWorkerApp({
  auth: authDeps(config),
  pool,
  settings: readWorkerSettings(env),
  pipeline: createPipelineFactory(pipeline, bundledEnvironmentFunctions, pool),
  crash: () => Deno.exit(137),
  secrets: pipeline.secrets,
});

Deno.serve(app.fetch);
