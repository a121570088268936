/**
 * @module What a graph node may use during one step: the control-plane pool (no transaction is
 * open while a node works: its own control-plane writes are idempotent upserts), the pipeline's
 * providers, the step's deadline, and collectors for the events, presence and tool calls the
 * worker commits together with the step. Presence also streams live while the node works.
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
  /**
   * How long one step waits for a new environment to become ready before recording it pending
   * and checking back on a later invocation (bounded further by the step's deadline).
   */
  provisionWaitMs: number;
  /** How long an environment may stay pending before the build fails. */
  provisionTimeoutMs: number;
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
  /** The latest presence of the step. */
  presence: Presence | null = null;
  /** Called with every presence update as it happens (the worker streams it live). */
  onPresence: ((presence: Presence) => void) | null = null;
}

/** Per-step values a node finds in `config.configurable`. */
export interface StepConfigurable {
  /** The control plane (a pool: each statement commits on its own). */
  db: Queryable;
  deps: PipelineDeps;
  recorder: StepRecorder;
  /** When the node must have returned (epoch milliseconds). */
  deadline: number;
}

/** What a node works with. */
export interface StepContext {
  sessionId: string;
  node: string;
  db: Queryable;
  deps: PipelineDeps;
  /** When the node must have returned (epoch milliseconds): bounded waits end before it. */
  deadline: number;
  /** Emits an event; `key` (default: the type) must be unique within the node. */
  emit(
    type: EventType,
    message: string,
    opts?: { payload?: Record<string, unknown>; key?: string; toolCalls?: ToolCallRecord[] },
  ): void;
  /** Moves the architect's presence (streamed live, throttled; progress 0..1 never goes back). */
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
  if (!c?.db || !c.deps || !c.recorder || typeof c.deadline !== "number") {
    throw new Error(`Cannot run node ${node}: the worker did not pass its step context`);
  }
  const { recorder } = c;
  return {
    sessionId,
    node,
    db: c.db,
    deps: c.deps,
    deadline: c.deadline,
    emit(type, message, opts = {}) {
      const payload = { ...(opts.payload ?? {}) };
      if (opts.toolCalls?.length) payload.tool_calls = opts.toolCalls;
      recorder.events.push({ node, key: opts.key ?? type, type, message, payload });
    },
    present(focus, progress) {
      const presence: Presence = {
        actor: "architect",
        step: node,
        focus,
        progress: Math.round(Math.max(0, Math.min(1, progress)) * 1000) / 1000,
        ts: new Date().toISOString(),
      };
      recorder.presence = presence;
      recorder.onPresence?.(presence);
    },
    recordCalls(records) {
      recorder.toolCalls.push(...records);
      return records;
    },
  };
}
