/**
 * @module The offline planner on the corpus of product descriptions (tests/fixtures/planner):
 * on the part used while tuning and on the held-out part, at least 85% of the expected tables,
 * 80% of the expected columns and 80% of the sentences applied — the goals of issue 11 — and
 * every plan valid. Timing is measured by bench/planner_bench.ts, not here.
 */
import assert from "node:assert/strict";
import { planFromVibe } from "../../functions-shared/plan/deterministic_planner.ts";
import { validatePlan } from "../../functions-shared/plan/validate.ts";
import { PLANNER_CORPUS } from "../fixtures/planner/corpus.ts";
import { scoreEntry, totalScore } from "../support/corpus_score.ts";

Deno.test("the corpus has at least 40 descriptions, some held out, with expectations", () => {
  assert.ok(PLANNER_CORPUS.length >= 40);
  assert.ok(PLANNER_CORPUS.filter((e) => e.split === "held_out").length >= 10);
  assert.equal(new Set(PLANNER_CORPUS.map((e) => e.id)).size, PLANNER_CORPUS.length);
  for (const entry of PLANNER_CORPUS) {
    assert.ok(entry.tables.length > 0 && entry.columns.length > 0, entry.id);
  }
});

for (const split of ["tuning", "held_out"] as const) {
  Deno.test(`${split} corpus: >= 85% tables, >= 80% columns, >= 80% sentences applied, all valid`, () => {
    const entries = PLANNER_CORPUS.filter((e) => e.split === split);
    const scores = entries.map((entry) => {
      const plan = planFromVibe({ vibeText: entry.text, template: entry.template });
      const validation = validatePlan(plan);
      assert.ok(
        validation.ok,
        `${entry.id}: ${JSON.stringify(!validation.ok && validation.problems, null, 1)}`,
      );
      return scoreEntry(entry, plan);
    });
    const total = totalScore(scores);
    const misses = scores.filter((s) => s.missingTables.length + s.missingColumns.length > 0)
      .map((s) => `${s.id}: ${[...s.missingTables, ...s.missingColumns].join(", ")}`);
    assert.ok(total.tablesPct >= 85, `tables ${total.tablesPct}%: ${misses.join("; ")}`);
    assert.ok(total.columnsPct >= 80, `columns ${total.columnsPct}%: ${misses.join("; ")}`);
    assert.ok(total.sentencesPct >= 80, `sentences applied ${total.sentencesPct}%`);
  });
}
