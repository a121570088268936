/**
 * @module Writes environment log entries (function output, invocations, API requests) to the
 * registry's log table in batches: every entry is redacted first, buffered, and flushed every
 * `flushIntervalMs` or when `maxBatch` entries wait. A full buffer drops the oldest entries
 * (counted, reported once) rather than holding the gateway's memory hostage to a chatty
 * function. Old entries are pruned now and then.
 */
import type pg from "../../functions-shared/db/pg.ts";
import { redact } from "../../functions-shared/redact.ts";
import { insertLogs, type LogEntry, pruneLogs } from "../platform/logs.ts";

/** Options for {@link createLogWriter}. */
export interface LogWriterOptions {
  registry: pg.Pool;
  /** Secret values to redact besides the built-in patterns (the stack's JWT secret …). */
  secrets: readonly string[];
  /** Default 250 ms. */
  flushIntervalMs?: number;
  /** Default 200 entries. */
  maxBatch?: number;
  /** Entries kept while the database is slow or down; default 10 000. */
  maxBuffered?: number;
  /** Days of entries kept; default 7. */
  retentionDays?: number;
  /** Where write failures go; default console.error. */
  onError?: (message: string) => void;
}

export interface LogWriter {
  /** Queues an entry; `secrets` are extra values to redact from it (an environment's own). */
  write(entry: LogEntry, secrets?: readonly string[]): void;
  /** Writes what is queued. */
  flush(): Promise<void>;
  /** Flushes and stops the timer. */
  close(): Promise<void>;
}

const MAX_MESSAGE = 10_000;

export function createLogWriter(opts: LogWriterOptions): LogWriter {
  const maxBatch = opts.maxBatch ?? 200;
  const maxBuffered = opts.maxBuffered ?? 10_000;
  const onError = opts.onError ?? ((m: string) => console.error(m));
  let buffer: LogEntry[] = [];
  let dropped = 0;
  let flushing: Promise<void> | undefined;
  let flushes = 0;
  let failing = false;

  async function writeOut(): Promise<void> {
    while (buffer.length) {
      const batch = buffer.slice(0, maxBatch);
      try {
        await insertLogs(opts.registry, batch);
        buffer = buffer.slice(batch.length);
        failing = false;
      } catch (e) {
        if (!failing) onError(`Cannot write environment logs: ${(e as Error).message}`);
        failing = true;
        return; // kept; the next flush tries again
      }
    }
    if (dropped) {
      onError(`Dropped ${dropped} environment log entries: the log table was not keeping up`);
      dropped = 0;
    }
    if (++flushes % 1000 === 0) {
      await pruneLogs(opts.registry, opts.retentionDays ?? 7).catch(() => {});
    }
  }

  function flush(): Promise<void> {
    flushing ??= writeOut().finally(() => (flushing = undefined));
    return flushing;
  }

  const timer = setInterval(() => {
    if (buffer.length) flush();
  }, opts.flushIntervalMs ?? 250);
  Deno.unrefTimer(timer);

  async function flushAll(): Promise<void> {
    do await flush(); while (buffer.length && !failing);
  }

  return {
    write(entry, secrets = []) {
      const all = [...opts.secrets, ...secrets];
      const message = entry.message.length > MAX_MESSAGE
        ? `${entry.message.slice(0, MAX_MESSAGE)}…`
        : entry.message;
      buffer.push({
        ...entry,
        message: redact(message, { secrets: all }),
        metadata: redact(entry.metadata, { secrets: all }),
      });
      if (buffer.length > maxBuffered) {
        dropped += buffer.length - maxBuffered;
        buffer = buffer.slice(buffer.length - maxBuffered);
      }
      if (buffer.length >= maxBatch) flush();
    },
    flush: flushAll,
    async close() {
      clearInterval(timer);
      await flushAll();
    },
  };
}
