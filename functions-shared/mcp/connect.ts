/**
 * @module Chooses the MCP server by configuration: a remote server when a URL is configured
 * (locally the stack's `/mcp`), otherwise the server in-process with the platform given.
 */
import { connectInProcess, type InProcessOptions } from "./in_process_client.ts";
import { connectRemote, type RemoteOptions } from "./remote_client.ts";
import type { McpToolClient } from "./types.ts";

/** Where the MCP server is: in this process with a platform, or at a URL. */
export type McpConnectOptions = InProcessOptions | RemoteOptions;

/** Connects to the configured MCP server. */
export function connectMcp(opts: McpConnectOptions): Promise<McpToolClient> {
  return "url" in opts ? connectRemote(opts) : connectInProcess(opts);
}
