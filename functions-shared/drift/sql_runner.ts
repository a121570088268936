/**
 * @module The one thing the drift engine needs from a database: a way to run a query and get
 * its rows. A pg client, a pool and an MCP `execute_sql` call all fit behind it.
 */

/** Runs one SQL statement (with optional `$n` parameters) and returns its rows. */
export interface SqlRunner {
  query<T = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<T[]>;
}

/** The part of a `pg` Client, PoolClient or Pool the drift engine uses. */
export interface PgQueryable {
  // deno-lint-ignore no-explicit-any
  query(text: string, values?: unknown[]): Promise<any>;
}

/** A {@linkcode SqlRunner} over a `pg` client or pool. */
export function pgRunner(client: PgQueryable): SqlRunner {
  return {
    async query<T>(text: string, values?: readonly unknown[]): Promise<T[]> {
      const result = values === undefined
        ? await client.query(text)
        : await client.query(text, [...values]);
      // A multi-statement text (simple protocol) yields one result per statement: keep the last.
      const last = Array.isArray(result) ? result.at(-1) : result;
      return (last?.rows ?? []) as T[];
    },
  };
}
