/**
 * @module Database access on behalf of a caller. A signed-in user's reads run as the
 * `authenticated` role with their JWT claims, so row-level security decides what they see —
 * the same rules the Data API applies. The service role (and the functions themselves) connect
 * as the database owner.
 */
import type { Identity } from "../auth/identity.ts";
import { inTransaction } from "./pool.ts";
import type pg from "./pg.ts";

/** Runs `fn` in a transaction scoped to the caller (role and `request.jwt.claims`). */
export function asCaller<T>(
  pool: pg.Pool,
  identity: Identity,
  fn: (db: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return inTransaction(pool, async (db) => {
    if (identity.role !== "service_role") {
      const claims = identity.role === "authenticated"
        ? { ...identity.claims, role: "authenticated", sub: identity.userId }
        : { role: "anon" };
      await db.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(claims)]);
      await db.query(
        `set local role ${identity.role === "authenticated" ? "authenticated" : "anon"}`,
      );
    }
    return await fn(db);
  });
}
