/**
 * @module The local platform's development operations: the environment's URL (the gateway's
 * `/env/<ref>`), its browser-safe key (the legacy anon JWT; the service_role key never leaves
 * the server side), and TypeScript types from its catalog.
 */
import type { DevelopmentOperations } from "@supabase/mcp-server-supabase/platform";
import type { PlatformContext } from "./context.ts";
import { withEnvironmentDb } from "./database.ts";
import {
  environmentKeys,
  environmentUrl,
  requireEnvironment,
  requireRunning,
} from "./environments.ts";
import { typescriptTypes } from "./typescript_types.ts";

export function developmentOperations(ctx: PlatformContext): DevelopmentOperations {
  return {
    async getProjectUrl(ref) {
      await requireEnvironment(ctx, ref, `get the URL of project ${ref}`);
      return environmentUrl(ctx.opts.apiUrl, ref);
    },

    async getPublishableKeys(ref) {
      const env = await requireEnvironment(ctx, ref, `get the keys of project ${ref}`);
      const { anonKey } = await environmentKeys(env);
      return [{
        api_key: anonKey,
        name: "anon",
        type: "legacy",
        description: "Legacy anon API key (a JWT signed with the project's JWT secret)",
        id: "anon",
        disabled: false,
      }];
    },

    async generateTypescriptTypes(ref) {
      const env = await requireRunning(ctx, ref, `generate types for project ${ref}`);
      return { types: await withEnvironmentDb(ctx, env, (c) => typescriptTypes(c)) };
    },
  };
}
