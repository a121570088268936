/** @module The Edge Functions every provisioned environment receives. */

import type { EdgeFunction } from "../schema.ts";

/** `drift_check` and `spec_gate`, both requiring a valid JWT. */
export function environmentEdgeFunctions(): EdgeFunction[] {
  return [
    {
      name: "drift_check",
      verifyJwt: true,
      description:
        "Checks this database against the plan (RLS enabled, required tables and policies) " +
        "and reports findings to the control plane.",
    },
    {
      name: "spec_gate",
      verifyJwt: true,
      description:
        "Answers whether applying a posted migration would break the plan: RLS disabled, a " +
        "required table or policy dropped, or a grant to anon widened.",
    },
  ];
}
