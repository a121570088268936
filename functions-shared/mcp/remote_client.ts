/**
 * @module A remote Supabase MCP server over Streamable HTTP, e.g. the local stack's
 * `{API_URL}/mcp`. The package's HTTP handler speaks protocol revision 2026-07-28 only, so the
 * `@modelcontextprotocol/client` v2 client is pinned to it.
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { redact } from "../redact.ts";
import { recordedToolClient, type RecordingOptions } from "./recorded_client.ts";
import type { RawToolResult } from "./tool_result.ts";
import type { McpToolClient } from "./types.ts";

/** The protocol revision `createSupabaseMcpHandler` serves. */
export const MCP_HTTP_PROTOCOL_VERSION = "2026-07-28";

/** Options for {@link connectRemote}. */
export interface RemoteOptions extends RecordingOptions {
  /** The server's endpoint, e.g. `http://127.0.0.1:54321/mcp`. */
  url: string;
  /** Sent as `Authorization: Bearer <bearer>`; redacted from every record. */
  bearer: string;
  /** Per-call timeout in milliseconds (default 120 000). */
  timeoutMs?: number;
}

/** Connects to a remote MCP server. */
export async function connectRemote(opts: RemoteOptions): Promise<McpToolClient> {
  const transport = new StreamableHTTPClientTransport(new URL(opts.url), {
    requestInit: { headers: { Authorization: `Bearer ${opts.bearer}` } },
  });
  const client = new Client(
    { name: "vibe-architect", version: "1.0.0" },
    { versionNegotiation: { mode: { pin: MCP_HTTP_PROTOCOL_VERSION } } },
  );
  try {
    await client.connect(transport);
  } catch (e) {
    const reason = redact((e as Error).message, { secrets: [opts.bearer] });
    throw new Error(`Cannot connect to the MCP server at ${opts.url}: ${reason}`);
  }
  const timeout = opts.timeoutMs ?? 120_000;
  return recordedToolClient(
    async (tool, args) =>
      await client.callTool({ name: tool, arguments: args }, { timeout }) as RawToolResult,
    () => client.close(),
    { ...opts, secrets: [...(opts.secrets ?? []), opts.bearer] },
  );
}
