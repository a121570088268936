/**
 * @module Functions and procedures: missing, unexpected (neutralised by revoking EXECUTE from
 * the API roles, then acknowledged), and divergent — body, SECURITY DEFINER, `search_path` and
 * other settings, volatility, signature — with EXECUTE privileges compared grant by grant.
 */
import { diffGrants } from "./diff_privileges.ts";
import {
  anonHolds,
  apiGrantees,
  authenticatedHolds,
  type DiffContext,
  matchByKey,
  restoreGrants,
} from "./diff_support.ts";
import { routineEvidence } from "./evidence_sql.ts";
import { type Finding, finding, fix, type FixStatement, type Severity } from "./findings.ts";
import { dropRoutineSql, replaceRoutineSql, revokeAllSql, routineOwnerSql } from "./fix_sql.ts";
import { type Grant, type Routine, routineKey } from "./model.ts";

function target(r: Routine) {
  return { kind: "routine" as const, schema: r.schema, name: r.name, identityArgs: r.identityArgs };
}

/** Statements creating the contract's routine from nothing, with its exact privileges. */
function createRoutine(ctx: DiffContext, r: Routine): FixStatement[] {
  return [
    ...fix("function", replaceRoutineSql(r)),
    // Whoever runs the patch would own it (and a SECURITY DEFINER function runs as its owner).
    ...(ctx.compareOwners && r.definition !== null
      ? fix("function", routineOwnerSql(r, r.owner))
      : []),
    ...restoreGrants(ctx, target(r), r.grants, r.schema, "functions"),
  ];
}

/** Whether an unexpected routine is neutralised: no API role may execute it. */
export function routineIsNeutral(r: Routine): boolean {
  return apiGrantees(r.grants).length === 0;
}

function searchPath(r: Routine): string | null {
  return r.config.find((c) => c.startsWith("search_path="))?.slice("search_path=".length) ?? null;
}

function unexpectedSeverity(r: Routine): Severity {
  if (r.securityDefiner && anonHolds(r.grants, "EXECUTE")) return "critical";
  if (r.securityDefiner && authenticatedHolds(r.grants, "EXECUTE")) return "high";
  return "medium";
}

function executeSeverity(r: Routine): (g: Grant) => Severity {
  return (g) => {
    const api = g.grantee === "PUBLIC" || g.grantee === "anon" || g.grantee === "authenticated";
    if (!api) return "medium";
    if (!r.securityDefiner) return "medium";
    return g.grantee === "authenticated" ? "high" : "critical";
  };
}

interface Divergence {
  readonly check: string;
  readonly severity: Severity;
  readonly what: string;
  readonly expected: string;
  readonly actual: string;
  readonly impact: string;
}

function divergences(e: Routine, a: Routine): Divergence[] {
  const found: Divergence[] = [];
  if (e.securityDefiner !== a.securityDefiner) {
    found.push({
      check: "function.security_definer",
      severity: a.securityDefiner ? "critical" : "high",
      what: a.securityDefiner ? "runs as SECURITY DEFINER" : "no longer runs as SECURITY DEFINER",
      expected: e.securityDefiner ? "security definer" : "security invoker",
      actual: a.securityDefiner ? "security definer" : "security invoker",
      impact: a.securityDefiner
        ? `Callers run it with ${a.owner}'s privileges, bypassing RLS on everything it touches.`
        : "It now runs with the caller's privileges: what it must do on their behalf fails.",
    });
  }
  if (searchPath(e) !== searchPath(a)) {
    found.push({
      check: "function.search_path",
      severity: a.securityDefiner || e.securityDefiner ? "high" : "medium",
      what: searchPath(a) === null
        ? "has no fixed search_path"
        : `sets search_path=${searchPath(a)}`,
      expected: searchPath(e) ?? "(not set)",
      actual: searchPath(a) ?? "(not set)",
      impact:
        "Unqualified names resolve through a path the caller controls: objects can be shadowed.",
    });
  }
  const otherConfig = (r: Routine) =>
    r.config.filter((c) => !c.startsWith("search_path=")).join(", ");
  if (otherConfig(e) !== otherConfig(a)) {
    found.push({
      check: "function.config",
      severity: "medium",
      what: "has other settings",
      expected: otherConfig(e) || "(none)",
      actual: otherConfig(a) || "(none)",
      impact: "It runs with other settings (timeouts, roles, paths) than specified.",
    });
  }
  if (e.bodyHash !== a.bodyHash || e.language !== a.language) {
    found.push({
      check: "function.body",
      severity: e.securityDefiner || a.securityDefiner ? "critical" : "high",
      what: "has another body",
      expected: `${e.language}, body md5 ${e.bodyHash}`,
      actual: `${a.language}, body md5 ${a.bodyHash}`,
      impact: "It does something other than the contract specifies.",
    });
  }
  if (e.returns !== a.returns || e.args !== a.args || e.kind !== a.kind) {
    found.push({
      check: "function.signature",
      severity: "high",
      what: "has another signature",
      expected: `${e.kind} (${e.args}) returns ${e.returns}`,
      actual: `${a.kind} (${a.args}) returns ${a.returns}`,
      impact: "Callers get another result shape or argument defaults.",
    });
  }
  if (e.volatility !== a.volatility || e.strict !== a.strict) {
    found.push({
      check: "function.attributes",
      severity: "low",
      what: "has other volatility or strictness",
      expected: `${e.volatility}${e.strict ? ", strict" : ""}`,
      actual: `${a.volatility}${a.strict ? ", strict" : ""}`,
      impact: "The planner caches or skips calls differently; indexes on it may be wrong.",
    });
  }
  return found;
}

