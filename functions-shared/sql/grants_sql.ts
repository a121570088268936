/** @module Exact table privileges as REVOKE + GRANT statements, and quoted plan table names. */

import type { Grant, GrantRole, TablePrivilege } from "../plan/schema.ts";
import { qualified, toIdentifier } from "./identifier.ts";

/** `"public"."<table>"`: every plan table lives in `public`. */
export function publicTable(name: string): string {
  return qualified(toIdentifier("public"), toIdentifier(name));
}

const PRIVILEGE_ORDER: readonly TablePrivilege[] = ["select", "insert", "update", "delete"];

/**
 * Statements that leave `roles` with exactly the privileges `grants` give them on `table`:
 * a `revoke all` from those roles, then one `grant` per role that has privileges.
 */
export function exactTableGrants(
  table: string,
  roles: readonly GrantRole[],
  grants: readonly Grant[],
): string[] {
  const target = publicTable(table);
  const statements = [`revoke all on table ${target} from ${roles.join(", ")};`];
  for (const role of roles) {
    const granted = grants.find((g) => g.table === table && g.role === role)?.privileges ?? [];
    const privileges = PRIVILEGE_ORDER.filter((privilege) => granted.includes(privilege));
    if (privileges.length > 0) {
      statements.push(`grant ${privileges.join(", ")} on table ${target} to ${role};`);
    }
  }
  return statements;
}
