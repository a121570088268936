/** @module Starts and stops the gateway daemon (its own process group, so down stops it all). */
import { exists, pidAlive, portOpen, run, waitFor } from "./process.ts";
import { paths } from "./settings.ts";

async function readPid(): Promise<number | undefined> {
  if (!(await exists(paths.gatewayPid))) return undefined;
  const pid = Number((await Deno.readTextFile(paths.gatewayPid)).trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/_stack/health`);
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

export async function gatewayRunning(port: number): Promise<boolean> {
  const pid = await readPid();
  return pid !== undefined && pidAlive(pid) && await healthy(port);
}

export async function startGateway(port: number): Promise<void> {
  if (await portOpen(port)) {
    throw new Error(
      `Cannot start the gateway: port ${port} is already in use. Stop what listens there ` +
        `(or run \`deno task stack down\`), or set VIBE_API_PORT to a free port.`,
    );
  }
  await Deno.mkdir(paths.logs, { recursive: true });
  const log = `${paths.logs}/gateway.log`;
  const deno = Deno.execPath();
  const main = `${paths.root}/stack/gateway/main.ts`;
  // setsid: the gateway leads its own process group, which `down` signals as a whole.
  const script = `setsid "${deno}" run -A --quiet "${main}" >>"${log}" 2>&1 < /dev/null & echo $!`;
  const { stdout } = await run("sh", ["-c", script], { cwd: paths.root });
  await Deno.writeTextFile(paths.gatewayPid, stdout.trim());
  try {
    await waitFor(`the gateway on port ${port}`, () => healthy(port), 60_000);
  } catch (e) {
    const tail = (await Deno.readTextFile(log).catch(() => "")).split("\n").slice(-20).join("\n");
    throw new Error(`${(e as Error).message}\n${log}:\n${tail}`);
  }
}

export async function stopGateway(log: (m: string) => void): Promise<void> {
  const pid = await readPid();
  if (pid !== undefined && pidAlive(pid)) {
    log("stopping the gateway");
    await run("kill", ["-TERM", "--", `-${pid}`], { allowFailure: true });
    try {
      await waitFor("the gateway to exit", () => !pidAlive(pid), 10_000);
    } catch {
      await run("kill", ["-KILL", "--", `-${pid}`], { allowFailure: true });
    }
  }
  await Deno.remove(paths.gatewayPid).catch(() => {});
}
