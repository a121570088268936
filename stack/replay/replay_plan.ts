/**
 * @module What replay does with each recorded call, decided before anything runs: read-only
 * calls and calls that failed originally are skipped; creations (`create_branch`,
 * `create_project`) make a fresh environment whose ids replace the original's; calls on an
 * environment the session created are re-run on its fresh counterpart; anything else is not
 * replayable, with the reason. Function files recorded as hashes (`{ name, sha256, size }`) and
 * redacted arguments are restored from the original environment. Pure: unit-tested on logs.
 */
import { REDACTED } from "../../functions-shared/redact.ts";
import type { LoggedCall, LoggedEnvironment, ToolCallLog } from "./tool_call_log.ts";

/** Tools that change nothing (replayed calls never need them; replay asks its own). */
export const READ_ONLY_TOOLS: ReadonlySet<string> = new Set([
  "list_organizations",
  "get_organization",
  "list_projects",
  "get_project",
  "get_cost",
  "confirm_cost",
  "list_tables",
  "list_extensions",
  "list_migrations",
  "list_edge_functions",
  "get_edge_function",
  "get_project_url",
  "get_publishable_keys",
  "generate_typescript_types",
  "list_branches",
  "get_logs",
  "query_logs",
  "get_advisors",
  "search_docs",
  "list_storage_buckets",
  "get_storage_config",
]);

/** Tools whose redacted arguments replay can recover from the original environment. */
export const RESTORABLE_TOOLS: ReadonlySet<string> = new Set([
  "apply_migration",
  "deploy_edge_function",
]);

const BRANCH_TOOLS = new Set(["delete_branch", "merge_branch", "reset_branch", "rebase_branch"]);

/** An environment replay creates, standing in for an original one. */
export interface PlannedEnvironment {
  kind: "branch" | "project";
  /** The original's ref (undefined when the record does not say). */
  originalRef?: string;
  /** The original branch's id. */
  originalBranchId?: string;
  /** The project a branch is made from (an original ref, mapped if replay created it too). */
  parentRef?: string;
  /** For a project: where the original was created. */
  organizationId?: string;
  region?: string;
}

/** One step of a replay. */
export type PlannedStep =
  | { action: "create"; index: number; environment: PlannedEnvironment; call?: LoggedCall }
  | { action: "call"; index: number; call: LoggedCall; restore: string[] }
  | { action: "skip"; index: number; call: LoggedCall; reason: string }
  | { action: "refuse"; index: number; call: LoggedCall; reason: string };

export interface ReplayPlan {
  steps: PlannedStep[];
  /** The original environment the result is compared with. */
  target?: { ref: string; kind: "branch" | "project" };
}

/** Paths of the string values holding `[redacted]`, e.g. `files.0.content`. */
export function redactedPaths(value: unknown, path = ""): string[] {
  if (typeof value === "string") return value.includes(REDACTED) ? [path || "(value)"] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => redactedPaths(v, join(path, `${i}`)));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => redactedPaths(v, join(path, k)));
  }
  return [];
}

/**
 * Paths of function files recorded by hash and size instead of content (`deploy_edge_function`
 * records since the bundles stopped being logged whole), e.g. `files.0.content`.
 */
