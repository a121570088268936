/**
 * @module What replay compares of an environment, read through MCP: its catalog as the drift
 * engine's model (one `execute_sql` statement) and its Edge Functions (slug, verify_jwt,
 * entrypoint and a hash of each file).
 */
import { introspect } from "../../functions-shared/drift/introspect.ts";
import type { Model } from "../../functions-shared/drift/model.ts";
import { sha256Hex } from "../../functions-shared/auth/digest.ts";
import { mcpSqlRunner } from "../../functions-shared/graph/contract_snapshot.ts";
import { createMcpProvisioner } from "../../functions-shared/mcp/mcp_provisioner.ts";
import type { McpToolClient } from "../../functions-shared/mcp/types.ts";

/** A deployed function as compared. */
export interface FunctionSnapshot {
  slug: string;
  verifyJwt: boolean | null;
  entrypoint: string | null;
  files: { name: string; sha256: string }[];
}

export interface EnvironmentSnapshot {
  ref: string;
  model: Model;
  functions: FunctionSnapshot[];
}

/** Reads an environment's model and functions. */
export async function snapshotEnvironment(
  client: McpToolClient,
  ref: string,
): Promise<EnvironmentSnapshot> {
  const runner = mcpSqlRunner(createMcpProvisioner(client), ref, []);
  const { model } = await introspect(runner, { mode: "single-statement" });
  const { data } = await client.callTool<{ functions: { slug: string }[] }>(
    "list_edge_functions",
    { project_id: ref },
  );
  const functions: FunctionSnapshot[] = [];
  for (const { slug } of data.functions) {
    const fn = await client.callTool<{
      verify_jwt?: boolean;
      entrypoint_path?: string;
      files: { name: string; content: string }[];
    }>("get_edge_function", { project_id: ref, function_slug: slug });
    const files = await Promise.all(
      fn.data.files.map(async (f) => ({
        name: f.name.replace(/^\.\//, ""),
        sha256: await sha256Hex(f.content),
      })),
    );
    functions.push({
      slug,
      verifyJwt: fn.data.verify_jwt ?? null,
      entrypoint: fn.data.entrypoint_path?.replace(/^\.\//, "") ?? null,
      files: files.sort((a, b) => a.name.localeCompare(b.name)),
    });
  }
  functions.sort((a, b) => a.slug.localeCompare(b.slug));
  return { ref, model, functions };
}
