/**
 * @module Offline planning time: every description of the planner corpus (p50 and p95 over
 * repeated runs, wall and CPU time, after one warm-up call that loads compromise's lexicon),
 * the first call in a fresh process, and two 20 KB vibes — the corpus twice over, and 20 KB of
 * distinct entities that runs into the table cap. Also prints the corpus scores.
 *
 *   deno run -A bench/planner_bench.ts   # the figures (no stack needed)
 *   deno task bench                       # the same planning under `deno bench`
 */
import process from "node:process";
import { OFFLINE_LIMITS, planFromVibe } from "../functions-shared/plan/deterministic_planner.ts";
import type { PlanInput } from "../functions-shared/plan/planner.ts";
import { PLANNER_CORPUS } from "../tests/fixtures/planner/corpus.ts";
import { scoreEntry, totalScore } from "../tests/support/corpus_score.ts";

const RUNS = 10;

/** The corpus twice over: realistic text, ~25 KB. */
function corpusVibe(): PlanInput {
  const text = PLANNER_CORPUS.map((e) => e.text).join("\n\n");
  return { vibeText: `${text}\n\n${text}`.slice(0, 20_480), template: "marketplace" };
}

/** 20 KB of distinct entities, each with fields: the table cap's worst case. */
function entitiesVibe(): PlanInput {
  const lines: string[] = [];
  for (let i = 0; lines.join("\n").length < 20_480; i++) {
    const name = `gadget${String.fromCharCode(97 + (i % 26))}${i}`;
    lines.push(`Users can create ${name} items with a name, a price and a weight in kg.`);
  }
  return { vibeText: lines.join("\n"), template: "marketplace" };
}

interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number;
}

function timed(input: PlanInput): Timing {
  const cpu = process.cpuUsage();
  const start = performance.now();
  planFromVibe(input);
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;
}

function main(): void {
  const first = timed({ vibeText: "Sellers post bikes with a price.", template: "marketplace" });
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    for (const entry of PLANNER_CORPUS) {
      const t = timed({ vibeText: entry.text, template: entry.template });
      walls.push(t.wallMs);
      cpus.push(t.cpuMs);
    }
  }
  const fmt = (n: number) => n.toFixed(1);
  console.log(
    `per vibe (${PLANNER_CORPUS.length} corpus descriptions x ${RUNS}): wall p50 ${
      fmt(percentile(walls, 0.5))
    } ms, p95 ${fmt(percentile(walls, 0.95))} ms; cpu p50 ${fmt(percentile(cpus, 0.5))} ms, ` +
      `p95 ${fmt(percentile(cpus, 0.95))} ms; first call in a process ${fmt(first.wallMs)} ms ` +
      `(loads the lexicon); ${navigator.hardwareConcurrency} cores, load ${
        Deno.loadavg()[0]?.toFixed(1)
      }`,
  );
  for (
    const [name, input] of [["corpus x2", corpusVibe()], [
      "distinct entities",
      entitiesVibe(),
    ]] as const
  ) {
    const runs = Array.from({ length: 3 }, () => timed(input));
    const plan = planFromVibe(input);
    const kb = (new TextEncoder().encode(input.vibeText).length / 1024).toFixed(1);
    console.log(
      `20 KB vibe (${name}, ${kb} KB): wall ${
        fmt(percentile(runs.map((r) => r.wallMs), 0.5))
      } ms, ` +
        `cpu ${fmt(percentile(runs.map((r) => r.cpuMs), 0.5))} ms; ${plan.tables.length} tables, ` +
        `${plan.policies.length} policies, ${plan.requirements.length} sentences ` +
        `(first ${OFFLINE_LIMITS.sentences} read, at most ${OFFLINE_LIMITS.tables} new tables)`,
    );
  }
  for (const split of ["tuning", "held_out"] as const) {
    const entries = PLANNER_CORPUS.filter((e) => e.split === split);
    const score = totalScore(
      entries.map((e) => scoreEntry(e, planFromVibe({ vibeText: e.text, template: e.template }))),
    );
    console.log(
      `corpus ${split} (${entries.length}): tables ${score.tablesPct}%, columns ${score.columnsPct}%, ` +
        `sentences applied ${score.sentencesPct}%`,
    );
  }
}

if (import.meta.main) {
  main();
} else {
  planFromVibe({ vibeText: "Sellers post bikes with a price.", template: "marketplace" });
  Deno.bench("offline planner: ten corpus descriptions", () => {
    for (const entry of PLANNER_CORPUS.slice(0, 10)) {
      planFromVibe({ vibeText: entry.text, template: entry.template });
    }
  });
  Deno.bench("offline planner: a 20 KB vibe", () => {
    planFromVibe(corpusVibe());
  });
}
