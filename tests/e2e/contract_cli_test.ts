/**
 * @module `deno task contract` as a user runs it (a subprocess): `verify` against a migrations
 * folder exits 0 on a clean database, 1 with the evidence template and a patch that brings it
 * back to 0, and 2 when it cannot run; `snapshot` and `diff`; `verify --session` against a
 * provisioned marketplace environment; `smoke` on that environment prints the CRUD matrix and
 * flags a deliberately opened policy, but not what the contract itself makes public.
 */
import { contract } from "../support/contract_cli.ts";
import assert from "node:assert/strict";
import { applyMigrations, listMigrationFiles } from "../../stack/migrate.ts";
import { readSettings } from "../../stack/settings.ts";
import { provisionMarketplace } from "../support/drift_environment.ts";
import { connect, dbUrl, scratchDatabase } from "../support/stack.ts";
import { FIXTURE_MIGRATIONS } from "../integration/drift_fixture.ts";

const EVIDENCE_FIELDS = [
  "**Gap ID:**",
  "**Category:**",
  "**Severity:**",
  "**Object:**",
  "**Issue:**",
  "**Evidence query:**",
  "**Expected:**",
  "**Actual:**",
  "**Impact:**",
  "**Fix:**",
];

Deno.test("contract verify/snapshot/diff against a migrations folder: exit codes 0, 1 and 2", async (t) => {
  const scratch = await scratchDatabase("contract_cli");
  const dir = await Deno.makeTempDir({ prefix: "contract_cli_" });
  const db = await dbUrl(scratch.name);
  try {
    await applyMigrations(
      readSettings().dbPort,
      scratch.name,
      listMigrationFiles(FIXTURE_MIGRATIONS as Parameters<typeof listMigrationFiles>[0]),
    );

    await t.step("a database built from the folder is clean (exit 0)", async () => {
      const run = await contract("verify", "--db", db, "--migrations", FIXTURE_MIGRATIONS);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /\*\*No drift\.\*\*/);
      assert.match(run.stdout, /Catalog queries: \d+ against the database/);
      assert.match(run.stderr, /0 findings of drift; Catalog queries: \d+ against the database/);
      assert.ok(!run.stdout.includes(":postgres@"), "the password is not printed");
      const snap = await contract("snapshot", "--db", db, "--out", `${dir}/before.json`);
      assert.equal(snap.code, 0, snap.stderr);
      assert.match(snap.stderr, /snapshot taken with \d+ catalog queries/);
    });

    await t.step("drift exits 1 with the evidence template and a patch that fixes it", async () => {
      const client = await connect(scratch.name);
      try {
        await client.query(`alter table public.orders disable row level security;
          drop policy "buyers read own orders" on public.orders;
          grant insert on public.listings to anon`);
      } finally {
        await client.end();
      }
      const run = await contract(
        "verify",
        "--db",
        db,
        "--migrations",
        FIXTURE_MIGRATIONS,
        "--patch",
        `${dir}/fix.sql`,
      );
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stdout, /\*\*\d+ findings of drift\*\*/);
      assert.match(run.stdout, /\| Gap ID \| Category \| Severity \| Object \| Issue \|/);
      assert.match(run.stdout, /## Findings/);
      for (const field of EVIDENCE_FIELDS) assert.ok(run.stdout.includes(field), field);
      assert.match(run.stdout, /```sql\n[^`]*enable row level security/);
      const fix = await Deno.readTextFile(`${dir}/fix.sql`);
      assert.match(fix, /enable row level security/);
      assert.match(fix, /create policy "buyers read own orders"/);
      assert.match(fix, /revoke insert on table "public"\."listings" from "anon"/i);

      const json = await contract(
        "verify",
        "--db",
        db,
        "--migrations",
        FIXTURE_MIGRATIONS,
        "--format",
        "json",
      );
      assert.equal(json.code, 1);
      const report = JSON.parse(json.stdout);
      assert.ok(report.summary.drift >= 3);
      assert.equal(typeof report.catalogQueries, "number");
      assert.ok(report.findings.every((f: { fixSql: string }) => typeof f.fixSql === "string"));

      const snap = await contract("snapshot", "--db", db, "--out", `${dir}/after.json`);
      assert.equal(snap.code, 0);
      const diff = await contract("diff", `${dir}/before.json`, `${dir}/after.json`);
      assert.equal(diff.code, 1);
      assert.match(diff.stdout, /table\.rls_disabled|Row-level security is disabled/);
      assert.equal((await contract("diff", `${dir}/before.json`, `${dir}/before.json`)).code, 0);

      // The patch applies, twice, and the database is clean again.
      const patchClient = await connect(scratch.name);
      try {
        await patchClient.query(fix);
        await patchClient.query(fix);
      } finally {
        await patchClient.end();
      }
      const after = await contract("verify", "--db", db, "--migrations", FIXTURE_MIGRATIONS);
      assert.equal(after.code, 0, after.stdout);
    });

    await t.step("exit 2 when it cannot run, with the reason", async () => {
      const missingDb = new URL(db);
      missingDb.pathname = "/no_such_database_here";
      const unreachable = await contract(
        "verify",
        "--db",
        missingDb.toString(),
        "--migrations",
        FIXTURE_MIGRATIONS,
      );
      assert.equal(unreachable.code, 2);
      assert.match(
        unreachable.stderr,
        /contract: Cannot connect to postgresql:\/\/postgres:\[redacted\]@/,
      );
      const noFolder = await contract("verify", "--db", db, "--migrations", `${dir}/nope`);
      assert.equal(noFolder.code, 2);
      const usage = await contract("verify", "--db", db);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /--migrations <dir> or --session <id>/);
      assert.match(usage.stderr, /Usage: deno task contract/);
      const noSession = await contract("verify", "--db", db, "--session", crypto.randomUUID());
      assert.equal(noSession.code, 2);
      assert.match(noSession.stderr, /does not exist/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
    await scratch.drop();
  }
});

