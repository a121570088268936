/**
 * @module What the graph nodes need from provisioning, expressed over MCP tool calls. Every
 * method is idempotent (a node re-run after a crash creates nothing twice) and returns the
 * records of the tool calls it made.
 */
import type { ToolCallRecord } from "./types.ts";

/** A provisioned environment (a branch of the parent project, or a new project). */
export interface Environment {
  kind: "branch" | "project";
  /** The environment's project ref (a branch has its own ref). */
  ref: string;
  /** The branch id (branch mode only; used by branch operations). */
  branchId?: string;
  /** The parent project's ref (branch mode). */
  parentRef?: string;
  name: string;
  /** API URL: `${url}/functions/v1/<slug>` reaches its functions. */
  url: string;
  /** The environment's anon (publishable) key; safe for browsers. */
  anonKey: string;
}

export interface Provisioned<T> {
  value: T;
  records: ToolCallRecord[];
}

/**
 * A provisioning method failed. Carries the records of every tool call the method made, the
 * failed call (if a tool failed) last, so a failure is logged like a success.
 */
export class ProvisioningError extends Error {
  override name = "ProvisioningError";
  constructor(message: string, readonly records: ToolCallRecord[], options?: ErrorOptions) {
    super(message, options);
  }
}

/** Options for {@link Provisioner.ensureEnvironment}. */
export interface EnsureEnvironmentOptions {
  mode: "branch" | "project";
  /** Unique per session; finding an environment with this name reuses it. */
  name: string;
  /** Branch mode: the project to branch from. */
  parentRef?: string;
  /** Project mode: the organization to create it in (defaults to the first one). */
  organizationId?: string;
}

/** An environment an earlier request created that is not ready yet. */
export interface PendingEnvironment {
  kind: "branch" | "project";
  ref: string;
  /** The branch id (branch mode). */
  branchId?: string;
  /** The parent project's ref (branch mode). */
  parentRef?: string;
  name: string;
  /** The platform's status, e.g. CREATING_PROJECT or COMING_UP. */
  status: string;
}

/** What {@link Provisioner.requestEnvironment} found or started. */
export type EnvironmentRequest =
  | { state: "ready"; environment: Environment }
  | { state: "pending"; pending: PendingEnvironment };

/** Options for {@link Provisioner.requestEnvironment}. */
export interface RequestEnvironmentOptions extends EnsureEnvironmentOptions {
  /**
   * The environment this build created earlier (its pending record, or its logged creation):
   * the one found by name must be this one, or the request fails instead of adopting another.
   */
  expected?: { ref: string; branchId?: string };
  /** How long to wait for it to become ready before answering pending (default 0: look once). */
  waitMs?: number;
}

/** Options for {@link Provisioner.deployFunction}. */
export interface DeployFunctionOptions {
  slug: string;
  /** Files to upload; the entrypoint is one of them. */
  files: { name: string; content: string }[];
  entrypoint: string;
  verifyJwt: boolean;
}

export interface Provisioner {
  /**
   * Creates the environment, or finds the one already created under this name, and waits (up
   * to the provisioner's ready timeout, 10 minutes by default) until it is ready. For tooling:
   * the build worker uses {@link requestEnvironment}, which never waits that long.
   */
  ensureEnvironment(opts: EnsureEnvironmentOptions): Promise<Provisioned<Environment>>;
  /**
   * Creates the environment unless one exists under this name (verified against `expected`),
   * then looks at its status for at most `waitMs`: ready, or pending to check back on later.
   */
  requestEnvironment(opts: RequestEnvironmentOptions): Promise<Provisioned<EnvironmentRequest>>;
  /** Applies a migration unless one with this name is already recorded in the environment. */
  applyMigration(
    ref: string,
    name: string,
    sql: string,
  ): Promise<Provisioned<{ applied: boolean }>>;
  /** Deploys (or redeploys) an Edge Function unless these exact files are live; returns its version. */
  deployFunction(
    ref: string,
    opts: DeployFunctionOptions,
  ): Promise<Provisioned<{ version: number }>>;
  /** Runs SQL in the environment and returns the rows. */
  executeSql<T = Record<string, unknown>>(ref: string, query: string): Promise<Provisioned<T[]>>;
  /** The environment's TypeScript types (`generate_typescript_types`): the `Database` type. */
  generateTypes(ref: string): Promise<Provisioned<string>>;
}
