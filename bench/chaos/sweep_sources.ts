/**
 * @module Runs the secret sweep over everything the stack keeps: the control plane's events,
 * tool-call records, sessions (outputs, environment, error, presence), drift alerts and
 * Realtime messages; the API's answers to the sessions' owners; and every log file.
 */
import { redact } from "../../functions-shared/redact.ts";
import { withAdmin } from "../../stack/cluster.ts";
import { environmentKeys } from "../../stack/platform/environments.ts";
import { parsePostgresLog } from "../../stack/platform/postgres_log.ts";
import { REGISTRY_DATABASE } from "../../stack/platform/registry.ts";
import { loadSecrets, logSecrets, roleKeys } from "../../stack/secrets.ts";
import { paths, readSettings } from "../../stack/settings.ts";
import { type KnownSecret, SecretSweep } from "./secret_sweep.ts";

/** Every secret value the stack holds: its own and each environment's. */
export async function knownStackSecrets(): Promise<KnownSecret[]> {
  const settings = readSettings();
  const secrets = await loadSecrets();
  const keys = await roleKeys(secrets.jwtSecret);
  const known: KnownSecret[] = [
    { name: "stack JWT secret", value: secrets.jwtSecret },
    { name: "stack service_role key", value: keys.serviceRoleKey },
  ];
  for (const [name, value] of Object.entries(secrets)) {
    if (typeof value === "string" && name !== "jwtSecret") {
      known.push({ name: `stack secret ${name}`, value });
    }
  }
  const envs = await withAdmin(
    settings.dbPort,
    REGISTRY_DATABASE,
    async (c) =>
      (await c.query<{ ref: string; jwt_secret: string }>(
        "select ref, jwt_secret from platform.environments",
      )).rows,
  );
  for (const env of envs) {
    known.push({ name: `environment ${env.ref} JWT secret`, value: env.jwt_secret });
    const k = await environmentKeys(env);
    known.push({ name: `environment ${env.ref} service_role key`, value: k.serviceRoleKey });
  }
  return known;
}

/** Control-plane tables and the text columns to scan, as `select id::text, <text>`. */
const TABLE_SCANS: { source: string; sql: string }[] = [
  {
    source: "build_events",
    sql:
      "select id::text as id, concat_ws(' ', type, message, payload::text) as text from build_events",
  },
  {
    source: "build_sessions",
    sql: `select id::text as id, concat_ws(' ', environment::text, outputs::text, error,
                 to_jsonb(s) - 'vibe_text' - 'plan' - 'contract' - 'options') as text
            from build_sessions s`,
  },
  {
    source: "drift_alerts",
    sql: "select id::text as id, to_jsonb(a)::text as text from drift_alerts a",
  },
];

async function scanTables(sweep: SecretSweep, dbPort: number): Promise<void> {
  await withAdmin(dbPort, "postgres", async (c) => {
    const scans = [...TABLE_SCANS];
    // Tool-call logs and Realtime messages, where the schema has them.
    const extra = await c.query<{ t: string }>(
      `select format('%I.%I', table_schema, table_name) as t from information_schema.tables
        where (table_schema = 'public' and table_name like '%tool_call%')
           or (table_schema = 'realtime' and table_name like 'messages%')`,
    );
    for (const { t } of extra.rows) {
      scans.push({
        source: t,
        sql: `select ctid::text as id, to_jsonb(x)::text as text from ${t} x`,
      });
    }
    for (const scan of scans) {
      const rows = await c.query<{ id: string; text: string | null }>(scan.sql);
      for (const row of rows.rows) sweep.scan(scan.source, row.id, row.text ?? "");
    }
  });
}

async function logFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) files.push(...await logFiles(path));
      else if (entry.isFile && /\.(log|txt|jsonl?)$/.test(entry.name)) files.push(path);
    }
  } catch { /* no such directory */ }
  return files;
}

/**
 * The gateway's and functions' log files as written, and PostgreSQL's own log as `get_logs`
 * serves it (redacted). The server's raw file is the database's internal log, like hosted's:
 * it holds whatever statement failed, a password a user typed into SQL included.
 */
async function scanLogs(sweep: SecretSweep): Promise<void> {
  for (const file of await logFiles(paths.logs)) {
    if (file === paths.postgresLog) continue;
    const text = await Deno.readTextFile(file).catch(() => undefined);
    if (text !== undefined) sweep.scanLines("logs", file.replace(`${paths.root}/`, ""), text);
  }
  const secrets = await loadSecrets();
  const served = logSecrets(secrets, await roleKeys(secrets.jwtSecret));
  const text = await Deno.readTextFile(paths.postgresLog).catch(() => "");
  for (const e of parsePostgresLog(text)) {
    const row = redact(`${e.severity}:  ${e.message}`, { secrets: served });
    sweep.scan("postgres log (get_logs)", `${e.database}@${e.ts.toISOString()}`, row);
  }
}

export interface SweepResult {
  secretsKnown: number;
  scanned: Record<string, number>;
  hits: SecretSweep["hits"];
}

/**
 * Sweeps the stack. `apiAnswers` are texts the API returned to owners during the run (sessions,
 * events, drift), scanned as they are.
 */
export async function sweepStack(apiAnswers: { where: string; text: string }[] = []): Promise<
  SweepResult
> {
  const known = await knownStackSecrets();
  const sweep = new SecretSweep(known);
  await scanTables(sweep, readSettings().dbPort);
  await scanLogs(sweep);
  for (const a of apiAnswers) sweep.scan("API answers", a.where, a.text);
  return { secretsKnown: known.length, scanned: sweep.scanned, hits: sweep.hits };
}
