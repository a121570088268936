/** @module A second, throwaway stack (own folder and ports): up on an empty cluster, up again
 * as a no-op, status, the schema the migrations build, reset reproducing it, down leaving
 * nothing listening. */
import assert from "node:assert/strict";
import pg from "../../functions-shared/db/pg.ts";
import { postgresLayout } from "../../stack/install.ts";
import { pidAlive, portOpen, waitFor } from "../../stack/process.ts";

const root = new URL("../../", import.meta.url).pathname;
// Beside the main stack's ports (VIBE_API_PORT / VIBE_DB_PORT), so several checkouts can test at once.
const API_PORT = Number(Deno.env.get("VIBE_API_PORT") ?? 54321) + 1100;
const DB_PORT = Number(Deno.env.get("VIBE_DB_PORT") ?? 54322) + 1100;

async function cli(dir: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "stack/cli.ts", ...args],
    cwd: root,
    env: { VIBE_STACK_DIR: dir, VIBE_API_PORT: String(API_PORT), VIBE_DB_PORT: String(DB_PORT) },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `stack ${args.join(" ")} failed:\n${stderr}`);
  return { stdout, stderr };
}

/** Where the throwaway stack keeps its cluster, as `stack doctor --json` reports it. */
async function clusterHome(dir: string): Promise<string> {
  return JSON.parse((await cli(dir, "doctor", "--json")).stdout).cluster.home;
}

async function schemaDump(dir: string): Promise<string> {
  const out = await new Deno.Command(`${(await postgresLayout()).bin}/pg_dump`, {
    args: [
      "-h",
      `${await clusterHome(dir)}/run`,
      "-p",
      String(DB_PORT),
      "-U",
      "supabase_admin",
      "--schema-only",
      "postgres",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  // pg_dump's \restrict guard carries a random key per dump; it is not schema.
  return new TextDecoder().decode(out.stdout).replace(/^\\(un)?restrict .*$/gm, "");
}

async function pids(dir: string): Promise<{ postmaster: number; gateway: number }> {
  const postmaster = Number(
    (await Deno.readTextFile(`${await clusterHome(dir)}/pgdata/postmaster.pid`)).split("\n")[0],
  );
  const gateway = Number((await Deno.readTextFile(`${dir}/gateway.pid`)).trim());
  return { postmaster, gateway };
}

Deno.test({
  name: "stack up twice, status, migrations, reset reproduces the schema, down stops everything",
  // The cluster and gateway it starts are stopped by `down` at the end.
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // A 0700 directory, as makeTempDir creates it: the postgres OS user cannot enter it.
    const dir = await Deno.makeTempDir({ prefix: "vibe-stack-" });
    let home: string | undefined;
    try {
      await cli(dir, "up", "--quiet");
      home = await clusterHome(dir);
      assert.match(home, /^\/var\/lib\/postgresql\/vibe-architect\/[0-9a-f]{16}$/);
      const doctor = JSON.parse((await cli(dir, "doctor", "--json")).stdout);
      assert.equal(doctor.ok, true, "doctor finds everything in place after up");
      for (
        const p of doctor.prerequisites.filter((p: { id: string }) =>
          /^(server|pg_cron|vector)$/.test(p.id)
        )
      ) {
        for (const file of p.detail.split(", ")) {
          assert.ok((await Deno.stat(file)).isFile, `${p.what}: ${file} is a real file`);
        }
      }
      const first = await pids(dir);
      await cli(dir, "up", "--quiet");
      assert.deepEqual(await pids(dir), first, "a second up restarts nothing");

      const status = JSON.parse((await cli(dir, "status", "--json")).stdout);
      for (const key of ["API_URL", "DB_URL", "ANON_KEY", "SERVICE_ROLE_KEY", "JWT_SECRET"]) {
        assert.equal(typeof status[key], "string", `status --json has ${key}`);
      }
      assert.equal(status.API_URL, `http://127.0.0.1:${API_PORT}`);

      const c = new pg.Client({ connectionString: status.DB_URL });
      await c.connect();
      try {
        const ext = await c.query<{ extname: string }>("select extname from pg_extension");
        const names = ext.rows.map((r) => r.extname);
        for (const e of ["vector", "pg_cron", "pgmq", "pg_net", "supabase_vault"]) {
          assert.ok(names.includes(e), `extension ${e}`);
        }
        const fns = await c.query<{ proname: string }>(
          "select proname from pg_proc where pronamespace = 'pgmq'::regnamespace",
        );
        for (const f of ["send", "read", "archive", "delete", "set_vt", "metrics", "pop"]) {
          assert.ok(fns.rows.some((r) => r.proname === f), `pgmq.${f}`);
        }
        const rls = await c.query<{ relname: string; relrowsecurity: boolean }>(
          `select relname, relrowsecurity from pg_class
            where relnamespace = 'public'::regnamespace and relkind = 'r' order by relname`,
        );
        assert.deepEqual(
          rls.rows.map((r) => [r.relname, r.relrowsecurity]),
          [
            ["build_events", true],
            ["build_sessions", true],
            ["drift_alerts", true],
            ["mcp_tool_calls", true],
            ["spec_chunks", true],
          ],
        );
        const jobs = await c.query<{ jobname: string }>(
          "select jobname from cron.job order by jobname",
        );
        assert.deepEqual(jobs.rows.map((r) => r.jobname), [
          "vibe-drift-sentinel",
          "vibe-environment-cleanup",
          "vibe-worker-drain",
        ]);
        const who = await c.query<{ rolsuper: boolean }>(
          "select rolsuper from pg_roles where rolname = current_user",
        );
        assert.equal(who.rows[0]!.rolsuper, false, "DB_URL connects as a non-superuser postgres");
      } finally {
        await c.end();
      }

      const before = await schemaDump(dir);
      await cli(dir, "reset");
      const after = await schemaDump(dir);
      assert.equal(after, before, "reset rebuilds exactly the same schema");

      const running = await pids(dir);
      await cli(dir, "down");
      assert.equal(await portOpen(API_PORT), false, "nothing listens on the API port");
      assert.equal(await portOpen(DB_PORT), false, "nothing listens on the DB port");
      // The processes may take a moment to be reaped after their listeners close.
      await waitFor("the gateway to exit", () => !pidAlive(running.gateway), 5000);
      await waitFor("PostgreSQL to exit", () => !pidAlive(running.postmaster), 5000);
    } finally {
      await cli(dir, "down").catch(() => {});
      await Deno.remove(dir, { recursive: true });
      if (home) await Deno.remove(home, { recursive: true }).catch(() => {});
    }
  },
});
