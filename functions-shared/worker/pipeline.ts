/**
 * @module Builds the providers of one build step from the worker's configuration: the planner
 * and the embedder (each call time-limited), the Provisioner over the Supabase MCP server (the
 * stack's `/mcp` locally, the server in-process with the Management API platform on hosted),
 * whose every call is written to the tool-call audit log as it finishes, and the functions
 * deployed into environments. The MCP connection opens only when a step provisions, and closes
 * with it.
 */
import { z } from "zod";
import {
  analyticsSecrets,
  type AnalyticsSource,
  readAnalyticsSource,
} from "../analytics/source.ts";
import type { Queryable } from "../db/query.ts";
import { selectEmbedder } from "../embed/select_embedder.ts";
import type { EnvironmentFunctions } from "../env_functions/source.ts";
import type { PipelineDeps, PipelineSettings } from "../graph/context.ts";
import { connectMcp } from "../mcp/connect.ts";
import { createMcpProvisioner } from "../mcp/mcp_provisioner.ts";
import type { Provisioner } from "../mcp/provisioner.ts";
import { mcpConnectOptions, type McpTarget, mcpTargetFrom } from "../mcp/target.ts";
import type { McpToolClient } from "../mcp/types.ts";
import { type OpenAISettings, openAISettingsFrom } from "../openai/settings.ts";
import { selectPlanner } from "../plan/planner.ts";
import { toolCallAudit } from "../mcp/tool_call_audit.ts";
import { knownSecrets } from "../redact.ts";
import { readReportTokenSecret } from "../env_functions/report_token.ts";
import { timeLimitedEmbedder, timeLimitedPlanner } from "./time_limits.ts";

/** Where provisioning goes: the stack's MCP endpoint, or the hosted Management API. */
export interface PipelineConfig {
  mcp: McpTarget;
  settings: PipelineSettings;
  openai: OpenAISettings;
  /** The analytics bucket (VIBE_ANALYTICS_*), or null. */
  analytics: AnalyticsSource | null;
  /** Longest an LLM call (planning, embeddings) may take, in milliseconds. */
  llmTimeoutMs: number;
  /** Values to redact from tool-call records in addition to the built-in patterns. */
  secrets: string[];
}

const envSchema = z.object({
  SUPABASE_URL: z.url(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(1, "is required (hosted Supabase sets it)"),
  VIBE_MCP_URL: z.url().optional(),
  VIBE_ACCESS_TOKEN: z.string().min(1).optional(),
  VIBE_API_URL: z.url().optional(),
  VIBE_PARENT_PROJECT_REF: z.string().regex(/^[a-z0-9_-]+$/).optional(),
  VIBE_ORGANIZATION_ID: z.string().min(1).optional(),
  /** Longest an LLM call may take; well under the 150 s wall-clock limit of an invocation. */
  VIBE_LLM_TIMEOUT_SECONDS: z.coerce.number().min(1).max(140).default(100),
  /** How long one invocation waits for a new environment before checking back later. */
  VIBE_PROVISION_WAIT_SECONDS: z.coerce.number().min(0).max(120).default(10),
  /** How long an environment may stay pending before the build fails. */
  VIBE_PROVISION_TIMEOUT_SECONDS: z.coerce.number().min(1).max(86_400).default(600),
});

export function readPipelineConfig(env: Record<string, string | undefined>): PipelineConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`);
    throw new Error(`Cannot start the worker: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  const mcp = mcpTargetFrom(e, "the worker");
  const reportTokenKey = readReportTokenSecret(env, "the worker");
  const analytics = readAnalyticsSource(env);
  return {
    mcp,
    settings: {
      parentProjectRef: e.VIBE_PARENT_PROJECT_REF ?? "main",
      ...(e.VIBE_ORGANIZATION_ID ? { organizationId: e.VIBE_ORGANIZATION_ID } : {}),
      controlPlaneUrl: e.SUPABASE_URL.replace(/\/$/, ""),
      reportTokenKey,
      provisionWaitMs: Math.round(e.VIBE_PROVISION_WAIT_SECONDS * 1000),
      provisionTimeoutMs: Math.round(e.VIBE_PROVISION_TIMEOUT_SECONDS * 1000),
    },
    openai: openAISettingsFrom(env),
    analytics,
    llmTimeoutMs: Math.round(e.VIBE_LLM_TIMEOUT_SECONDS * 1000),
    secrets: [...knownSecrets(env), ...analyticsSecrets(analytics)],
  };
}

/**
 * A Provisioner that connects on first use; `close` ends the connection if one was made, and
 * any call after it fails (a node abandoned at its deadline cannot reconnect).
 */
function lazyProvisioner(connect: () => Promise<McpToolClient>) {
  let client: Promise<McpToolClient> | undefined;
  let provisioner: Promise<Provisioner> | undefined;
  let closed = false;
  const get = () => {
    if (closed) throw new Error("Cannot provision: this step has ended");
    return provisioner ??= (client = connect()).then((c) => createMcpProvisioner(c));
  };
  const lazy: Provisioner = {
    ensureEnvironment: async (opts) => (await get()).ensureEnvironment(opts),
    requestEnvironment: async (opts) => (await get()).requestEnvironment(opts),
    applyMigration: async (ref, name, sql) => (await get()).applyMigration(ref, name, sql),
    deployFunction: async (ref, opts) => (await get()).deployFunction(ref, opts),
    executeSql: async <T>(ref: string, query: string) => (await get()).executeSql<T>(ref, query),
    generateTypes: async (ref) => (await get()).generateTypes(ref),
  };
  return {
    provisioner: lazy,
    close: async () => {
      closed = true;
      if (client) await (await client).close();
    },
  };
}

/** One step's providers, disposed when the step ends. */
export type StepPipeline = PipelineDeps & { dispose(): Promise<void> };

/** Which step a pipeline serves: its tool calls are logged under it. */
export interface StepIdentity {
  sessionId: string;
  node: string;
  attempt: number;
  /** The worker invocation (its lease holder id). */
  invocation: string;
}

/**
 * The worker's pipeline factory. `audit` is where each MCP call's record is written as the
 * call finishes (a pool: autocommit, outside the step's commit).
 */
export function createPipelineFactory(
  config: PipelineConfig,
  environmentFunctions: EnvironmentFunctions,
  audit: Queryable,
): (step: StepIdentity) => Promise<StepPipeline> {
  const planner = timeLimitedPlanner(selectPlanner({ openai: config.openai }), config.llmTimeoutMs);
  const embedder = timeLimitedEmbedder(
    selectEmbedder({ openai: config.openai }),
    config.llmTimeoutMs,
  );
  return (step) => {
    const onRecord = toolCallAudit(audit, { source: "worker", ...step });
    const { provisioner, close } = lazyProvisioner(() =>
      connectMcp(mcpConnectOptions(config.mcp, { secrets: config.secrets, onRecord }))
    );
    return Promise.resolve({
      planner,
      embedder,
      provisioner,
      environmentFunctions,
      settings: config.settings,
      analytics: config.analytics,
      dispose: close,
    });
  };
}
