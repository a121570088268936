/**
 * @module The local Auth server (`/auth/v1`), GoTrue's stand-in for what auth-js calls: sign up
 * with email and password (auto-confirmed locally), `POST /token?grant_type=password` and
 * `grant_type=refresh_token` (rotating refresh tokens with GoTrue's reuse interval), `GET /user`,
 * `PUT /user`, `POST /logout` (scope global, local or others: the sessions and so their refresh
 * tokens go), plus `/settings`, `/health` and an empty JWKS. Sessions and errors are shaped as
 * GoTrue's (API version 2024-01-01). Passwords and tokens are never logged.
 */
import { InvalidTokenError, type JwtClaims } from "../../functions-shared/auth/jwt.ts";
import { verifyToken } from "../data_api/token_cache.ts";
import type { Queryable } from "../../functions-shared/db/query.ts";
import { firstRow } from "../../functions-shared/db/query.ts";
import { inTransaction } from "../../functions-shared/db/pool.ts";
import type pg from "../../functions-shared/db/pg.ts";
import type { DatabasePools } from "../data_api/database_pools.ts";
import { CORS_HEADERS, preflight } from "../data_api/server.ts";
import {
  ACCESS_TOKEN_TTL_SECONDS,
  accessTokenClaims,
  checkPassword,
  hashPassword,
  isEmail,
  MIN_PASSWORD_LENGTH,
  newRefreshToken,
  REFRESH_TOKEN_REUSE_SECONDS,
  signAccessToken,
  successorToken,
  tokenHash,
} from "./credentials.ts";
import {
  deleteSessions,
  insertEmailIdentity,
  insertRefreshToken,
  insertSession,
  insertUser,
  refreshTokenByHash,
  type RefreshTokenRow,
  revokeRefreshToken,
  revokeSessionTokens,
  sessionExists,
  touchSignIn,
  updateUser,
  userByEmail,
  userById,
  type UserRow,
} from "./sql.ts";

/** The project a request is for. */
export interface AuthTarget {
  readonly database: string;
  readonly jwtSecret: string;
  /** `iss` of the access tokens: the project's `/auth/v1` URL. */
  readonly issuer: string;
}

