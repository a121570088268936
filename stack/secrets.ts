/** @module The local stack's secrets: created once per checkout, kept in .stack/secrets.json. */
import { signJwt } from "../functions-shared/auth/jwt.ts";
import { paths } from "./settings.ts";

export interface StackSecrets {
  jwtSecret: string;
  /** Password of the `postgres` and `supabase_admin` roles for TCP connections. */
  dbPassword: string;
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

export async function loadSecrets(): Promise<StackSecrets> {
  try {
    return JSON.parse(await Deno.readTextFile(paths.secrets));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const secrets: StackSecrets = { jwtSecret: randomSecret(32), dbPassword: "postgres" };
  await Deno.mkdir(paths.stackDir, { recursive: true });
  await Deno.writeTextFile(paths.secrets, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/** Role keys signed with a JWT secret; the same secret always yields the same keys. */
export async function roleKeys(jwtSecret: string, ref = "local"): Promise<StackKeys> {
  const base = { iss: "supabase-demo", ref, iat: 1700000000, exp: 4102444800 };
  return {
    anonKey: await signJwt({ ...base, role: "anon" }, jwtSecret),
    serviceRoleKey: await signJwt({ ...base, role: "service_role" }, jwtSecret),
  };
}
