/**
 * @module The local platform's branching: a branch is a fresh database into which the parent's
 * recorded migrations are replayed (not `CREATE DATABASE … TEMPLATE`, which fails while the
 * parent has connections), reporting CREATING_PROJECT → RUNNING_MIGRATIONS →
 * MIGRATIONS_PASSED | MIGRATIONS_FAILED as hosted branching does. Creation runs in the
 * background under an advisory lock; a branch whose creator died is reported as failed.
 */
import type { Branch, BranchingOperations } from "@supabase/mcp-server-supabase/platform";
import type pg from "../../functions-shared/db/pg.ts";
import { dropDatabase } from "../compat.ts";
import type { PlatformContext } from "./context.ts";
import { withEnvironmentDb } from "./database.ts";
import {
  createEnvironmentDatabase,
  dropEnvironmentDatabase,
  type EnvironmentRow,
  findEnvironment,
  insertEnvironment,
  iso,
  newRef,
  NotFoundError,
  requireRunning,
  setEnvironmentStatus,
} from "./environments.ts";
import { deployedFunction, storeFunctionVersion } from "./functions.ts";
import { recordedMigrations, replayMissing } from "./migrations.ts";
import { registryClient } from "./registry.ts";

interface BranchRow {
  id: string;
  name: string;
  project_ref: string;
  parent_project_ref: string;
  status: string;
  error: string | null;
  created_at: Date;
  updated_at: Date;
}

const IN_PROGRESS = ["CREATING_PROJECT", "RUNNING_MIGRATIONS"];

function lockKey(id: string): string {
  return `vibe.platform.branch:${id}`;
}

