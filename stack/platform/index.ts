/**
 * @module The local platform: `SupabasePlatform` (the interface of
 * `@supabase/mcp-server-supabase/platform`) implemented against the stack's cluster. Every
 * environment is a database with its own JWT secret; the registry lives in `_supabase`.
 * Local-only tooling: it needs the cluster's superuser.
 */
import type { SupabasePlatform } from "@supabase/mcp-server-supabase/platform";
import { accountOperations, deleteProject } from "./account.ts";
import { branchingOperations } from "./branching.ts";
import { createContext, type LocalPlatformOptions } from "./context.ts";
import { databaseOperations } from "./database.ts";
import { debuggingOperations } from "./debugging.ts";
import { developmentOperations } from "./development.ts";
import { functionOperations } from "./functions.ts";

export type { LocalPlatformOptions } from "./context.ts";

/** The local platform, plus what its owner needs to shut it down cleanly. */
export type LocalPlatform =
  & Required<
    Pick<
      SupabasePlatform,
      "account" | "database" | "functions" | "development" | "branching" | "debugging"
    >
  >
  & {
    /**
     * Deletes a project with its branches, databases and functions. Not a hosted MCP tool
     * (there is none); tests and local tooling clean up with it.
     */
    deleteProject(ref: string): Promise<void>;
    /** Resolves when background work (branch creation) has finished. */
    idle(): Promise<void>;
    /** Waits for background work, then closes the registry pool. */
    close(): Promise<void>;
  };

export function createLocalPlatform(opts: LocalPlatformOptions): LocalPlatform {
  const ctx = createContext(opts);
  const idle = async () => {
    while (ctx.jobs.size) await Promise.allSettled([...ctx.jobs]);
  };
  return {
    account: accountOperations(ctx),
    database: databaseOperations(ctx),
    functions: functionOperations(ctx),
    development: developmentOperations(ctx),
    branching: branchingOperations(ctx),
    debugging: debuggingOperations(ctx),
    deleteProject: (ref) => deleteProject(ctx, ref),
    idle,
    async close() {
      await idle();
      await ctx.registry.end();
    },
  };
}
