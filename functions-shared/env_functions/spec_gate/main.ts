/**
 * @module `spec_gate`, deployed into an environment: POST a migration's SQL and learn whether
 * applying it would break the contract — row-level security disabled, a required table or
 * policy dropped, a grant to anon widened — with the reasons. The migration runs inside a
 * transaction that is always rolled back (and that the migration cannot end: it runs through
 * EXECUTE, where COMMIT is an error); only the environment's service role may call it, with
 * POST (verified here: see caller.ts).
 */
import pg from "../../db/pg.ts";
import { introspect } from "../../drift/introspect.ts";
import { pgRunner } from "../../drift/sql_runner.ts";
import { verify } from "../../drift/verify.ts";
import { refuseUnlessServiceRolePost } from "../caller.ts";
import { parseEmbeddedContract } from "../embedded_contract.ts";
import { breakingFindings } from "./breaking.ts";

const CONTRACT = parseEmbeddedContract("__VIBE_ENVIRONMENT_CONTRACT__");
const MAX_SQL = 256 * 1024;

async function readSql(req: Request): Promise<string | Response> {
  const text = await req.text();
  if (text.length > MAX_SQL) {
    return Response.json({ error: `SQL must be at most ${MAX_SQL} bytes` }, { status: 413 });
  }
  if ((req.headers.get("content-type") ?? "").includes("application/json")) {
    try {
      const body = JSON.parse(text) as { sql?: unknown };
      if (typeof body.sql === "string" && body.sql.trim()) return body.sql;
    } catch { /* fall through */ }
    return Response.json({ error: 'Send { "sql": "<migration>" }' }, { status: 400 });
  }
  return text.trim() ? text : Response.json({ error: "Send the migration's SQL" }, { status: 400 });
}

Deno.serve(async (req) => {
  const env = Deno.env.toObject();
  const refused = await refuseUnlessServiceRolePost(req, env);
  if (refused) return refused;
  const sql = await readSql(req);
  if (sql instanceof Response) return sql;

  const client = new pg.Client({ connectionString: env.SUPABASE_DB_URL });
  await client.connect();
  try {
    await client.query("begin");
    await client.query("set local statement_timeout = '30s'");
    const runner = pgRunner(client);
    const before = verify(CONTRACT.model, (await introspect(runner)).model);
    try {
      // Run through EXECUTE so the migration cannot end our transaction: a COMMIT or BEGIN in
      // it is an error here instead of committing for real.
      await client.query("select set_config('vibe.spec_gate_sql', $1, true)", [sql]);
      await client.query(
        "do $gate$ begin execute current_setting('vibe.spec_gate_sql'); end $gate$",
      );
    } catch (e) {
      const message = (e as Error).message;
      const hint = /transaction/i.test(message)
        ? " (remove BEGIN/COMMIT: spec_gate runs the migration in a transaction of its own)"
        : "";
      return Response.json({
        allowed: false,
        reasons: [`The migration fails: ${message}${hint}`],
      });
    }
    const after = verify(CONTRACT.model, (await introspect(runner)).model);
    const reasons = breakingFindings(before.findings, after.findings).map((f) =>
      `${f.issue} (${f.resource})`
    );
    return Response.json({ allowed: reasons.length === 0, reasons });
  } finally {
    await client.query("rollback").catch(() => {});
    await client.end();
  }
});
