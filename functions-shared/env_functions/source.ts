/**
 * @module The Edge Functions the pipeline deploys into each environment (`drift_check`,
 * `spec_gate`): one bundled file each, with the session's contract embedded.
 */
import type { Model } from "../drift/model.ts";
import type { Plan } from "../plan/schema.ts";

/** What an environment's functions know about the build that made it. */
export interface EnvironmentContract {
  sessionId: string;
  plan: Plan;
  /** The environment as built: the model drift is measured against. */
  model: Model;
  /** Where `drift_check` reports findings (the control plane's drift_check function). */
  reportUrl: string;
  /** The environment's revocable reporting token (the control plane keeps only its hash). */
  reportToken: string;
}

export type EnvironmentFunctionSlug = "drift_check" | "spec_gate";

/** A function ready for `deploy_edge_function`. */
export interface EnvironmentFunctionFiles {
  entrypoint: string;
  files: { name: string; content: string }[];
  verifyJwt: boolean;
}

export interface EnvironmentFunctions {
  files(slug: EnvironmentFunctionSlug, contract: EnvironmentContract): EnvironmentFunctionFiles;
}
