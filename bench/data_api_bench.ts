/**
 * @module Throughput of the local Data API with supabase-js: a signed-in user's simple select on
 * the control plane's `build_sessions` (JWT verified, one transaction as `authenticated` with
 * the claims set, RLS deciding), sequentially and with 8 requests in flight; plus the latency of
 * a password sign-in (bcrypt cost 10).
 *
 *   deno run -A bench/data_api_bench.ts   # the figures (the stack must be up)
 *   deno task bench                       # the same requests under `deno bench`
 */
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { stackStatus } from "../stack/lifecycle.ts";

const SEQUENTIAL = 300;
const CONCURRENT = 1000;
const IN_FLIGHT = 8;

async function signedIn(): Promise<
  { sb: SupabaseClient; email: string; url: string; key: string }
> {
  const s = await stackStatus();
  const sb = createClient(s.API_URL, s.ANON_KEY, {
    auth: { persistSession: false, autoRefreshToken: false },
  });
  const email = `bench-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const { error } = await sb.auth.signUp({ email, password: "bench-password" });
  if (error) throw new Error(`Cannot sign up the bench user: ${error.message}`);
  return { sb, email, url: s.API_URL, key: s.ANON_KEY };
}

async function select(sb: SupabaseClient): Promise<void> {
  const { error } = await sb.from("build_sessions").select("id, status").limit(10);
  if (error) throw new Error(`Select failed: ${error.message}`);
}

async function main() {
  const { sb, email, url, key } = await signedIn();
  for (let i = 0; i < 20; i++) await select(sb); // warm up: pool, schema cache
  let t = performance.now();
  for (let i = 0; i < SEQUENTIAL; i++) await select(sb);
  const sequential = SEQUENTIAL / ((performance.now() - t) / 1000);
  t = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next++ < CONCURRENT) await select(sb);
  }));
  const concurrent = CONCURRENT / ((performance.now() - t) / 1000);
  const signIns: number[] = [];
  for (let i = 0; i < 5; i++) {
    const client = createClient(url, key, { auth: { persistSession: false } });
    const s = performance.now();
    const { error } = await client.auth.signInWithPassword({ email, password: "bench-password" });
    if (error) throw new Error(`Sign-in failed: ${error.message}`);
    signIns.push(performance.now() - s);
  }
  signIns.sort((a, b) => a - b);
  console.log(
    `Data API select (supabase-js, signed in, RLS): ${sequential.toFixed(0)} requests/s ` +
      `sequential, ${concurrent.toFixed(0)} requests/s with ${IN_FLIGHT} in flight; ` +
      `password sign-in median ${
        signIns[2]!.toFixed(0)
      } ms; ${navigator.hardwareConcurrency} cores`,
  );
}

if (import.meta.main) {
  await main();
} else {
  const ready = signedIn();
  Deno.bench({ name: "Data API: supabase-js select as a signed-in user", n: 200 }, async () => {
    await select((await ready).sb);
  });
}
