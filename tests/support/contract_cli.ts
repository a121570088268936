/** @module Runs `deno task contract` (stack/contract/cli.ts) as a user would, for the CLI's e2e tests. */

const root = new URL("../../", import.meta.url).pathname;

/** What one CLI run printed, and its exit code. */
export interface ContractRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function contract(...args: string[]): Promise<ContractRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "stack/contract/cli.ts", ...args],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}
