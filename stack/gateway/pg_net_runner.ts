/**
 * @module Performs the HTTP requests queued by the pg_net API (net.http_request_queue) after
 * their transaction commits, recording each response in net._http_response, as pg_net's
 * background worker does. Woken by NOTIFY pg_net_request; polls as a safety net.
 */
import pg from "../../functions-shared/db/pg.ts";

interface QueuedRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Uint8Array | null;
  timeout_milliseconds: number;
}

/** Opens a superuser connection to a database. */
export type Connect = (database: string) => Promise<pg.Client>;

const RESPONSE_TTL = "6 hours";

export class PgNetRunner {
  #connect: Connect;
  #listeners = new Map<string, pg.Client>();
  #busy = new Set<string>();
  #again = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #inflight = new Set<Promise<void>>();

  constructor(connect: Connect) {
    this.#connect = connect;
  }

  /** Starts listening in every database that has the pg_net API; re-scans periodically. */
  async start(): Promise<void> {
    await this.#scan();
    const tick = async () => {
      if (this.#stopped) return;
      await this.#scan().catch(() => {});
      for (const db of this.#listeners.keys()) this.drain(db);
      this.#timer = setTimeout(tick, 1000);
    };
    this.#timer = setTimeout(tick, 1000);
  }

  async #scan(): Promise<void> {
    const admin = await this.#connect("postgres");
    let dbs: string[];
    try {
      dbs = (await admin.query<{ datname: string }>(
        "select datname from pg_database where datallowconn and not datistemplate",
      )).rows.map((r) => r.datname);
    } finally {
      await admin.end();
    }
    for (const [db, client] of this.#listeners) {
      if (!dbs.includes(db)) {
        this.#listeners.delete(db);
        await client.end().catch(() => {});
      }
    }
    for (const db of dbs) {
      if (this.#listeners.has(db)) continue;
      const client = await this.#connect(db).catch(() => undefined);
      if (!client) continue;
      const has = await client.query(
        "select to_regclass('net.http_request_queue') is not null as ok",
      )
        .catch(() => ({ rows: [{ ok: false }] }));
      if (!has.rows[0]?.ok) {
        await client.end().catch(() => {});
        continue;
      }
      client.on("notification", () => this.drain(db));
      client.on("error", () => {
        this.#listeners.delete(db);
        client.end().catch(() => {});
      });
      await client.query("listen pg_net_request");
      this.#listeners.set(db, client);
      this.drain(db);
    }
  }

  /** Takes the queued requests of one database and performs them concurrently. */
  drain(db: string): void {
    if (this.#stopped) return;
    if (this.#busy.has(db)) {
      this.#again.add(db);
      return;
    }
    this.#busy.add(db);
    const job = this.#drainOnce(db)
      .catch((e) => console.error(`[pg_net] ${db}: ${(e as Error).message}`))
      .finally(() => {
        this.#busy.delete(db);
        this.#inflight.delete(job);
        if (this.#again.delete(db)) this.drain(db);
      });
    this.#inflight.add(job);
  }

  async #drainOnce(db: string): Promise<void> {
    const client = await this.#connect(db);
    try {
      const taken = await client.query<QueuedRequest>(
        `delete from net.http_request_queue
          where id in (select id from net.http_request_queue order by id limit 100
                       for update skip locked)
          returning id, method, url, headers, body, timeout_milliseconds`,
      );
      await client.query(
        `delete from net._http_response where created < now() - interval '${RESPONSE_TTL}'`,
      );
      // Requests run concurrently and outlive this drain: a slow one never delays the next.
      for (const r of taken.rows) {
        const job = this.#perform(db, r)
          .catch((e) => console.error(`[pg_net] ${db} #${r.id}: ${(e as Error).message}`))
          .finally(() => this.#inflight.delete(job));
        this.#inflight.add(job);
      }
    } finally {
      await client.end();
    }
  }

  async #perform(db: string, r: QueuedRequest): Promise<void> {
    let row: [number | null, string | null, unknown, string | null, boolean, string | null];
    try {
      const res = await fetch(r.url, {
        method: r.method.toUpperCase(),
        headers: r.headers,
        body: r.body && r.method.toUpperCase() !== "GET" ? new Uint8Array(r.body) : null,
        signal: AbortSignal.timeout(r.timeout_milliseconds),
      });
      const content = await res.text();
      row = [
        res.status,
        res.headers.get("content-type"),
        Object.fromEntries(res.headers),
        content,
        false,
        null,
      ];
    } catch (e) {
      const timedOut = e instanceof DOMException && e.name === "TimeoutError";
      const message = timedOut
        ? `Timeout of ${r.timeout_milliseconds} ms reached`
        : (e as Error).message;
      row = [null, null, null, null, timedOut, message];
    }
    const client = await this.#connect(db);
    try {
      await client.query(
        `insert into net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg)
         values ($1, $2, $3, $4, $5, $6, $7)`,
        [r.id, ...row],
      );
    } finally {
      await client.end();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await Promise.allSettled([...this.#inflight]);
    for (const client of this.#listeners.values()) await client.end().catch(() => {});
    this.#listeners.clear();
  }
}
