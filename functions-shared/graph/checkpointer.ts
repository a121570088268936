/**
 * @module LangGraph's PostgresSaver bound to the worker's step transaction, so the checkpoint
 * commits (or rolls back) together with the step's events, session update and queue moves.
 * The saver wraps its writes in BEGIN/COMMIT; inside our transaction those become a savepoint.
 */
import { PostgresSaver } from "../langchain/runtime.ts";
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

/** A checkpointer (schema `langgraph`) whose every statement runs on `tx`. */
export function transactionCheckpointer(tx: pg.PoolClient): PostgresSaver {
  const run = (text: unknown, values?: unknown[]) =>
    tx.query(translate(text) ?? (text as string), values);
  const pool = {
    query: run,
    connect: () => Promise.resolve({ query: run, release: () => {} }),
    end: () => Promise.resolve(),
  };
  return new PostgresSaver(pool as unknown as pg.Pool, undefined, { schema: "langgraph" });
}
