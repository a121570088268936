/**
 * @module Time of one drift check — introspect the database (catalog queries) and verify it
 * against its contract (diff + lints) — on a 20-table and a 1,000-table generated schema, in
 * both introspection modes, with the number of catalog queries. Targets: 100 ms and 2 s.
 *
 *   deno run -A bench/drift_bench.ts      # the figures (the stack must be up)
 *   deno task bench                       # the same cases under `deno bench`
 */
import type pg from "../functions-shared/db/pg.ts";
import { createDatabase, dropDatabase } from "../stack/compat.ts";
import { postgresClient } from "../stack/migrate.ts";
import { readSettings } from "../stack/settings.ts";
import { introspect, type IntrospectionMode } from "../functions-shared/drift/introspect.ts";
import type { Model } from "../functions-shared/drift/model.ts";
import { pgRunner, type SqlRunner } from "../functions-shared/drift/sql_runner.ts";
import { verify } from "../functions-shared/drift/verify.ts";

const RUNS = 7;

/**
 * `count` related tables shaped like a provisioned backend: keys, a foreign key and its index,
 * a check, RLS with two policies, grants to the API roles; every 10th with an updated_at
 * trigger and in supabase_realtime; one view per 50 tables.
 */
export function generatedSchema(count: number): string {
  const lines = [
    `create function public.touch() returns trigger language plpgsql set search_path = '' as $$
      begin new.updated_at := now(); return new; end $$;`,
  ];
  for (let i = 0; i < count; i++) {
    const t = `t${String(i).padStart(4, "0")}`;
    const parent = i > 0 ? `t${String(i - 1).padStart(4, "0")}` : null;
    lines.push(
      `create table public.${t} (
        id uuid primary key default gen_random_uuid(),
        owner_id uuid not null,
        title text not null check (char_length(title) < 200),
        price numeric(12, 2),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()${
        parent ? `,\n        parent_id uuid references public.${parent} (id) on delete cascade` : ""
      });`,
      `create index ${t}_owner_id_idx on public.${t} (owner_id);`,
      ...(parent ? [`create index ${t}_parent_id_idx on public.${t} (parent_id);`] : []),
      `alter table public.${t} enable row level security;`,
      `create policy "${t} read" on public.${t} for select to anon, authenticated using (true);`,
      `create policy "${t} write" on public.${t} for all to authenticated
        using ((select auth.uid()) = owner_id) with check ((select auth.uid()) = owner_id);`,
      `grant select on public.${t} to anon;`,
      `grant select, insert, update, delete on public.${t} to authenticated;`,
    );
    if (i % 10 === 0) {
      lines.push(
        `create trigger ${t}_touch before update on public.${t} for each row execute function public.touch();`,
        `alter publication supabase_realtime add table public.${t};`,
      );
    }
    if (i % 50 === 0) {
      lines.push(
        `create view public.${t}_recent with (security_invoker = true) as
          select id, title from public.${t} where created_at > now() - interval '7 days';`,
        `grant select on public.${t}_recent to anon, authenticated;`,
      );
    }
  }
  return lines.join("\n");
}

interface Subject {
  readonly tables: number;
  readonly database: string;
  readonly client: pg.Client;
  readonly runner: SqlRunner;
  readonly contract: Model;
}

async function setUp(tables: number): Promise<Subject> {
  const port = readSettings().dbPort;
  const database = `drift_bench_${tables}_${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
  await createDatabase(port, database);
  const client = await postgresClient(port, database);
  try {
    await client.query(generatedSchema(tables));
    await client.query("analyze");
    const runner = pgRunner(client);
    // The contract of an untouched environment is its own model: the check finds no drift.
    const contract = (await introspect(runner)).model;
    return { tables, database, client, runner, contract };
  } catch (e) {
    await client.end();
    await dropDatabase(port, database);
    throw e;
  }
}

async function tearDown(s: Subject): Promise<void> {
  await s.client.end();
  await dropDatabase(readSettings().dbPort, s.database);
}

interface CheckTiming {
  readonly totalMs: number;
  readonly introspectMs: number;
  readonly verifyMs: number;
  readonly catalogQueries: number;
  readonly drift: number;
}

/** One drift check: introspect, then verify against the contract. */
async function check(s: Subject, mode: IntrospectionMode): Promise<CheckTiming> {
  const t0 = performance.now();
  const actual = await introspect(s.runner, { mode });
  const t1 = performance.now();
  const v = verify(s.contract, actual.model);
  const t2 = performance.now();
  return {
    totalMs: t2 - t0,
    introspectMs: t1 - t0,
    verifyMs: t2 - t1,
    catalogQueries: actual.catalogQueries,
    drift: v.summary.drift,
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function main() {
  const targets: Record<number, number> = { 20: 100, 1000: 2000 };
  console.log(
    `drift check = introspect + verify (diff and lints); median of ${RUNS} runs after 1 warm-up`,
  );
  for (const tables of [20, 1000]) {
    const s = await setUp(tables);
    try {
      for (const mode of ["per-kind", "single-statement"] as const) {
        await check(s, mode);
        const runs: CheckTiming[] = [];
        for (let i = 0; i < RUNS; i++) runs.push(await check(s, mode));
        const total = median(runs.map((r) => r.totalMs));
        const target = targets[tables]!;
        console.log(
          `${String(tables).padStart(5)} tables, ${mode.padEnd(16)}: ${
            total.toFixed(1).padStart(7)
          } ms ` +
            `(introspect ${median(runs.map((r) => r.introspectMs)).toFixed(1)} ms, ` +
            `verify ${median(runs.map((r) => r.verifyMs)).toFixed(1)} ms), ` +
            `catalog queries ${runs[0]!.catalogQueries}, drift ${runs[0]!.drift}; ` +
            `target ${target} ms: ${total <= target ? "met" : "MISSED"}`,
        );
      }
    } finally {
      await tearDown(s);
    }
  }
}

if (import.meta.main) {
  await main();
} else {
  const subjects = new Map<number, Promise<Subject>>();
  const subject = (tables: number) => {
    if (!subjects.has(tables)) subjects.set(tables, setUp(tables));
    return subjects.get(tables)!;
  };
  for (const tables of [20, 1000]) {
    for (const mode of ["per-kind", "single-statement"] as const) {
      Deno.bench(
        { name: `drift check, ${tables} tables, ${mode}`, n: RUNS, warmup: 1 },
        async (t) => {
          const s = await subject(tables);
          t.start();
          await check(s, mode);
          t.end();
        },
      );
    }
  }
  Deno.bench({ name: "drift check: clean up", n: 1, warmup: 0 }, async () => {
    const pending = [...subjects.values()];
    subjects.clear(); // deno bench may call this more than once
    for (const s of pending) await tearDown(await s);
  });
}
