/**
 * @module Small edits of a draft plan the offline planner shares: grants, the policies a role
 * has for a command, finding the column a phrase names, adding checks and unique indexes.
 */

import { canonicalExpression } from "../../sql/expression.ts";
import { singular, snakeCase, tableNameFor } from "../../text/inflection.ts";
import type {
  Column,
  GrantRole,
  Plan,
  Policy,
  PolicyRole,
  Table,
  TablePrivilege,
} from "../schema.ts";
import { closeSpelling } from "./model.ts";

/** Adds privileges to a role's grant on a table; returns whether anything was added. */
export function addGrant(
  plan: Plan,
  table: string,
  role: GrantRole,
  privileges: readonly TablePrivilege[],
): boolean {
  const existing = plan.grants.find((grant) => grant.table === table && grant.role === role);
  if (existing === undefined) {
    plan.grants.push({ table, role, privileges: [...privileges] });
    return true;
  }
  const missing = privileges.filter((privilege) => !existing.privileges.includes(privilege));
  existing.privileges.push(...missing);
  return missing.length > 0;
}

/** The permissive policies a role has for a command on a table (including `all` policies). */
export function policiesFor(
  plan: Plan,
  table: string,
  command: Policy["command"],
  role: PolicyRole,
): Policy[] {
  return plan.policies.filter((policy) =>
    policy.table === table && policy.roles.includes(role) &&
    (policy.command === command || policy.command === "all")
  );
}

/** Where a phrase like "invoice numbers" or "the rollout percentage" points. */
export type FieldLocation =
  | { readonly ok: true; readonly matches: readonly { table: Table; column: Column }[] }
  | { readonly ok: false; readonly reason: string };

function columnNamed(table: Table, words: readonly string[]): Column | undefined {
  if (words.length === 0) return undefined;
  const name = snakeCase(words.join(" "));
  const last = words.at(-1) ?? "";
  const candidates = [name, snakeCase([...words.slice(0, -1), singular(last)].join(" "))];
  return table.columns.find((c) => candidates.includes(c.name)) ??
    table.columns.find((c) => candidates.some((n) => c.name.endsWith(`_${n}`) && n.length > 3)) ??
    table.columns.find((c) => candidates.some((n) => closeSpelling(c.name, n)));
}

/** The table a phrase names (plural, head noun or a close spelling), if any. */
export function tableNamed(plan: Plan, words: readonly string[]): Table | undefined {
  if (words.length === 0) return undefined;
  const name = tableNameFor(words.join(" "));
  const exact = plan.tables.find((t) => t.name === name);
  if (exact) return exact;
  const head = name.split("_").at(-1) ?? name;
  const byHead = plan.tables.filter((t) => t.name.split("_").at(-1) === head);
  if (byHead.length === 1) return byHead[0];
  const close = plan.tables.filter((t) => closeSpelling(t.name, name));
  return close.length === 1 ? close[0] : undefined;
}

/**
 * Resolves "<entity> <field>", "<field> of <entity>" or a bare "<field>" to columns. A bare
 * field matches every table that has it ("Prices must be positive" means every price).
 */
export function findField(
  plan: Plan,
  words: readonly string[],
  of: readonly string[] = [],
): FieldLocation {
  const clean = words.filter((w) =>
    !["the", "a", "an", "each", "every", "all", "their", "its"].includes(w)
  );
  if (of.length > 0) {
    const table = tableNamed(plan, of);
    const column = table && columnNamed(table, clean);
    if (table && column) return { ok: true, matches: [{ table, column }] };
  }
  for (let split = clean.length - 1; split >= 1; split--) {
    const table = tableNamed(plan, clean.slice(0, split));
    const column = table && columnNamed(table, clean.slice(split));
    if (table && column) return { ok: true, matches: [{ table, column }] };
  }
  const matches = plan.tables.flatMap((table) => {
    const column = columnNamed(table, clean);
    return column ? [{ table, column }] : [];
  });
  const newOnes = matches.filter((m) =>
    !["id", "created_at", "status", "title", "name"].includes(m.column.name) || matches.length === 1
  );
  if (newOnes.length > 0) return { ok: true, matches: newOnes };
  if (matches.length > 0) {
    return {
      ok: false,
      reason: `Cannot tell which table "${clean.join(" ")}" belongs to (${
        matches.map((m) => m.table.name).join(", ")
      }): name the table, e.g. "${singular(matches[0]?.table.name ?? "")} ${clean.join(" ")}".`,
    };
  }
  return {
    ok: false,
    reason: `Cannot find a column "${clean.join(" ")}" in any table: add it first, e.g. ` +
      `"<things> have a ${clean.join(" ") || "field"}".`,
  };
}

/** ANDs a condition into a column's check; returns whether it changed. */
export function addCheck(column: Column, condition: string): boolean {
  if (column.check === null) {
    column.check = condition;
    return true;
  }
  if (canonicalExpression(column.check) === canonicalExpression(condition)) return false;
  if (column.check.includes(condition)) return false;
  column.check = `(${column.check}) and (${condition})`;
  return true;
}
