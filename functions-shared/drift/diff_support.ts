/**
 * @module What every part of the diff shares: options, the comparison context, keyed matching
 * of two lists, API exposure of grants, and the acknowledgement record for neutralised objects.
 */
import type { PrivilegeTarget } from "./fix_sql.ts";
import { grantSql, revokeAllSql } from "./fix_sql.ts";
import type { FixStatement, ObjectKind } from "./findings.ts";
import type { DefaultPrivilegeObject, Grant, Model } from "./model.ts";
import { API_ROLES } from "./platform.ts";

/** Options of the diff. */
export interface DiffOptions {
  /** Report objects the contract does not have (default true). A partial contract (a plan)
   * may turn this off. */
  readonly reportUnexpected?: boolean;
  /** Compare owners (default true). */
  readonly compareOwners?: boolean;
  /** Compare extension versions (default false: a scratch database and a hosted project
   * rarely run the same minor versions). */
  readonly compareExtensionVersions?: boolean;
  /** Only compare these schemas (default: every user schema of either model). */
  readonly schemas?: readonly string[];
}

/** An unexpected object that is neutralised, so not drift. */
export interface Acknowledgement {
  readonly objectKind: ObjectKind;
  readonly resource: string;
  /** Why it counts as acknowledged, e.g. `RLS enabled; no privileges for anon, authenticated`. */
  readonly reason: string;
}

/** What the diff functions receive. */
export interface DiffContext {
  readonly expected: Model;
  readonly actual: Model;
  readonly reportUnexpected: boolean;
  readonly compareOwners: boolean;
  readonly compareExtensionVersions: boolean;
  /** Whether objects in `schema` are compared. */
  readonly inScope: (schema: string) => boolean;
  /** Records an acknowledged object. */
  readonly acknowledge: (ack: Acknowledgement) => void;
}

/** Pairs of two lists matched by key. */
export interface Matched<T> {
  readonly both: readonly (readonly [expected: T, actual: T])[];
  readonly missing: readonly T[];
  readonly unexpected: readonly T[];
}

/** Matches two lists by key. */
export function matchByKey<T>(
  expected: readonly T[],
  actual: readonly T[],
  key: (item: T) => string,
): Matched<T> {
  const actualByKey = new Map(actual.map((item) => [key(item), item]));
  const expectedKeys = new Set<string>();
  const both: (readonly [T, T])[] = [];
  const missing: T[] = [];
  for (const item of expected) {
    const k = key(item);
    expectedKeys.add(k);
    const other = actualByKey.get(k);
    if (other === undefined) missing.push(item);
    else both.push([item, other]);
  }
  const unexpected = actual.filter((item) => !expectedKeys.has(key(item)));
  return { both, missing, unexpected };
}

/** Grantees among anon, authenticated and PUBLIC that hold any of these grants. */
export function apiGrantees(grants: readonly Grant[]): string[] {
  return [...new Set(grants.map((g) => g.grantee).filter(isApiGrantee))].sort();
}

/** anon, authenticated or PUBLIC (which both belong to). */
export function isApiGrantee(grantee: string): boolean {
  return grantee === "PUBLIC" || API_ROLES.includes(grantee);
}

/** Whether anon (directly or through PUBLIC) holds `privilege` (any privilege when omitted). */
export function anonHolds(grants: readonly Grant[], privilege?: string): boolean {
  return grants.some((g) =>
    (g.grantee === "anon" || g.grantee === "PUBLIC") &&
    (privilege === undefined || g.privilege === privilege)
  );
}

/** Whether authenticated (directly or through PUBLIC) holds `privilege`. */
export function authenticatedHolds(grants: readonly Grant[], privilege?: string): boolean {
  return grants.some((g) =>
    (g.grantee === "authenticated" || g.grantee === "PUBLIC") &&
    (privilege === undefined || g.privilege === privilege)
  );
}

/** `grantee PRIVILEGE[*]` list for display, e.g. `anon SELECT, service_role ALL*`. */
export function describeGrants(grants: readonly Grant[]): string {
  if (grants.length === 0) return "no privileges";
  return grants.map((g) => `${g.grantee} ${g.privilege}${g.grantable ? " (grantable)" : ""}`)
    .join(", ");
}

/**
 * Statements giving a newly created object exactly the contract's grants: revoke what
 * PUBLIC and default privileges (of either model) hand out, then grant the contract's.
 */
export function restoreGrants(
  ctx: DiffContext,
  target: PrivilegeTarget,
  grants: readonly Grant[],
  schema: string | null,
  objects: DefaultPrivilegeObject | null,
): FixStatement[] {
  const grantees = new Set<string>(["PUBLIC"]);
  if (schema !== null && objects !== null) {
    for (const model of [ctx.expected, ctx.actual]) {
      for (const d of model.defaultPrivileges) {
        if (d.schema === schema && d.objects === objects) {
          d.grants.forEach((g) => grantees.add(g.grantee));
        }
      }
    }
  }
  grants.forEach((g) => grantees.add(g.grantee));
  return [
    { phase: "privilege", sql: revokeAllSql(target, [...grantees].sort()), destructive: false },
    ...groupedGrantsSql(target, grants).map((sql) => ({
      phase: "privilege" as const,
      sql,
      destructive: false,
    })),
  ];
}

/** GRANT statements for a list of grants, one per grantee and grant option. */
export function groupedGrantsSql(target: PrivilegeTarget, grants: readonly Grant[]): string[] {
  const groups = new Map<string, Grant[]>();
  for (const g of grants) {
    const k = `${g.grantee}\u0000${g.grantable}`;
    groups.set(k, [...(groups.get(k) ?? []), g]);
  }
  return [...groups.values()].map((list) => {
    const first = list[0] as Grant;
    return grantSql(target, { ...first, privilege: list.map((g) => g.privilege).join(", ") });
  });
}

/** The contract's text of a nullable value for display. */
export function shown(value: string | null | undefined, none = "(none)"): string {
  return value === null || value === undefined || value === "" ? none : value;
}
