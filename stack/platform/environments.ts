/**
 * @module Environments of the local platform: a project or a branch's own project, each one
 * database of the cluster (`proj_<ref>`) with the Supabase compatibility layer and its own JWT
 * secret, from which its anon and service_role keys are signed.
 */
import type pg from "../../functions-shared/db/pg.ts";
import { createDatabase, dropDatabase } from "../compat.ts";
import { roleKeys, type StackKeys } from "../secrets.ts";
import { paths } from "../settings.ts";
import type { PlatformContext } from "./context.ts";

/** A row of `platform.environments`. */
export interface EnvironmentRow {
  ref: string;
  kind: "project" | "branch";
  name: string;
  organization_id: string;
  region: string;
  status: string;
  database_name: string;
  jwt_secret: string;
  created_at: Date | string;
  updated_at: Date | string;
}

/** Thrown when a project or branch does not exist; the message names it. */
export class NotFoundError extends Error {
  override name = "NotFoundError";
}

const REF_ALPHABET = "abcdefghijklmnopqrstuvwxyz";

/** A new project ref: 20 lowercase letters, as hosted refs are (and safe as a database name). */
export function newRef(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  return [...bytes].map((b) => REF_ALPHABET[b % REF_ALPHABET.length]).join("");
}

/** Validates a ref before it names a database. */
export function assertRef(ref: string): void {
  if (!/^[a-z][a-z0-9_]{0,57}$/.test(ref)) {
    throw new Error(
      `Cannot use "${ref}" as a project ref: use up to 58 lowercase letters, digits and _`,
    );
  }
}

/** The database of the environment with this ref. */
export function databaseName(ref: string): string {
  assertRef(ref);
  return `proj_${ref}`;
}

/** A fresh JWT secret (64 hex characters). */
export function newJwtSecret(): string {
  return [...crypto.getRandomValues(new Uint8Array(32))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

const keyCache = new Map<string, Promise<StackKeys>>();

/** The environment's anon and service_role keys (signed with its own secret). */
export function environmentKeys(
  env: Pick<EnvironmentRow, "ref" | "jwt_secret">,
): Promise<StackKeys> {
  const cacheKey = `${env.ref}:${env.jwt_secret}`;
  let keys = keyCache.get(cacheKey);
  if (!keys) {
    keys = roleKeys(env.jwt_secret, env.ref);
    keyCache.set(cacheKey, keys);
  }
  return keys;
}

/** The environment's API URL: the gateway serves it under `/env/<ref>`. */
export function environmentUrl(apiUrl: string, ref: string): string {
  return `${apiUrl}/env/${ref}`;
}

export async function findEnvironment(
  db: pg.Pool | pg.Client,
  ref: string,
): Promise<EnvironmentRow | undefined> {
  const r = await db.query<EnvironmentRow>("select * from platform.environments where ref = $1", [
    ref,
  ]);
  return r.rows[0];
}

/** The environment, or a NotFoundError saying what could not be done. */
export async function requireEnvironment(
  ctx: PlatformContext,
  ref: string,
  action: string,
): Promise<EnvironmentRow> {
  const env = await findEnvironment(ctx.registry, ref);
  if (!env) throw new NotFoundError(`Cannot ${action}: project ${ref} does not exist`);
  return env;
}

/** The environment, which must not be paused. */
export async function requireRunning(
  ctx: PlatformContext,
  ref: string,
  action: string,
): Promise<EnvironmentRow> {
  const env = await requireEnvironment(ctx, ref, action);
  if (env.status === "INACTIVE") {
    throw new Error(`Cannot ${action}: project ${ref} is paused; restore it first`);
  }
  return env;
}

/** Creates (or re-prepares) the environment's database with the compatibility layer. */
export async function createEnvironmentDatabase(ctx: PlatformContext, ref: string): Promise<void> {
  await createDatabase(ctx.opts.dbPort, databaseName(ref));
}

/**
 * Drops the environment's database, terminating its connections, and removes the files of its
 * deployed functions (the gateway stops their processes on their next request).
 */
export async function dropEnvironmentDatabase(ctx: PlatformContext, ref: string): Promise<void> {
  await dropDatabase(ctx.opts.dbPort, databaseName(ref));
  await Deno.remove(`${paths.deployedDir}/${ref}`, { recursive: true }).catch(() => {});
}

/** Inserts an environment row; returns it. */
export async function insertEnvironment(
  db: pg.Pool | pg.Client,
  env: Pick<EnvironmentRow, "ref" | "kind" | "name" | "organization_id" | "region" | "status">,
): Promise<EnvironmentRow> {
  const r = await db.query<EnvironmentRow>(
    `insert into platform.environments
       (ref, kind, name, organization_id, region, status, database_name, jwt_secret)
     values ($1, $2, $3, $4, $5, $6, $7, $8) returning *`,
    [
      env.ref,
      env.kind,
      env.name,
      env.organization_id,
      env.region,
      env.status,
      databaseName(env.ref),
      newJwtSecret(),
    ],
  );
  return r.rows[0]!;
}

export async function setEnvironmentStatus(
  db: pg.Pool | pg.Client,
  ref: string,
  status: string,
): Promise<void> {
  await db.query(
    "update platform.environments set status = $2, updated_at = now() where ref = $1",
    [ref, status],
  );
}

/** ISO timestamp of a registry date column. */
export function iso(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}
