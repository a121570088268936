/**
 * @module LangGraph's PostgresSaver (schema `langgraph`) for the worker's steps. A node runs
 * with no transaction open, so its checkpoint cannot be written as it goes: the
 * {@link deferredCheckpointer} reads from the pool and keeps the saver's writes, and the worker
 * replays them inside the transaction that commits the step (events, session update, queue
 * moves), where {@link transactionCheckpointer} also reads them back. The saver wraps its
 * writes in BEGIN/COMMIT; inside our transaction those become a savepoint.
 */
import { PostgresSaver } from "../langchain/runtime.ts";
import type { Queryable } from "../db/query.ts";
import type pg from "../db/pg.ts";

const SAVEPOINT = "langgraph_checkpoint";

function translate(text: unknown): string | undefined {
  if (typeof text !== "string") return undefined;
  switch (text.trim().toUpperCase()) {
    case "BEGIN":
      return `savepoint ${SAVEPOINT}`;
    case "COMMIT":
      return `release savepoint ${SAVEPOINT}`;
    case "ROLLBACK":
      return `rollback to savepoint ${SAVEPOINT}`;
    default:
      return undefined;
  }
}

const SCHEMA = { schema: "langgraph" };

/** A checkpointer whose every statement runs on `tx`. */
export function transactionCheckpointer(tx: Queryable): PostgresSaver {
  const run = (text: unknown, values?: unknown[]) =>
    tx.query(translate(text) ?? (text as string), values);
  const pool = {
    query: run,
    connect: () => Promise.resolve({ query: run, release: () => {} }),
    end: () => Promise.resolve(),
  };
  return new PostgresSaver(pool as unknown as pg.Pool, undefined, SCHEMA);
}

/** A checkpointer that reads now and writes later. */
export interface DeferredCheckpointer {
  /** Reads through the pool; its writes are kept, not sent. */
  saver: PostgresSaver;
  /** How many statements are waiting. */
  readonly pending: number;
  /** Runs the kept writes, in the order the saver made them, on `tx`. */
  flush(tx: Queryable): Promise<void>;
}

const EMPTY = { rows: [], rowCount: 0, command: "", oid: 0, fields: [] };

/**
 * Reads (getTuple, list) go to `db`; put and putWrites only record their statements (the
 * saver's BEGIN/COMMIT dropped), so nothing reaches the database until {@link flush}.
 */
export function deferredCheckpointer(db: Queryable): DeferredCheckpointer {
  const kept: { text: string; values: unknown[] | undefined }[] = [];
  const keep = (text: unknown, values?: unknown[]) => {
    // The saver only writes through a connected client; a read there must still read.
    if (typeof text === "string" && /^\s*select\b/i.test(text)) return db.query(text, values);
    if (translate(text) === undefined) kept.push({ text: text as string, values });
    return Promise.resolve(EMPTY);
  };
  const pool = {
    query: (text: unknown, values?: unknown[]) => db.query(text as string, values),
    connect: () => Promise.resolve({ query: keep, release: () => {} }),
    end: () => Promise.resolve(),
  };
  return {
    saver: new PostgresSaver(pool as unknown as pg.Pool, undefined, SCHEMA),
    get pending() {
      return kept.length;
    },
    async flush(tx) {
      for (const { text, values } of kept.splice(0)) await tx.query(text, values);
    },
  };
}
