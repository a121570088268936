/**
 * @module Performs the HTTP requests queued by the pg_net API (net.http_request_queue) after
 * their transaction commits, recording each response in net._http_response, as pg_net's
 * background worker does. Woken by NOTIFY pg_net_request; polls as a safety net. A database
 * with the pg_net API has one LISTEN connection and one small pool for the short queries
 * (taking requests, recording responses); responses older than six hours are pruned once a
 * minute. Databases without it are looked at again every few seconds (with a connection that
 * becomes the listener if the API is there), so no connection is held open to each of them.
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

/** How to reach a database as a superuser. */
export type ConnectionConfig = (database: string) => pg.ClientConfig;

const RESPONSE_TTL = "6 hours";
const TICK_MS = 1000;
const PRUNE_EVERY_MS = 60_000;
/** How often a database without the pg_net API is looked at again. */
const RECHECK_MS = 5_000;
/** Connections per database for the short queries (the LISTEN connection is apart). */
const POOL_SIZE = 3;
/** A database's idle pooled connection closes after this long (the tick keeps one warm). */
const POOL_IDLE_MS = 10_000;

export class PgNetRunner {
  #config: ConnectionConfig;
  #pools = new Map<string, pg.Pool>();
  #listeners = new Map<string, pg.Client>();
  #pruned = new Map<string, number>();
  /** When each database without the pg_net API was last looked at. */
  #checked = new Map<string, number>();
  #busy = new Set<string>();
  #again = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ticking: Promise<void> | undefined;
  #stopped = false;
  #inflight = new Set<Promise<void>>();

  constructor(config: ConnectionConfig) {
    this.#config = config;
  }

  /** Starts listening in every database that has the pg_net API; re-scans periodically. */
  async start(): Promise<void> {
    await this.#scan();
    this.#prune();
    const tick = async () => {
      if (this.#stopped) return;
      await this.#scan().catch(() => {});
      for (const db of this.#listeners.keys()) this.drain(db);
      this.#prune();
    };
    const schedule = () => {
      this.#timer = setTimeout(() => {
        this.#ticking = tick().finally(() => {
          this.#ticking = undefined;
          if (!this.#stopped) schedule();
        });
      }, TICK_MS);
    };
    schedule();
  }

  /** The database's pool for short queries, created on first use. */
  #pool(db: string): pg.Pool {
    let pool = this.#pools.get(db);
    if (!pool) {
      pool = new pg.Pool({ ...this.#config(db), max: POOL_SIZE, idleTimeoutMillis: POOL_IDLE_MS });
      // An idle connection ended by the server (database dropped or paused): the pool drops it.
      pool.on("error", () => {});
      this.#pools.set(db, pool);
    }
    return pool;
  }

  /** Closes what this runner holds in a database that is gone or refuses connections. */
  async #forget(db: string): Promise<void> {
    const listener = this.#listeners.get(db);
    this.#listeners.delete(db);
    this.#pruned.delete(db);
    this.#checked.delete(db);
    await listener?.end().catch(() => {});
    const pool = this.#pools.get(db);
    this.#pools.delete(db);
    await pool?.end().catch(() => {});
  }

  async #scan(): Promise<void> {
    const dbs = (await this.#pool("postgres").query<{ datname: string }>(
      "select datname from pg_database where datallowconn and not datistemplate",
    )).rows.map((r) => r.datname);
    const known = new Set([
      ...this.#pools.keys(),
      ...this.#listeners.keys(),
      ...this.#checked.keys(),
    ]);
    for (const db of known) {
      if (!dbs.includes(db)) await this.#forget(db);
    }
    for (const db of dbs) {
      if (this.#stopped) return;
      if (this.#listeners.has(db)) continue;
      const now = Date.now();
      if (now - (this.#checked.get(db) ?? -Infinity) < RECHECK_MS) continue;
      this.#checked.set(db, now);
      const client = new pg.Client(this.#config(db));
      client.on("error", () => {}); // a failure while looking is the catch's to handle
      let listening = false;
      try {
        await client.connect();
        const has = await client.query<{ ok: boolean }>(
          "select to_regclass('net.http_request_queue') is not null as ok",
        );
        if (has.rows[0]?.ok) {
          await client.query("listen pg_net_request");
          listening = true;
        }
      } catch { /* unreachable (dropped, paused): looked at again later */ }
      if (!listening || this.#stopped) {
        await client.end().catch(() => {});
        continue;
      }
      this.#checked.delete(db);
      client.on("notification", () => this.drain(db));
      client.on("error", () => {
        if (this.#listeners.get(db) === client) this.#listeners.delete(db);
        client.end().catch(() => {});
      });
      this.#listeners.set(db, client);
      this.drain(db);
    }
  }

  /** Deletes old responses, at most once a minute per database. */
  #prune(): void {
    const now = Date.now();
    for (const db of this.#listeners.keys()) {
      if (now - (this.#pruned.get(db) ?? 0) < PRUNE_EVERY_MS) continue;
      this.#pruned.set(db, now);
      const job = this.#pool(db).query(
        `delete from net._http_response where created < now() - interval '${RESPONSE_TTL}'`,
      )
        .then(() => {})
        .catch((e) => console.error(`[pg_net] ${db}: ${(e as Error).message}`))
        .finally(() => this.#inflight.delete(job));
      this.#inflight.add(job);
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
    const taken = await this.#pool(db).query<QueuedRequest>(
      `delete from net.http_request_queue
        where id in (select id from net.http_request_queue order by id limit 100
                     for update skip locked)
        returning id, method, url, headers, body, timeout_milliseconds`,
    );
    // Requests run concurrently and outlive this drain: a slow one never delays the next.
    for (const r of taken.rows) {
      const job = this.#perform(db, r)
        .catch((e) => console.error(`[pg_net] ${db} #${r.id}: ${(e as Error).message}`))
        .finally(() => this.#inflight.delete(job));
      this.#inflight.add(job);
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
    await this.#pool(db).query(
      `insert into net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [r.id, ...row],
    );
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#ticking?.catch(() => {});
    await Promise.allSettled([...this.#inflight]);
    const held = new Set([...this.#pools.keys(), ...this.#listeners.keys()]);
    for (const db of held) await this.#forget(db);
  }
}
