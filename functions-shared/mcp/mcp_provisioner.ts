/**
 * @module The {@link Provisioner} the graph nodes use, driven entirely through MCP tool calls:
 * branches and projects through the cost confirmation flow, migrations through
 * `apply_migration`, functions through `deploy_edge_function`. Every method looks before it
 * acts, so a re-run after a crash creates nothing twice. A new environment is requested, then
 * looked at for a bounded time: the caller records it pending and checks back later.
 */
import type {
  DeployFunctionOptions,
  EnsureEnvironmentOptions,
  Environment,
  EnvironmentRequest,
  Provisioned,
  Provisioner,
  RequestEnvironmentOptions,
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
  /** How long {@link Provisioner.ensureEnvironment} waits for readiness. Default 10 minutes. */
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

  /**
   * Looks at `current` and refreshes it with `check` until it is ready or `waitMs` has passed
   * (never sleeping past it); returns it ready or still pending. `check` fails the request on a
   * failed status.
   */
  async function settle<T>(
    current: T,
    ready: (value: T) => boolean,
    check: () => Promise<T>,
    waitMs: number,
  ): Promise<T> {
    const deadline = Date.now() + waitMs;
    let delay = firstPoll;
    while (!ready(current)) {
      if (Date.now() + delay > deadline) return current;
      await sleep(delay);
      delay = Math.min(delay * 2, maxPoll);
      current = await check();
    }
    return current;
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

  /** Fails when the environment found is not the one this build created. */
  function verifyFound(
    log: CallLog,
    what: string,
    found: { ref: string; branchId?: string },
    expected: RequestEnvironmentOptions["expected"],
  ): void {
    if (!expected) return;
    if (found.ref !== expected.ref || (expected.branchId && found.branchId !== expected.branchId)) {
      log.fail(
        `Cannot use ${what}: the environment under this name is ${found.ref}, but this build ` +
          `created ${expected.ref}; delete ${found.ref} if it is not yours, then retry`,
      );
    }
  }

  async function requestBranch(
    log: CallLog,
    o: RequestEnvironmentOptions & { parentRef: string },
  ): Promise<EnvironmentRequest> {
    const { name, parentRef } = o;
    const list = async () =>
      (await log.call<{ branches: Branch[] }>("list_branches", { project_id: parentRef }))
        .branches;
    let branch = (await list()).find((b) => b.name === name && !b.is_default);
    if (branch) {
      verifyFound(
        log,
        `branch ${name}`,
        { ref: branch.project_ref, branchId: branch.id },
        o.expected,
      );
    } else if (o.expected) {
      log.fail(
        `Cannot provision branch ${name}: ${o.expected.ref} was created for this build but ` +
          `project ${parentRef} no longer lists it`,
      );
    }
    if (branch && BRANCH_FAILED.has(branch.status)) {
      // A branch whose creation failed (or was interrupted) is recreated once per request.
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
    const failed = (b: Branch) => {
      if (BRANCH_FAILED.has(b.status)) {
        log.fail(`Cannot create branch ${name}: its status is ${b.status}`);
      }
      return b;
    };
    const current = await settle(
      failed(branch),
      (b) => BRANCH_READY.has(b.status),
      async () => {
        const b = (await list()).find((x) => x.id === branchId);
        if (!b) log.fail(`Cannot create branch ${name}: it disappeared while being created`);
        return failed(b);
      },
      o.waitMs ?? 0,
    );
    if (!BRANCH_READY.has(current.status)) {
      return {
        state: "pending",
        pending: {
          kind: "branch",
          ref: current.project_ref,
          branchId,
          parentRef,
          name,
          status: current.status,
        },
      };
    }
    const { url, anonKey } = await describe(log, current.project_ref);
    return {
      state: "ready",
      environment: {
        kind: "branch",
        ref: current.project_ref,
        branchId,
        parentRef,
        name,
        url,
        anonKey,
      },
    };
  }

  async function requestProject(
    log: CallLog,
    o: RequestEnvironmentOptions,
  ): Promise<EnvironmentRequest> {
    const { name } = o;
    const { projects } = await log.call<{ projects: Project[] }>("list_projects", {});
    let project: Project | undefined = projects.find((p) =>
      p.name === name && p.status !== "REMOVED"
    );
    if (project) {
      verifyFound(log, `project ${name}`, { ref: project.ref }, o.expected);
    } else if (o.expected) {
      log.fail(
        `Cannot provision project ${name}: ${o.expected.ref} was created for this build but ` +
          "the account no longer lists it",
      );
    }
    if (!project) {
      const orgId = o.organizationId ??
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
    const failed = (p: Project) => {
      if (PROJECT_FAILED.has(p.status)) {
        log.fail(`Cannot use project ${name}: its status is ${p.status}`);
      }
      return p;
    };
    const current = await settle(
      failed(project),
      (p) => p.status === "ACTIVE_HEALTHY",
      async () => failed(await log.call<Project>("get_project", { id: ref })),
      o.waitMs ?? 0,
    );
    if (current.status !== "ACTIVE_HEALTHY") {
      return { state: "pending", pending: { kind: "project", ref, name, status: current.status } };
    }
    const { url, anonKey } = await describe(log, ref);
    return { state: "ready", environment: { kind: "project", ref, name, url, anonKey } };
  }

  async function requestEnvironment(
    o: RequestEnvironmentOptions,
  ): Promise<Provisioned<EnvironmentRequest>> {
    const log = new CallLog(client);
    if (o.mode === "branch") {
      if (!o.parentRef) {
        throw new ProvisioningError(`Cannot create branch ${o.name}: set parentRef`, []);
      }
      const value = await requestBranch(log, { ...o, parentRef: o.parentRef });
      return { value, records: log.records };
    }
    const value = await requestProject(log, o);
    return { value, records: log.records };
  }

  return {
    async ensureEnvironment(o: EnsureEnvironmentOptions): Promise<Provisioned<Environment>> {
      const { value, records } = await requestEnvironment({ ...o, waitMs: readyTimeout });
      if (value.state === "pending") {
        throw new ProvisioningError(
          `Cannot provision ${value.pending.kind} ${o.name}: not ready after ${readyTimeout} ms ` +
            `(status ${value.pending.status})`,
          records,
        );
      }
      return { value: value.environment, records };
    },

    requestEnvironment,

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
