/**
 * @module The platform baseline: what the scratch database had before any migration ran
 * (extensions such as pgcrypto and supabase_vault, the grants on schema public, the
 * supabase_realtime publication). The contract is what the migrations create or change; a
 * difference on something the migrations left as the platform made it is reported apart,
 * informational, and never fails verification or enters the patch.
 */
import { compare, type DiffOptions } from "./diff.ts";
import type { Finding, ObjectKind } from "./findings.ts";
import type { Model } from "./model.ts";

/** Findings split by whether the migrations define what they are about. */
export interface BaselineSplit {
  /** About objects the migrations create or change, or objects nothing defined: drift. */
  readonly contract: readonly Finding[];
  /** About parts of the platform baseline the migrations left untouched: informational. */
  readonly baseline: readonly Finding[];
}

/** A finding that reports something the database has and the contract lacks. */
export function reportsAddition(f: Finding): boolean {
  return /unexpected$/.test(f.check);
}

const TABLE_PARTS: ReadonlySet<ObjectKind> = new Set([
  "column",
  "constraint",
  "policy",
  "trigger",
]);

/**
 * The object a finding is about, as a key comparable across comparisons: grants are keyed per
 * grantee and privilege (a migration granting anon USAGE on public leaves postgres' USAGE the
 * platform's), parts of a table by their table, a published table by its publication.
 */
export function findingObject(f: Finding, models: readonly Model[]): string {
  if (f.check.startsWith("grant.")) return `grant:${f.resource}:${f.key}`;
  if (f.objectKind === "publication") return `publication:${f.resource.split(":")[0]}`;
  if (TABLE_PARTS.has(f.objectKind)) {
    return `table:${f.resource.slice(0, Math.max(0, f.resource.lastIndexOf(".")))}`;
  }
  if (f.objectKind === "index") {
    for (const m of models) {
      for (const t of [...m.tables, ...m.views]) {
        if (t.indexes.some((i) => `${t.schema}.${i.name}` === f.resource)) {
          return `table:${t.schema}.${t.name}`;
        }
      }
    }
  }
  const kind = f.objectKind === "materialized view" ? "view" : f.objectKind;
  return `${kind}:${f.resource}`;
}

function sameReport(a: Finding, b: Finding): boolean {
  return a.fingerprint === b.fingerprint && a.expected === b.expected && a.actual === b.actual;
}

/**
 * Splits the findings of `compare(contract, actual)`. A finding is baseline when the baseline
 * already had what the contract expects there (the same finding comes out of comparing the
 * baseline with the database), the migrations did not touch that object (no difference between
 * baseline and contract on it), and it does not report an addition (something neither the
 * platform nor the migrations created is drift wherever it sits).
 */
export function splitBaseline(
  findings: readonly Finding[],
  models: { readonly baseline: Model; readonly contract: Model; readonly actual: Model },
  options: DiffOptions = {},
): BaselineSplit {
  const fromBaseline = new Map(
    compare(models.baseline, models.actual, options).findings.map((f) => [f.fingerprint, f]),
  );
  const all = [models.baseline, models.contract, models.actual];
  const touched = new Set(
    compare(models.baseline, models.contract, options).findings.map((f) => findingObject(f, all)),
  );
  // Tables the migrations add to a publication are judged as tables by the diff, so the
  // publication itself counts as changed when its definition differs.
  for (const p of models.contract.publications) {
    const before = models.baseline.publications.find((b) => b.name === p.name);
    if (!before || JSON.stringify(before) !== JSON.stringify(p)) {
      touched.add(`publication:${p.name}`);
    }
  }
  const contract: Finding[] = [];
  const baseline: Finding[] = [];
  for (const f of findings) {
    const same = fromBaseline.get(f.fingerprint);
    const isBaseline = !reportsAddition(f) && same !== undefined && sameReport(f, same) &&
      !touched.has(findingObject(f, all));
    (isBaseline ? baseline : contract).push(f);
  }
  return { contract, baseline };
}
