/**
 * @module The contract CLI's arguments: `verify`, `snapshot`, `diff` and `smoke` with their
 * flags, checked before anything connects, with a usage error that says what to pass.
 */
import { isUuid } from "../../functions-shared/text/uuid.ts";

/** The CLI's usage text. */
export const USAGE = `Usage: deno task contract <command> [options]

  verify   --db <url> (--migrations <dir> | --session <id>) [--format md|json]
           [--patch <file>] [--allow-destructive] [--scratch-db <url>] [--control-db <url>]
           Compares a live database with its contract. Exit 0 clean, 1 drift, 2 could not run.
  snapshot --db <url> [--out <file>]
           Prints the database's model as JSON.
  diff     <contract.json> <actual.json> [--format md|json]
           Compares two snapshots. Exit 0 same, 1 drift, 2 could not run.
  smoke    --db <url> [--migrations <dir> | --session <id>] [--format md|json]
           [--scratch-db <url>] [--control-db <url>]
           CRUD matrix of anon, two users and the service role in a rolled-back transaction.
           Exit 0 nothing flagged, 1 flagged cells, 2 could not run.

  --session reads build_sessions.contract from the control plane (--control-db, default the
  local stack's database); --migrations applies the folder to a scratch database (the local
  stack's cluster, or --scratch-db) and drops it afterwards.`;

/** A CLI command. */
export type ContractCommand = "verify" | "snapshot" | "diff" | "smoke";

/** Parsed arguments. */
export interface ContractArgs {
  readonly command: ContractCommand;
  readonly db?: string;
  readonly migrations?: string;
  readonly session?: string;
  readonly format: "md" | "json";
  readonly patch?: string;
  readonly allowDestructive: boolean;
  readonly scratchDb?: string;
  readonly controlDb?: string;
  readonly out?: string;
  /** Positional arguments (`diff`'s two files). */
  readonly files: readonly string[];
}

/** Wrong arguments (exit 2, with the usage). */
export class UsageError extends Error {
  override name = "UsageError";
}

const VALUE_FLAGS = new Set([
  "--db",
  "--migrations",
  "--session",
  "--format",
  "--patch",
  "--scratch-db",
  "--control-db",
  "--out",
]);
const COMMANDS = new Set<string>(["verify", "snapshot", "diff", "smoke"]);

/** Parses `argv` (without the task name); throws {@linkcode UsageError} when it is wrong. */
export function parseContractArgs(argv: readonly string[]): ContractArgs {
  const [command, ...rest] = argv;
  if (!command || !COMMANDS.has(command)) {
    throw new UsageError(
      command ? `Unknown command "${command}": use verify, snapshot, diff or smoke` : "No command",
    );
  }
  const values = new Map<string, string>();
  const files: string[] = [];
  let allowDestructive = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === "--allow-destructive") {
      allowDestructive = true;
    } else if (VALUE_FLAGS.has(arg)) {
      const value = rest[++i];
      if (value === undefined || value.startsWith("--")) {
        throw new UsageError(`${arg} needs a value`);
      }
      values.set(arg, value);
    } else if (arg.startsWith("--")) {
      throw new UsageError(`Unknown option ${arg}`);
    } else {
      files.push(arg);
    }
  }
  const format = values.get("--format") ?? "md";
  if (format !== "md" && format !== "json") throw new UsageError("--format is md or json");
  const session = values.get("--session");
  if (session !== undefined && !isUuid(session)) {
    throw new UsageError("--session takes a session id (a UUID)");
  }
  const args: ContractArgs = {
    command: command as ContractCommand,
    format,
    allowDestructive,
    files,
    ...Object.fromEntries(
      [
        ["db", "--db"],
        ["migrations", "--migrations"],
        ["session", "--session"],
        ["patch", "--patch"],
        ["scratchDb", "--scratch-db"],
        ["controlDb", "--control-db"],
        ["out", "--out"],
      ].filter(([, flag]) => values.has(flag!)).map(([key, flag]) => [key, values.get(flag!)]),
    ),
  };
  const contractSources = [args.migrations, args.session].filter((x) => x !== undefined).length;
  switch (args.command) {
    case "verify":
      if (!args.db) throw new UsageError("verify needs --db <url>");
      if (contractSources !== 1) {
        throw new UsageError("verify needs the contract: --migrations <dir> or --session <id>");
      }
      break;
    case "snapshot":
      if (!args.db) throw new UsageError("snapshot needs --db <url>");
      break;
    case "smoke":
      if (!args.db) throw new UsageError("smoke needs --db <url>");
      if (contractSources > 1) {
        throw new UsageError("smoke takes one contract: --migrations <dir> or --session <id>");
      }
      break;
    case "diff":
      if (files.length !== 2) {
        throw new UsageError("diff needs two snapshot files: <contract.json> <actual.json>");
      }
      break;
  }
  if (args.command !== "diff" && files.length > 0) {
    throw new UsageError(`Unexpected argument ${files[0]}`);
  }
  return args;
}
