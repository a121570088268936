/**
 * @module Time of one drift sentinel pass through the running stack (`POST /drift_check`, as
 * pg_cron sends it): every watched environment read through MCP `execute_sql` (one statement
 * each) and verified against its contract; with the number of environments and the median and
 * slowest time per environment.
 *
 *   deno run -A bench/sentinel_bench.ts   # the figures (the stack must be up, with builds)
 *   deno task bench                       # the same pass under `deno bench`
 */
import { stackStatus } from "../stack/lifecycle.ts";

const RUNS = 5;

interface Pass {
  checked: number;
  failed: number;
  durationMs: number;
  environments: { durationMs: number; catalogQueries: number }[];
}

async function pass(): Promise<Pass> {
  const s = await stackStatus();
  const res = await fetch(`${s.FUNCTIONS_URL}/drift_check`, {
    method: "POST",
    headers: { authorization: `Bearer ${s.SERVICE_ROLE_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ source: "bench" }),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`Sentinel pass failed (${res.status}): ${body.error}`);
  return body;
}

async function main() {
  await pass(); // warm up: starts the function and the MCP endpoint
  const passes: Pass[] = [];
  for (let i = 0; i < RUNS; i++) passes.push(await pass());
  const walls = passes.map((p) => p.durationMs).sort((a, b) => a - b);
  const per = passes.flatMap((p) => p.environments.map((e) => e.durationMs)).sort((a, b) => a - b);
  const last = passes.at(-1)!;
  console.log(
    `sentinel pass: ${last.checked} environments (${last.failed} unreachable), ` +
      `median ${walls[walls.length >> 1]} ms over ${RUNS} passes; per environment median ` +
      `${per[per.length >> 1]} ms, slowest ${per.at(-1)} ms; ` +
      `${last.environments[0]?.catalogQueries ?? 0} catalog statement each; ` +
      `${navigator.hardwareConcurrency} cores`,
  );
}

if (import.meta.main) {
  await main();
} else {
  Deno.bench(
    { name: "drift sentinel: one pass over every watched environment", n: RUNS },
    async () => {
      await pass();
    },
  );
}
