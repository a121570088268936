/**
 * @module Who may start how many builds: per-user limits on builds queued or running at once
 * and on builds per rolling 24 hours (429 with `Retry-After`), and project mode (a new, paid
 * project per build) only for users on an allowlist (403 saying how to get on it). Configured
 * from the sessions function's environment.
 */
import { z } from "zod";
import { HttpError } from "../http/errors.ts";

/** The limits of `POST /sessions`. */
export interface SessionLimits {
  /** Builds one user may have queued or running at once. */
  readonly maxActiveBuilds: number;
  /** Builds one user may start in any 24 hours. */
  readonly maxBuildsPerDay: number;
  /** User ids or emails (lowercase) allowed project mode; `*` allows everyone. */
  readonly projectModeAllowlist: readonly string[];
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  maxActiveBuilds: 3,
  maxBuildsPerDay: 30,
  projectModeAllowlist: [],
};

const envSchema = z.object({
  VIBE_MAX_ACTIVE_BUILDS: z.coerce.number().int().min(1).max(10_000)
    .default(DEFAULT_SESSION_LIMITS.maxActiveBuilds),
  VIBE_MAX_BUILDS_PER_DAY: z.coerce.number().int().min(1).max(1_000_000)
    .default(DEFAULT_SESSION_LIMITS.maxBuildsPerDay),
  VIBE_PROJECT_MODE_ALLOWLIST: z.string().default(""),
});

/** Reads the limits; throws with the variable to fix when one is not a valid number. */
export function readSessionLimits(env: Record<string, string | undefined>): SessionLimits {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`);
    throw new Error(`Cannot start sessions: fix ${problems.join("; ")}`);
  }
  const e = parsed.data;
  return {
    maxActiveBuilds: e.VIBE_MAX_ACTIVE_BUILDS,
    maxBuildsPerDay: e.VIBE_MAX_BUILDS_PER_DAY,
    projectModeAllowlist: e.VIBE_PROJECT_MODE_ALLOWLIST.split(/[\s,]+/)
      .map((s) => s.trim().toLowerCase()).filter(Boolean),
  };
}

/** Throws 403 unless the user may build in project mode (branch mode is open to everyone). */
export function requireEnvironmentModeAllowed(
  limits: SessionLimits,
  user: { readonly userId: string; readonly email?: unknown },
  mode: "branch" | "project",
): void {
  if (mode !== "project") return;
  const list = limits.projectModeAllowlist;
  const email = typeof user.email === "string" ? user.email.toLowerCase() : undefined;
  if (list.includes("*") || list.includes(user.userId.toLowerCase())) return;
  if (email && list.includes(email)) return;
  throw new HttpError(
    403,
    "Project mode creates a new project per build and is limited to allowlisted users: use " +
      '"environmentMode": "branch", or ask the operator to add your user id ' +
      `(${user.userId})${email ? ` or email (${email})` : ""} to VIBE_PROJECT_MODE_ALLOWLIST`,
  );
}

/** How much of the quota an owner uses. */
export interface OwnerUsage {
  readonly active: number;
  readonly lastDay: number;
  /** Seconds until the oldest build of the last 24 hours leaves the window. */
  readonly dayFreesIn: number | null;
}

/** Seconds a client is told to wait when only a running build's end frees a slot. */
export const ACTIVE_RETRY_AFTER_SECONDS = 60;

/** Why a new build is refused, or null when there is room for it. */
export function quotaRefusal(
  limits: SessionLimits,
  usage: OwnerUsage,
): { readonly message: string; readonly retryAfterSeconds: number } | null {
  if (usage.active >= limits.maxActiveBuilds) {
    return {
      message: `You have ${usage.active} builds queued or running (the limit is ` +
        `${limits.maxActiveBuilds}): wait for one to finish, or cancel one with ` +
        "POST /sessions/:id/cancel, then retry",
      retryAfterSeconds: ACTIVE_RETRY_AFTER_SECONDS,
    };
  }
  if (usage.lastDay >= limits.maxBuildsPerDay) {
    const wait = Math.max(1, usage.dayFreesIn ?? 60);
    return {
      message: `You started ${usage.lastDay} builds in the last 24 hours (the limit is ` +
        `${limits.maxBuildsPerDay}): retry in ${wait} seconds`,
      retryAfterSeconds: wait,
    };
  }
  return null;
}

/** The 429 of a refused build. */
export function quotaExceeded(refusal: { message: string; retryAfterSeconds: number }): HttpError {
  return new HttpError(429, refusal.message, undefined, {
    "retry-after": String(refusal.retryAfterSeconds),
  });
}
