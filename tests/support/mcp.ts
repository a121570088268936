/**
 * @module Test access to MCP: the local platform over the running stack's cluster, MCP clients
 * (in-process and over HTTP) that keep every record, an environment's server-side secrets (to
 * prove they never leak), and tests that run with a platform, clients and projects that are
 * cleaned up in order afterwards (`withLocalClient`, `withLocalProject`).
 */
import assert from "node:assert/strict";
import {
  connectInProcess,
  type InProcessOptions,
} from "../../functions-shared/mcp/in_process_client.ts";
import { connectRemote } from "../../functions-shared/mcp/remote_client.ts";
import type { McpToolClient, ToolCallRecord } from "../../functions-shared/mcp/types.ts";
import { withAdmin } from "../../stack/cluster.ts";
import { createLocalPlatform, type LocalPlatform } from "../../stack/platform/index.ts";
import { environmentKeys } from "../../stack/platform/environments.ts";
import { REGISTRY_DATABASE } from "../../stack/platform/registry.ts";
import { loadSecrets } from "../../stack/secrets.ts";
import { readSettings } from "../../stack/settings.ts";
import { stack } from "./stack.ts";

/** The local platform against the running stack; close it at the end of the test. */
export async function localPlatform(): Promise<LocalPlatform> {
  const s = await stack();
  return createLocalPlatform({ dbPort: readSettings().dbPort, apiUrl: s.API_URL });
}

/** A connected client and every record its calls produced. */
export interface RecordingClient {
  client: McpToolClient;
  records: ToolCallRecord[];
}

/** The server in-process with this platform (not project-scoped unless asked). */
export async function inProcessClient(
  platform: LocalPlatform,
  opts: Omit<InProcessOptions, "platform" | "onRecord"> = {},
): Promise<RecordingClient> {
  const records: ToolCallRecord[] = [];
  const client = await connectInProcess({ ...opts, platform, onRecord: (r) => records.push(r) });
  return { client, records };
}

/** Opens a client to the MCP server for a test, given the test's local platform. */
export type OpenClient = (platform: LocalPlatform) => Promise<RecordingClient>;

/** What {@link withLocalClient} hands a test: the platform and a client over it. */
export interface LocalSession extends RecordingClient {
  platform: LocalPlatform;
  /** Opens another client (e.g. a read-only one); it closes before the ones opened earlier. */
  addClient(open: OpenClient): Promise<RecordingClient>;
  /** Deletes this project at the end: after the clients close, before the platform does. */
  deleteAfter(ref: string): void;
}

/** What {@link withLocalProject} hands a test: a session and the project made for it. */
export interface LocalProject extends LocalSession {
  ref: string;
}

/**
 * Runs `fn` with the local platform and a client (in-process unless `open` says otherwise),
 * then, whatever happened, closes the clients (newest first), deletes the projects given to
 * `deleteAfter` and closes the platform, in that order. Returns what `fn` returns.
 */
export async function withLocalClient<T>(
  fn: (session: LocalSession) => Promise<T>,
  open: OpenClient = (platform) => inProcessClient(platform),
): Promise<T> {
  const platform = await localPlatform();
  const clients: McpToolClient[] = [];
  const refs: string[] = [];
  const addClient = async (opener: OpenClient) => {
    const opened = await opener(platform);
    clients.push(opened.client);
    return opened;
  };
  try {
    const first = await addClient(open);
    return await fn({ ...first, platform, addClient, deleteAfter: (ref) => void refs.push(ref) });
  } finally {
    await inOrder([
      ...clients.reverse().map((client) => () => client.close()),
      ...refs.map((ref) => () => platform.deleteProject(ref)),
      () => platform.close(),
    ]);
  }
}

/**
 * {@link withLocalClient} with a project created through MCP for the test (named
 * `uniqueName(prefix)`), deleted after the clients close and before the platform does.
 */
export function withLocalProject<T>(
  prefix: string,
  fn: (project: LocalProject) => Promise<T>,
  open?: OpenClient,
): Promise<T> {
  return withLocalClient(async (session) => {
    const ref = await createProject(session.client, uniqueName(prefix));
    session.deleteAfter(ref);
    return await fn({ ...session, ref });
  }, open);
}

/** Runs every step, one after the other, even when one fails; then throws the first failure. */
async function inOrder(steps: (() => Promise<unknown>)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (e) {
      failures.push(e);
    }
  }
  if (failures.length > 0) throw failures[0];
}

