/**
 * @module The environment functions as the pipeline deploys them: the pre-built bundles of
 * `drift_check` and `spec_gate` with the session's contract embedded.
 */
import { BUNDLES } from "./bundles.generated.ts";
import { embedContract } from "./embedded_contract.ts";
import type { EnvironmentFunctions } from "./source.ts";

export const bundledEnvironmentFunctions: EnvironmentFunctions = {
  files(slug, contract) {
    return {
      entrypoint: "index.js",
      files: [{ name: "index.js", content: embedContract(BUNDLES[slug], contract) }],
      verifyJwt: true,
    };
  },
};
