/**
 * @module `deno task stack <command>`: the local Supabase-compatible stack.
 *
 *   up [--quiet] [--test-tools]   install what is missing (with --test-tools, also what the
 *                       test suite needs: Chromium), start everything, apply migrations
 *   down                stop everything; nothing is left listening
 *   status [--json]     URLs and keys (API_URL, DB_URL, ANON_KEY, SERVICE_ROLE_KEY, JWT_SECRET)
 *   reset               recreate the databases from the migrations
 *   migrate             apply new migrations
 *   token [--email E] [--signing-key]   create the auth.users row and print a signed-in
 *                       user's JWT (HS256 with the JWT secret, or ES256 with the signing key)
 *   doctor [--json]     each prerequisite and its state; installs nothing
 */
import { doctor, formatDoctor } from "./install.ts";
import { down, migrate, reset, type StackStatus, stackStatus, up } from "./lifecycle.ts";
import { withStackLock } from "./lock.ts";
import { signIn } from "./token.ts";

const USAGE = `Usage: deno task stack <up|down|status|reset|migrate|token|doctor> [options]
  up [--quiet] [--test-tools]
                      install what is missing (--test-tools: also Chromium for the tests),
                      start the stack, apply migrations
  down                stop the gateway, the functions and PostgreSQL
  status [--json]     print URLs and keys
  reset               recreate the databases from supabase/migrations
  migrate             apply migrations not yet applied
  token [--email E] [--signing-key]
                      print a JWT for a signed-in user (created if needed); --signing-key signs
                      it with the ES256 JWT signing key instead of the legacy secret
  doctor [--json]     list each prerequisite and its state (exit 1 when one is missing)`;

function printStatus(s: StackStatus, json: boolean) {
  if (json) {
    console.log(JSON.stringify(s, null, 2));
    return;
  }
  const rows: [string, string | boolean][] = Object.entries(s);
  for (const [k, v] of rows) console.log(`${k}=${typeof v === "string" ? `"${v}"` : v}`);
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (!value || value.startsWith("--")) throw new Error(`${name} needs a value`);
  return value;
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const quiet = rest.includes("--quiet");
  const log = (m: string) => {
    if (!quiet) console.error(`stack: ${m}`);
  };
  switch (command) {
    case "up": {
      const started = performance.now();
      const status = await up(log, { testTools: rest.includes("--test-tools") });
      if (!quiet) {
        printStatus(status, false);
        console.error(`stack: up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      }
      return 0;
    }
    case "down":
      await down(log);
      return 0;
    case "status":
      printStatus(await stackStatus(), rest.includes("--json"));
      return 0;
    case "reset":
      printStatus(await reset(log), false);
      return 0;
    case "migrate":
      await migrate(log);
      return 0;
    case "token": {
      const user = await signIn(flag(rest, "--email") ?? "demo@example.com", {
        signing: rest.includes("--signing-key") ? "jwks" : "legacy",
      });
      console.log(user.token);
      return 0;
    }
    case "doctor": {
      const report = await doctor();
      console.log(rest.includes("--json") ? JSON.stringify(report, null, 2) : formatDoctor(report));
      return report.ok ? 0 : 1;
    }
    default:
      console.error(USAGE);
      return command === undefined || command === "help" || command === "--help" ? 0 : 2;
  }
}

try {
  Deno.exit(await withStackLock(() => main(Deno.args)));
} catch (e) {
  console.error(`stack: ${(e as Error).message}`);
  Deno.exit(1);
}