/** The stack's `/mcp` endpoint over Streamable HTTP, with the control plane's service key. */
export async function httpClient(query = ""): Promise<RecordingClient> {
  const s = await stack();
  const records: ToolCallRecord[] = [];
  const client = await connectRemote({
    url: `${s.MCP_URL}${query}`,
    bearer: s.SERVICE_ROLE_KEY,
    onRecord: (r) => records.push(r),
  });
  return { client, records };
}

/** What must never leave the server side for an environment. */
export async function serverSecrets(ref: string): Promise<string[]> {
  const jwtSecret = await withAdmin(readSettings().dbPort, REGISTRY_DATABASE, async (c) => {
    const r = await c.query<{ jwt_secret: string }>(
      "select jwt_secret from platform.environments where ref = $1",
      [ref],
    );
    return r.rows[0]?.jwt_secret;
  });
  assert.ok(jwtSecret, `environment ${ref} has a JWT secret`);
  const keys = await environmentKeys({ ref, jwt_secret: jwtSecret });
  const stackSecrets = await loadSecrets();
  const s = await stack();
  return [jwtSecret, keys.serviceRoleKey, s.SERVICE_ROLE_KEY, stackSecrets.jwtSecret];
}

/**
 * Asserts every record has the record shape and carries no secret: none of `secrets`, and no
 * JWT at all (anon keys included).
 */
export function assertRedactedRecords(records: ToolCallRecord[], secrets: string[]): void {
  assert.ok(records.length > 0, "calls produced records");
  for (const r of records) {
    assert.equal(typeof r.tool, "string");
    assert.equal(typeof r.ok, "boolean");
    assert.equal(typeof r.result_summary, "string");
    assert.equal(typeof r.duration_ms, "number");
    assert.ok(!Number.isNaN(Date.parse(r.started_at)), "started_at is an ISO timestamp");
    if (!r.ok) assert.equal(typeof r.error, "string", `${r.tool} failed with a message`);
    const text = JSON.stringify(r);
    assert.ok(
      !/eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\./.test(text),
      `${r.tool} record has a JWT`,
    );
    for (const secret of secrets) {
      assert.ok(!text.includes(secret), `${r.tool} record carries a server-side secret`);
    }
  }
}

/** A name unique to this test run. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Creates a project through MCP (get_cost → confirm_cost → create_project); returns its ref. */
export async function createProject(client: McpToolClient, name: string): Promise<string> {
  const { data: orgs } = await client.callTool<{ organizations: { id: string }[] }>(
    "list_organizations",
    {},
  );
  const organization_id = orgs.organizations[0]!.id;
  const { data: cost } = await client.callTool<
    { type: string; amount: number; recurrence: string }
  >(
    "get_cost",
    { type: "project", organization_id },
  );
  const { data: confirmation } = await client.callTool<{ confirmation_id: string }>(
    "confirm_cost",
    cost,
  );
  const { data: project } = await client.callTool<{ ref: string }>("create_project", {
    name,
    region: "us-east-1",
    organization_id,
    confirm_cost_id: confirmation.confirmation_id,
  });
  return project.ref;
}

/**
 * Creates a branch through MCP (get_cost → confirm_cost → create_branch), charged to
 * `organizationId`, or to the parent's organization (from get_project) when none is given.
 */
export async function createBranch(
  client: McpToolClient,
  parentRef: string,
  name: string,
  organizationId?: string,
): Promise<{ id: string; project_ref: string; status: string; parent_project_ref: string }> {
  const organization_id = organizationId ??
    (await client.callTool<{ organization_id: string }>("get_project", { id: parentRef })).data
      .organization_id;
  const { data: cost } = await client.callTool<Record<string, unknown>>("get_cost", {
    type: "branch",
    organization_id,
  });
  const { data: confirmation } = await client.callTool<{ confirmation_id: string }>(
    "confirm_cost",
    cost,
  );
  const { data: branch } = await client.callTool<
    { id: string; project_ref: string; status: string; parent_project_ref: string }
  >("create_branch", {
    project_id: parentRef,
    name,
    confirm_cost_id: confirmation.confirmation_id,
  });
  return branch;
}

/** Waits until the branch reaches a final status; returns it. */
export async function waitForBranch(
  client: McpToolClient,
  parentRef: string,
  branchId: string,
): Promise<{ id: string; name: string; project_ref: string; status: string }> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { data } = await client.callTool<
      { branches: { id: string; name: string; project_ref: string; status: string }[] }
    >("list_branches", { project_id: parentRef });
    const branch = data.branches.find((b) => b.id === branchId);
    assert.ok(branch, `branch ${branchId} is listed`);
    if (!["CREATING_PROJECT", "RUNNING_MIGRATIONS"].includes(branch.status)) return branch;
    if (Date.now() > deadline) throw new Error(`Branch ${branchId} is still ${branch.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
