/**
 * @module Category D: privileges on one object (table, column, view, sequence, routine, schema),
 * compared grantee by grantee and privilege by privilege.
 */
import { type DiffContext, matchByKey } from "./diff_support.ts";
import { privilegesEvidence } from "./evidence_sql.ts";
import { type Finding, finding, type ObjectKind, type Severity } from "./findings.ts";
import { grantSql, type PrivilegeTarget, revokeGrantOptionSql, revokeSql } from "./fix_sql.ts";
import type { Grant } from "./model.ts";

/** What the privilege diff needs to know about the object. */
export interface GrantSubject {
  readonly target: PrivilegeTarget;
  readonly objectKind: ObjectKind;
  readonly resource: string;
  /** Severity of a privilege the contract does not give (default: by grantee). */
  readonly unexpectedSeverity?: (grant: Grant) => Severity;
}

/** Default severity of an unexpected grant: the wider the audience, the worse. */
export function severityByGrantee(grant: Grant): Severity {
  if (grant.grantee === "anon" || grant.grantee === "PUBLIC") return "critical";
  if (grant.grantee === "authenticated") return "high";
  return "medium";
}

function audience(grantee: string): string {
  if (grantee === "PUBLIC") return "every role, including anon (PUBLIC)";
  if (grantee === "anon") return "anyone holding the public anon key";
  if (grantee === "authenticated") return "every signed-in user";
  return `role ${grantee}`;
}

/** Findings for the differences between the contract's grants and the actual ones. */
export function diffGrants(
  _ctx: DiffContext,
  subject: GrantSubject,
  expected: readonly Grant[],
  actual: readonly Grant[],
): Finding[] {
  const findings: Finding[] = [];
  const key = (g: Grant) => `${g.grantee} ${g.privilege}`;
  const matched = matchByKey(expected, actual, key);
  const evidence = privilegesEvidence(subject.target);
  for (const g of matched.missing) {
    findings.push(finding({
      check: "grant.missing",
      category: "D",
      severity: "medium",
      objectKind: subject.objectKind,
      resource: subject.resource,
      key: key(g),
      issue: `${g.grantee} lacks ${g.privilege} on ${subject.objectKind} ${subject.resource}.`,
      expected: `${g.grantee} ${g.privilege}${g.grantable ? " with grant option" : ""}`,
      actual: "not granted",
      evidence,
      impact: `Requests as ${g.grantee} that need ${g.privilege} fail with "permission denied".`,
      fix: [{ phase: "privilege", sql: grantSql(subject.target, g), destructive: false }],
    }));
  }
  for (const g of matched.unexpected) {
    findings.push(finding({
      check: "grant.unexpected",
      category: "D",
      severity: (subject.unexpectedSeverity ?? severityByGrantee)(g),
      objectKind: subject.objectKind,
      resource: subject.resource,
      key: key(g),
      issue: `${g.grantee} holds ${g.privilege} on ${subject.objectKind} ${subject.resource}, ` +
        `which the contract does not grant.`,
      expected: "not granted",
      actual: `${g.grantee} ${g.privilege}${g.grantable ? " with grant option" : ""}`,
      evidence,
      impact: `${g.privilege} is open to ${audience(g.grantee)} beyond what the contract allows.`,
      fix: [{ phase: "privilege", sql: revokeSql(subject.target, g), destructive: false }],
    }));
  }
  for (const [e, a] of matched.both) {
    if (e.grantable === a.grantable) continue;
    findings.push(finding({
      check: "grant.grant_option",
      category: "D",
      severity: a.grantable ? "medium" : "low",
      objectKind: subject.objectKind,
      resource: subject.resource,
      key: key(e),
      issue: `${e.grantee}'s ${e.privilege} on ${subject.resource} ` +
        `${a.grantable ? "carries" : "lacks"} the grant option.`,
      expected: e.grantable ? "with grant option" : "without grant option",
      actual: a.grantable ? "with grant option" : "without grant option",
      evidence,
      impact: a.grantable
        ? `${e.grantee} can pass ${e.privilege} on to other roles.`
        : `${e.grantee} can no longer pass ${e.privilege} on.`,
      fix: [{
        phase: "privilege",
        sql: e.grantable ? grantSql(subject.target, e) : revokeGrantOptionSql(subject.target, e),
        destructive: false,
      }],
    }));
  }
  return findings;
}
