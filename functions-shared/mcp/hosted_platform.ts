/**
 * @module The hosted platform: the package's Management API implementation
 * (`@supabase/mcp-server-supabase/platform/api`) configured with an access token, with its
 * migrations made to work for every token. The Management API's migrations endpoint
 * (`/v1/projects/{ref}/database/migrations`) is restricted to partner OAuth apps; when it
 * refuses, migrations are applied through `POST /v1/projects/{ref}/database/query` in one
 * transaction together with their `supabase_migrations.schema_migrations` row (a CLI-style
 * timestamp version and the name), recorded exactly once, and listed from that table.
 */
import type {
  ApplyMigrationOptions,
  DatabaseOperations,
  Migration,
  SupabasePlatform,
} from "@supabase/mcp-server-supabase/platform";
import { createSupabaseApiPlatform } from "@supabase/mcp-server-supabase/platform/api";
import {
  type ManagementApiClient,
  managementApiClient,
  type ManagementApiResponse,
} from "./management_api_client.ts";
import {
  applyWithHistorySql,
  type HistoryEntry,
  historyPresentSql,
  listHistorySql,
  nextVersion,
  sortHistory,
} from "./migration_history_sql.ts";

/** Options for {@link createHostedPlatform}. */
export interface HostedPlatformOptions {
  /** A personal access token (`sbp_…`); `VIBE_ACCESS_TOKEN`. */
  accessToken: string;
  /** The Management API's URL; default `https://api.supabase.com`. */
  apiUrl?: string;
  /** Told once, when the migrations endpoint refuses the token and the fallback takes over. */
  onFallback?: (reason: string) => void;
}

/** How the platform applies migrations, once it knows. */
export type MigrationsPath = "unknown" | "migrations-endpoint" | "database-query";

/** The hosted platform, and which migrations path it found. */
export type HostedPlatform = SupabasePlatform & {
  database: DatabaseOperations;
  /** The path migrations take: the partner endpoint, or `database/query` after a refusal. */
  migrationsPath(): MigrationsPath;
};

/**
 * True when the migrations endpoint refused this caller as not a partner app: 401 or 403 with
 * the API's message saying so ("Migrations endpoint is not generally available yet", "Only
 * available to selected partner OAuth apps"). Any other failure (a bad token, a SQL error) is
 * a real error and is reported, never retried another way.
 */
export function isPartnerOnlyRefusal(
  res: Pick<ManagementApiResponse, "status" | "message">,
): boolean {
  return (res.status === 401 || res.status === 403) &&
    /partner|not generally available|only available to/i.test(res.message ?? "");
}

function describe(res: ManagementApiResponse): string {
  if (res.status === 401 && !res.message) {
    return "unauthorized: set VIBE_ACCESS_TOKEN to a valid personal access token";
  }
  return `${res.message ?? "the Management API answered without a message"} (HTTP ${res.status})`;
}

/** A request that never got an answer: it may or may not have run. */
class NoAnswerError extends Error {
  override name = "NoAnswerError";
}

async function sendOrNoAnswer(
  api: ManagementApiClient,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<ManagementApiResponse> {
  try {
    return await api.send(method, path, body);
  } catch (e) {
    throw new NoAnswerError(
      `Cannot reach the Management API (${method} ${path}): ${(e as Error).message}; ` +
        "check the network and VIBE_API_URL",
      { cause: e },
    );
  }
}

function historyEntries(rows: unknown): HistoryEntry[] {
  if (!Array.isArray(rows)) {
    throw new TypeError("Cannot read the migration history: the API did not return a list");
  }
  return rows.map((r) => {
    const { version, name } = r as { version: unknown; name?: unknown };
    return { version: String(version), ...(typeof name === "string" ? { name } : {}) };
  });
}

/** The Management API platform, with migrations that fall back to `database/query`. */
export function createHostedPlatform(opts: HostedPlatformOptions): HostedPlatform {
  const base = createSupabaseApiPlatform({
    accessToken: opts.accessToken,
    ...(opts.apiUrl ? { apiUrl: opts.apiUrl } : {}),
  });
  if (!base.database) throw new Error("The Management API platform has no database operations");
  const api = managementApiClient({
    accessToken: opts.accessToken,
    ...(opts.apiUrl ? { apiUrl: opts.apiUrl } : {}),
  });
  let path: MigrationsPath = "unknown";
  const projectPath = (ref: string) => `/v1/projects/${encodeURIComponent(ref)}`;

  function refused(res: ManagementApiResponse): void {
    if (path === "database-query") return;
    path = "database-query";
    opts.onFallback?.(
      `The migrations endpoint refused this token (${describe(res)}); applying migrations ` +
        "through database/query with a supabase_migrations.schema_migrations row",
    );
  }

  async function query(ref: string, sql: string, action: string): Promise<unknown> {
    const res = await sendOrNoAnswer(api, "POST", `${projectPath(ref)}/database/query`, {
      query: sql,
    });
    if (!res.ok) throw new Error(`Cannot ${action}: ${describe(res)}`);
    return res.body;
  }

  async function historyViaQuery(ref: string): Promise<HistoryEntry[]> {
    const action = `list the migrations of project ${ref}`;
    const present = await query(ref, historyPresentSql(), action) as { present?: boolean }[];
    if (!present[0]?.present) return [];
    return sortHistory(historyEntries(await query(ref, listHistorySql(), action)));
  }

  async function applyViaQuery(ref: string, { name, query: sql }: ApplyMigrationOptions) {
    const action = `apply migration ${name} to project ${ref}`;
    const version = nextVersion((await historyViaQuery(ref)).map((m) => m.version));
    const text = applyWithHistorySql(version, name, sql);
    try {
      await query(ref, text, action);
    } catch (e) {
      if (!(e instanceof NoAnswerError)) throw e;
      // No answer: the transaction either committed (its row is there) or did nothing.
      if ((await historyViaQuery(ref)).some((m) => m.version === version)) return;
      await query(ref, text, action);
    }
  }

  const database: DatabaseOperations = {
    executeSql: base.database.executeSql,

    async listMigrations(ref): Promise<Migration[]> {
      if (path !== "database-query") {
        const res = await api.send("GET", `${projectPath(ref)}/database/migrations`);
        if (res.ok) {
          path = "migrations-endpoint";
          return historyEntries(res.body);
        }
        if (!isPartnerOnlyRefusal(res)) {
          throw new Error(`Cannot list the migrations of project ${ref}: ${describe(res)}`);
        }
        refused(res);
      }
      return await historyViaQuery(ref);
    },

    async applyMigration(ref, options) {
      if (path !== "database-query") {
        const res = await api.send("POST", `${projectPath(ref)}/database/migrations`, {
          name: options.name,
          query: options.query,
        });
        if (res.ok) {
          path = "migrations-endpoint";
          return;
        }
        if (!isPartnerOnlyRefusal(res)) {
          throw new Error(
            `Cannot apply migration ${options.name} to project ${ref}: ${describe(res)}`,
          );
        }
        refused(res);
      }
      await applyViaQuery(ref, options);
    },
  };

  return { ...base, database, migrationsPath: () => path };
}
