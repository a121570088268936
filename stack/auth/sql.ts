/**
 * @module The local Auth server's SQL: users, identities, sessions and refresh tokens in the
 * project's `auth` schema, as GoTrue keeps them. Pure builders returning `{ text, values }`;
 * every value is a parameter.
 */
import type { Query } from "../../functions-shared/db/query.ts";

/** A user row with what the API returns (identities as JSON). */
export interface UserRow {
  id: string;
  aud: string | null;
  role: string | null;
  email: string | null;
  encrypted_password: string | null;
  email_confirmed_at: Date | null;
  phone: string | null;
  confirmed_at: Date | null;
  last_sign_in_at: Date | null;
  raw_app_meta_data: Record<string, unknown> | null;
  raw_user_meta_data: Record<string, unknown> | null;
  created_at: Date | null;
  updated_at: Date | null;
  banned_until: Date | null;
  is_anonymous: boolean;
  identities: IdentityRow[] | null;
}

/** An identity as JSON from the database. */
export interface IdentityRow {
  id: string;
  provider_id: string;
  user_id: string;
  identity_data: Record<string, unknown>;
  provider: string;
  last_sign_in_at: string | null;
  created_at: string | null;
  updated_at: string | null;
  email: string | null;
}

const USER_COLUMNS = `u.id, u.aud, u.role, u.email, u.encrypted_password, u.email_confirmed_at,
  u.phone, u.confirmed_at, u.last_sign_in_at, u.raw_app_meta_data, u.raw_user_meta_data,
  u.created_at, u.updated_at, u.banned_until, u.is_anonymous,
  (select json_agg(to_json(i) order by i.created_at) from auth.identities i
    where i.user_id = u.id) as identities`;

/** The user with this email (stored lowercased), with identities. */
export function userByEmail(email: string): Query {
  return {
    text: `select ${USER_COLUMNS} from auth.users u
            where lower(u.email) = lower($1) and u.deleted_at is null`,
    values: [email],
  };
}

/** The user with this id, with identities. */
export function userById(id: string): Query {
  return {
    text: `select ${USER_COLUMNS} from auth.users u where u.id = $1 and u.deleted_at is null`,
    values: [id],
  };
}

/** Inserts a confirmed email user (local sign-ups are auto-confirmed); returns its id. */
export function insertUser(
  email: string,
  passwordHash: string,
  userMetadata: Record<string, unknown>,
): Query {
  return {
    text: `insert into auth.users
             (instance_id, aud, role, email, encrypted_password, email_confirmed_at,
              last_sign_in_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
           values ('00000000-0000-0000-0000-000000000000', 'authenticated', 'authenticated',
                   lower($1), $2, now(), now(),
                   '{"provider":"email","providers":["email"]}'::jsonb, $3::jsonb, now(), now())
           on conflict (email) do nothing
           returning id`,
    values: [email, passwordHash, JSON.stringify(userMetadata)],
  };
}

/** The email identity of a new user. */
export function insertEmailIdentity(userId: string, email: string): Query {
  return {
    text: `insert into auth.identities
             (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
           values ($1::text, $2::uuid, jsonb_build_object('sub', $1::text, 'email', lower($3::text),
                   'email_verified', true, 'phone_verified', false), 'email', now(), now(), now())
           on conflict (provider_id, provider) do nothing`,
    values: [userId, userId, email],
  };
}

/** Records a sign-in on the user and its email identity. */
export function touchSignIn(userId: string): Query {
  return {
    text: `with u as (update auth.users set last_sign_in_at = now(), updated_at = now()
                       where id = $1 returning id)
           update auth.identities set last_sign_in_at = now(), updated_at = now()
            where user_id = (select id from u) and provider = 'email'`,
    values: [userId],
  };
}

/** A new session of the user. */
export function insertSession(sessionId: string, userId: string, userAgent: string | null): Query {
  return {
    text: `insert into auth.sessions (id, user_id, created_at, updated_at, aal, refreshed_at,
                                      user_agent)
           values ($1, $2, now(), now(), 'aal1', now()::timestamp, $3)`,
    values: [sessionId, userId, userAgent],
  };
}

/** A refresh token (its hash) of a session; `parentHash` for a rotated one. */
export function insertRefreshToken(
  hash: string,
  userId: string,
  sessionId: string,
  parentHash: string | null,
): Query {
  return {
    text: `insert into auth.refresh_tokens
             (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
           values ('00000000-0000-0000-0000-000000000000', $1, $2, false, now(), now(), $3, $4)`,
    values: [hash, userId, parentHash, sessionId],
  };
}

/** A refresh token found by hash, locked, with its session's start. */
export interface RefreshTokenRow {
  id: string;
  user_id: string;
  revoked: boolean;
  session_id: string | null;
  seconds_since_update: number;
  session_created_at: Date | null;
}

/** The refresh token with this hash, locked for the rotation. */
export function refreshTokenByHash(hash: string): Query {
  return {
    text: `select t.id::text, t.user_id, t.revoked, t.session_id,
                  extract(epoch from now() - t.updated_at)::float8 as seconds_since_update,
                  s.created_at as session_created_at
             from auth.refresh_tokens t
             left join auth.sessions s on s.id = t.session_id
            where t.token = $1
            for update of t`,
    values: [hash],
  };
}

/** Revokes one refresh token and marks its session refreshed. */
export function revokeRefreshToken(id: string, sessionId: string): Query {
  return {
    text: `with t as (update auth.refresh_tokens set revoked = true, updated_at = now()
                       where id = $1::bigint returning id)
           update auth.sessions set refreshed_at = now()::timestamp, updated_at = now()
            where id = $2`,
    values: [id, sessionId],
  };
}

/** Revokes every refresh token of a session (a revoked token was reused too late). */
export function revokeSessionTokens(sessionId: string): Query {
  return {
    text: `update auth.refresh_tokens set revoked = true, updated_at = now()
            where session_id = $1 and not revoked`,
    values: [sessionId],
  };
}

/** Whether the session exists (an access token's `session_id` after sign-out does not). */
export function sessionExists(sessionId: string): Query {
  return { text: "select 1 from auth.sessions where id = $1", values: [sessionId] };
}

/** Sign-out: `global` ends every session of the user, `local` this one, `others` the rest. */
export function deleteSessions(
  userId: string,
  sessionId: string | null,
  scope: "global" | "local" | "others",
): Query {
  if (scope === "global" || sessionId === null) {
    return { text: "delete from auth.sessions where user_id = $1", values: [userId] };
  }
  return {
    text: scope === "local"
      ? "delete from auth.sessions where user_id = $1 and id = $2"
      : "delete from auth.sessions where user_id = $1 and id <> $2",
    values: [userId, sessionId],
  };
}

/** Updates a user's password hash and/or metadata (merged into the existing metadata). */
export function updateUser(
  userId: string,
  passwordHash: string | null,
  userMetadata: Record<string, unknown> | null,
): Query {
  return {
    text: `update auth.users
              set encrypted_password = coalesce($2, encrypted_password),
                  raw_user_meta_data = case when $3::jsonb is null then raw_user_meta_data
                    else coalesce(raw_user_meta_data, '{}'::jsonb) || $3::jsonb end,
                  updated_at = now()
            where id = $1`,
    values: [userId, passwordHash, userMetadata === null ? null : JSON.stringify(userMetadata)],
  };
}
