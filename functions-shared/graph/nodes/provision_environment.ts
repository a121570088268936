/**
 * @module provision_environment: a branch of the parent project or a new project, through the
 * MCP server, without ever waiting minutes inside one invocation. The environment is named
 * after the full session id and, when found again, verified against the one this build created
 * (its pending record, else its creation in the tool-call log), so a re-run adopts nothing
 * else. A new environment is requested and looked at for a bounded time; if it is not ready it
 * is recorded pending and the graph checks back on it in a later invocation, emitting nothing
 * until `environment_created` (presence shows the wait).
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { firstRow, type Queryable } from "../../db/query.ts";
import { selectCreatedEnvironment } from "../../mcp/tool_call_audit.ts";
import type { ToolCallRecord } from "../../mcp/types.ts";
import { stepContext } from "../context.ts";
import { PermanentStepError } from "../failure.ts";
import type { BuildStateType, BuildUpdate } from "../state.ts";

/**
 * Status polls (listing, or getting the pending project) are not carried from check to check
 * (the tool-call log keeps every one); failed calls and everything else are.
 */
function isStatusPoll(r: ToolCallRecord, pendingRef: string): boolean {
  if (!r.ok) return false;
  if (r.tool === "list_branches" || r.tool === "list_projects") return true;
  return r.tool === "get_project" && r.arguments.id === pendingRef;
}
/** A bounded wait ends this long before the step's deadline. */
const DEADLINE_MARGIN_MS = 2_000;

/** The environment's name: the full session id, stable across re-runs. */
export function environmentName(sessionId: string): string {
  return `vibe-${sessionId.replace(/-/g, "").toLowerCase()}`;
}

/** The environment this session's worker created last, from the tool-call log. */
async function loggedCreation(
  db: Queryable,
  sessionId: string,
): Promise<{ ref: string; branchId?: string } | undefined> {
  const row = await firstRow<{ ids: Record<string, unknown> | null }>(
    db,
    selectCreatedEnvironment(sessionId),
  );
  const ids = row?.ids;
  const ref = ids?.project_ref ?? ids?.ref;
  if (typeof ref !== "string") return undefined;
  return typeof ids?.id === "string" ? { ref, branchId: ids.id } : { ref };
}

/** 0.25 while requesting, creeping towards 0.33 while the environment stays pending. */
function waitingProgress(checks: number): number {
  return 0.25 + Math.min(0.08, checks * 0.005);
}

export async function provisionEnvironment(
  state: BuildStateType,
  config: LangGraphRunnableConfig,
): Promise<BuildUpdate> {
  const ctx = stepContext(config, "provision_environment", state.sessionId);
  const mode = state.options.environmentMode;
  const name = environmentName(state.sessionId);
  const { settings } = ctx.deps;
  const pending = state.provisioning;
  const checks = pending?.checks ?? 0;
  ctx.present({ type: "table", name }, waitingProgress(checks));
  if (pending && Date.now() - Date.parse(pending.requestedAt) > settings.provisionTimeoutMs) {
    throw new PermanentStepError(
      `Cannot provision ${pending.kind} ${name}: still ${pending.status} after ` +
        `${Math.round(settings.provisionTimeoutMs / 1000)} s; delete ${pending.ref} and start ` +
        "a new build (or raise VIBE_PROVISION_TIMEOUT_SECONDS)",
    );
  }
  const expected = pending
    ? { ref: pending.ref, ...(pending.branchId ? { branchId: pending.branchId } : {}) }
    : await loggedCreation(ctx.db, state.sessionId);
  const waitMs = Math.max(
    0,
    Math.min(settings.provisionWaitMs, ctx.deadline - Date.now() - DEADLINE_MARGIN_MS),
  );
  const { value, records } = await ctx.deps.provisioner.requestEnvironment({
    mode,
    name,
    ...(mode === "branch" ? { parentRef: settings.parentProjectRef } : {}),
    ...(settings.organizationId ? { organizationId: settings.organizationId } : {}),
    ...(expected ? { expected } : {}),
    waitMs,
  });
  const carried = pending?.toolCalls ?? [];
  if (value.state === "pending") {
    ctx.present({ type: "table", name: value.pending.ref }, waitingProgress(checks + 1));
    return {
      provisioning: {
        ...value.pending,
        requestedAt: pending?.requestedAt ?? new Date().toISOString(),
        checks: checks + 1,
        toolCalls: [...carried, ...records.filter((r) => !isStatusPoll(r, value.pending.ref))],
      },
    };
  }
  const environment = value.environment;
  ctx.emit(
    "environment_created",
    mode === "branch"
      ? `Created branch ${name} of project ${environment.parentRef ?? settings.parentProjectRef}`
      : `Created project ${name}`,
    {
      payload: {
        kind: environment.kind,
        ref: environment.ref,
        name: environment.name,
        url: environment.url,
        ...(environment.parentRef ? { parentRef: environment.parentRef } : {}),
      },
      toolCalls: [...carried, ...ctx.recordCalls(records)],
    },
  );
  ctx.present({ type: "table", name: environment.ref }, 0.35);
  return { environment, provisioning: null };
}
