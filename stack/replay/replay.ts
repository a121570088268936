/**
 * @module Replays a tool-call log through an MCP server: every creation makes a FRESH
 * environment (a branch of the same parent, or a new project, through the cost confirmation
 * flow) whose ref and branch id replace the original's in every later call; calls on those
 * environments are re-run with their redacted arguments recovered where the original
 * environment still has them; then the original and the replay are compared (tables, columns,
 * policies, functions, Edge Functions). The fresh environment is deleted unless kept.
 */
import { type McpToolClient, ToolCallError } from "../../functions-shared/mcp/types.ts";
import { quoteLiteral } from "../../functions-shared/sql/identifier.ts";
import { compareEnvironments, type Difference } from "./compare_environments.ts";
import { snapshotEnvironment } from "./environment_snapshot.ts";
import { IdMap } from "./id_map.ts";
import { type PlannedEnvironment, planReplay } from "./replay_plan.ts";
import { type OriginalSource, restoreArguments } from "./restore_arguments.ts";
import type { ToolCallLog } from "./tool_call_log.ts";

/** Options for {@link replayLog}. */
export interface ReplayOptions {
  /** A connected client of a server that is not scoped to a project. */
  client: McpToolClient;
  /** Keep the fresh environment after the comparison (default: delete it). */
  keep?: boolean;
  /** Deletes a replayed project (no MCP tool deletes projects; branches use delete_branch). */
  deleteProject?: (ref: string) => Promise<void>;
  /** Prefix of the fresh environments' names; default `replay`. */
  namePrefix?: string;
  /** Default 100 ms, doubling to 2 s. */
  pollIntervalMs?: number;
  /** Default 5 minutes. */
  readyTimeoutMs?: number;
  /** Progress lines. */
  progress?: (line: string) => void;
}

/** What became of one recorded call. */
export interface CallOutcome {
  /** Position in the log (-1: the session's environment, re-created though not in the log). */
  index: number;
  seq?: number;
  tool: string;
  outcome: "replayed" | "created" | "skipped" | "not replayable" | "failed";
  reason?: string;
}

/** A fresh environment replay made. */
export interface ReplayedEnvironment {
  kind: "branch" | "project";
  ref: string;
  branchId?: string;
  originalRef?: string;
  deleted: boolean;
}

export interface ReplayReport {
  sessionId?: string;
  /** The original environment compared with. */
  original?: { ref: string; kind: "branch" | "project" };
  environments: ReplayedEnvironment[];
  calls: CallOutcome[];
  differences: Difference[];
  /** Why the comparison could not be made. */
  error?: string;
  /** Everything replayed, and the result equals the original. */
  matches: boolean;
}

const BRANCH_READY = new Set(["MIGRATIONS_PASSED", "FUNCTIONS_DEPLOYED"]);
const BRANCH_FAILED = new Set(["MIGRATIONS_FAILED", "FUNCTIONS_FAILED"]);

function originalSource(client: McpToolClient): OriginalSource {
  return {
    async migrationTexts(ref, name) {
      const { data } = await client.callTool<{ statements: string[] | null }[]>("execute_sql", {
        project_id: ref,
        query: `select statements from supabase_migrations.schema_migrations where name = ${
          quoteLiteral(name)
        }`,
      });
      return data.flatMap((r) => {
        const s = r.statements ?? [];
        return [...s, s.join("\n"), s.join(";\n")];
      });
    },
    async functionFiles(ref, slug) {
      try {
        const { data } = await client.callTool<{ files: { name: string; content: string }[] }>(
          "get_edge_function",
          { project_id: ref, function_slug: slug },
        );
        return data.files;
      } catch (e) {
        if (e instanceof ToolCallError) return undefined;
        throw e;
      }
    },
  };
}

