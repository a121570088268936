/**
 * @module `deno task contract <verify|snapshot|diff|smoke>`: checks a live database against
 * its contract (a migrations folder or a build session), snapshots and diffs models, and runs
 * the behavioural RLS smoke test. Exit 0 clean, 1 drift (or flagged cells), 2 could not run.
 */
import { parseContractArgs, USAGE, UsageError } from "./args.ts";
import {
  type CommandIo,
  diffCommand,
  smokeCommand,
  snapshotCommand,
  verifyCommand,
} from "./commands.ts";
import { redact } from "../../functions-shared/redact.ts";

const encoder = new TextEncoder();

const io: CommandIo = {
  stdout: async (text) => {
    await Deno.stdout.write(encoder.encode(text));
  },
  stderr: (text) => console.error(text),
  writeFile: (path, text) => Deno.writeTextFile(path, text),
  readFile: (path) => Deno.readTextFile(path),
};

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "help" || argv[0] === "--help") {
    console.error(USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  try {
    const args = parseContractArgs(argv);
    switch (args.command) {
      case "verify":
        return await verifyCommand(args, io);
      case "snapshot":
        return await snapshotCommand(args, io);
      case "diff":
        return await diffCommand(args, io);
      case "smoke":
        return await smokeCommand(args, io);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`contract: ${e.message}\n\n${USAGE}`);
    } else {
      console.error(`contract: ${redact((e as Error).message)}`);
    }
    return 2;
  }
}

Deno.exit(await main(Deno.args));
