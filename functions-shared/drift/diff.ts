/**
 * @module The diff: compares a contract model with an actual one and returns findings in six
 * categories (A missing, B divergent, C RLS, D privileges, E publications, F unexpected or
 * insecure), plus the unexpected objects that are neutralised and so acknowledged.
 */
import {
  diffBuckets,
  diffDefaultPrivileges,
  diffEnums,
  diffExtensions,
  diffSchemas,
  diffSequences,
  diffViews,
} from "./diff_objects.ts";
import { diffPublications } from "./diff_publications.ts";
import { diffRoutines } from "./diff_routines.ts";
import type { Acknowledgement, DiffContext, DiffOptions } from "./diff_support.ts";
import { diffPlatformTables, diffTables } from "./diff_tables.ts";
import { compareFindings, type Finding } from "./findings.ts";
import type { Model } from "./model.ts";
import { isPlatformSchema } from "./platform.ts";

export type { Acknowledgement, DiffOptions } from "./diff_support.ts";

/** Findings and acknowledged objects. */
export interface Comparison {
  /** Differences from the contract, most severe first. */
  readonly findings: readonly Finding[];
  /** Unexpected objects that are neutralised: reported, not drift. */
  readonly acknowledged: readonly Acknowledgement[];
}

/** Compares the contract (`expected`) with the database (`actual`). */
export function compare(expected: Model, actual: Model, options: DiffOptions = {}): Comparison {
  const acknowledged: Acknowledgement[] = [];
  const schemas = options.schemas ? new Set(options.schemas) : null;
  const ctx: DiffContext = {
    expected,
    actual,
    reportUnexpected: options.reportUnexpected ?? true,
    compareOwners: options.compareOwners ?? true,
    compareExtensionVersions: options.compareExtensionVersions ?? false,
    inScope: (schema) => (schemas ? schemas.has(schema) : !isPlatformSchema(schema)),
    acknowledge: (ack) => acknowledged.push(ack),
  };
  const findings = [
    ...diffExtensions(ctx),
    ...diffSchemas(ctx),
    ...diffEnums(ctx),
    ...diffSequences(ctx),
    ...diffTables(ctx),
    ...diffPlatformTables(ctx),
    ...diffViews(ctx),
    ...diffRoutines(ctx),
    ...diffPublications(ctx),
    ...diffDefaultPrivileges(ctx),
    ...diffBuckets(ctx),
  ];
  // One finding per fingerprint (the same gap can be reached from two sides).
  const unique = new Map<string, Finding>();
  for (const f of findings) if (!unique.has(f.fingerprint)) unique.set(f.fingerprint, f);
  return {
    findings: [...unique.values()].sort(compareFindings),
    acknowledged: acknowledged.sort((
      a,
      b,
    ) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0)),
  };
}

/** The findings of {@linkcode compare}. */
export function diff(expected: Model, actual: Model, options: DiffOptions = {}): Finding[] {
  return [...compare(expected, actual, options).findings];
}
