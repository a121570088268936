/**
 * @module Function configuration from the environment, validated once at start-up with a
 * message that says which variable to set and how.
 */
import { z } from "zod";
import type { Jwk } from "./auth/jwt.ts";

const jsonOf = <T extends z.ZodType>(schema: T) =>
  z.string().transform((s, ctx) => {
    try {
      return JSON.parse(s);
    } catch {
      ctx.addIssue({ code: "custom", message: "is not valid JSON" });
      return z.NEVER;
    }
  }).pipe(schema);

const jwksSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });

const envSchema = z.object({
  SUPABASE_URL: z.url(),
  SUPABASE_DB_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL"),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(1).optional(),
  SUPABASE_ANON_KEY: z.string().min(1).optional(),
  /** The project's JWKS; hosted Supabase sets it for every function. */
  SUPABASE_JWKS: jsonOf(jwksSchema).optional(),
  /** The project's secret keys (sb_secret_…) as a JSON object of name → key. */
  SUPABASE_SECRET_KEYS: jsonOf(z.record(z.string(), z.string())).optional(),
  /** The project's publishable keys (sb_publishable_…) as a JSON object of name → key. */
  SUPABASE_PUBLISHABLE_KEYS: jsonOf(z.record(z.string(), z.string())).optional(),
  /**
   * Issuers of user tokens, comma-separated, when Auth is not at `{SUPABASE_URL}/auth/v1`
   * (a custom domain).
   */
  VIBE_AUTH_ISSUERS: z.string().min(1).optional(),
  /** HS256 JWT secret: set by the local stack; on hosted only for legacy-secret projects. */
  VIBE_JWT_SECRET: z.string().min(32).optional(),
});

/** What every control-plane function needs from its environment. */
export interface FunctionConfig {
  supabaseUrl: string;
  dbUrl: string;
  jwtSecret: string | undefined;
  jwks: Jwk[] | undefined;
  /** Keys that identify the service role without a JWT (sb_secret_… keys). */
  secretKeys: string[];
  /** Keys that identify anon without a JWT (sb_publishable_… keys). */
  publishableKeys: string[];
  /** Where users' tokens may come from (`iss`): the project's Auth. */
  userIssuers: string[];
  /** The legacy service-role JWT (SUPABASE_SERVICE_ROLE_KEY), when the environment has one. */
  serviceRoleKey?: string;
}

export function readFunctionConfig(env: Record<string, string | undefined>): FunctionConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join(".")}: ${i.message}`);
    throw new Error(
      `Cannot start: the function's environment is incomplete.\n${problems.join("\n")}\n` +
        "Hosted Supabase sets SUPABASE_* itself; locally run `deno task stack up`.",
    );
  }
  const e = parsed.data;
  if (!e.VIBE_JWT_SECRET && !e.SUPABASE_JWKS?.keys.length) {
    throw new Error(
      "Cannot verify JWTs: set VIBE_JWT_SECRET (projects on the legacy JWT secret: " +
        "`supabase secrets set VIBE_JWT_SECRET=<JWT secret>`) or use JWT signing keys (SUPABASE_JWKS).",
    );
  }
  return {
    supabaseUrl: e.SUPABASE_URL,
    dbUrl: e.SUPABASE_DB_URL,
    jwtSecret: e.VIBE_JWT_SECRET,
    jwks: e.SUPABASE_JWKS?.keys as Jwk[] | undefined,
    secretKeys: Object.values(e.SUPABASE_SECRET_KEYS ?? {}).filter((k) => k.length > 0),
    publishableKeys: Object.values(e.SUPABASE_PUBLISHABLE_KEYS ?? {}).filter((k) => k.length > 0),
    userIssuers: e.VIBE_AUTH_ISSUERS
      ? e.VIBE_AUTH_ISSUERS.split(",").map((i) => i.trim()).filter(Boolean)
      : [`${e.SUPABASE_URL.replace(/\/$/, "")}/auth/v1`],
    ...(e.SUPABASE_SERVICE_ROLE_KEY ? { serviceRoleKey: e.SUPABASE_SERVICE_ROLE_KEY } : {}),
  };
}
