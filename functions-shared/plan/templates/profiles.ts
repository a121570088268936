/**
 * @module The `profiles` table every template includes, filled from `auth.users` by a
 * SECURITY DEFINER trigger function with an empty search_path, as Supabase recommends.
 */

import { ALL_PRIVILEGES, column, createdAtColumn, grant, ownerPolicy } from "../elements.ts";
import type { DbFunction, Grant, Policy, Table, Template, Trigger } from "../schema.ts";

/** `profiles`: one row per user, keyed by the user's id. */
export function profilesTable(): Table {
  return {
    name: "profiles",
    comment: "Public profile of each user, created when the user signs up.",
    columns: [
      column("id", "uuid", {
        nullable: false,
        primaryKey: true,
        references: { schema: "auth", table: "users", column: "id", onDelete: "cascade" },
      }),
      column("display_name", "text", { check: "char_length(display_name) <= 100" }),
      column("avatar_url", "text"),
      createdAtColumn(),
    ],
    ownerColumn: "id",
    indexes: [],
  };
}

/** Users read and update only their own profile; rows are created by the trigger. */
export function profilesPolicies(template: Template): Policy[] {
  return [
    ownerPolicy("profiles", "select", "id", {
      rule: `${template}:profiles:select`,
      noun: "profile",
    }),
    ownerPolicy("profiles", "update", "id", {
      rule: `${template}:profiles:update`,
      noun: "profile",
    }),
  ];
}

/** Profiles are readable and updatable by their user; the server role has everything. */
export function profilesGrants(): Grant[] {
  return [
    grant("profiles", "authenticated", ["select", "update"]),
    grant("profiles", "service_role", ALL_PRIVILEGES),
  ];
}

/** `public.handle_new_user()`: inserts the new user's profile. Nobody may call it directly. */
export function handleNewUserFunction(): DbFunction {
  return {
    schema: "public",
    name: "handle_new_user",
    args: [],
    returns: "trigger",
    language: "plpgsql",
    volatility: "volatile",
    securityDefiner: true,
    searchPath: "",
    body: [
      "begin",
      "  insert into public.profiles (id, display_name, avatar_url)",
      "  values (",
      "    new.id,",
      "    coalesce(new.raw_user_meta_data ->> 'full_name', new.raw_user_meta_data ->> 'name'),",
      "    new.raw_user_meta_data ->> 'avatar_url'",
      "  )",
      "  on conflict (id) do nothing;",
      "  return new;",
      "end;",
    ].join("\n"),
    executeRoles: [],
    comment: "Creates the profile of each new auth.users row.",
  };
}

/** `on_auth_user_created`: after insert on `auth.users`, run `public.handle_new_user()`. */
export function onAuthUserCreatedTrigger(): Trigger {
  return {
    name: "on_auth_user_created",
    schema: "auth",
    table: "users",
    timing: "after",
    events: ["insert"],
    function: { schema: "public", name: "handle_new_user" },
  };
}
