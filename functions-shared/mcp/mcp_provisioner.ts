/**
 * @module The {@link Provisioner} the graph nodes use, driven entirely through MCP tool calls:
 * branches and projects through the cost confirmation flow, migrations through
 * `apply_migration`, functions through `deploy_edge_function`. Every method looks before it
 * acts, so a re-run after a crash creates nothing twice.
 */
import type {
  DeployFunctionOptions,
  EnsureEnvironmentOptions,
  Environment,
  Provisioned,
  Provisioner,
} from "./provisioner.ts";
import { ProvisioningError } from "./provisioner.ts";
import { type McpToolClient, ToolCallError, type ToolCallRecord } from "./types.ts";

/** Options for {@link createMcpProvisioner}. */
export interface McpProvisionerOptions {
  /** Region for new projects (create_project requires one). Default `us-east-1`. */
  region?: string;
  /** First delay between status polls; doubles up to `maxPollIntervalMs`. Default 250 ms. */
  pollIntervalMs?: number;
  /** Longest delay between status polls. Default 5 s. */
  maxPollIntervalMs?: number;
  /** How long to wait for a branch or project to become ready. Default 10 minutes. */
  readyTimeoutMs?: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
}

interface Branch {
  id: string;
  name: string;
  project_ref: string;
  parent_project_ref: string;
  is_default?: boolean;
  status: string;
}

interface Project {
  id: string;
  ref: string;
  name: string;
  organization_id: string;
  status: string;
}

interface ApiKey {
  api_key: string;
  name: string;
  type: "legacy" | "publishable";
  disabled?: boolean;
}

interface EdgeFunction {
  slug: string;
  version: number;
  verify_jwt?: boolean;
  entrypoint_path?: string;
}

interface Cost {
  type: "project" | "branch";
  amount: number;
  recurrence: "monthly" | "hourly";
}

const BRANCH_READY = new Set(["MIGRATIONS_PASSED", "FUNCTIONS_DEPLOYED"]);
const BRANCH_FAILED = new Set(["MIGRATIONS_FAILED", "FUNCTIONS_FAILED"]);
const PROJECT_FAILED = new Set(["INACTIVE", "REMOVED", "GOING_DOWN", "INIT_FAILED", "PAUSING"]);

/** Collects the records of one provisioning method's calls. */
class CallLog {
  readonly records: ToolCallRecord[] = [];
  constructor(private readonly client: McpToolClient) {}

  async call<T>(tool: string, args: Record<string, unknown>): Promise<T> {
    try {
      const { data, record } = await this.client.callTool<T>(tool, args);
      this.records.push(record);
      return data;
    } catch (e) {
      if (e instanceof ToolCallError) {
        this.records.push(e.record);
        throw new ProvisioningError(e.message, this.records, { cause: e });
      }
      throw e;
    }
  }

  fail(message: string): never {
    throw new ProvisioningError(message, this.records);
  }
}

/** The client's own anon key: the legacy JWT (verify_jwt accepts it), else a publishable key. */
function browserKey(keys: ApiKey[]): string | undefined {
  const usable = keys.filter((k) => !k.disabled);
  return (usable.find((k) => k.type === "legacy" && k.name === "anon") ??
    usable.find((k) => k.type === "publishable"))?.api_key;
}

function sameFiles(
  a: { name: string; content: string }[],
  b: { name: string; content: string }[],
): boolean {
  const key = (files: { name: string; content: string }[]) =>
    JSON.stringify([...files].sort((x, y) => x.name.localeCompare(y.name)));
  return key(a) === key(b);
}

