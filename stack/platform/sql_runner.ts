/**
 * @module Runs `execute_sql` queries against an environment database as `postgres`, returning
 * the last statement's rows as JSON-ready values. Read-only queries run as one statement in a
 * read-only transaction that is always rolled back, so a write is refused and nothing can
 * escape (the extended protocol admits no second statement such as `commit; insert …`).
 */
import type pg from "../../functions-shared/db/pg.ts";

/** What `executeSql` receives from the MCP server. */
export interface SqlRequest {
  query: string;
  parameters?: unknown[] | undefined;
  readOnly?: boolean | undefined;
}

/** A Postgres error as the hosted API words it: `ERROR: <SQLSTATE>: <message>`. */
export function postgresMessage(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return err.code ? `ERROR: ${err.code}: ${err.message}` : String(err.message ?? e);
}

/** Runs a query; returns the rows of its last statement ([] for statements without rows). */
export async function runSql(client: pg.Client, req: SqlRequest): Promise<unknown[]> {
  if (req.readOnly) {
    await client.query("begin transaction read only");
    try {
      const r = await client.query({
        text: req.query,
        values: req.parameters ?? [],
        queryMode: "extended",
      } as pg.QueryConfig);
      return r.rows;
    } catch (e) {
      if ((e as { code?: string }).code === "42601" && /multiple commands/.test(String(e))) {
        throw new Error(
          "Cannot run several statements in read-only mode: send one statement per call",
        );
      }
      throw e;
    } finally {
      await client.query("rollback").catch(() => {});
    }
  }
  if (req.parameters?.length) return (await client.query(req.query, req.parameters)).rows;
  const result = await client.query(req.query) as pg.QueryResult | pg.QueryResult[];
  const results = Array.isArray(result) ? result : [result];
  return results.at(-1)?.rows ?? [];
}
