/**
 * @module `deno task replay`: re-runs a session's MCP tool calls against a fresh environment
 * through the stack's MCP endpoint and compares the result with the original environment.
 *
 *   deno task replay <sessionId | tool-calls.json> [--json] [--keep]
 *       exit 0 when the replay matches (tables, columns, policies, functions, Edge Functions),
 *       1 with the differences (or the calls that could not be replayed) when it does not
 *   deno task replay export <sessionId> [--out tool-calls.json]
 *       writes the session's tool calls (and its environment) as JSON, to stdout by default
 *
 * Options: --mcp-url URL (default the stack's /mcp, bearer its service_role key),
 * --keep (leave the fresh environment in place).
 */
import pg from "../../functions-shared/db/pg.ts";
import { connectRemote } from "../../functions-shared/mcp/remote_client.ts";
import { isUuid } from "../../functions-shared/text/uuid.ts";
import { stackStatus } from "../lifecycle.ts";
import { createLocalPlatform } from "../platform/index.ts";
import { readSettings } from "../settings.ts";
import { describeDifference } from "./compare_environments.ts";
import { replayLog, type ReplayReport } from "./replay.ts";
import { parseToolCallLog, sessionToolCallLog, type ToolCallLog } from "./tool_call_log.ts";

const USAGE = `Usage:
  deno task replay <sessionId | tool-calls.json> [--json] [--keep] [--mcp-url URL]
  deno task replay export <sessionId> [--out tool-calls.json]`;

class UsageError extends Error {
  override name = "UsageError";
}

interface Args {
  command: "replay" | "export";
  source: string;
  json: boolean;
  keep: boolean;
  out?: string;
  mcpUrl?: string;
}

function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  const args: Partial<Args> = { json: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (!v) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--json") args.json = true;
    else if (a === "--keep") args.keep = true;
    else if (a === "--out") args.out = value();
    else if (a === "--mcp-url") args.mcpUrl = value();
    else if (a.startsWith("--")) throw new UsageError(`Unknown option ${a}`);
    else positional.push(a);
  }
  const exporting = positional[0] === "export";
  const source = exporting ? positional[1] : positional[0];
  if (!source || positional.length > (exporting ? 2 : 1)) throw new UsageError("");
  return { ...args, command: exporting ? "export" : "replay", source } as Args;
}

async function loadLog(source: string, dbUrl: string): Promise<ToolCallLog> {
  if (!isUuid(source)) return parseToolCallLog(await Deno.readTextFile(source));
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  try {
    return await sessionToolCallLog(db, source);
  } finally {
    await db.end();
  }
}

function printReport(log: ToolCallLog, report: ReplayReport): void {
  const what = log.sessionId ? `session ${log.sessionId}` : "the recorded log";
  console.log(`Replay of ${what}: ${log.tool_calls.length} recorded tool calls`);
  for (const c of report.calls) {
    const at = c.index < 0 ? "  -" : String(c.index + 1).padStart(3);
    const seq = c.seq === undefined ? "" : ` (event ${c.seq})`;
    console.log(`${at} ${c.tool.padEnd(22)} ${c.outcome}${seq}${c.reason ? `: ${c.reason}` : ""}`);
  }
  for (const env of report.environments) {
    console.log(
      `fresh ${env.kind} ${env.ref} stood in for ${env.originalRef ?? "?"}` +
        (env.deleted ? " (deleted)" : " (kept)"),
    );
  }
  if (report.error) console.log(report.error);
  if (report.differences.length) {
    const n = report.differences.length;
    console.log(`${n} ${n === 1 ? "difference" : "differences"} from ${report.original?.ref}:`);
    for (const d of report.differences) console.log(`  - ${describeDifference(d)}`);
  }
  const problems = report.calls.filter((c) =>
    c.outcome === "not replayable" || c.outcome === "failed"
  );
  if (report.matches) {
    console.log(
      `Matches: tables, columns, policies, functions and Edge Functions of ${report.original?.ref} ` +
        "are the same in the replay.",
    );
  } else if (problems.length) {
    console.log(`${problems.length} calls could not be replayed; the result cannot be trusted.`);
  }
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const status = await stackStatus();
  if (!status.DB_RUNNING || !status.API_RUNNING) {
    throw new Error("The local stack is not running: start it with `deno task stack up`");
  }
  const log = await loadLog(args.source, status.DB_URL);
  if (args.command === "export") {
    const text = `${JSON.stringify(log, null, 2)}\n`;
    if (args.out) {
      await Deno.writeTextFile(args.out, text);
      console.error(`wrote ${log.tool_calls.length} tool calls to ${args.out}`);
    } else await Deno.stdout.write(new TextEncoder().encode(text));
    return 0;
  }
  const client = await connectRemote({
    url: args.mcpUrl ?? status.MCP_URL,
    bearer: status.SERVICE_ROLE_KEY,
  });
  const platform = createLocalPlatform({ dbPort: readSettings().dbPort, apiUrl: status.API_URL });
  try {
    const report = await replayLog(log, {
      client,
      keep: args.keep,
      deleteProject: (ref) => platform.deleteProject(ref),
      progress: (line) => {
        if (!args.json) console.error(`replay: ${line}`);
      },
    });
    if (args.json) console.log(JSON.stringify(report, null, 2));
    else printReport(log, report);
    return report.matches ? 0 : 1;
  } finally {
    await client.close();
    await platform.close();
  }
}

try {
  Deno.exit(await main(Deno.args));
} catch (e) {
  if (e instanceof UsageError) {
    if (e.message) console.error(`replay: ${e.message}`);
    console.error(USAGE);
    Deno.exit(2);
  }
  console.error(`replay: ${(e as Error).message}`);
  Deno.exit(1);
}
