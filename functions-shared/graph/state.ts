/** @module The build graph's state: what each step knows and hands to the next. */
import { Annotation } from "../langchain/runtime.ts";
import type { Model } from "../drift/model.ts";
import type { Environment, PendingEnvironment } from "../mcp/provisioner.ts";
import type { ToolCallRecord } from "../mcp/types.ts";
import type { Plan } from "../plan/schema.ts";
import type { SessionOptions } from "../sessions/body.ts";

/** A step that failed for good: the build finalizes as failed with this reason. */
export interface StepFailure {
  node: string;
  message: string;
}

/**
 * An environment requested but not ready yet: provision_environment records it and ends; the
 * graph loops back to provision_environment, which checks on it in a later invocation.
 */
export interface ProvisioningState extends PendingEnvironment {
  /** When it was first recorded pending (ISO). */
  requestedAt: string;
  /** How many invocations found it pending. */
  checks: number;
  /** The calls so far (status polls dropped), carried by environment_created once it is ready. */
  toolCalls: ToolCallRecord[];
}

/** What the finished build hands to the frontend: its preview configuration. */
export interface BuildOutputs {
  environmentUrl: string;
  anonKey: string;
  tables: string[];
  policies: string[];
  functions: { slug: string; version: number; url: string }[];
  analytics: Record<string, unknown> | null;
  notApplied: string[];
  /** Storage buckets the frontend can upload to. */
  buckets: string[];
  /** The environment's TypeScript types (`Database`), for `createClient<Database>(…)`; null
   * when they could not be generated. */
  types: string | null;
}

const value = <T>(initial: T) =>
  Annotation<T>({ reducer: (_prev: T, next: T) => next, default: () => initial });

export const BuildState = Annotation.Root({
  /** The session this build belongs to (also the graph's thread id). */
  sessionId: Annotation<string>,
  /** The template the vibe extends: marketplace or saas. */
  template: Annotation<"marketplace" | "saas">,
  /** The user's free-text description of the product. */
  vibeText: Annotation<string>,
  /** Analytics, drift sentinel and environment mode, as posted. */
  options: Annotation<SessionOptions>,
  /** How many spec chunks ingest_vibe stored. */
  chunkCount: value<number | null>(null),
  /** The validated plan (generate_plan). */
  plan: value<Plan | null>(null),
  /** An environment requested and not ready yet (provision_environment checks back on it). */
  provisioning: value<ProvisioningState | null>(null),
  /** The provisioned environment (provision_environment); never holds a service key. */
  environment: value<Environment | null>(null),
  /** Names of the migrations applied to the environment, in order. */
  migrations: value<string[]>([]),
  /** The environment as built (after schema and RLS): what drift is measured against. */
  contract: value<Model | null>(null),
  /** Edge Functions deployed into the environment. */
  functions: value<{ slug: string; version: number }[]>([]),
  /** What configure_analytics attached, or null when analytics is off. */
  analytics: value<Record<string, unknown> | null>(null),
  /** Set when a step failed for good; every later step is skipped for finalize. */
  failure: value<StepFailure | null>(null),
  /** The preview configuration (finalize, on success). */
  outputs: value<BuildOutputs | null>(null),
  /** Set by finalize: the build is over. */
  finished: value<boolean>(false),
});

export type BuildStateType = typeof BuildState.State;
export type BuildUpdate = typeof BuildState.Update;
