/** @module Errors a node throws when retrying cannot help (the build fails at once). */

/** A failure that no retry can fix, e.g. an invalid plan: the build finalizes as failed. */
export class PermanentStepError extends Error {
  override name = "PermanentStepError";
}
