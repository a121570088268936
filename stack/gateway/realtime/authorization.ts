/**
 * @module Private-channel authorization as Supabase Realtime does it: a user may read a topic's
 * broadcasts or presence when their SELECT policies on realtime.messages let them see probe rows
 * of that topic, and may send when their INSERT policies accept a row. Every check runs in a
 * transaction that is rolled back, so it leaves nothing behind.
 */
import pg from "../../../functions-shared/db/pg.ts";
import {
  type Extension,
  insertAsUser,
  insertProbes,
  type PolicyContext,
  selectVisibleProbes,
  setPolicyContext,
} from "./policy_queries.ts";

export type { Extension, PolicyContext };

/** The outcome per extension; an extension that was not checked is absent. */
export type Permissions = Partial<Record<Extension, boolean>>;

/** Roles a Realtime client may act as; any other role claim is refused. */
export const API_ROLES: readonly string[] = ["anon", "authenticated", "service_role"];

const INSUFFICIENT_PRIVILEGE = "42501";

function denied(extensions: Extension[]): Permissions {
  return Object.fromEntries(extensions.map((e) => [e, false]));
}

/** A Postgres error raised while evaluating policies (as opposed to a lost connection). */
function isPolicyError(e: unknown): e is Error & { code: string } {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof Error && typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}

export class ChannelAuthorizer {
  #pool: pg.Pool;
  #log: (line: string) => void;

  /** `pool` connects as a role that may write realtime.messages and assume the API roles. */
  constructor(pool: pg.Pool, log: (line: string) => void = console.error) {
    this.#pool = pool;
    this.#log = log;
  }

  async #inRolledBackTransaction<T>(
    extensions: Extension[],
    ctx: PolicyContext,
    fn: (c: pg.PoolClient) => Promise<T>,
  ): Promise<T | Permissions> {
    if (!API_ROLES.includes(ctx.role)) return denied(extensions);
    const client = await this.#pool.connect();
    let broken = false;
    try {
      await client.query("begin");
      try {
        return await fn(client);
      } catch (e) {
        if (!isPolicyError(e)) {
          broken = true;
          throw e;
        }
        // As on hosted, a policy that errors denies (RlsPolicyError), and the error is logged.
        this.#log(`[realtime] RlsPolicyError on ${ctx.topic}: ${e.message}`);
        return denied(extensions);
      } finally {
        if (!broken) await client.query("rollback").catch(() => (broken = true));
      }
    } finally {
      client.release(broken);
    }
  }

  /** Whether the user's SELECT policies let them read each extension on the topic. */
  async read(ctx: PolicyContext, extensions: Extension[]): Promise<Permissions> {
    return await this.#inRolledBackTransaction(extensions, ctx, async (c) => {
      const probes = extensions.map((extension) => ({ id: crypto.randomUUID(), extension }));
      const insert = insertProbes(ctx.topic, probes);
      await c.query(insert.text, insert.values);
      const settings = setPolicyContext(ctx);
      await c.query(settings.text, settings.values);
      const select = selectVisibleProbes(probes.map((p) => p.id));
      const seen = new Set(
        (await c.query<{ id: string }>(select.text, select.values)).rows.map((r) => r.id),
      );
      return Object.fromEntries(probes.map((p) => [p.extension, seen.has(p.id)])) as Permissions;
    });
  }

  /** Whether the user's INSERT policies let them send each extension on the topic. */
  async write(ctx: PolicyContext, extensions: Extension[]): Promise<Permissions> {
    return await this.#inRolledBackTransaction(extensions, ctx, async (c) => {
      const settings = setPolicyContext(ctx);
      await c.query(settings.text, settings.values);
      const result: Permissions = {};
      for (const extension of extensions) {
        const insert = insertAsUser(ctx.topic, extension);
        await c.query("savepoint realtime_write_check");
        try {
          await c.query(insert.text, insert.values);
          result[extension] = true;
        } catch (e) {
          if ((e as { code?: string }).code !== INSUFFICIENT_PRIVILEGE) throw e;
          result[extension] = false;
        }
        await c.query("rollback to savepoint realtime_write_check");
      }
      return result;
    });
  }
}
