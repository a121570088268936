/**
 * @module Local provisioning times through MCP (the official server in-process with the local
 * platform): creating a branch (get_cost → confirm_cost → create_branch → MIGRATIONS_PASSED,
 * replaying a 10-table migration) and applying a 10-table migration. Prints the median of 5.
 *
 *   deno run -A bench/mcp_bench.ts        # the figures (the stack must be up)
 *   deno task bench                       # the same cases under `deno bench`
 */
import { connectInProcess } from "../functions-shared/mcp/in_process_client.ts";
import { createMcpProvisioner } from "../functions-shared/mcp/mcp_provisioner.ts";
import type { Provisioner } from "../functions-shared/mcp/provisioner.ts";
import { stackStatus } from "../stack/lifecycle.ts";
import { createLocalPlatform, type LocalPlatform } from "../stack/platform/index.ts";
import { readSettings } from "../stack/settings.ts";

const RUNS = 5;

/** Ten related tables with keys, a foreign key each, an index and RLS: a realistic migration. */
export function tenTableMigration(suffix: string): string {
  const tables = Array.from({ length: 10 }, (_, i) => `t${i}_${suffix}`);
  return tables.map((t, i) =>
    [
      `create table public.${t} (`,
      "  id uuid primary key default gen_random_uuid(),",
      "  owner_id uuid not null,",
      "  title text not null,",
      "  price numeric(12, 2),",
      "  meta jsonb not null default '{}',",
      "  created_at timestamptz not null default now()" +
      (i > 0
        ? `,\n  parent_id uuid references public.${tables[i - 1]} (id) on delete cascade`
        : ""),
      ");",
      `create index on public.${t} (owner_id);`,
      `alter table public.${t} enable row level security;`,
      `create policy "${t}_owner" on public.${t} for all to authenticated`,
      "  using (owner_id = auth.uid()) with check (owner_id = auth.uid());",
    ].join("\n")
  ).join("\n");
}

interface Bench {
  platform: LocalPlatform;
  provisioner: Provisioner;
  close(): Promise<void>;
}

async function setUp(): Promise<Bench> {
  const status = await stackStatus();
  if (!status.DB_RUNNING) throw new Error("Start the stack first: `deno task stack up`");
  const platform = createLocalPlatform({ dbPort: readSettings().dbPort, apiUrl: status.API_URL });
  const client = await connectInProcess({ platform });
  const provisioner = createMcpProvisioner(client, { pollIntervalMs: 10, maxPollIntervalMs: 10 });
  return {
    platform,
    provisioner,
    async close() {
      await client.close();
      await platform.close();
    },
  };
}

const unique = () => crypto.randomUUID().replace(/-/g, "").slice(0, 8);

async function newProject(b: Bench, label: string): Promise<string> {
  const { value } = await b.provisioner.ensureEnvironment({
    mode: "project",
    name: `bench-${label}-${unique()}`,
  });
  return value.ref;
}

/** Times one branch creation of a parent that has a 10-table migration. */
async function timeBranch(b: Bench, parentRef: string): Promise<number> {
  const t0 = performance.now();
  await b.provisioner.ensureEnvironment({
    mode: "branch",
    name: `bench-branch-${unique()}`,
    parentRef,
  });
  return performance.now() - t0;
}

/** Times one apply_migration of 10 tables (list_migrations + apply_migration) on a fresh project. */
async function timeMigration(b: Bench): Promise<number> {
  const ref = await newProject(b, "migration");
  try {
    const t0 = performance.now();
    await b.provisioner.applyMigration(ref, "ten_tables", tenTableMigration("m"));
    return performance.now() - t0;
  } finally {
    await b.platform.deleteProject(ref);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function main() {
  const b = await setUp();
  const parentRef = await newProject(b, "parent");
  try {
    await b.provisioner.applyMigration(parentRef, "ten_tables", tenTableMigration("p"));
    const branch: number[] = [];
    const migration: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      branch.push(await timeBranch(b, parentRef));
      migration.push(await timeMigration(b));
    }
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");
    console.log(`create_branch (parent with a 10-table migration), through MCP:`);
    console.log(`  median ${median(branch).toFixed(0)} ms over ${RUNS} runs [${fmt(branch)}]`);
    console.log(`apply_migration of 10 tables, through MCP:`);
    console.log(
      `  median ${median(migration).toFixed(0)} ms over ${RUNS} runs [${fmt(migration)}]`,
    );
  } finally {
    await b.platform.deleteProject(parentRef);
    await b.close();
  }
}

if (import.meta.main) {
  await main();
} else {
  let bench: Bench | undefined;
  let parentRef: string | undefined;
  const ready = async () => {
    if (!bench) {
      bench = await setUp();
      parentRef = await newProject(bench, "parent");
      await bench.provisioner.applyMigration(parentRef, "ten_tables", tenTableMigration("p"));
    }
    return { b: bench, parent: parentRef! };
  };
  Deno.bench({ name: "create_branch through MCP", n: RUNS, warmup: 0 }, async (t) => {
    const { b, parent } = await ready();
    t.start();
    await timeBranch(b, parent);
    t.end();
  });
  Deno.bench({ name: "apply a 10-table migration through MCP", n: RUNS, warmup: 0 }, async (t) => {
    const { b } = await ready();
    const ref = await newProject(b, "migration");
    t.start();
    await b.provisioner.applyMigration(ref, "ten_tables", tenTableMigration("m"));
    t.end();
    await b.platform.deleteProject(ref);
  });
  Deno.bench({ name: "clean up", n: 1, warmup: 0 }, async () => {
    const done = bench;
    bench = undefined; // deno bench may call this more than once
    if (done && parentRef) await done.platform.deleteProject(parentRef);
    await done?.close();
  });
}
