/**
 * @module The contract as an environment function finds it: a JSON string literal in its
 * bundle, put there at deploy time in place of {@link CONTRACT_PLACEHOLDER}.
 */
import type { EnvironmentContract } from "./source.ts";

/** The string literal a bundle carries until the pipeline deploys it with a contract. */
export const CONTRACT_PLACEHOLDER = "__VIBE_ENVIRONMENT_CONTRACT__";

export function parseEmbeddedContract(raw: string): EnvironmentContract {
  if (!raw.startsWith("{")) {
    throw new Error(
      "This function has no contract embedded: deploy it through the vibe-architect pipeline",
    );
  }
  return JSON.parse(raw) as EnvironmentContract;
}

/** Puts the contract into a bundle; the placeholder must occur exactly once. */
export function embedContract(bundle: string, contract: EnvironmentContract): string {
  const needle = JSON.stringify(CONTRACT_PLACEHOLDER);
  const parts = bundle.split(needle);
  if (parts.length !== 2) {
    throw new Error(
      `Cannot embed the contract: the bundle has ${parts.length - 1} placeholders, expected 1; ` +
        "regenerate the bundles with `deno task bundle-env`",
    );
  }
  return parts.join(JSON.stringify(JSON.stringify(contract)));
}
