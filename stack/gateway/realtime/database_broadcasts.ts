/**
 * @module Broadcast from the database: rows that `realtime.send(...)` commits to
 * realtime.messages are delivered to the topic's subscribers, as Supabase Realtime does from its
 * replication stream. Woken by `NOTIFY realtime_messages` (sent by realtime.send and delivered
 * only at commit), with polling as a safety net; rows are read in commit-independent insertion
 * order (inserted_at, then transaction, then command) and each is delivered once.
 */
import pg from "../../../functions-shared/db/pg.ts";
import type { SqlQuery } from "./policy_queries.ts";

/** A committed broadcast row. */
export interface StoredBroadcast {
  id: string;
  topic: string;
  event: string;
  /** The payload as JSON text. */
  payload: string;
  private: boolean;
}

/** Options of the database broadcast reader. */
export interface DatabaseBroadcastOptions {
  /** Opens a connection to the control-plane database as a role that may read every row. */
  connect: () => Promise<pg.Client>;
  /** Called once per committed row, in order. */
  deliver: (message: StoredBroadcast) => void;
  log?: (line: string) => void;
  /**
   * How far back (a Postgres interval) rows are looked for: a transaction that commits a
   * broadcast later than this after it started is missed. Defaults to 15 minutes, longer than
   * any worker step (rows carry their transaction's start time, as on hosted).
   */
  lookback?: string;
  /** Polling interval in milliseconds when no notification arrives. Defaults to 1000. */
  pollMs?: number;
}

const BATCH = 500;

interface Row extends StoredBroadcast {
  at_us: string;
  floor_us: string;
}

/** Broadcast rows inserted within `lookback` that are not among the delivered ids. */
export function recentBroadcasts(lookback: string, delivered: string[]): SqlQuery {
  return {
    text: `select id::text as id, topic, event, payload::text as payload,
       coalesce(private, false) as private,
       (extract(epoch from inserted_at) * 1000000)::bigint::text as at_us,
       (extract(epoch from localtimestamp - $1::interval) * 1000000)::bigint::text as floor_us
  from realtime.messages
 where extension = 'broadcast' and event is not null and payload is not null
   and inserted_at >= localtimestamp - $1::interval
   and not (id = any($2::uuid[]))
 order by inserted_at, xmin::text::bigint, cmin::text::bigint
 limit ${BATCH}`,
    values: [lookback, delivered],
  };
}

export class DatabaseBroadcasts {
  #opts: Required<DatabaseBroadcastOptions>;
  #client: pg.Client | undefined;
  /** Delivered ids with their inserted_at (µs), kept while they are within the lookback. */
  #delivered = new Map<string, bigint>();
  #busy = false;
  #again = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #draining: Promise<void> = Promise.resolve();
  #primed = false;
  #lastError: string | undefined;

  constructor(opts: DatabaseBroadcastOptions) {
    this.#opts = { log: console.error, lookback: "15 minutes", pollMs: 1000, ...opts };
  }

  /**
   * Listens, and takes the rows already committed as seen (they are not replayed). A database
   * that is not reachable yet is retried by the polling.
   */
  async start(): Promise<void> {
    try {
      await this.#listen();
      await this.#read();
    } catch (e) {
      this.#report(e);
    }
    this.#schedulePoll();
  }

  /** Logs a failure once, not on every poll while it lasts. */
  #report(e: unknown): void {
    const message = `[realtime] Cannot read broadcasts from the database: ${(e as Error).message}`;
    if (message !== this.#lastError) this.#opts.log(message);
    this.#lastError = message;
  }

  async #listen(): Promise<void> {
    const client = await this.#opts.connect();
    const lost = () => {
      if (this.#client === client) this.#client = undefined;
      client.end().catch(() => {});
    };
    client.on("notification", () => this.drain());
    client.on("error", (e) => {
      this.#report(e);
      lost();
    });
    client.on("end", lost);
    try {
      await client.query("listen realtime_messages");
    } catch (e) {
      lost();
      throw e;
    }
    this.#client = client;
  }

  #schedulePoll(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.drain();
      this.#schedulePoll();
    }, this.#opts.pollMs);
  }

  /** Reads and delivers new rows; concurrent calls coalesce into one more pass. */
  drain(): void {
    if (this.#stopped) return;
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#busy = true;
    this.#draining = (async () => {
      try {
        if (!this.#client) await this.#listen(); // reconnect; rows missed meanwhile follow
        await this.#read();
        this.#lastError = undefined;
      } catch (e) {
        this.#report(e);
      } finally {
        this.#busy = false;
        if (this.#again) {
          this.#again = false;
          this.drain();
        }
      }
    })();
  }

  /** Reads new rows; the first successful read after start only takes note of them. */
  async #read(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    await this.#readRows(client, this.#primed);
    this.#primed = true;
  }

  async #readRows(client: pg.Client, deliver: boolean): Promise<void> {
    for (;;) {
      const q = recentBroadcasts(this.#opts.lookback, [...this.#delivered.keys()]);
      const rows = (await client.query<Row>(q.text, q.values)).rows;
      if (rows.length === 0) return;
      const floor = BigInt(rows[0]!.floor_us);
      for (const [id, at] of this.#delivered) if (at < floor) this.#delivered.delete(id);
      for (const row of rows) {
        this.#delivered.set(row.id, BigInt(row.at_us));
        if (!deliver) continue;
        try {
          this.#opts.deliver({
            id: row.id,
            topic: row.topic,
            event: row.event,
            payload: row.payload,
            private: row.private,
          });
        } catch (e) {
          this.#opts.log(`[realtime] Cannot deliver broadcast ${row.id}: ${(e as Error).message}`);
        }
      }
      if (rows.length < BATCH) return;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#draining;
    await this.#client?.end().catch(() => {});
    this.#client = undefined;
  }
}
