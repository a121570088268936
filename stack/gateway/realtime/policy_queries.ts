/**
 * @module The SQL Supabase Realtime runs to evaluate a user's RLS policies on
 * realtime.messages for one channel topic, built apart from running it: probe rows, the
 * user's role and claims as transaction settings, and the reads and writes that test them.
 */

/** A statement and its parameters. */
export interface SqlQuery {
  text: string;
  values: unknown[];
}

/** The Realtime features a policy can allow, as stored in realtime.messages.extension. */
export type Extension = "broadcast" | "presence";

/** Who is asking, for which topic: what the policies see through settings. */
export interface PolicyContext {
  /** The channel topic without the `realtime:` prefix, e.g. `build:<uuid>`. */
  topic: string;
  /** One of the API roles (anon, authenticated, service_role). */
  role: string;
  /** The verified JWT claims, visible to `auth.uid()`, `auth.jwt()`. */
  claims: Record<string, unknown>;
  /** Request headers the client connected with, as `request.headers`. */
  headers: Record<string, string>;
}

/** Probe rows, written before switching roles so they exist whatever the policies say. */
export function insertProbes(
  topic: string,
  probes: { id: string; extension: Extension }[],
): SqlQuery {
  const values: unknown[] = [topic];
  const rows = probes.map((p) => {
    values.push(p.id, p.extension);
    return `($${values.length - 1}::uuid, $1, $${values.length})`;
  });
  return {
    text: `insert into realtime.messages (id, topic, extension) values ${rows.join(", ")}`,
    values,
  };
}

/** The settings Realtime sets for the rest of the transaction before checking policies. */
export function setPolicyContext(ctx: PolicyContext): SqlQuery {
  return {
    text: `select set_config('role', $1, true),
       set_config('realtime.topic', $2, true),
       set_config('request.jwt.claims', $3, true),
       set_config('request.jwt.claim.sub', $4, true),
       set_config('request.jwt.claim.role', $1, true),
       set_config('request.headers', $5, true)`,
    values: [
      ctx.role,
      ctx.topic,
      JSON.stringify(ctx.claims),
      typeof ctx.claims.sub === "string" ? ctx.claims.sub : "",
      JSON.stringify(ctx.headers),
    ],
  };
}

/** Which probes the user's SELECT policies let them see. */
export function selectVisibleProbes(ids: string[]): SqlQuery {
  return {
    text: "select id::text as id from realtime.messages where id = any($1::uuid[])",
    values: [ids],
  };
}

/** A write the user's INSERT policies must allow (run in a savepoint, then rolled back). */
export function insertAsUser(topic: string, extension: Extension): SqlQuery {
  return {
    text: "insert into realtime.messages (topic, extension) values ($1, $2)",
    values: [topic, extension],
  };
}
