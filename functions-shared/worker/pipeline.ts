/**
 * @module Builds the providers of one build step from the worker's configuration: the planner,
 * the embedder, the Provisioner over the Supabase MCP server (the stack's `/mcp` locally, the
 * server in-process with the Management API platform on hosted), and the functions deployed
 * into environments. The MCP connection opens only when a step provisions, and closes with it.
 */
import { z } from "zod";
import {
  analyticsSecrets,
  type AnalyticsSource,
  readAnalyticsSource,
} from "../analytics/source.ts";
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
import { knownSecrets } from "../redact.ts";
import { readReportTokenSecret } from "../env_functions/report_token.ts";

/** Where provisioning goes: the stack's MCP endpoint, or the hosted Management API. */
export interface PipelineConfig {
  mcp: McpTarget;
  settings: PipelineSettings;
  openai: OpenAISettings;
  /** The analytics bucket (VIBE_ANALYTICS_*), or null. */
  analytics: AnalyticsSource | null;
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
    },
    openai: openAISettingsFrom(env),
    analytics,
    secrets: [...knownSecrets(env), ...analyticsSecrets(analytics)],
  };
}

/** A Provisioner that connects on first use; `close` ends the connection if one was made. */
function lazyProvisioner(connect: () => Promise<McpToolClient>) {
  let client: Promise<McpToolClient> | undefined;
  let provisioner: Promise<Provisioner> | undefined;
  const get = () => provisioner ??= (client = connect()).then((c) => createMcpProvisioner(c));
  const lazy: Provisioner = {
    ensureEnvironment: async (opts) => (await get()).ensureEnvironment(opts),
    applyMigration: async (ref, name, sql) => (await get()).applyMigration(ref, name, sql),
    deployFunction: async (ref, opts) => (await get()).deployFunction(ref, opts),
    executeSql: async <T>(ref: string, query: string) => (await get()).executeSql<T>(ref, query),
    generateTypes: async (ref) => (await get()).generateTypes(ref),
  };
  return {
    provisioner: lazy,
    close: async () => {
      if (client) await (await client).close();
    },
  };
}

/** One step's providers, disposed when the step ends. */
export type StepPipeline = PipelineDeps & { dispose(): Promise<void> };

export function createPipelineFactory(
  config: PipelineConfig,
  environmentFunctions: EnvironmentFunctions,
): () => Promise<StepPipeline> {
  const planner = selectPlanner({ openai: config.openai });
  const embedder = selectEmbedder({ openai: config.openai });
  return () => {
    const { provisioner, close } = lazyProvisioner(() =>
      connectMcp(mcpConnectOptions(config.mcp, { secrets: config.secrets }))
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
