/**
 * @module Connection pools of the local project APIs, one per database and login role, over the
 * cluster's socket (trust): the Data API logs in as `authenticator` (as PostgREST does), the
 * Auth server as `supabase_auth_admin` (as GoTrue does). Pools are small, made on first use and
 * close their idle connections; a dropped environment's pool is ended with it.
 */
import pg from "../../functions-shared/db/pg.ts";

/** Options of {@linkcode createDatabasePools}. */
export interface DatabasePoolsOptions {
  /** The cluster's socket directory. */
  readonly host: string;
  readonly port: number;
  /** Connections per database and role (default 5). */
  readonly max?: number;
  /** Idle connections close after this long (default 10 s). */
  readonly idleTimeoutMillis?: number;
}

/** Pools by database and role. */
export interface DatabasePools {
  get(database: string, role: string): pg.Pool;
  /** Ends the pools of one database (it was dropped). */
  drop(database: string): Promise<void>;
  close(): Promise<void>;
}

export function createDatabasePools(opts: DatabasePoolsOptions): DatabasePools {
  const pools = new Map<string, pg.Pool>();
  const key = (database: string, role: string) => `${role}@${database}`;
  return {
    get(database, role) {
      const k = key(database, role);
      let pool = pools.get(k);
      if (!pool) {
        pool = new pg.Pool({
          host: opts.host,
          port: opts.port,
          user: role,
          database,
          max: opts.max ?? 5,
          idleTimeoutMillis: opts.idleTimeoutMillis ?? 10_000,
          application_name: role === "authenticator" ? "local Data API" : "local Auth",
        });
        // A connection dying in the pool (database dropped, server restarted) is replaced on
        // the next checkout; the request that used it already got its error.
        pool.on("error", () => {});
        pools.set(k, pool);
      }
      return pool;
    },
    async drop(database) {
      for (const [k, pool] of pools) {
        if (k.endsWith(`@${database}`)) {
          pools.delete(k);
          await pool.end().catch(() => {});
        }
      }
    },
    async close() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((p) => p.end().catch(() => {})));
    },
  };
}
