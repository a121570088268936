/**
 * @module `get_advisors` locally: the environment's catalog introspected by the drift engine and
 * linted with its Supabase-advisor lints (splinter's names and shape), split into security and
 * performance findings and returned as the hosted advisors endpoint does: `{ lints: [...] }`.
 */
import type pg from "../../functions-shared/db/pg.ts";
import { introspect } from "../../functions-shared/drift/introspect.ts";
import { type Lint, lint, type LintCategory } from "../../functions-shared/drift/lints.ts";
import { pgRunner } from "../../functions-shared/drift/sql_runner.ts";

/** The hosted advisors response. */
export interface AdvisorsResult {
  lints: Lint[];
}

/** The lints of one category for the database behind `client`. */
export async function advisorLints(
  client: pg.Client,
  category: LintCategory,
): Promise<AdvisorsResult> {
  const { model } = await introspect(pgRunner(client));
  return { lints: lint(model).filter((l) => l.categories.includes(category)) };
}
