/**
 * @module What every operation group of the local platform shares: its options, the registry
 * pool, connections to environment databases, and the background jobs (branch creation) it
 * has started.
 */
import pg from "../../functions-shared/db/pg.ts";
import { SUPERUSER } from "../cluster.ts";
import { paths } from "../settings.ts";
import { registryPool } from "./registry.ts";

/** Options for `createLocalPlatform`. */
export interface LocalPlatformOptions {
  /** The cluster's port (its Unix socket lives in `.stack/run`). */
  dbPort: number;
  /** The gateway's URL, e.g. `http://127.0.0.1:54321`; environments live under `/env/<ref>`. */
  apiUrl: string;
  /** The cluster's log file, read by `get_logs` for `postgres` (default `.stack/logs/postgres.log`). */
  postgresLogFile?: string;
  /** Values kept out of `get_logs` besides the recognisable ones (the database password …). */
  logSecrets?: readonly string[];
}

/** The options with their defaults filled in. */
export type ResolvedPlatformOptions = Required<LocalPlatformOptions>;

export interface PlatformContext {
  readonly opts: ResolvedPlatformOptions;
  readonly registry: pg.Pool;
  /** Background work (branch creation); `idle()` waits for it. */
  readonly jobs: Set<Promise<void>>;
  /** A connection to an environment database as `postgres` (not a superuser, as on hosted). */
  connectAsPostgres(database: string): Promise<pg.Client>;
  /** A superuser connection (creating and dropping databases, pausing). */
  connectAsAdmin(database: string): Promise<pg.Client>;
  /** Tracks a background job until it settles. */
  track(job: Promise<void>): void;
}

const defaultParser = pg.types.getTypeParser as (
  oid: number,
  format: "text" | "binary",
) => (value: string) => unknown;

/** Parse int8 as a number when it is safe, and dates and times as text, as the hosted API does. */
const PARSERS: Record<number, (value: string) => unknown> = {
  20: (v) => safeNumber(v),
  1016: (v) => (defaultParser(1016, "text")(v) as string[]).map(safeNumber),
  1082: (v) => v,
  1114: (v) => v,
  1184: (v) => v,
  1186: (v) => v,
};

function safeNumber(value: string | null): number | string | null {
  if (value === null) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

/** Type parsers that make query results JSON like the Management API's `database/query`. */
export const jsonTypes = {
  getTypeParser:
    ((oid: number, format?: "text" | "binary") =>
      PARSERS[oid] ?? defaultParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
};

export function createContext(options: LocalPlatformOptions): PlatformContext {
  const opts: ResolvedPlatformOptions = {
    postgresLogFile: paths.postgresLog,
    logSecrets: [],
    ...options,
  };
  const jobs = new Set<Promise<void>>();
  const connect = async (user: string, database: string) => {
    const client = new pg.Client({
      host: paths.socketDir,
      port: opts.dbPort,
      user,
      database,
      types: jsonTypes,
    });
    await client.connect();
    return client;
  };
  return {
    opts,
    registry: registryPool(opts.dbPort),
    jobs,
    connectAsPostgres: (database) => connect("postgres", database),
    connectAsAdmin: (database) => connect(SUPERUSER, database),
    track(job) {
      const settled = job.catch((e) => console.error(`Local platform job: ${e.message}`))
        .finally(() => jobs.delete(settled));
      jobs.add(settled);
    },
  };
}
