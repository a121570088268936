/**
 * @module The rules that decide what a role may do to a table or function, as a comparable
 * string: whether the table exists, schema USAGE, RLS on and forced, the role's (or PUBLIC's) privilege, and
 * the policies that apply to the role and command. A smoke cell whose observed access breaks an
 * invariant is flagged only when these rules differ from the contract's: behaviour the contract
 * itself grants (listings readable by anon, say) is reported as contracted, not as drift.
 */
import type { Model, Routine, Table } from "../../../functions-shared/drift/model.ts";

/** The four table operations of the CRUD matrix. */
export type Operation = "C" | "R" | "U" | "D";

const PRIVILEGE: Readonly<Record<Operation, string>> = {
  C: "INSERT",
  R: "SELECT",
  U: "UPDATE",
  D: "DELETE",
};

const COMMAND: Readonly<Record<Operation, string>> = {
  C: "INSERT",
  R: "SELECT",
  U: "UPDATE",
  D: "DELETE",
};

function findTable(model: Model, schema: string, name: string): Table | undefined {
  return model.tables.find((t) => t.schema === schema && t.name === name);
}

function holds(grants: readonly { grantee: string; privilege: string }[], role: string, p: string) {
  return grants.some((g) => (g.grantee === role || g.grantee === "PUBLIC") && g.privilege === p);
}

/** What decides `role`'s `op` on `schema.name` in `model`. */
export function tableRules(
  model: Model,
  schema: string,
  name: string,
  role: string,
  op: Operation,
): string {
  const table = findTable(model, schema, name);
  if (!table) return "absent";
  const privilege = PRIVILEGE[op];
  const columnGrant = table.columns.some((c) => holds(c.grants, role, privilege));
  const policies = table.policies
    .filter((p) =>
      (p.roles.includes(role) || p.roles.includes("public")) &&
      (p.command === "ALL" || p.command === COMMAND[op])
    )
    .map((p) => `${p.name}|${p.permissive}|${p.using ?? ""}|${p.withCheck ?? ""}`)
    .sort();
  const usage = model.schemas.find((s) => s.name === schema)?.grants ?? [];
  return JSON.stringify({
    usage: holds(usage, role, "USAGE"),
    rls: table.rls,
    force: table.forceRls,
    grant: holds(table.grants, role, privilege),
    columnGrant,
    policies,
  });
}

function findRoutine(model: Model, r: Routine): Routine | undefined {
  return model.routines.find((x) =>
    x.schema === r.schema && x.name === r.name && x.identityArgs === r.identityArgs
  );
}

/** What decides whether `role` may execute `routine` in `model`. */
export function routineRules(model: Model, routine: Routine, role: string): string {
  const r = findRoutine(model, routine);
  if (!r) return "absent";
  return JSON.stringify({
    definer: r.securityDefiner,
    execute: holds(r.grants, role, "EXECUTE"),
  });
}
