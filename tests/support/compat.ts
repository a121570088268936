/**
 * @module Helpers for the compatibility-layer conformance tests: a scratch database with a
 * `postgres` connection that is always closed and dropped, and polling with a deadline.
 */
import type pg from "../../functions-shared/db/pg.ts";
import { connect, scratchDatabase } from "./stack.ts";

/** A scratch database (compat layer applied) and a `postgres` connection to it. */
export interface Scratch {
  name: string;
  client: pg.Client;
  /** Another `postgres` connection to the scratch database, closed with it. */
  connect(): Promise<pg.Client>;
}

/** Runs `fn` against a fresh scratch database; closes every connection and drops it after. */
export async function withScratch<T>(prefix: string, fn: (s: Scratch) => Promise<T>): Promise<T> {
  const db = await scratchDatabase(prefix);
  const clients: pg.Client[] = [];
  try {
    const open = async () => {
      const c = await connect(db.name);
      // A test that fails mid-query must not crash the process on a late connection error.
      c.on("error", () => {});
      clients.push(c);
      return c;
    };
    const client = await open();
    return await fn({ name: db.name, client, connect: open });
  } finally {
    await Promise.allSettled(clients.map((c) => c.end()));
    await db.drop();
  }
}

/** Calls `check` every `intervalMs` until it returns a value other than undefined. */
export async function poll<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(intervalMs);
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The SQLSTATE of a rejected query, for `assert.rejects(..., sqlState("42501"))`. */
export function sqlState(code: string): (e: unknown) => boolean {
  return (e: unknown) => {
    const actual = (e as { code?: string }).code;
    if (actual !== code) {
      throw new Error(`expected SQLSTATE ${code}, got ${actual}: ${(e as Error).message}`);
    }
    return true;
  };
}

/** The rows of a query. */
export async function rows<T extends pg.QueryResultRow>(
  c: pg.Client,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return (await c.query<T>(sql, params)).rows;
}

/** The single row of a query; fails unless there is exactly one. */
export async function one<T extends pg.QueryResultRow>(
  c: pg.Client,
  sql: string,
  params: unknown[] = [],
): Promise<T> {
  const found = await rows<T>(c, sql, params);
  if (found.length !== 1) throw new Error(`expected one row, got ${found.length}: ${sql}`);
  return found[0]!;
}
