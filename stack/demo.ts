/**
 * @module `deno task demo`: the product's main job on this machine. Brings the local stack up
 * and prints where everything is.
 */
import { up } from "./lifecycle.ts";

const status = await up((m) => console.error(`stack: ${m}`));
console.log(`vibe-architect control plane is up:
  API            ${status.API_URL}
  Functions      ${status.FUNCTIONS_URL}/{sessions,worker,drift_check}
  Database       ${status.DB_URL}
  Anon key       ${status.ANON_KEY}
Sign in a demo user with: npx -y deno@2 task stack token --email you@example.com`);
