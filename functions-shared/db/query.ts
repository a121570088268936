/** @module SQL as data: pure builders return a `Query`, and one runner executes it. */
import type pg from "./pg.ts";

/** A parameterised statement, built by a pure function and run elsewhere. */
export interface Query {
  text: string;
  values: unknown[];
}

/** Anything that can run a query: a pool, a client, or a client inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/** Runs a built query and returns its rows. */
export async function rows<R extends pg.QueryResultRow>(db: Queryable, q: Query): Promise<R[]> {
  return (await db.query<R>(q.text, q.values)).rows;
}

/** Runs a built query and returns its first row, if any. */
export async function firstRow<R extends pg.QueryResultRow>(
  db: Queryable,
  q: Query,
): Promise<R | undefined> {
  return (await rows<R>(db, q))[0];
}