Deno.test("contract verify --session and smoke on a provisioned marketplace environment", async (t) => {
  const env = await provisionMarketplace("contract");
  const db = await dbUrl(`proj_${env.ref}`);
  try {
    await t.step("verify --session: the environment matches the pipeline's contract", async () => {
      const run = await contract("verify", "--db", db, "--session", env.sessionId);
      assert.equal(run.code, 0, run.stdout);
      assert.match(run.stdout, new RegExp(`Contract: session ${env.sessionId}`));
    });

    await t.step("smoke: the CRUD matrix as the contract grants it, nothing flagged", async () => {
      const run = await contract(
        "smoke",
        "--db",
        db,
        "--session",
        env.sessionId,
        "--format",
        "json",
      );
      assert.equal(run.code, 0, run.stdout);
      const report = JSON.parse(run.stdout);
      const cell = (table: string, actor: string, op: string) =>
        report.tables.find((x: { table: string }) => x.table === table).cells[actor][op];
      assert.deepEqual(
        report.tables.map((x: { table: string }) => x.table).sort(),
        ["public.bids", "public.listings", "public.orders", "public.profiles", "public.reviews"],
      );
      assert.equal(cell("public.listings", "anon", "R").access, "all");
      assert.equal(cell("public.listings", "anon", "R").violation, "anon reads user data");
      assert.equal(
        cell("public.listings", "anon", "R").flagged,
        false,
        "listings are public by contract",
      );
      assert.equal(cell("public.listings", "anon", "C").access, "denied");
      assert.equal(cell("public.listings", "user_a", "U").access, "own");
      assert.equal(cell("public.orders", "user_a", "R").access, "own");
      assert.equal(cell("public.orders", "user_b", "R").access, "own");
      assert.equal(cell("public.orders", "anon", "R").access, "denied");
      assert.equal(cell("public.bids", "service_role", "R").access, "all");
      assert.deepEqual(report.flags, []);
      const users = await env.db.query(
        "select count(*)::int as n from auth.users where email like '%@smoke.invalid'",
      );
      assert.equal(users.rows[0].n, 0, "everything was rolled back");
    });

    await t.step("smoke flags a deliberately opened policy (exit 1)", async () => {
      await env.db.query(
        "create policy orders_read_all on public.orders for select to authenticated using (true)",
      );
      try {
        const run = await contract("smoke", "--db", db, "--session", env.sessionId);
        assert.equal(run.code, 1, run.stdout);
        assert.match(
          run.stdout,
          /\| `public\.orders` \| `buyer_id` \| user_a \| own \| \*\*⚠ all\*\* \|/,
        );
        assert.match(
          run.stdout,
          /- `public\.orders` × user_a × R = all: a user reads another user's rows\./,
        );
        assert.match(
          run.stdout,
          /\| `public\.listings` \| `owner_id` \| anon \| denied \| all \(contract\) \|/,
        );
        assert.match(run.stderr, /2 flagged cells/);
        const noContract = await contract("smoke", "--db", db, "--format", "json");
        assert.equal(noContract.code, 1);
        const flags = JSON.parse(noContract.stdout).flags as { object: string }[];
        assert.ok(
          flags.some((f) => f.object === "public.listings"),
          "without a contract even public listings are flagged",
        );
      } finally {
        await env.db.query("drop policy orders_read_all on public.orders");
      }
    });
  } finally {
    await env.close();
  }
});
