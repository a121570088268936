/**
 * @module The official Supabase MCP server in this process, reached over an in-memory
 * transport by the `@modelcontextprotocol/client` v2 client (the one the remote client uses:
 * a single MCP SDK in the deployed bundle). The platform is passed in: the hosted
 * Management API platform (`@supabase/mcp-server-supabase/platform/api`) on Supabase, the
 * local platform in tests and local tooling.
 */
import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { createSupabaseMcpServer, type FeatureGroup } from "@supabase/mcp-server-supabase";
import type { SupabasePlatform } from "@supabase/mcp-server-supabase/platform";
import { recordedToolClient, type RecordingOptions } from "./recorded_client.ts";
import type { RawToolResult } from "./tool_result.ts";
import type { McpToolClient } from "./types.ts";

/** The feature groups provisioning uses, in the server's names. */
export const PROVISIONING_FEATURES: readonly FeatureGroup[] = [
  "account",
  "database",
  "functions",
  "development",
  "branching",
  "debugging",
];

/** Options for {@link connectInProcess}. */
export interface InProcessOptions extends RecordingOptions {
  platform: SupabasePlatform;
  /** Scope the server to one project (account tools, create_project among them, disappear). */
  projectId?: string;
  /** Create the server read-only: execute_sql runs read-only, write tools are refused. */
  readOnly?: boolean;
  /**
   * Feature groups to enable. Default: {@link PROVISIONING_FEATURES} the platform implements.
   * Always explicit: the server's default includes `docs`, which reaches the network.
   */
  features?: readonly FeatureGroup[];
  /** Per-call timeout in milliseconds (default 120 000). */
  timeoutMs?: number;
}

/** Features the platform implements, out of the requested ones. */
export function platformFeatures(
  platform: SupabasePlatform,
  wanted: readonly FeatureGroup[] = PROVISIONING_FEATURES,
): FeatureGroup[] {
  return wanted.filter((f) => f in platform && platform[f as keyof SupabasePlatform]);
}

/** Starts the server in-process and connects a client to it. */
export async function connectInProcess(opts: InProcessOptions): Promise<McpToolClient> {
  const server = createSupabaseMcpServer({
    platform: opts.platform,
    features: platformFeatures(opts.platform, opts.features),
    ...(opts.projectId ? { projectId: opts.projectId } : {}),
    ...(opts.readOnly ? { readOnly: true } : {}),
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: "vibe-architect", version: "1.0.0" });
  await client.connect(clientTransport);
  const timeout = opts.timeoutMs ?? 120_000;
  return recordedToolClient(
    async (tool, args) =>
      await client.callTool({ name: tool, arguments: args }, { timeout }) as RawToolResult,
    async () => {
      await client.close();
      await server.close();
    },
    opts,
  );
}
