/**
 * @module Scores plans against the planner corpus (tests/fixtures/planner/corpus.ts): expected
 * tables found, expected columns found, and sentences applied, summed over entries (micro
 * average, as in "6 of 39 expected tables").
 */
import type { Plan } from "../../functions-shared/plan/schema.ts";
import type { CorpusEntry } from "../fixtures/planner/corpus.ts";

/** What one plan got right. */
export interface EntryScore {
  readonly id: string;
  readonly tables: { readonly found: number; readonly expected: number };
  readonly columns: { readonly found: number; readonly expected: number };
  readonly sentences: { readonly applied: number; readonly total: number };
  readonly missingTables: readonly string[];
  readonly missingColumns: readonly string[];
  readonly notApplied: readonly string[];
}

/** Totals over several entries, with percentages. */
export interface CorpusScore {
  readonly entries: readonly EntryScore[];
  readonly tablesPct: number;
  readonly columnsPct: number;
  readonly sentencesPct: number;
}

/** Scores one plan against its corpus entry. */
export function scoreEntry(entry: CorpusEntry, plan: Plan): EntryScore {
  const byName = new Map(plan.tables.map((t) => [t.name, t]));
  const resolved = new Map<string, string>();
  const missingTables: string[] = [];
  let tablesFound = 0;
  for (const expected of entry.tables) {
    const alternatives = expected.split("|");
    const hit = alternatives.find((name) => byName.has(name));
    if (hit !== undefined) {
      tablesFound++;
      for (const name of alternatives) resolved.set(name, hit);
    } else missingTables.push(expected);
  }
  const missingColumns: string[] = [];
  let columnsFound = 0;
  for (const expected of entry.columns) {
    const hit = expected.split("|").some((alternative) => {
      const [table = "", column = ""] = alternative.split(".");
      const actual = byName.get(resolved.get(table) ?? table);
      return actual?.columns.some((c) => c.name === column) ?? false;
    });
    if (hit) columnsFound++;
    else missingColumns.push(expected);
  }
  const notApplied = plan.requirements.filter((r) => r.status !== "applied");
  return {
    id: entry.id,
    tables: { found: tablesFound, expected: entry.tables.length },
    columns: { found: columnsFound, expected: entry.columns.length },
    sentences: {
      applied: plan.requirements.length - notApplied.length,
      total: plan.requirements.length,
    },
    missingTables,
    missingColumns,
    notApplied: notApplied.map((r) => `${r.sentence} -> ${r.reason}`),
  };
}

function pct(found: number, total: number): number {
  return total === 0 ? 100 : Math.round((1000 * found) / total) / 10;
}

/** Sums entry scores. */
export function totalScore(entries: readonly EntryScore[]): CorpusScore {
  const sum = (f: (e: EntryScore) => number) => entries.reduce((n, e) => n + f(e), 0);
  return {
    entries,
    tablesPct: pct(sum((e) => e.tables.found), sum((e) => e.tables.expected)),
    columnsPct: pct(sum((e) => e.columns.found), sum((e) => e.columns.expected)),
    sentencesPct: pct(sum((e) => e.sentences.applied), sum((e) => e.sentences.total)),
  };
}