function branchOf(row: BranchRow): Branch {
  return {
    id: row.id,
    name: row.name,
    project_ref: row.project_ref,
    parent_project_ref: row.parent_project_ref,
    is_default: false,
    persistent: false,
    status: row.status as Branch["status"],
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** Sets a branch's status; false when the branch no longer exists. */
async function setBranchStatus(
  db: pg.Pool | pg.Client,
  id: string,
  status: string,
  error: string | null = null,
): Promise<boolean> {
  const r = await db.query(
    "update platform.branches set status = $2, error = $3, updated_at = now() where id = $1",
    [id, status, error],
  );
  return (r.rowCount ?? 0) > 0;
}

async function requireBranch(ctx: PlatformContext, idOrRef: string, action: string) {
  const r = await ctx.registry.query<BranchRow>(
    "select * from platform.branches where id::text = $1 or project_ref = $1",
    [idOrRef],
  );
  const row = r.rows[0];
  if (!row) throw new NotFoundError(`Cannot ${action}: branch ${idOrRef} does not exist`);
  return row;
}

/** Marks an in-progress branch failed when no process holds its creation lock. */
async function reportInterrupted(ctx: PlatformContext, row: BranchRow): Promise<BranchRow> {
  const client = await ctx.registry.connect();
  try {
    const got = await client.query<{ ok: boolean }>(
      "select pg_try_advisory_lock(hashtext($1)) as ok",
      [lockKey(row.id)],
    );
    if (!got.rows[0]?.ok) return row;
    try {
      const r = await client.query<BranchRow>(
        `update platform.branches set status = 'MIGRATIONS_FAILED', updated_at = now(),
                error = 'Branch creation was interrupted: delete the branch and create it again'
          where id = $1 and status = any($2) returning *`,
        [row.id, IN_PROGRESS],
      );
      return r.rows[0] ?? row;
    } finally {
      await client.query("select pg_advisory_unlock(hashtext($1))", [lockKey(row.id)]);
    }
  } finally {
    client.release();
  }
}

/** Recreates an environment's database and replays the given migrations into it. */
async function rebuild(
  ctx: PlatformContext,
  env: EnvironmentRow,
  migrations: Awaited<ReturnType<typeof recordedMigrations>>,
): Promise<void> {
  await dropDatabase(ctx.opts.dbPort, env.database_name); // its functions stay deployed
  await createEnvironmentDatabase(ctx, env.ref);
  await withEnvironmentDb(ctx, env, (c) => replayMissing(c, migrations));
}

/** The background half of createBranch; `job` holds the branch's lock until it is done. */
async function buildBranch(
  ctx: PlatformContext,
  job: pg.Client,
  branch: BranchRow,
  parent: EnvironmentRow,
): Promise<void> {
  try {
    await createEnvironmentDatabase(ctx, branch.project_ref);
    await setEnvironmentStatus(job, branch.project_ref, "ACTIVE_HEALTHY");
    if (!(await setBranchStatus(job, branch.id, "RUNNING_MIGRATIONS"))) {
      await dropEnvironmentDatabase(ctx, branch.project_ref); // deleted while being created
      return;
    }
    const migrations = await withEnvironmentDb(ctx, parent, recordedMigrations);
    const env = await findEnvironment(job, branch.project_ref);
    if (!env) throw new Error("Branch was deleted while its migrations ran");
    await withEnvironmentDb(ctx, env, (c) => replayMissing(c, migrations));
    await setBranchStatus(job, branch.id, "MIGRATIONS_PASSED");
  } catch (e) {
    await setBranchStatus(job, branch.id, "MIGRATIONS_FAILED", (e as Error).message)
      .catch(() => {});
  } finally {
    await job.query("select pg_advisory_unlock_all()").catch(() => {});
    await job.end().catch(() => {});
  }
}

async function withStatus(
  ctx: PlatformContext,
  branch: BranchRow,
  fn: () => Promise<void>,
): Promise<void> {
  await setBranchStatus(ctx.registry, branch.id, "RUNNING_MIGRATIONS");
  try {
    await fn();
  } catch (e) {
    await setBranchStatus(ctx.registry, branch.id, "MIGRATIONS_FAILED", (e as Error).message);
    throw e;
  }
  await setBranchStatus(ctx.registry, branch.id, "MIGRATIONS_PASSED");
}

export function branchingOperations(ctx: PlatformContext): BranchingOperations {
  return {
    async listBranches(ref) {
      await requireRunning(ctx, ref, `list the branches of project ${ref}`);
      const r = await ctx.registry.query<BranchRow>(
        "select * from platform.branches where parent_project_ref = $1 order by created_at, name",
        [ref],
      );
      const rows = await Promise.all(
        r.rows.map((row) => IN_PROGRESS.includes(row.status) ? reportInterrupted(ctx, row) : row),
      );
      return rows.map(branchOf);
    },

    async createBranch(parentRef, { name }) {
      const action = `create branch ${name} of project ${parentRef}`;
      const parent = await requireRunning(ctx, parentRef, action);
      if (parent.kind === "branch") {
        throw new Error(`Cannot ${action}: it is itself a branch; branch from its parent`);
      }
      const job = await registryClient(ctx.opts.dbPort);
      let row: BranchRow;
      try {
        const id = crypto.randomUUID();
        await job.query("select pg_advisory_lock(hashtext($1))", [lockKey(id)]);
        await job.query("begin");
        const env = await insertEnvironment(job, {
          ref: newRef(),
          kind: "branch",
          name,
          organization_id: parent.organization_id,
          region: parent.region,
          status: "COMING_UP",
        });
        const r = await job.query<BranchRow>(
          `insert into platform.branches (id, name, project_ref, parent_project_ref, status)
           values ($1, $2, $3, $4, 'CREATING_PROJECT') returning *`,
          [id, name, env.ref, parentRef],
        );
        await job.query("commit");
        row = r.rows[0]!;
      } catch (e) {
        await job.query("rollback").catch(() => {});
        await job.end().catch(() => {});
        if ((e as { code?: string }).code === "23505") {
          throw new Error(`Cannot ${action}: a branch with this name already exists`);
        }
        throw e;
      }
      ctx.track(buildBranch(ctx, job, row, parent));
      return branchOf(row);
    },

    async deleteBranch(idOrRef) {
      const branch = await requireBranch(ctx, idOrRef, `delete branch ${idOrRef}`);
      await dropEnvironmentDatabase(ctx, branch.project_ref);
      await ctx.registry.query("delete from platform.environments where ref = $1", [
        branch.project_ref,
      ]);
    },

    async mergeBranch(idOrRef) {
      const action = `merge branch ${idOrRef}`;
      const branch = await requireBranch(ctx, idOrRef, action);
      const env = await requireRunning(ctx, branch.project_ref, action);
      const parent = await requireRunning(ctx, branch.parent_project_ref, action);
      const migrations = await withEnvironmentDb(ctx, env, recordedMigrations);
      try {
        await withEnvironmentDb(ctx, parent, (c) => replayMissing(c, migrations));
      } catch (e) {
        throw new Error(`Cannot ${action}: ${(e as Error).message}`, { cause: e });
      }
      // Functions follow their migrations: the branch's latest versions, where they differ.
      const slugs = await ctx.registry.query<{ slug: string }>(
        "select slug from platform.functions where project_ref = $1 order by slug",
        [env.ref],
      );
      for (const { slug } of slugs.rows) {
        const theirs = await deployedFunction(ctx.registry, env.ref, slug);
        const ours = await deployedFunction(ctx.registry, parent.ref, slug);
        if (!theirs) continue;
        const same = ours && ours.verifyJwt === theirs.verifyJwt &&
          ours.entrypointPath === theirs.entrypointPath &&
          JSON.stringify(ours.files) === JSON.stringify(theirs.files);
        if (same) continue;
        await storeFunctionVersion(ctx.registry, parent.ref, {
          name: slug,
          entrypoint_path: theirs.entrypointPath,
          verify_jwt: theirs.verifyJwt,
          files: theirs.files,
          ...(theirs.importMapPath ? { import_map_path: theirs.importMapPath } : {}),
        });
      }
    },

    async resetBranch(idOrRef, { migration_version }) {
      const action = `reset branch ${idOrRef}`;
      const branch = await requireBranch(ctx, idOrRef, action);
      const env = await requireRunning(ctx, branch.project_ref, action);
      const all = await withEnvironmentDb(ctx, env, recordedMigrations);
      const keep = migration_version === undefined
        ? all
        : all.filter((m) => BigInt(m.version) <= BigInt(migration_version));
      await withStatus(ctx, branch, () => rebuild(ctx, env, keep));
    },

    async rebaseBranch(idOrRef) {
      const action = `rebase branch ${idOrRef}`;
      const branch = await requireBranch(ctx, idOrRef, action);
      const env = await requireRunning(ctx, branch.project_ref, action);
      const parent = await requireRunning(ctx, branch.parent_project_ref, action);
      const migrations = await withEnvironmentDb(ctx, parent, recordedMigrations);
      await withStatus(ctx, branch, async () => {
        await withEnvironmentDb(ctx, env, (c) => replayMissing(c, migrations));
      });
    },
  };
}