/** A GoTrue error: HTTP status, error code and message. */
export class AuthError extends Error {
  override name = "AuthError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** An OAuth-style error (`{ error, error_description }`), as GoTrue sends for bad grants. */
class OAuthError extends Error {
  constructor(readonly error: string, readonly description: string) {
    super(description);
  }
}

const API_VERSION = "2024-01-01";

function respond(status: number, body: unknown, extra: Record<string, string> = {}): Response {
  return new Response(body === null ? null : JSON.stringify(body), {
    status,
    headers: {
      ...CORS_HEADERS,
      ...(body === null ? {} : { "content-type": "application/json" }),
      "x-supabase-api-version": API_VERSION,
      ...extra,
    },
  });
}

/** GoTrue's error body for the request's API version. */
export function errorBody(req: Request, error: AuthError): Record<string, unknown> {
  const version = req.headers.get("x-supabase-api-version") ?? "";
  if (version >= API_VERSION) return { code: error.code, message: error.message, ...error.extra };
  return { code: error.status, error_code: error.code, msg: error.message, ...error.extra };
}

function iso(value: Date | string | null): string | null {
  if (value === null) return null;
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

/** A user as GoTrue returns it. */
export function userJson(u: UserRow): Record<string, unknown> {
  return {
    id: u.id,
    aud: u.aud ?? "authenticated",
    role: u.role ?? "authenticated",
    email: u.email ?? "",
    email_confirmed_at: iso(u.email_confirmed_at),
    phone: u.phone ?? "",
    confirmed_at: iso(u.confirmed_at),
    last_sign_in_at: iso(u.last_sign_in_at),
    app_metadata: u.raw_app_meta_data ?? {},
    user_metadata: u.raw_user_meta_data ?? {},
    identities: (u.identities ?? []).map((i) => ({
      identity_id: i.id,
      id: i.provider_id,
      user_id: i.user_id,
      identity_data: i.identity_data,
      provider: i.provider,
      last_sign_in_at: iso(i.last_sign_in_at),
      created_at: iso(i.created_at),
      updated_at: iso(i.updated_at),
      email: i.email,
    })),
    created_at: iso(u.created_at),
    updated_at: iso(u.updated_at),
    is_anonymous: u.is_anonymous,
  };
}

async function readJson(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (text.length > 1024 * 1024) throw new AuthError(413, "request_too_large", "Request too large");
  if (text.trim() === "") return {};
  try {
    const value = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value;
  } catch {
    // fall through
  }
  throw new AuthError(400, "bad_json", "Could not parse request body as JSON");
}

function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === "string" ? value : "";
}

function objectField(body: Record<string, unknown>, name: string): Record<string, unknown> | null {
  const value = body[name];
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown>
    : null;
}

/** Options of {@linkcode createAuthApi}. */
export interface AuthApiOptions {
  readonly pools: DatabasePools;
  /** Checks the request's `apikey`; a Response when it is missing or not a project key. */
  readonly checkApiKey: (req: Request, jwtSecret: string) => Promise<Response | null>;
}

/** The Auth API over the cluster's databases. */
export interface AuthApi {
  /** Answers `req`, whose path below `/auth/v1` is `path`. */
  handle(req: Request, target: AuthTarget, path: string): Promise<Response>;
}

const AUTH_ROLE = "supabase_auth_admin";

export function createAuthApi(opts: AuthApiOptions): AuthApi {
  async function issueSession(
    db: Queryable,
    target: AuthTarget,
    userId: string,
    sessionId: string,
    refreshToken: string,
    signedInAt: number,
  ): Promise<Record<string, unknown>> {
    const user = await firstRow<UserRow>(db, userById(userId));
    if (!user) throw new AuthError(404, "user_not_found", "User not found");
    const now = Math.floor(Date.now() / 1000);
    const claims = accessTokenClaims(
      {
        id: user.id,
        email: user.email,
        phone: user.phone,
        appMetadata: user.raw_app_meta_data ?? {},
        userMetadata: user.raw_user_meta_data ?? {},
        role: user.role ?? "authenticated",
        aud: user.aud ?? "authenticated",
        isAnonymous: user.is_anonymous,
      },
      sessionId,
      target.issuer,
      now,
      signedInAt,
    );
    return {
      access_token: await signAccessToken(claims, target.jwtSecret),
      token_type: "bearer",
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
      expires_at: now + ACCESS_TOKEN_TTL_SECONDS,
      refresh_token: refreshToken,
      user: userJson(user),
    };
  }

  async function startSession(
    db: Queryable,
    target: AuthTarget,
    userId: string,
    req: Request,
  ): Promise<Record<string, unknown>> {
    const sessionId = crypto.randomUUID();
    const token = newRefreshToken();
    const session = insertSession(sessionId, userId, req.headers.get("user-agent"));
    await db.query(session.text, session.values);
    const q = insertRefreshToken(await tokenHash(token), userId, sessionId, null);
    await db.query(q.text, q.values);
    const t = touchSignIn(userId);
    await db.query(t.text, t.values);
    return await issueSession(db, target, userId, sessionId, token, Math.floor(Date.now() / 1000));
  }

  async function signUp(req: Request, target: AuthTarget, pool: pg.Pool): Promise<Response> {
    const body = await readJson(req);
    const email = stringField(body, "email").trim();
    const password = stringField(body, "password");
    if (stringField(body, "phone") !== "" && email === "") {
      throw new AuthError(400, "phone_provider_disabled", "Phone signups are disabled");
    }
    if (email === "") throw new AuthError(400, "validation_failed", "Signup requires an email");
    if (!isEmail(email)) {
      throw new AuthError(
        400,
        "validation_failed",
        "Unable to validate email address: invalid format",
      );
    }
    if (password === "") {
      throw new AuthError(400, "validation_failed", "Signup requires a valid password");
    }
    if (password.length < MIN_PASSWORD_LENGTH) {
      throw new AuthError(
        422,
        "weak_password",
        `Password should be at least ${MIN_PASSWORD_LENGTH} characters.`,
        { weak_password: { reasons: ["length"] } },
      );
    }
    const data = objectField(body, "data") ?? {};
    const hash = await hashPassword(password);
    const session = await inTransaction(pool, async (db) => {
      const inserted = await firstRow<{ id: string }>(db, insertUser(email, hash, data));
      if (!inserted) throw new AuthError(422, "user_already_exists", "User already registered");
      const identity = insertEmailIdentity(inserted.id, email);
      await db.query(identity.text, identity.values);
      return await startSession(db, target, inserted.id, req);
    });
    return respond(200, session);
  }

  async function passwordGrant(req: Request, target: AuthTarget, pool: pg.Pool): Promise<Response> {
    const body = await readJson(req);
    const email = stringField(body, "email").trim();
    const password = stringField(body, "password");
    if (email === "") {
      throw new AuthError(
        400,
        stringField(body, "phone") === "" ? "validation_failed" : "phone_provider_disabled",
        stringField(body, "phone") === "" ? "missing email or phone" : "Phone logins are disabled",
      );
    }
    const user = await firstRow<UserRow>(pool, userByEmail(email));
    const ok = await checkPassword(password, user?.encrypted_password ?? null);
    if (!user || !ok) throw new AuthError(400, "invalid_credentials", "Invalid login credentials");
    if (user.banned_until !== null && new Date(user.banned_until) > new Date()) {
      throw new AuthError(400, "user_banned", "User is banned");
    }
    if (user.email_confirmed_at === null) {
      throw new AuthError(400, "email_not_confirmed", "Email not confirmed");
    }
    const session = await inTransaction(pool, (db) => startSession(db, target, user.id, req));
    return respond(200, session);
  }

  async function refreshGrant(req: Request, target: AuthTarget, pool: pg.Pool): Promise<Response> {
    const body = await readJson(req);
    const presented = stringField(body, "refresh_token");
    if (presented === "") throw new OAuthError("invalid_request", "refresh_token required");
    const session = await inTransaction(pool, async (db) => {
      const found = await firstRow<RefreshTokenRow>(
        db,
        refreshTokenByHash(await tokenHash(presented)),
      );
      if (!found) {
        throw new AuthError(
          400,
          "refresh_token_not_found",
          "Invalid Refresh Token: Refresh Token Not Found",
        );
      }
      if (found.session_id === null || found.session_created_at === null) {
        throw new AuthError(
          400,
          "session_not_found",
          "Invalid Refresh Token: No Valid Session Found",
        );
      }
      const sessionId = found.session_id;
      const signedInAt = Math.floor(new Date(found.session_created_at).getTime() / 1000);
      if (!found.revoked) {
        const next = await successorToken(presented, target.jwtSecret);
        const revoke = revokeRefreshToken(found.id, sessionId);
        await db.query(revoke.text, revoke.values);
        const insert = insertRefreshToken(
          await tokenHash(next),
          found.user_id,
          sessionId,
          await tokenHash(presented),
        );
        await db.query(insert.text, insert.values);
        return await issueSession(db, target, found.user_id, sessionId, next, signedInAt);
      }
      if (found.seconds_since_update > REFRESH_TOKEN_REUSE_SECONDS) {
        // Reuse after the interval: a stolen token. The whole session's tokens are revoked.
        const revokeAll = revokeSessionTokens(sessionId);
        await db.query(revokeAll.text, revokeAll.values);
        return new AuthError(
          400,
          "refresh_token_already_used",
          "Invalid Refresh Token: Already Used",
        );
      }
      // Reused within the interval (two tabs refreshing at once): hand out the active successor.
      let token = presented;
      for (let depth = 0; depth < 32; depth++) {
        const next = await successorToken(token, target.jwtSecret);
        const row = await firstRow<RefreshTokenRow>(db, refreshTokenByHash(await tokenHash(next)));
        if (!row) {
          const insert = insertRefreshToken(
            await tokenHash(next),
            found.user_id,
            sessionId,
            await tokenHash(token),
          );
          await db.query(insert.text, insert.values);
          return await issueSession(db, target, found.user_id, sessionId, next, signedInAt);
        }
        if (!row.revoked) {
          return await issueSession(db, target, found.user_id, sessionId, next, signedInAt);
        }
        token = next;
      }
      throw new AuthError(400, "refresh_token_already_used", "Invalid Refresh Token: Already Used");
    });
    // The revocation of a reused token's session commits before the error is returned.
    if (session instanceof AuthError) throw session;
    return respond(200, session);
  }

  /** The verified claims of the request's bearer token (403 bad_jwt, 401 without one). */
  async function bearerClaims(req: Request, target: AuthTarget): Promise<JwtClaims> {
    const header = req.headers.get("authorization") ?? "";
    const token = header.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
    if (!token) {
      throw new AuthError(401, "no_authorization", "This endpoint requires a valid Bearer token");
    }
    try {
      return await verifyToken(token, target.jwtSecret);
    } catch (e) {
      if (!(e instanceof InvalidTokenError)) throw e;
      throw new AuthError(
        403,
        "bad_jwt",
        `invalid JWT: unable to parse or verify signature, ${e.message.toLowerCase()}`,
      );
    }
  }

  async function currentUser(req: Request, target: AuthTarget, pool: pg.Pool) {
    const claims = await bearerClaims(req, target);
    if (typeof claims.sub !== "string" || claims.sub === "") {
      throw new AuthError(403, "bad_jwt", "invalid claim: missing sub claim");
    }
    const sessionId = typeof claims.session_id === "string" ? claims.session_id : null;
    if (sessionId !== null && !(await firstRow(pool, sessionExists(sessionId)))) {
      throw new AuthError(
        403,
        "session_not_found",
        "Session from session_id claim in JWT does not exist",
      );
    }
    const user = /^[0-9a-f-]{36}$/i.test(claims.sub)
      ? await firstRow<UserRow>(pool, userById(claims.sub))
      : undefined;
    if (!user) {
      throw new AuthError(403, "user_not_found", "User from sub claim in JWT does not exist");
    }
    return { user, sessionId };
  }

  async function updateCurrentUser(req: Request, target: AuthTarget, pool: pg.Pool) {
    const { user } = await currentUser(req, target, pool);
    const body = await readJson(req);
    if (stringField(body, "email") !== "" && stringField(body, "email") !== user.email) {
      throw new AuthError(
        422,
        "email_change_not_supported",
        "Changing the email is not supported locally",
      );
    }
    const password = typeof body.password === "string" ? body.password : null;
    if (password !== null && password.length < MIN_PASSWORD_LENGTH) {
      throw new AuthError(
        422,
        "weak_password",
        `Password should be at least ${MIN_PASSWORD_LENGTH} characters.`,
        { weak_password: { reasons: ["length"] } },
      );
    }
    const q = updateUser(
      user.id,
      password === null ? null : await hashPassword(password),
      objectField(body, "data"),
    );
    await pool.query(q.text, q.values);
    const updated = await firstRow<UserRow>(pool, userById(user.id));
    return respond(200, userJson(updated!));
  }

  async function logout(req: Request, target: AuthTarget, pool: pg.Pool): Promise<Response> {
    const claims = await bearerClaims(req, target);
    const scope = new URL(req.url).searchParams.get("scope") ?? "global";
    if (scope !== "global" && scope !== "local" && scope !== "others") {
      throw new AuthError(
        400,
        "validation_failed",
        "Parameter scope must be global, local or others",
      );
    }
    if (typeof claims.sub === "string" && /^[0-9a-f-]{36}$/i.test(claims.sub)) {
      const sessionId = typeof claims.session_id === "string" ? claims.session_id : null;
      const q = deleteSessions(claims.sub, sessionId, scope);
      await pool.query(q.text, q.values);
    }
    return respond(204, null);
  }

  async function route(req: Request, target: AuthTarget, path: string): Promise<Response> {
    const pool = opts.pools.get(target.database, AUTH_ROLE);
    const method = req.method;
    if (path === "/health" && method === "GET") {
      return respond(200, { version: "local", name: "GoTrue", description: "local stand-in" });
    }
    if (path === "/.well-known/jwks.json" && method === "GET") return respond(200, { keys: [] });
    if (path === "/settings" && method === "GET") {
      return respond(200, {
        external: { email: true, phone: false, anonymous_users: false },
        disable_signup: false,
        mailer_autoconfirm: true,
        phone_autoconfirm: false,
        sms_provider: "",
        saml_enabled: false,
      });
    }
    if (path === "/signup" && method === "POST") return await signUp(req, target, pool);
    if (path === "/token" && method === "POST") {
      const grant = new URL(req.url).searchParams.get("grant_type");
      if (grant === "password") return await passwordGrant(req, target, pool);
      if (grant === "refresh_token") return await refreshGrant(req, target, pool);
      throw new AuthError(400, "invalid_credentials", "unsupported_grant_type");
    }
    if (path === "/user" && method === "GET") {
      return respond(200, userJson((await currentUser(req, target, pool)).user));
    }
    if (path === "/user" && method === "PUT") return await updateCurrentUser(req, target, pool);
    if (path === "/logout" && method === "POST") return await logout(req, target, pool);
    throw new AuthError(404, "not_found", `${method} /auth/v1${path} is not supported locally`);
  }

  return {
    async handle(req, target, path) {
      if (req.method === "OPTIONS") return preflight(req);
      const rejected = await opts.checkApiKey(req, target.jwtSecret);
      if (rejected) return rejected;
      try {
        return await route(req, target, path);
      } catch (e) {
        if (e instanceof AuthError) {
          return respond(e.status, errorBody(req, e), { "x-sb-error-code": e.code });
        }
        if (e instanceof OAuthError) {
          return respond(400, { error: e.error, error_description: e.description });
        }
        const message = e instanceof Error ? e.message : String(e);
        const error = /does not exist|ECONNREFUSED|ENOENT/.test(message)
          ? new AuthError(503, "unexpected_failure", "Database connection error")
          : new AuthError(500, "unexpected_failure", "Unexpected failure of the local Auth server");
        // The message of a database error names no password or token (values are parameters).
        if (error.status === 500) console.error(`Auth: ${message}`);
        return respond(error.status, errorBody(req, error), { "x-sb-error-code": error.code });
      }
    },
  };
}
