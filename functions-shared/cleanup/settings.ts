/**
 * @module The cleanup function's configuration, read once from its environment: how long the
 * environment of a failed or canceled build is kept (`VIBE_ENVIRONMENT_TTL_HOURS`), how many
 * sessions one pass handles, how often a failing cleanup is retried, and MCP (as the worker
 * reaches it: the stack's `/mcp` locally, the Management API on hosted).
 */
import { z } from "zod";
import { mcpTargetFrom } from "../mcp/target.ts";
import { knownSecrets } from "../redact.ts";
import type { CleanupSettings } from "./environment_cleanup.ts";
import type { McpTarget } from "../mcp/target.ts";

/** The cleanup's settings and where MCP is. */
export interface CleanupConfig extends CleanupSettings {
  readonly mcp: McpTarget;
}

const envSchema = z.object({
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(1).optional(),
  VIBE_MCP_URL: z.url().optional(),
  VIBE_ACCESS_TOKEN: z.string().min(1).optional(),
  VIBE_API_URL: z.url().optional(),
  VIBE_PARENT_PROJECT_REF: z.string().regex(/^[a-z0-9_-]+$/).default("main"),
  /** Hours a failed or canceled build's environment is kept (for debugging) before deletion. */
  VIBE_ENVIRONMENT_TTL_HOURS: z.coerce.number().min(0).max(24 * 365).default(24),
  VIBE_CLEANUP_BATCH: z.coerce.number().int().min(1).max(500).default(20),
  VIBE_CLEANUP_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
});

/** Reads the configuration; throws with the variable to fix. */
export function readCleanupConfig(env: Record<string, string | undefined>): CleanupConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`);
    throw new Error(`Cannot start cleanup: fix ${problems.join("; ")}`);
  }
  const e = parsed.data;
  return {
    mcp: mcpTargetFrom(e, "cleanup"),
    ttlSeconds: Math.round(e.VIBE_ENVIRONMENT_TTL_HOURS * 3600),
    batchSize: e.VIBE_CLEANUP_BATCH,
    maxAttempts: e.VIBE_CLEANUP_MAX_ATTEMPTS,
    parentProjectRef: e.VIBE_PARENT_PROJECT_REF,
    secrets: knownSecrets(env),
  };
}
