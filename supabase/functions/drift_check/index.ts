/** @module Entry point of the `drift_check` Edge Function: read the environment, build, serve. */
import { readFunctionConfig } from "../../../functions-shared/config.ts";
import { createPool } from "../../../functions-shared/db/pool.ts";
import { createDriftCheckApp } from "../../../functions-shared/drift/sentinel/app.ts";
import {
  readSentinelConfig,
  sentinelConnector,
  writableConnector,
} from "../../../functions-shared/drift/sentinel/settings.ts";
import { bundledEnvironmentFunctions } from "../../../functions-shared/env_functions/bundled_functions.ts";
import { readReportTokenSecret } from "../../../functions-shared/env_functions/report_token.ts";
import {
  embedderNamed,
  type NamedEmbedder,
} from "../../../functions-shared/embed/embedder_by_name.ts";
import { authDeps } from "../../../functions-shared/http/auth_deps.ts";

const env = Deno.env.toObject();
const config = readFunctionConfig(env);
const sentinel = readSentinelConfig(env);
const reportTokenSecret = readReportTokenSecret(env, "drift_check");
// One embedder per name for the function's life (its configuration never changes): not a new
// Supabase.ai session or OpenAI client per environment checked.
const embedders = new Map<string, NamedEmbedder>();
function memoisedEmbedderNamed(name: string): NamedEmbedder {
  let named = embedders.get(name);
  if (!named) {
    named = embedderNamed(name, { openai: sentinel.openai });
    embedders.set(name, named);
  }
  return named;
}
const app = createDriftCheckApp({
  auth: authDeps(config),
  pool: createPool(config.dbUrl),
  connect: sentinelConnector(sentinel),
  embedderNamed: memoisedEmbedderNamed,
  concurrency: sentinel.concurrency,
  batchSize: sentinel.batchSize,
  secrets: sentinel.secrets,
  tokens: {
    reportTokenSecret,
    controlPlaneUrl: config.supabaseUrl,
    environmentFunctions: bundledEnvironmentFunctions,
    connectWritable: writableConnector(sentinel),
  },
});

Deno.serve(app.fetch);
