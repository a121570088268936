/**
 * @module The contract embedded in the functions deployed into an environment: the session,
 * its plan, the environment's model, and where (and with which derived token) to report drift.
 */
import type { Model } from "../drift/model.ts";
import type { EnvironmentContract } from "../env_functions/source.ts";
import type { Plan } from "../plan/schema.ts";
import type { PipelineSettings } from "./context.ts";

/**
 * The contract to embed. `reportToken` is the session's current reporting token
 * (`deployedReportToken`): derived, not random, so a re-run deploys the token the control plane
 * already knows.
 */
export function environmentContract(
  settings: PipelineSettings,
  sessionId: string,
  plan: Plan,
  model: Model,
  reportToken: string,
): EnvironmentContract {
  return {
    sessionId,
    plan,
    model,
    reportUrl: `${settings.controlPlaneUrl}/functions/v1/drift_check/report`,
    reportToken,
  };
}
