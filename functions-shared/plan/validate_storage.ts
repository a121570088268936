/**
 * @module Validation of a plan's Storage part: bucket ids usable in URLs and unique, policy
 * names valid and unique, every policy about a bucket of the plan and limited to it (its
 * expressions start from `bucket_id = '<bucket>'`), expressions that cannot escape their
 * parentheses, and USING/WITH CHECK present exactly where the command needs them.
 */
import { canonicalExpression, expressionProblem } from "../sql/expression.ts";
import { checkIdentifier } from "../sql/identifier.ts";
import { BUCKET_ID_PATTERN } from "../sql/storage_sql.ts";
import { type Plan, planStorage } from "./schema.ts";

/** Reports one problem at a plan path. */
export type StorageReport = (path: string, message: string) => void;

function repeated(values: readonly string[]): string[] {
  return values.filter((v, i) => values.indexOf(v) !== i);
}

/** Checks `plan.storage`; absent storage is valid. */
export function checkStorage(plan: Plan, report: StorageReport): void {
  const storage = planStorage(plan);
  const ids = storage.buckets.map((b) => b.id);
  for (const id of new Set(repeated(ids))) {
    report("storage.buckets", `Cannot define bucket "${id}" twice: keep one.`);
  }
  storage.buckets.forEach((bucket, i) => {
    if (!BUCKET_ID_PATTERN.test(bucket.id)) {
      report(
        `storage.buckets[${i}].id`,
        `Cannot use bucket id "${bucket.id}": use lowercase letters, digits and dashes.`,
      );
    }
  });
  for (const name of new Set(repeated(storage.policies.map((p) => p.name)))) {
    report("storage.policies", `Cannot define storage policy "${name}" twice: rename one.`);
  }
  storage.policies.forEach((policy, i) => {
    const path = `storage.policies[${i}]`;
    const check = checkIdentifier(policy.name);
    if (!check.ok) {
      report(`${path}.name`, `Cannot use storage policy name "${policy.name}": ${check.reason}.`);
    }
    if (!ids.includes(policy.bucket)) {
      report(
        `${path}.bucket`,
        `Cannot attach policy "${policy.name}" to bucket "${policy.bucket}": the plan has no such bucket.`,
      );
    }
    const needsUsing = policy.command !== "insert";
    const needsCheck = policy.command === "insert" || policy.command === "update" ||
      policy.command === "all";
    if (needsUsing !== (policy.using !== null)) {
      report(
        `${path}.using`,
        `Storage policy "${policy.name}" (${policy.command}) ${
          needsUsing ? "needs" : "cannot have"
        } a USING expression.`,
      );
    }
    if (!needsCheck && policy.withCheck !== null) {
      report(
        `${path}.withCheck`,
        `Storage policy "${policy.name}" (${policy.command}) cannot have a WITH CHECK expression.`,
      );
    }
    if (needsCheck && policy.withCheck === null) {
      report(
        `${path}.withCheck`,
        `Storage policy "${policy.name}" (${policy.command}) needs a WITH CHECK expression.`,
      );
    }
    const scope = `bucket_id = '${policy.bucket}'`;
    for (
      const [field, expression] of [["using", policy.using], [
        "withCheck",
        policy.withCheck,
      ]] as const
    ) {
      if (expression === null) continue;
      const problem = expressionProblem(expression);
      if (problem !== null) {
        report(
          `${path}.${field}`,
          `Cannot use the ${field} of storage policy "${policy.name}": ${problem}.`,
        );
      } else if (!canonicalExpression(expression).startsWith(canonicalExpression(scope))) {
        report(
          `${path}.${field}`,
          `Storage policy "${policy.name}" must be limited to its bucket: start its ${field} with ${scope}.`,
        );
      }
    }
  });
}
