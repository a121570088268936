/** @module The control plane's Postgres pool and a transaction helper. */
import pg from "./pg.ts";

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/** Options for {@link createPool}. */
export interface PoolOptions {
  /** Maximum connections; Edge Functions keep this small. */
  max?: number;
}

export function createPool(connectionString: string, opts: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: opts.max ?? 3,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client's error (e.g. the server restarting) must not crash the function.
  pool.on("error", (e) => console.error(`Postgres pool: ${e.message}`));
  return pool;
}

/** Runs `fn` in a transaction: commit on success, rollback on any error. */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  // A connection whose rollback failed is in an unknown state: it leaves the pool.
  let broken = false;
  try {
    await client.query("begin");
    const result = await fn(client);
    await client.query("commit");
    return result;
  } catch (e) {
    await client.query("rollback").catch(() => {
      broken = true;
    });
    throw e;
  } finally {
    client.release(broken);
  }
}
