/**
 * @module Issuing an environment's reporting token when the pipeline deploys its functions: the
 * token of the session's current generation (1 on first deployment), whose hash is recorded in
 * the step's transaction.
 */
import { firstRow, type Queryable, rows } from "../db/query.ts";
import { reportToken } from "./report_token.ts";
import { sha256Hex } from "../auth/digest.ts";
import { selectReportTokenGeneration, upsertReportToken } from "./report_token_sql.ts";

/** The token to deploy into the session's environment; its hash is stored with `db`. */
export async function deployedReportToken(
  db: Queryable,
  secret: string,
  sessionId: string,
  environmentRef: string,
): Promise<string> {
  const generation =
    (await firstRow<{ generation: number }>(db, selectReportTokenGeneration(sessionId)))
      ?.generation ?? 1;
  const token = await reportToken(secret, sessionId, generation);
  await rows(
    db,
    upsertReportToken(sessionId, environmentRef, await sha256Hex(token), generation),
  );
  return token;
}
