/** @module Entry point of the `worker` Edge Function: read the environment, build, serve. */
import { readFunctionConfig } from "../../../functions-shared/config.ts";
import { authDeps } from "../../../functions-shared/http/auth_deps.ts";
import { createWorkerApp } from "../../../functions-shared/worker/app.ts";

const config = readFunctionConfig(Deno.env.toObject());
const app = createWorkerApp({ auth: authDeps(config) });

Deno.serve(app.fetch);
