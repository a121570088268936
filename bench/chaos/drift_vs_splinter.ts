/**
 * @module Our drift check against Supabase's advisors (splinter) on the same database: the time
 * of our lints (one catalog introspection, then the lints computed on the model) and of our whole
 * check (introspection, diff against the contract, lints), over the time splinter's own SQL takes
 * to select its results. Splinter's SQL is not in this repository: set SPLINTER_DIR to the
 * `lints/` folder of a splinter checkout (tests/fixtures/splinter/README.md).
 */
import type pg from "../../functions-shared/db/pg.ts";
import { introspect } from "../../functions-shared/drift/introspect.ts";
import { lint } from "../../functions-shared/drift/lints.ts";
import { pgRunner } from "../../functions-shared/drift/sql_runner.ts";
import { verify } from "../../functions-shared/drift/verify.ts";
import { runSplinter } from "../../tests/support/splinter.ts";
import { percentile } from "./realtime_latency.ts";

export interface DriftVsSplinter {
  database: string;
  runs: number;
  /** Medians, milliseconds. */
  oursLintsMs: number;
  oursCheckMs: number;
  splinterMs: number;
  /** ours ÷ splinter: below 1 means ours is faster. */
  lintsRatio: number;
  checkRatio: number;
  splinterResults: number;
  ourLints: number;
}

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Times both on the database `client` (as postgres) and `admin` (superuser, for splinter's
 * views) reach, `runs` times each, alternating.
 */
export async function measureDriftVsSplinter(
  client: pg.Client,
  admin: pg.Client,
  splinterDir: string,
  database: string,
  runs = 7,
): Promise<DriftVsSplinter> {
  const lintsMs: number[] = [];
  const checkMs: number[] = [];
  const splinterMs: number[] = [];
  let ourLints = 0;
  let splinterResults = 0;
  const contract = (await introspect(pgRunner(client))).model;
  for (let i = 0; i < runs; i++) {
    let started = performance.now();
    const { model } = await introspect(pgRunner(client));
    ourLints = lint(model).length;
    lintsMs.push(performance.now() - started);
    started = performance.now();
    verify(contract, (await introspect(pgRunner(client))).model);
    checkMs.push(performance.now() - started);
    splinterResults = (await runSplinter(admin, splinterDir, (ms) => splinterMs.push(ms))).length;
  }
  const ours = percentile(lintsMs, 50);
  const check = percentile(checkMs, 50);
  const theirs = percentile(splinterMs, 50);
  return {
    database,
    runs,
    oursLintsMs: round(ours),
    oursCheckMs: round(check),
    splinterMs: round(theirs),
    lintsRatio: round(ours / theirs),
    checkRatio: round(check / theirs),
    splinterResults,
    ourLints,
  };
}
