/**
 * @module The drift_check function's configuration, read once from its environment: where MCP
 * is (the stack's `/mcp` locally via `VIBE_MCP_URL`, the Management API on hosted via
 * `VIBE_ACCESS_TOKEN`, exactly as the worker provisions), the OpenAI settings for linking
 * alerts embedded by an OpenAI model, and the secrets to keep out of alerts and logs.
 */
import { z } from "zod";
import { connectMcp } from "../../mcp/connect.ts";
import { createMcpProvisioner } from "../../mcp/mcp_provisioner.ts";
import { mcpConnectOptions, type McpTarget, mcpTargetFrom } from "../../mcp/target.ts";
import { type OpenAISettings, openAISettingsFrom } from "../../openai/settings.ts";
import { knownSecrets } from "../../redact.ts";
import type { SentinelConnection } from "./sentinel.ts";

/** The sentinel's settings. */
export interface SentinelConfig {
  /** How to reach MCP; the connection opens once per pass. */
  readonly mcp: McpTarget;
  readonly openai: OpenAISettings;
  /** Environments checked at once. */
  readonly concurrency: number;
  /** Environments one scheduled pass checks at most. */
  readonly batchSize: number;
  /** Per MCP call, in milliseconds. */
  readonly callTimeoutMs: number;
  /** Values to redact wherever they might appear. */
  readonly secrets: readonly string[];
}

const envSchema = z.object({
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(1).optional(),
  VIBE_MCP_URL: z.url().optional(),
  VIBE_ACCESS_TOKEN: z.string().min(1).optional(),
  VIBE_API_URL: z.url().optional(),
  /** Environments checked at the same time by one pass. */
  VIBE_DRIFT_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
  /** Environments one scheduled pass checks at most (the least recently checked first). */
  VIBE_DRIFT_BATCH: z.coerce.number().int().min(1).max(1000).default(50),
  /** Timeout of one MCP call (introspecting one environment). */
  VIBE_DRIFT_CALL_TIMEOUT_MS: z.coerce.number().int().min(1000).max(140_000).default(30_000),
});

/** Reads the sentinel's settings; throws with the variable to set when one is missing. */
export function readSentinelConfig(env: Record<string, string | undefined>): SentinelConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`);
    throw new Error(`Cannot start drift_check: fix ${problems.join("; ")}`);
  }
  const e = parsed.data;
  const mcp = mcpTargetFrom(e, "drift_check");
  return {
    mcp,
    openai: openAISettingsFrom(env),
    concurrency: e.VIBE_DRIFT_CONCURRENCY,
    batchSize: e.VIBE_DRIFT_BATCH,
    callTimeoutMs: e.VIBE_DRIFT_CALL_TIMEOUT_MS,
    secrets: knownSecrets(env),
  };
}

/** Opens a writable MCP connection (redeploying an environment's drift_check). */
export function writableConnector(config: SentinelConfig): () => Promise<SentinelConnection> {
  return async () => {
    const client = await connectMcp(
      mcpConnectOptions(config.mcp, { secrets: config.secrets, timeoutMs: config.callTimeoutMs }),
    );
    return { provisioner: createMcpProvisioner(client), close: () => client.close() };
  };
}

/** Opens the MCP connection of one sentinel pass. */
export function sentinelConnector(config: SentinelConfig): () => Promise<SentinelConnection> {
  return async () => {
    const client = await connectMcp(
      // Read-only: the sentinel only reads environments, so its server refuses writes.
      mcpConnectOptions(config.mcp, {
        secrets: config.secrets,
        readOnly: true,
        timeoutMs: config.callTimeoutMs,
      }),
    );
    return { provisioner: createMcpProvisioner(client), close: () => client.close() };
  };
}
