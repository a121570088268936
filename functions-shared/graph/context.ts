/**
 * @module What a graph node may use during one step: the control-plane transaction, the
 * pipeline's providers, and collectors for the events, presence and tool calls the worker
 * commits together with the step.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { AnalyticsSource } from "../analytics/source.ts";
import type { Queryable } from "../db/query.ts";
import type { Embedder } from "../embed/embedder.ts";
import type { EventType, PendingEvent } from "../events/build_event.ts";
import type { Provisioner } from "../mcp/provisioner.ts";
import type { ToolCallRecord } from "../mcp/types.ts";
import type { Planner } from "../plan/planner.ts";
import type { EnvironmentFunctions } from "../env_functions/source.ts";

/** Settings the nodes read (from the worker's configuration). */
export interface PipelineSettings {
  /** The project branches are made from (branch mode). */
  parentProjectRef: string;
  /** Organization for new projects (project mode); the first one when unset. */
  organizationId?: string;
  /** The control plane's API URL, for functions deployed into environments to report back. */
  controlPlaneUrl: string;
  /** Server-side secret the environments' reporting tokens are derived from. */
  reportTokenKey: string;
}

/** The providers a build uses; the worker builds them once from its configuration. */
export interface PipelineDeps {
  planner: Planner;
  embedder: Embedder;
  provisioner: Provisioner;
  environmentFunctions: EnvironmentFunctions;
  settings: PipelineSettings;
  /** The analytics bucket with the demo dataset; null when none is configured. */
  analytics: AnalyticsSource | null;
}

/** The architect's presence focus. */
export interface Focus {
  type: "table" | "policy" | "function" | "analytics";
  name: string;
}

/** Presence as broadcast on build:{sessionId} (event `architect_presence`). */
export interface Presence {
  actor: "architect";
  step: string;
  focus: Focus;
  progress: number;
  ts: string;
}

/** Collected during a step; committed by the worker in one transaction. */
export class StepRecorder {
  readonly events: PendingEvent[] = [];
  readonly toolCalls: ToolCallRecord[] = [];
  presence: Presence | null = null;
}

/** Per-step values a node finds in `config.configurable`. */
export interface StepConfigurable {
  db: Queryable;
  deps: PipelineDeps;
  recorder: StepRecorder;
}

/** What a node works with. */
export interface StepContext {
  sessionId: string;
  node: string;
  db: Queryable;
  deps: PipelineDeps;
  /** Emits an event; `key` (default: the type) must be unique within the node. */
  emit(
    type: EventType,
    message: string,
    opts?: { payload?: Record<string, unknown>; key?: string; toolCalls?: ToolCallRecord[] },
  ): void;
  /** Updates the architect's presence. */
  present(focus: Focus, progress: number): void;
  /** Keeps tool-call records for the step's events. */
  recordCalls(records: ToolCallRecord[]): ToolCallRecord[];
}

export function stepContext(
  config: LangGraphRunnableConfig,
  node: string,
  sessionId: string,
): StepContext {
  const c = config.configurable as StepConfigurable | undefined;
  if (!c?.db || !c.deps || !c.recorder) {
    throw new Error(`Cannot run node ${node}: the worker did not pass its step context`);
  }
  const { recorder } = c;
  return {
    sessionId,
    node,
    db: c.db,
    deps: c.deps,
    emit(type, message, opts = {}) {
      const payload = { ...(opts.payload ?? {}) };
      if (opts.toolCalls?.length) payload.tool_calls = opts.toolCalls;
      recorder.events.push({ node, key: opts.key ?? type, type, message, payload });
    },
    present(focus, progress) {
      recorder.presence = {
        actor: "architect",
        step: node,
        focus,
        progress: Math.max(0, Math.min(1, progress)),
        ts: new Date().toISOString(),
      };
    },
    recordCalls(records) {
      recorder.toolCalls.push(...records);
      return records;
    },
  };
}