/** A {@link Provisioner} over an MCP client connected without a project scope. */
export function createMcpProvisioner(
  client: McpToolClient,
  opts: McpProvisionerOptions = {},
): Provisioner {
  const region = opts.region ?? "us-east-1";
  const firstPoll = opts.pollIntervalMs ?? 250;
  const maxPoll = Math.max(firstPoll, opts.maxPollIntervalMs ?? 5_000);
  const readyTimeout = opts.readyTimeoutMs ?? 10 * 60_000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));

  /** Polls `check` until it returns a value, backing off; fails after the ready timeout. */
  async function waitFor<T>(
    log: CallLog,
    what: string,
    check: () => Promise<T | undefined>,
  ): Promise<T> {
    const deadline = Date.now() + readyTimeout;
    let delay = firstPoll;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) {
        log.fail(`Cannot provision ${what}: not ready after ${readyTimeout} ms`);
      }
      await sleep(delay);
      delay = Math.min(delay * 2, maxPoll);
    }
  }

  async function confirmedCost(
    log: CallLog,
    type: "project" | "branch",
    organizationId: string,
  ): Promise<string> {
    const cost = await log.call<Cost>("get_cost", { type, organization_id: organizationId });
    const { confirmation_id } = await log.call<{ confirmation_id: string }>("confirm_cost", {
      type: cost.type,
      recurrence: cost.recurrence,
      amount: cost.amount,
    });
    return confirmation_id;
  }

  async function describe(
    log: CallLog,
    ref: string,
  ): Promise<{ url: string; anonKey: string }> {
    const { url } = await log.call<{ url: string }>("get_project_url", { project_id: ref });
    const { keys } = await log.call<{ keys: ApiKey[] }>("get_publishable_keys", {
      project_id: ref,
    });
    const anonKey = browserKey(keys);
    if (!anonKey) {
      log.fail(`Cannot use environment ${ref}: it has no enabled anon or publishable key`);
    }
    return { url, anonKey };
  }

  async function ensureBranch(
    log: CallLog,
    name: string,
    parentRef: string,
  ): Promise<Environment> {
    const find = async () =>
      (await log.call<{ branches: Branch[] }>("list_branches", { project_id: parentRef }))
        .branches.find((b) => b.name === name && !b.is_default);
    let branch = await find();
    if (branch && BRANCH_FAILED.has(branch.status)) {
      // A branch whose creation failed (or was interrupted) is recreated once.
      await log.call("delete_branch", { branch_id: branch.id });
      branch = undefined;
    }
    if (!branch) {
      const parent = await log.call<Project>("get_project", { id: parentRef });
      const confirmCostId = await confirmedCost(log, "branch", parent.organization_id);
      branch = await log.call<Branch>("create_branch", {
        project_id: parentRef,
        name,
        confirm_cost_id: confirmCostId,
      });
    }
    const branchId = branch.id;
    const ready = await waitFor(log, `branch ${name}`, async () => {
      if (branch && BRANCH_READY.has(branch.status)) return branch;
      if (branch && BRANCH_FAILED.has(branch.status)) {
        log.fail(`Cannot create branch ${name}: its status is ${branch.status}`);
      }
      branch = (await log.call<{ branches: Branch[] }>("list_branches", {
        project_id: parentRef,
      })).branches.find((b) => b.id === branchId);
      if (!branch) log.fail(`Cannot create branch ${name}: it disappeared while being created`);
      if (BRANCH_FAILED.has(branch.status)) {
        log.fail(`Cannot create branch ${name}: its status is ${branch.status}`);
      }
      return BRANCH_READY.has(branch.status) ? branch : undefined;
    });
    const { url, anonKey } = await describe(log, ready.project_ref);
    return {
      kind: "branch",
      ref: ready.project_ref,
      branchId: ready.id,
      parentRef,
      name,
      url,
      anonKey,
    };
  }

  async function ensureProject(
    log: CallLog,
    name: string,
    organizationId: string | undefined,
  ): Promise<Environment> {
    const { projects } = await log.call<{ projects: Project[] }>("list_projects", {});
    let project: Project | undefined = projects.find((p) =>
      p.name === name && p.status !== "REMOVED"
    );
    if (!project) {
      const orgId = organizationId ??
        (await log.call<{ organizations: { id: string }[] }>("list_organizations", {}))
          .organizations[0]?.id;
      if (!orgId) log.fail(`Cannot create project ${name}: the account has no organization`);
      const confirmCostId = await confirmedCost(log, "project", orgId);
      project = await log.call<Project>("create_project", {
        name,
        region,
        organization_id: orgId,
        confirm_cost_id: confirmCostId,
      });
    }
    const ref = project.ref;
    let current: Project = project;
    await waitFor(log, `project ${name}`, async () => {
      if (current.status === "ACTIVE_HEALTHY") return current;
      if (PROJECT_FAILED.has(current.status)) {
        log.fail(`Cannot use project ${name}: its status is ${current.status}`);
      }
      current = await log.call<Project>("get_project", { id: ref });
      return current.status === "ACTIVE_HEALTHY" ? current : undefined;
    });
    const { url, anonKey } = await describe(log, ref);
    return { kind: "project", ref, name, url, anonKey };
  }

  return {
    async ensureEnvironment(o: EnsureEnvironmentOptions): Promise<Provisioned<Environment>> {
      const log = new CallLog(client);
      if (o.mode === "branch") {
        if (!o.parentRef) {
          throw new ProvisioningError(`Cannot create branch ${o.name}: set parentRef`, []);
        }
        const value = await ensureBranch(log, o.name, o.parentRef);
        return { value, records: log.records };
      }
      const value = await ensureProject(log, o.name, o.organizationId);
      return { value, records: log.records };
    },

    async applyMigration(ref, name, sql) {
      const log = new CallLog(client);
      const { migrations } = await log.call<{ migrations: { version: string; name?: string }[] }>(
        "list_migrations",
        { project_id: ref },
      );
      if (migrations.some((m) => m.name === name)) {
        return { value: { applied: false }, records: log.records };
      }
      await log.call("apply_migration", { project_id: ref, name, query: sql });
      return { value: { applied: true }, records: log.records };
    },

    async deployFunction(ref, o: DeployFunctionOptions) {
      const log = new CallLog(client);
      const { functions } = await log.call<{ functions: EdgeFunction[] }>(
        "list_edge_functions",
        { project_id: ref },
      );
      if (functions.some((f) => f.slug === o.slug)) {
        const current = await log.call<EdgeFunction & { files: typeof o.files }>(
          "get_edge_function",
          { project_id: ref, function_slug: o.slug },
        );
        const unchanged = sameFiles(current.files, o.files) &&
          (current.entrypoint_path ?? "index.ts") === o.entrypoint &&
          (current.verify_jwt ?? true) === o.verifyJwt;
        if (unchanged) return { value: { version: current.version }, records: log.records };
      }
      const deployed = await log.call<EdgeFunction>("deploy_edge_function", {
        project_id: ref,
        name: o.slug,
        entrypoint_path: o.entrypoint,
        verify_jwt: o.verifyJwt,
        files: o.files,
      });
      return { value: { version: deployed.version }, records: log.records };
    },

    async executeSql<T>(ref: string, query: string): Promise<Provisioned<T[]>> {
      const log = new CallLog(client);
      const rows = await log.call<T[]>("execute_sql", { project_id: ref, query });
      return { value: rows, records: log.records };
    },

    async generateTypes(ref: string): Promise<Provisioned<string>> {
      const log = new CallLog(client);
      const { types } = await log.call<{ types: string }>("generate_typescript_types", {
        project_id: ref,
      });
      return { value: types, records: log.records };
    },
  };
}