export async function replayLog(log: ToolCallLog, opts: ReplayOptions): Promise<ReplayReport> {
  const { client } = opts;
  const progress = opts.progress ?? (() => {});
  const firstPoll = opts.pollIntervalMs ?? 100;
  const readyTimeout = opts.readyTimeoutMs ?? 5 * 60_000;
  const stamp = crypto.randomUUID().slice(0, 6);
  const prefix = `${opts.namePrefix ?? "replay"}-${(log.sessionId ?? "log").slice(0, 8)}-${stamp}`;
  const ids = new IdMap();
  const environments: ReplayedEnvironment[] = [];
  const calls: CallOutcome[] = [];
  const source = originalSource(client);
  const plan = planReplay(log);

  async function poll<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + readyTimeout;
    let delay = firstPoll;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`${what} was not ready after ${readyTimeout} ms`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }

  async function confirmCost(type: "branch" | "project", organizationId: string) {
    const { data: cost } = await client.callTool<Record<string, unknown>>("get_cost", {
      type,
      organization_id: organizationId,
    });
    const { data } = await client.callTool<{ confirmation_id: string }>("confirm_cost", cost);
    return data.confirmation_id;
  }

  async function create(env: PlannedEnvironment): Promise<ReplayedEnvironment> {
    const name = `${prefix}-${environments.length + 1}`;
    if (env.kind === "branch") {
      if (!env.parentRef) throw new Error("the record does not say which project it branched");
      const parent = ids.get(env.parentRef) ?? env.parentRef;
      const { data: project } = await client.callTool<{ organization_id: string }>(
        "get_project",
        { id: parent },
      );
      const confirm = await confirmCost("branch", project.organization_id);
      const { data: branch } = await client.callTool<{ id: string; project_ref: string }>(
        "create_branch",
        { project_id: parent, name, confirm_cost_id: confirm },
      );
      const created: ReplayedEnvironment = {
        kind: "branch",
        ref: branch.project_ref,
        branchId: branch.id,
        ...(env.originalRef ? { originalRef: env.originalRef } : {}),
        deleted: false,
      };
      environments.push(created);
      await poll(`Branch ${name}`, async () => {
        const { data } = await client.callTool<{ branches: { id: string; status: string }[] }>(
          "list_branches",
          { project_id: parent },
        );
        const status = data.branches.find((b) => b.id === branch.id)?.status;
        if (!status) throw new Error(`branch ${name} disappeared while it was being created`);
        if (BRANCH_FAILED.has(status)) throw new Error(`branch ${name} ended ${status}`);
        return BRANCH_READY.has(status) ? true : undefined;
      });
      if (env.originalRef) ids.set(env.originalRef, branch.project_ref);
      if (env.originalBranchId) ids.set(env.originalBranchId, branch.id);
      return created;
    }
    const organizationId = env.organizationId ?? (await client.callTool<
      { organizations: { id: string }[] }
    >("list_organizations", {})).data.organizations[0]?.id;
    if (!organizationId) throw new Error("the account has no organization to create it in");
    const confirm = await confirmCost("project", organizationId);
    const { data: project } = await client.callTool<{ ref: string }>("create_project", {
      name,
      region: env.region ?? "us-east-1",
      organization_id: organizationId,
      confirm_cost_id: confirm,
    });
    const created: ReplayedEnvironment = {
      kind: "project",
      ref: project.ref,
      ...(env.originalRef ? { originalRef: env.originalRef } : {}),
      deleted: false,
    };
    environments.push(created);
    await poll(`Project ${name}`, async () => {
      const { data } = await client.callTool<{ status: string }>("get_project", {
        id: project.ref,
      });
      return data.status === "ACTIVE_HEALTHY" ? true : undefined;
    });
    if (env.originalRef) ids.set(env.originalRef, project.ref);
    return created;
  }

  let report: Omit<ReplayReport, "matches"> = { environments, calls, differences: [] };
  if (log.sessionId) report.sessionId = log.sessionId;
  if (plan.target) report.original = plan.target;
  try {
    for (const step of plan.steps) {
      const call = step.action === "create" ? step.call : step.call;
      const base = {
        index: step.index,
        ...(call?.seq !== undefined ? { seq: call.seq } : {}),
        tool: call?.tool ?? `create_${step.action === "create" ? step.environment.kind : ""}`,
      };
      if (step.action === "skip" || step.action === "refuse") {
        calls.push({
          ...base,
          outcome: step.action === "skip" ? "skipped" : "not replayable",
          reason: step.reason,
        });
        continue;
      }
      if (step.action === "create") {
        try {
          const env = await create(step.environment);
          progress(`created ${env.kind} ${env.ref} for ${step.environment.originalRef ?? "?"}`);
          calls.push({
            ...base,
            outcome: "created",
            reason: `fresh ${env.kind} ${env.ref}` +
              (step.index < 0
                ? " (the session's environment; its creation is not in the log)"
                : ""),
          });
        } catch (e) {
          calls.push({
            ...base,
            outcome: "failed",
            reason: `Cannot create it: ${(e as Error).message}`,
          });
        }
        continue;
      }
      const restored = await restoreArguments(
        step.call.tool,
        step.call.arguments,
        step.restore,
        source,
      );
      if (!restored.ok) {
        calls.push({ ...base, outcome: "not replayable", reason: restored.reason });
        continue;
      }
      try {
        await client.callTool(step.call.tool, ids.apply(restored.arguments));
        calls.push({
          ...base,
          outcome: "replayed",
          ...(step.restore.length
            ? { reason: `recovered ${step.restore.join(", ")} from the original environment` }
            : {}),
        });
        progress(`replayed ${step.call.tool}`);
      } catch (e) {
        calls.push({ ...base, outcome: "failed", reason: (e as Error).message });
      }
    }

    const target = plan.target;
    const replayRef = target ? ids.get(target.ref) : undefined;
    if (!target) {
      report.error = "Cannot compare: the log neither creates an environment nor names one";
    } else if (!replayRef) {
      report.error = `Cannot compare: the original environment ${target.ref} was not re-created`;
    } else {
      let original;
      try {
        original = await snapshotEnvironment(client, target.ref);
      } catch (e) {
        report.error = `Cannot read the original environment ${target.ref}: ${
          (e as Error).message
        }`;
      }
      if (original) {
        const replayed = ids.reverse(await snapshotEnvironment(client, replayRef));
        report = { ...report, differences: compareEnvironments(original, replayed) };
      }
    }
  } finally {
    if (!opts.keep) {
      for (const env of [...environments].reverse()) {
        try {
          if (env.kind === "branch" && env.branchId) {
            await client.callTool("delete_branch", { branch_id: env.branchId });
            env.deleted = true;
          } else if (env.kind === "project" && opts.deleteProject) {
            await opts.deleteProject(env.ref);
            env.deleted = true;
          }
        } catch (e) {
          progress(`could not delete ${env.kind} ${env.ref}: ${(e as Error).message}`);
        }
      }
    }
  }
  const complete = calls.every((c) => c.outcome !== "not replayable" && c.outcome !== "failed");
  return {
    ...report,
    matches: complete && report.error === undefined && report.differences.length === 0,
  };
}
