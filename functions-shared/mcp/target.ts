/**
 * @module Where a control-plane function reaches the Supabase MCP server, from its environment:
 * a remote server (`VIBE_MCP_URL`, the local stack's `/mcp`, with the service key as bearer) or
 * the server in-process with the Management API platform (`VIBE_ACCESS_TOKEN`, hosted; function
 * secrets cannot start with `SUPABASE_`, so it is not `SUPABASE_ACCESS_TOKEN`).
 */
import type { McpConnectOptions } from "./connect.ts";
import { createHostedPlatform } from "./hosted_platform.ts";
import type { RecordingOptions } from "./recorded_client.ts";

export type McpTarget =
  | { readonly kind: "remote"; readonly url: string; readonly bearer: string }
  | { readonly kind: "hosted"; readonly accessToken: string; readonly apiUrl?: string };

/** The variables {@link mcpTargetFrom} reads. */
export interface McpTargetEnv {
  VIBE_MCP_URL?: string | undefined;
  SUPABASE_SERVICE_ROLE_KEY?: string | undefined;
  /** A personal access token (`sbp_…`) for the Management API. */
  VIBE_ACCESS_TOKEN?: string | undefined;
  /** The Management API's URL (default https://api.supabase.com). */
  VIBE_API_URL?: string | undefined;
}

/** The configured target; `who` names the function in the error that says what to set. */
export function mcpTargetFrom(env: McpTargetEnv, who: string): McpTarget {
  if (env.VIBE_MCP_URL) {
    if (!env.SUPABASE_SERVICE_ROLE_KEY) {
      throw new Error(
        `Cannot start ${who}: VIBE_MCP_URL needs SUPABASE_SERVICE_ROLE_KEY as bearer`,
      );
    }
    return { kind: "remote", url: env.VIBE_MCP_URL, bearer: env.SUPABASE_SERVICE_ROLE_KEY };
  }
  if (env.VIBE_ACCESS_TOKEN) {
    return {
      kind: "hosted",
      accessToken: env.VIBE_ACCESS_TOKEN,
      ...(env.VIBE_API_URL ? { apiUrl: env.VIBE_API_URL } : {}),
    };
  }
  throw new Error(
    `Cannot start ${who}: reaching environments needs VIBE_ACCESS_TOKEN (a personal access ` +
      "token: `supabase secrets set VIBE_ACCESS_TOKEN=sbp_…`) or VIBE_MCP_URL (an MCP server).",
  );
}

/** Options of {@link mcpConnectOptions}. */
export interface McpConnectSettings {
  /** Values to redact from tool-call records. */
  secrets: readonly string[];
  /** A read-only server: execute_sql runs read-only, write tools are refused. */
  readOnly?: boolean;
  timeoutMs?: number;
  /** Receives each call's record as it finishes (e.g. the tool-call audit log). */
  onRecord?: RecordingOptions["onRecord"];
}

export function mcpConnectOptions(target: McpTarget, s: McpConnectSettings): McpConnectOptions {
  const common = {
    secrets: s.secrets,
    ...(s.timeoutMs ? { timeoutMs: s.timeoutMs } : {}),
    ...(s.onRecord ? { onRecord: s.onRecord } : {}),
  };
  if (target.kind === "remote") {
    const url = new URL(target.url);
    if (s.readOnly) url.searchParams.set("read_only", "true");
    return { url: url.toString(), bearer: target.bearer, ...common };
  }
  return {
    platform: createHostedPlatform({
      accessToken: target.accessToken,
      ...(target.apiUrl ? { apiUrl: target.apiUrl } : {}),
      onFallback: (reason) => console.warn(reason),
    }),
    ...(s.readOnly ? { readOnly: true } : {}),
    ...common,
  };
}
