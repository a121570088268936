/**
 * @module `{API_URL}/mcp`: the official Supabase MCP server over Streamable HTTP (the package's
 * `createSupabaseMcpHandler`, protocol 2026-07-28) with the local platform, so any MCP client
 * can drive local provisioning. The bearer must be the control plane's service_role key.
 * Like the hosted endpoint it accepts `?read_only=true`, `?project_ref=<ref>` and
 * `?features=a,b`.
 */
import { createSupabaseMcpHandler, type FeatureGroup } from "@supabase/mcp-server-supabase";
import type { SupabasePlatform } from "@supabase/mcp-server-supabase/platform";
import { platformFeatures } from "../../functions-shared/mcp/in_process_client.ts";
import { redact } from "../../functions-shared/redact.ts";

/** Options for {@link mcpEndpoint}. */
export interface McpEndpointOptions {
  platform: SupabasePlatform;
  /** The only bearer accepted. */
  serviceRoleKey: string;
  /** Where a line per tool call goes (redacted). */
  log?: (line: string) => void;
  /** Values to redact from those lines besides the recognisable ones (the database password …). */
  secrets?: readonly string[];
}

type Handler = ReturnType<typeof createSupabaseMcpHandler>;

function unauthorized(message: string): Response {
  return Response.json({ code: 401, message }, {
    status: 401,
    headers: { "www-authenticate": 'Bearer realm="mcp"' },
  });
}

export interface McpEndpoint {
  fetch(req: Request): Promise<Response>;
  close(): Promise<void>;
}

export function mcpEndpoint(opts: McpEndpointOptions): McpEndpoint {
  const handlers = new Map<string, Handler>();
  const log = opts.log ?? console.log;

  function handlerFor(url: URL): Handler {
    const readOnly = url.searchParams.get("read_only") === "true";
    const projectId = url.searchParams.get("project_ref") ?? undefined;
    const wanted = url.searchParams.get("features")?.split(",").map((f) => f.trim())
      .filter(Boolean) as FeatureGroup[] | undefined;
    const features = platformFeatures(opts.platform, wanted);
    const key = JSON.stringify([readOnly, projectId, features]);
    let handler = handlers.get(key);
    if (!handler) {
      handler = createSupabaseMcpHandler({
        platform: opts.platform,
        features,
        ...(readOnly ? { readOnly } : {}),
        ...(projectId ? { projectId } : {}),
        onToolCall: (call) => {
          const outcome = call.success
            ? "ok"
            : `failed: ${
              redact(String((call.error as Error)?.message ?? call.error), {
                secrets: opts.secrets ?? [],
              })
            }`;
          log(`[mcp] ${call.name} ${outcome}`);
        },
      });
      handlers.set(key, handler);
    }
    return handler;
  }

  return {
    fetch(req) {
      const header = req.headers.get("authorization");
      if (!header) return Promise.resolve(unauthorized("Missing authorization header"));
      if (header !== `Bearer ${opts.serviceRoleKey}`) {
        return Promise.resolve(unauthorized("The MCP endpoint needs the service_role key"));
      }
      return handlerFor(new URL(req.url)).fetch(req);
    },
    async close() {
      await Promise.all([...handlers.values()].map((h) => h.close()));
      handlers.clear();
    },
  };
}
