/** @module The local stack's secrets: created once per checkout, kept in .stack/secrets.json. */
import { signJwt } from "../functions-shared/auth/jwt.ts";
import { paths } from "./settings.ts";

export interface StackSecrets {
  jwtSecret: string;
  /**
   * Password of the `postgres` and `supabase_admin` roles for TCP connections: random (a stack
   * from before, with `postgres`, gets a random one on its next `stack up`).
   */
  dbPassword: string;
  /** `VIBE_REPORT_TOKEN_SECRET` of the control-plane functions (environment reporting tokens). */
  reportTokenSecret: string;
}

/** Keys issued the way the Supabase CLI issues them: long-lived JWTs per role. */
export interface StackKeys {
  anonKey: string;
  serviceRoleKey: string;
}

function randomSecret(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  return [...buf].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function writeSecrets(secrets: StackSecrets): Promise<void> {
  await Deno.mkdir(paths.stackDir, { recursive: true });
  const tmp = `${paths.secrets}.tmp-${crypto.randomUUID()}`;
  await Deno.writeTextFile(tmp, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  await Deno.rename(tmp, paths.secrets);
}

/**
 * The stack's secrets, created on first use. A stack created before a secret existed gets it
 * from {@link ensureSecrets} (run by `stack up` before anything starts); readers never write.
 */
export async function loadSecrets(): Promise<StackSecrets> {
  let stored: Partial<StackSecrets>;
  try {
    stored = JSON.parse(await Deno.readTextFile(paths.secrets));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    return (await ensureSecrets()).secrets;
  }
  if (!stored.jwtSecret || !stored.dbPassword || !stored.reportTokenSecret) {
    throw new Error(
      `The local stack's secrets (${paths.secrets}) are incomplete: run \`deno task stack up\``,
    );
  }
  return stored as StackSecrets;
}

/** The password stacks used before it became a secret (it is also the role's name). */
const OLD_DB_PASSWORD = "postgres";

/**
 * Creates the secrets file, or adds the secrets an older stack's file lacks and replaces its
 * guessable database password. `changed` names what changed (the caller applies a new
 * password to the roles and restarts what holds the old one).
 */
export async function ensureSecrets(): Promise<
  { secrets: StackSecrets; changed: (keyof StackSecrets)[] }
> {
  let stored: Partial<StackSecrets> = {};
  try {
    stored = JSON.parse(await Deno.readTextFile(paths.secrets));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const secrets: StackSecrets = {
    jwtSecret: stored.jwtSecret ?? randomSecret(32),
    dbPassword: stored.dbPassword && stored.dbPassword !== OLD_DB_PASSWORD
      ? stored.dbPassword
      : randomSecret(16),
    reportTokenSecret: stored.reportTokenSecret ?? randomSecret(32),
  };
  const changed = (Object.keys(secrets) as (keyof StackSecrets)[])
    .filter((k) => secrets[k] !== stored[k]);
  if (changed.length) await writeSecrets(secrets);
  return { secrets, changed };
}

/**
 * Values the gateway keeps out of every log line: the JWT secret, the service key, the report
 * token secret and the database password.
 */
export function logSecrets(secrets: StackSecrets, keys: StackKeys): string[] {
  return [secrets.jwtSecret, keys.serviceRoleKey, secrets.reportTokenSecret, secrets.dbPassword];
}

/** Role keys signed with a JWT secret; the same secret always yields the same keys. */
export async function roleKeys(jwtSecret: string, ref = "local"): Promise<StackKeys> {
  const base = { iss: "supabase-demo", ref, iat: 1700000000, exp: 4102444800 };
  return {
    anonKey: await signJwt({ ...base, role: "anon" }, jwtSecret),
    serviceRoleKey: await signJwt({ ...base, role: "service_role" }, jwtSecret),
  };
}
