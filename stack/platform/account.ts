/**
 * @module The local platform's account operations: organizations (with a plan, so the MCP
 * server's cost confirmation works), projects as databases of the cluster, pause and restore.
 */
import type {
  AccountOperations,
  CreateProjectOptions,
  Project,
} from "@supabase/mcp-server-supabase/platform";
import type { PlatformContext } from "./context.ts";
import {
  createEnvironmentDatabase,
  databaseName,
  dropEnvironmentDatabase,
  type EnvironmentRow,
  insertEnvironment,
  iso,
  newRef,
  NotFoundError,
  requireEnvironment,
  setEnvironmentStatus,
} from "./environments.ts";

interface OrganizationRow {
  id: string;
  slug: string;
  name: string;
  plan: string;
}

/** The hosted API's project shape. */
export function projectOf(env: EnvironmentRow, org: { slug: string }): Project {
  return {
    id: env.ref,
    ref: env.ref,
    organization_id: env.organization_id,
    organization_slug: org.slug,
    name: env.name,
    status: env.status,
    created_at: iso(env.created_at),
    region: env.region,
  };
}

async function organization(ctx: PlatformContext, id: string): Promise<OrganizationRow> {
  const r = await ctx.registry.query<OrganizationRow>(
    "select id, slug, name, plan from platform.organizations where id = $1 or slug = $1",
    [id],
  );
  const org = r.rows[0];
  if (!org) throw new NotFoundError(`Cannot find organization ${id}: it does not exist`);
  return org;
}

async function project(ctx: PlatformContext, env: EnvironmentRow): Promise<Project> {
  return projectOf(env, await organization(ctx, env.organization_id));
}

/** Refuses and ends connections to a database (a paused project), or allows them again. */
async function allowConnections(ctx: PlatformContext, ref: string, allow: boolean) {
  const admin = await ctx.connectAsAdmin("postgres");
  try {
    const db = databaseName(ref);
    await admin.query(`alter database "${db}" allow_connections ${allow}`);
    if (!allow) {
      await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1",
        [db],
      );
    }
  } finally {
    await admin.end();
  }
}

/** Deletes a project, its branches, their databases and functions. */
export async function deleteProject(ctx: PlatformContext, ref: string): Promise<void> {
  const env = await requireEnvironment(ctx, ref, `delete project ${ref}`);
  if (env.kind === "branch") {
    throw new Error(`Cannot delete project ${ref}: it is a branch; delete the branch instead`);
  }
  const branches = await ctx.registry.query<{ project_ref: string }>(
    "select project_ref from platform.branches where parent_project_ref = $1",
    [ref],
  );
  for (const { project_ref } of [...branches.rows, { project_ref: ref }]) {
    await dropEnvironmentDatabase(ctx, project_ref);
    await ctx.registry.query("delete from platform.environments where ref = $1", [project_ref]);
  }
}

export function accountOperations(ctx: PlatformContext): AccountOperations {
  return {
    async listOrganizations() {
      const r = await ctx.registry.query<OrganizationRow>(
        "select id, slug, name from platform.organizations order by created_at, id",
      );
      return r.rows.map(({ id, slug, name }) => ({ id, slug, name }));
    },

    async getOrganization(id) {
      const org = await organization(ctx, id);
      return {
        id: org.id,
        name: org.name,
        plan: org.plan,
        allowed_release_channels: ["ga"],
        opt_in_tags: [],
      };
    },

    async listProjects() {
      const r = await ctx.registry.query<EnvironmentRow & { slug: string }>(
        `select e.*, o.slug from platform.environments e
           join platform.organizations o on o.id = e.organization_id
          where e.kind = 'project' order by e.created_at, e.ref`,
      );
      return r.rows.map((row) => projectOf(row, row));
    },

    async getProject(ref) {
      return await project(ctx, await requireEnvironment(ctx, ref, `get project ${ref}`));
    },

    async createProject(options: CreateProjectOptions) {
      const org = await organization(ctx, options.organization_id);
      const ref = newRef();
      const env = await insertEnvironment(ctx.registry, {
        ref,
        kind: "project",
        name: options.name,
        organization_id: org.id,
        region: options.region,
        status: "COMING_UP",
      });
      try {
        await createEnvironmentDatabase(ctx, ref);
      } catch (e) {
        await ctx.registry.query("delete from platform.environments where ref = $1", [ref]);
        throw new Error(`Cannot create project ${options.name}: ${(e as Error).message}`, {
          cause: e,
        });
      }
      await setEnvironmentStatus(ctx.registry, ref, "ACTIVE_HEALTHY");
      return projectOf({ ...env, status: "ACTIVE_HEALTHY" }, org);
    },

    async pauseProject(ref) {
      await requireEnvironment(ctx, ref, `pause project ${ref}`);
      await setEnvironmentStatus(ctx.registry, ref, "INACTIVE");
      await allowConnections(ctx, ref, false);
    },

    async restoreProject(ref) {
      await requireEnvironment(ctx, ref, `restore project ${ref}`);
      await allowConnections(ctx, ref, true);
      await setEnvironmentStatus(ctx.registry, ref, "ACTIVE_HEALTHY");
    },
  };
}
