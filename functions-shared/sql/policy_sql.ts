/**
 * @module One policy statement, for tables of the plan and for `storage.objects` alike:
 * `drop policy if exists` then `create policy`, so applying it again changes nothing.
 */
import type { Policy } from "../plan/schema.ts";
import { quoteIdent, toIdentifier } from "./identifier.ts";

/** What a policy statement needs: its name, command, roles and conditions. */
export type PolicyClauses = Pick<Policy, "name" | "command" | "roles" | "using" | "withCheck">;

/**
 * `drop policy if exists` + `create policy ... as permissive for <command> to <roles>` on
 * `target` (an already quoted, qualified table name).
 */
export function createPolicySql(policy: PolicyClauses, target: string): string {
  const name = quoteIdent(toIdentifier(policy.name));
  const lines = [
    `create policy ${name} on ${target}`,
    "  as permissive",
    `  for ${policy.command}`,
    `  to ${[...new Set(policy.roles)].join(", ")}`,
  ];
  if (policy.using !== null) lines.push(`  using (${policy.using})`);
  if (policy.withCheck !== null) lines.push(`  with check (${policy.withCheck})`);
  return `drop policy if exists ${name} on ${target};\n${lines.join("\n")};`;
}
