/**
 * @module Deployed size of each control-plane function as the Supabase CLI builds it (eszip of
 * the code-only module graph with every file of every npm package, `EZBR` + brotli quality 6;
 * see stack/function_size.ts), against the 5 MB limit of server-side bundling. Under
 * `deno bench` each function's measurement is one bench; a function over the limit fails it.
 *
 *   deno run -A bench/function_size_bench.ts   # the figures, one line per function
 *   deno task bench                            # the same, with timings
 */
import {
  CONTROL_PLANE_FUNCTIONS,
  describe,
  measureFunction,
  SERVER_SIDE_LIMIT_BYTES,
} from "../stack/function_size.ts";

const printed = new Set<string>();

async function measure(name: string): Promise<void> {
  const size = await measureFunction(name);
  if (!printed.has(name)) console.log(describe(size)); // deno bench runs a bench more than once
  printed.add(name);
  if (size.compressedBytes > SERVER_SIDE_LIMIT_BYTES) {
    throw new Error(
      `${name} is ${size.compressedBytes} bytes compressed, over the ${SERVER_SIDE_LIMIT_BYTES} ` +
        "bytes server-side bundling allows: cut its dependencies",
    );
  }
}

if (import.meta.main) {
  for (const name of CONTROL_PLANE_FUNCTIONS) await measure(name);
} else {
  for (const name of CONTROL_PLANE_FUNCTIONS) {
    Deno.bench(
      { name: `function size: ${name} (EZBR+brotli eszip, limit 5 MB)`, n: 1, warmup: 0 },
      async () => {
        await measure(name);
      },
    );
  }
}
