/** @module Entry point of the `drift_check` Edge Function: read the environment, build, serve. */
import { readFunctionConfig } from "../../../functions-shared/config.ts";
import { authDeps } from "../../../functions-shared/http/auth_deps.ts";
import { createDriftCheckApp } from "../../../functions-shared/drift/app.ts";

const config = readFunctionConfig(Deno.env.toObject());
const app = createDriftCheckApp({ auth: authDeps(config) });

Deno.serve(app.fetch);