/** Findings for routines; acknowledged unexpected routines go to the context. */
export function diffRoutines(ctx: DiffContext): Finding[] {
  const inScope = (r: Routine) => ctx.inScope(r.schema);
  const matched = matchByKey(
    ctx.expected.routines.filter(inScope),
    ctx.actual.routines.filter(inScope),
    routineKey,
  );
  const findings: Finding[] = [];
  for (const r of matched.missing) {
    findings.push(finding({
      check: "function.missing",
      category: "A",
      severity: "high",
      objectKind: "function",
      resource: routineKey(r),
      issue: `${r.kind === "procedure" ? "Procedure" : "Function"} ${routineKey(r)} is missing.`,
      expected: `${r.language}${
        r.securityDefiner ? ", security definer" : ""
      }, returns ${r.returns}`,
      actual: null,
      evidence: routineEvidence(r.schema, r.name, r.identityArgs),
      impact: "Calls, triggers and policies that use it fail.",
      fix: createRoutine(ctx, r),
      manual: r.definition === null ? "Recreate the aggregate by hand (CREATE AGGREGATE)." : null,
    }));
  }
  if (ctx.reportUnexpected) {
    for (const r of matched.unexpected) {
      if (routineIsNeutral(r)) {
        ctx.acknowledge({
          objectKind: "function",
          resource: routineKey(r),
          reason: "not in the contract; no EXECUTE for anon, authenticated or PUBLIC",
        });
        continue;
      }
      const callers = apiGrantees(r.grants);
      findings.push(finding({
        check: "function.unexpected",
        category: "F",
        severity: unexpectedSeverity(r),
        objectKind: "function",
        resource: routineKey(r),
        issue:
          `${r.securityDefiner ? "SECURITY DEFINER function" : "Function"} ${
            routineKey(r)
          } is not in ` +
          `the contract and ${callers.join(", ")} can execute it.`,
        expected: null,
        actual: `${r.language}${r.securityDefiner ? ", security definer" : ""}; EXECUTE for ${
          callers.join(", ")
        }`,
        evidence: routineEvidence(r.schema, r.name, r.identityArgs),
        impact: r.securityDefiner
          ? `Anyone in ${
            callers.join(", ")
          } can call it through /rest/v1/rpc with ${r.owner}'s privileges.`
          : `It is callable through /rest/v1/rpc by ${callers.join(", ")}.`,
        fix: fix("privilege", revokeAllSql(target(r), ["PUBLIC", "anon", "authenticated"])),
        manual: `Revoking keeps the function; drop it by hand (${
          dropRoutineSql(r)
        }) if it should not exist.`,
      }));
    }
  }
  for (const [e, a] of matched.both) {
    const resource = routineKey(e);
    const evidence = routineEvidence(e.schema, e.name, e.identityArgs);
    const found = divergences(e, a);
    // Another result type cannot be replaced in place: drop, recreate and re-grant.
    const needsDrop = e.returns !== a.returns || e.kind !== a.kind || e.args !== a.args;
    const replace: FixStatement[] = needsDrop
      ? [...fix("function", dropRoutineSql(e)), ...createRoutine(ctx, e)]
      : fix("function", replaceRoutineSql(e));
    for (const d of found) {
      findings.push(finding({
        check: d.check,
        category: "B",
        severity: d.severity,
        objectKind: "function",
        resource,
        issue: `Function ${resource} ${d.what}.`,
        expected: d.expected,
        actual: d.actual,
        evidence,
        impact: d.impact,
        fix: replace,
        manual: e.definition === null ? "Recreate the aggregate by hand." : null,
      }));
    }
    if (ctx.compareOwners && e.owner !== a.owner) {
      findings.push(finding({
        check: "function.owner",
        category: "B",
        severity: e.securityDefiner || a.securityDefiner ? "high" : "low",
        objectKind: "function",
        resource,
        issue: `Function ${resource} is owned by ${a.owner}.`,
        expected: e.owner,
        actual: a.owner,
        evidence,
        impact: e.securityDefiner
          ? `As SECURITY DEFINER it runs with ${a.owner}'s privileges instead of ${e.owner}'s.`
          : "Another role can change or drop it.",
        fix: fix("function", routineOwnerSql(e, e.owner)),
      }));
    }
    if (!needsDrop) {
      findings.push(...diffGrants(
        ctx,
        {
          target: target(e),
          objectKind: "function",
          resource,
          unexpectedSeverity: executeSeverity(a),
        },
        e.grants,
        a.grants,
      ));
    }
  }
  return findings;
}
