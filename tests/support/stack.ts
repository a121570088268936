/**
 * @module Test access to the running local stack: its URLs and keys, Postgres connections as
 * the roles hosted Supabase has, scratch databases, and signed-in users.
 */
import pg from "../../functions-shared/db/pg.ts";
import { createDatabase, dropDatabase } from "../../stack/compat.ts";
import { type StackStatus, stackStatus } from "../../stack/lifecycle.ts";
import { readSettings } from "../../stack/settings.ts";
import { type SignedInUser, signIn } from "../../stack/token.ts";

let cached: StackStatus | undefined;

/** The running stack's status; fails with the fix when it is not up. */
export async function stack(): Promise<StackStatus> {
  if (cached) return cached;
  const status = await stackStatus();
  if (!status.DB_RUNNING || !status.API_RUNNING) {
    throw new Error(
      "The local stack is not running: run `deno task stack up` (deno task test does)",
    );
  }
  cached = status;
  return status;
}

/** The database URL of another database of the stack's cluster. */
export async function dbUrl(database = "postgres"): Promise<string> {
  const url = new URL((await stack()).DB_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A connection as `postgres` (not a superuser), closed by the caller. */
export async function connect(database = "postgres"): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: await dbUrl(database) });
  await client.connect();
  return client;
}

/** Runs `fn` with a `postgres` connection that is always closed. */
export async function withClient<T>(
  fn: (c: pg.Client) => Promise<T>,
  database = "postgres",
): Promise<T> {
  const client = await connect(database);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Runs `fn` in a transaction that is always rolled back, as `role` with these JWT claims
 * (as PostgREST does: `set local role`, `request.jwt.claims`).
 */
export async function asRole<T>(
  client: pg.Client,
  role: "anon" | "authenticated" | "service_role",
  claims: Record<string, unknown>,
  fn: () => Promise<T>,
): Promise<T> {
  await client.query("begin");
  try {
    await client.query("select set_config('request.jwt.claims', $1, true)", [
      JSON.stringify({ role, ...claims }),
    ]);
    await client.query(`set local role ${role}`);
    return await fn();
  } finally {
    await client.query("rollback");
  }
}

/** A fresh database with the Supabase compatibility layer; dropped by the returned function. */
export async function scratchDatabase(
  prefix = "test",
): Promise<{ name: string; drop: () => Promise<void> }> {
  const port = readSettings().dbPort;
  const name = `${prefix}_${crypto.randomUUID().replace(/-/g, "").slice(0, 12)}`;
  await createDatabase(port, name);
  return { name, drop: () => dropDatabase(port, name) };
}

/** A new signed-in user (unique email) with a JWT. */
export function newUser(label = "user", database = "postgres"): Promise<SignedInUser> {
  return signIn(`${label}-${crypto.randomUUID().slice(0, 8)}@example.test`, { database });
}

/** Calls a control-plane function through the gateway. */
export async function callFunction(
  path: string,
  init: RequestInit & { token?: string | null } = {},
): Promise<Response> {
  const s = await stack();
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? s.ANON_KEY : init.token;
  if (token) headers.set("authorization", `Bearer ${token}`);
  return fetch(`${s.FUNCTIONS_URL}/${path.replace(/^\//, "")}`, { ...init, headers });
}
