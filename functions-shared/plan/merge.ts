/**
 * @module Merging a proposed plan (from the LLM) onto the template baseline, so the baseline
 * survives whatever was proposed: its tables, columns, policies, grants, functions, triggers
 * and Edge Functions stay; proposals can only add to them or extend a baseline policy (which
 * `validatePlan` then checks is not weaker).
 */

import type { Grant, Plan, Policy, Requirement, Table } from "./schema.ts";

function mergeTable(base: Table, proposed: Table | undefined): Table {
  if (proposed === undefined) return base;
  const extraColumns = proposed.columns.filter((c) => !base.columns.some((b) => b.name === c.name));
  const createdAt = base.columns.findIndex((c) => c.name === "created_at");
  const columns = [...base.columns];
  columns.splice(createdAt >= 0 ? createdAt : columns.length, 0, ...extraColumns);
  const extraIndexes = proposed.indexes.filter((i) => !base.indexes.some((b) => b.name === i.name));
  return { ...base, columns, indexes: [...base.indexes, ...extraIndexes] };
}

function mergePolicies(base: readonly Policy[], proposed: readonly Policy[]): Policy[] {
  const used = new Set<Policy>();
  const kept = base.map((policy) => {
    const match = proposed.find((p) => p.name === policy.name) ??
      proposed.find((p) => p.rule === policy.rule);
    if (match === undefined) return policy;
    used.add(match);
    return { ...match, rule: policy.rule };
  });
  const baseRules = new Set(base.map((p) => p.rule));
  const added = proposed
    .filter((p) => !used.has(p))
    .map((p) => (p.rule !== null && !baseRules.has(p.rule) ? { ...p, rule: null } : p));
  return [...kept, ...added];
}

function mergeGrants(base: readonly Grant[], proposed: readonly Grant[]): Grant[] {
  const merged = base.map((grant) => ({ ...grant, privileges: [...grant.privileges] }));
  for (const grant of proposed) {
    const existing = merged.find((g) => g.table === grant.table && g.role === grant.role);
    if (existing === undefined) {
      merged.push({ ...grant, privileges: [...new Set(grant.privileges)] });
    } else {
      existing.privileges.push(...grant.privileges.filter((p) => !existing.privileges.includes(p)));
    }
  }
  return merged;
}

function mergeRequirements(
  proposed: readonly Requirement[],
  sentences: readonly string[],
): Requirement[] {
  const key = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
  const covered = new Set(proposed.map((r) => key(r.sentence)));
  const missing = sentences.filter((sentence) => !covered.has(key(sentence))).map((sentence) => ({
    sentence,
    status: "not_applied" as const,
    reason:
      "The planner did not address this sentence: rephrase it more concretely and plan again.",
    changes: [],
  }));
  return [...proposed, ...missing];
}

/**
 * `proposed` laid over `baseline`: baseline elements win (a same-named proposed policy, or one
 * carrying the same baseline rule, replaces the baseline policy so it can be extended), new
 * tables, columns, indexes, policies and privileges are added, and every vibe sentence the
 * proposal left out is reported as not applied.
 */
export function mergeOntoBaseline(
  baseline: Plan,
  proposed: Plan,
  sentences: readonly string[],
): Plan {
  const proposedTables = new Map(proposed.tables.map((table) => [table.name, table]));
  const baseNames = new Set(baseline.tables.map((table) => table.name));
  return {
    ...baseline,
    tables: [
      ...baseline.tables.map((table) => mergeTable(table, proposedTables.get(table.name))),
      ...proposed.tables.filter((table) => !baseNames.has(table.name)),
    ],
    policies: mergePolicies(baseline.policies, proposed.policies),
    grants: mergeGrants(baseline.grants, proposed.grants),
    requirements: mergeRequirements(proposed.requirements, sentences),
  };
}