export function digestedFilePaths(args: Record<string, unknown>): string[] {
  if (!Array.isArray(args.files)) return [];
  return (args.files as unknown[]).flatMap((f, i) => {
    const file = f as { content?: unknown; sha256?: unknown } | null;
    return file && typeof file.sha256 === "string" && typeof file.content !== "string"
      ? [`files.${i}.content`]
      : [];
  });
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** The ref a creation produced: from `result_ids`, else its summary `… (<ref>) <STATUS>`. */
export function createdRef(call: LoggedCall): string | undefined {
  const id = call.result_ids?.project_ref ?? call.result_ids?.ref;
  if (typeof id === "string") return id;
  return /\(([a-z][a-z0-9_]*)\) [A-Z_]+$/.exec(call.result_summary)?.[1];
}

function stringArg(call: LoggedCall, name: string): string | undefined {
  const v = call.arguments[name];
  return typeof v === "string" ? v : undefined;
}

/** Decides every step. `environment` is the session's (for a log that never created it). */
export function planReplay(log: Pick<ToolCallLog, "tool_calls" | "environment">): ReplayPlan {
  const owned = new Set<string>(); // original refs and branch ids replay will have made
  const steps: PlannedStep[] = [];
  const env: LoggedEnvironment | undefined = log.environment;
  let target: ReplayPlan["target"] = env ? { ref: env.ref, kind: env.kind } : undefined;

  const createdInLog = log.tool_calls.some((c) =>
    c.ok && (c.tool === "create_branch" || c.tool === "create_project") &&
    createdRef(c) === env?.ref
  );
  if (env && !createdInLog) {
    // The creation is not in the log (a crashed attempt's calls are lost): make it first.
    steps.push({
      action: "create",
      index: -1,
      environment: {
        kind: env.kind,
        originalRef: env.ref,
        ...(env.branchId ? { originalBranchId: env.branchId } : {}),
        ...(env.parentRef ? { parentRef: env.parentRef } : {}),
      },
    });
    owned.add(env.ref);
    if (env.branchId) owned.add(env.branchId);
  }

  log.tool_calls.forEach((call, index) => {
    const skip = (reason: string) => steps.push({ action: "skip", index, call, reason });
    const refuse = (reason: string) => steps.push({ action: "refuse", index, call, reason });
    if (!call.ok) return skip("it failed originally, so it changed nothing");
    if (READ_ONLY_TOOLS.has(call.tool)) return skip("read-only");

    if (call.tool === "create_branch" || call.tool === "create_project") {
      const originalRef = createdRef(call);
      const originalBranchId = typeof call.result_ids?.id === "string"
        ? call.result_ids.id
        : originalRef && originalRef === env?.ref
        ? env.branchId
        : undefined;
      if (originalRef) owned.add(originalRef);
      if (originalBranchId) owned.add(originalBranchId);
      if (!env && originalRef) {
        // Without the session's environment, the last one created is the result.
        target = { ref: originalRef, kind: call.tool === "create_branch" ? "branch" : "project" };
      }
      const organizationId = stringArg(call, "organization_id");
      const region = stringArg(call, "region");
      const parentRef = stringArg(call, "project_id");
      steps.push({
        action: "create",
        index,
        call,
        environment: call.tool === "create_branch"
          ? {
            kind: "branch",
            ...(originalRef ? { originalRef } : {}),
            ...(originalBranchId ? { originalBranchId } : {}),
            ...(parentRef ? { parentRef } : {}),
          }
          : {
            kind: "project",
            ...(originalRef ? { originalRef } : {}),
            ...(organizationId ? { organizationId } : {}),
            ...(region ? { region } : {}),
          },
      });
      return;
    }

    if (BRANCH_TOOLS.has(call.tool)) {
      const branchId = stringArg(call, "branch_id");
      if (!branchId || !owned.has(branchId)) {
        return refuse(
          `${call.tool} acts on branch ${branchId ?? "(none)"}, which the session did not ` +
            "create: replay only changes environments it creates",
        );
      }
      if (call.tool === "merge_branch") {
        return refuse(
          "merge_branch applies the branch to its parent project, which replay does not own",
        );
      }
      return steps.push({ action: "call", index, call, restore: [] });
    }

    const ref = stringArg(call, "project_id");
    if (!ref) return refuse(`${call.tool} is not a tool replay knows how to re-run`);
    if (!owned.has(ref)) {
      return refuse(
        `${call.tool} acts on project ${ref}, which the session did not create: replay only ` +
          "changes environments it creates",
      );
    }
    const redacted = [
      ...redactedPaths(call.arguments),
      ...(call.tool === "deploy_edge_function" ? digestedFilePaths(call.arguments) : []),
    ];
    if (redacted.length && !RESTORABLE_TOOLS.has(call.tool)) {
      return refuse(
        `its argument ${redacted.join(", ")} was redacted when it was recorded and ${call.tool} ` +
          "cannot be recovered from the original environment",
      );
    }
    steps.push({ action: "call", index, call, restore: redacted });
  });
  return { steps, ...(target ? { target } : {}) };
}
