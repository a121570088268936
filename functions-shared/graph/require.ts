/** @module Preconditions of the nodes that build on earlier steps. */
import type { Environment } from "../mcp/provisioner.ts";
import type { ValidatedPlan } from "../plan/validate.ts";
import type { BuildStateType } from "./state.ts";

export function requirePlan(state: BuildStateType): ValidatedPlan {
  if (!state.plan) throw new Error("Cannot continue the build: no plan was generated");
  // The plan in state is the one generate_plan validated.
  return state.plan as ValidatedPlan;
}

export function requireEnvironment(state: BuildStateType): Environment {
  if (!state.environment) {
    throw new Error("Cannot continue the build: no environment was provisioned");
  }
  return state.environment;
}
