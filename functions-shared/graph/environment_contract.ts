/**
 * @module The contract embedded in the functions deployed into an environment: the session,
 * its plan, the environment's model, and where (and with which derived token) to report drift.
 */
import type { Model } from "../drift/model.ts";
import { reportToken } from "../env_functions/report_token.ts";
import type { EnvironmentContract } from "../env_functions/source.ts";
import type { Plan } from "../plan/schema.ts";
import type { PipelineSettings } from "./context.ts";

/** Derived, not random: a re-run deploys the same token the control plane already knows. */
export async function environmentContract(
  settings: PipelineSettings,
  sessionId: string,
  plan: Plan,
  model: Model,
): Promise<EnvironmentContract> {
  return {
    sessionId,
    plan,
    model,
    reportUrl: `${settings.controlPlaneUrl}/functions/v1/drift_check/report`,
    reportToken: await reportToken(settings.reportTokenKey, sessionId),
  };
}
