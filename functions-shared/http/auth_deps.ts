/** @module Builds the identity dependencies of a function from its configuration. */
import { createTokenVerifier } from "../auth/identity.ts";
import type { FunctionConfig } from "../config.ts";
import type { AuthDeps } from "./function_app.ts";

export function authDeps(config: FunctionConfig): AuthDeps {
  return {
    verifier: createTokenVerifier({
      jwtSecret: config.jwtSecret,
      jwks: config.jwks,
      userIssuers: config.userIssuers,
    }),
    secretKeys: config.secretKeys,
    publishableKeys: config.publishableKeys,
  };
}
