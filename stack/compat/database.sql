-- Per-database surfaces every Supabase project has. Run as supabase_admin in each database
-- (the control plane and every environment); idempotent.

-- Schemas and the default search_path ("$user", public, extensions).
create schema if not exists extensions;
grant usage on schema extensions to postgres, anon, authenticated, service_role;
grant usage on schema public to anon, authenticated, service_role;
grant all on schema public to postgres;
do $$ begin
  -- As on hosted, postgres owns the project's database (and so may create trusted extensions).
  execute format('alter database %I owner to postgres', current_database());
  execute format('alter database %I set search_path to "$user", public, extensions', current_database());
end $$;

-- Extensions a new project already has.
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pgcrypto with schema extensions;
create extension if not exists supabase_vault;

-- Auth: the users table (the columns GoTrue writes that this product reads) and the JWT helpers.
create schema if not exists auth;
grant usage on schema auth to postgres, anon, authenticated, service_role;
create table if not exists auth.users (
  instance_id uuid,
  id uuid primary key default gen_random_uuid(),
  aud varchar(255) default 'authenticated',
  role varchar(255) default 'authenticated',
  email varchar(255) unique,
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb default '{"provider":"email","providers":["email"]}'::jsonb,
  raw_user_meta_data jsonb default '{}'::jsonb,
  is_super_admin boolean,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  phone text unique,
  is_sso_user boolean not null default false,
  deleted_at timestamptz,
  is_anonymous boolean not null default false
);
grant all on auth.users to postgres;
grant select on auth.users to service_role;

create or replace function auth.uid() returns uuid language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;
create or replace function auth.role() returns text language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;
create or replace function auth.email() returns text language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;
create or replace function auth.jwt() returns jsonb language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;
grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
  to postgres, anon, authenticated, service_role;

-- Auth's own tables beside users, as GoTrue keeps them (the local Auth server in
-- stack/auth/ writes them as supabase_auth_admin): identities, sessions and rotating refresh
-- tokens (stored as SHA-256 hashes: the database never holds a usable token).
alter table auth.users add column if not exists phone_confirmed_at timestamptz;
alter table auth.users add column if not exists banned_until timestamptz;
alter table auth.users add column if not exists confirmed_at timestamptz
  generated always as (least(email_confirmed_at, phone_confirmed_at)) stored;
create table if not exists auth.identities (
  provider_id text not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  identity_data jsonb not null,
  provider text not null,
  last_sign_in_at timestamptz,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  email text generated always as (lower(identity_data ->> 'email')) stored,
  id uuid primary key default gen_random_uuid(),
  unique (provider_id, provider)
);
create index if not exists identities_user_id_idx on auth.identities (user_id);
do $$ begin
  if not exists (select from pg_type where typname = 'aal_level'
                 and typnamespace = 'auth'::regnamespace) then
    create type auth.aal_level as enum ('aal1', 'aal2', 'aal3');
  end if;
end $$;
create table if not exists auth.sessions (
  id uuid primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  factor_id uuid,
  aal auth.aal_level,
  not_after timestamptz,
  refreshed_at timestamp,
  user_agent text,
  ip inet,
  tag text
);
create index if not exists sessions_user_id_idx on auth.sessions (user_id);
create table if not exists auth.refresh_tokens (
  instance_id uuid,
  id bigserial primary key,
  token varchar(255) unique,
  user_id varchar(255),
  revoked boolean,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  parent varchar(255),
  session_id uuid references auth.sessions (id) on delete cascade
);
create index if not exists refresh_tokens_parent_idx on auth.refresh_tokens (parent);
create index if not exists refresh_tokens_session_id_revoked_idx
  on auth.refresh_tokens (session_id, revoked);
grant all on auth.identities, auth.sessions, auth.refresh_tokens to postgres;
grant usage on schema auth to supabase_auth_admin;
grant select, insert, update, delete
  on auth.users, auth.identities, auth.sessions, auth.refresh_tokens to supabase_auth_admin;
grant usage, select on sequence auth.refresh_tokens_id_seq to supabase_auth_admin;

-- Storage: buckets and objects as hosted Supabase has them (owned by supabase_storage_admin,
-- RLS on, every API role granted, policies decide), and the path helpers policies use.
create schema if not exists storage;
alter schema storage owner to supabase_storage_admin;
grant usage on schema storage to postgres, anon, authenticated, service_role;
create table if not exists storage.buckets (
  id text primary key,
  name text not null,
  owner uuid,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  public boolean default false,
  avif_autodetection boolean default false,
  file_size_limit bigint,
  allowed_mime_types text[],
  owner_id text
);
create unique index if not exists bname on storage.buckets (name);
create table if not exists storage.objects (
  id uuid primary key default gen_random_uuid(),
  bucket_id text references storage.buckets (id),
  name text,
  owner uuid,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now(),
  metadata jsonb,
  path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  version text,
  owner_id text,
  user_metadata jsonb
);
create unique index if not exists bucketid_objname on storage.objects (bucket_id, name);
alter table storage.buckets enable row level security;
alter table storage.objects enable row level security;
alter table storage.buckets owner to supabase_storage_admin;
alter table storage.objects owner to supabase_storage_admin;
grant all on storage.buckets, storage.objects to postgres, anon, authenticated, service_role;
create or replace function storage.foldername(name text) returns text[]
language plpgsql immutable set search_path = '' as $$
declare
  _parts text[];
begin
  select pg_catalog.string_to_array(name, '/') into _parts;
  return _parts[1 : pg_catalog.array_length(_parts, 1) - 1];
end
$$;
create or replace function storage.filename(name text) returns text
language plpgsql immutable set search_path = '' as $$
declare
  _parts text[];
begin
  select pg_catalog.string_to_array(name, '/') into _parts;
  return _parts[pg_catalog.array_length(_parts, 1)];
end
$$;
create or replace function storage.extension(name text) returns text
language plpgsql immutable set search_path = '' as $$
declare
  _filename text;
begin
  select storage.filename(name) into _filename;
  return pg_catalog.reverse(pg_catalog.split_part(pg_catalog.reverse(_filename), '.', 1));
end
$$;
alter function storage.foldername(text) owner to supabase_storage_admin;
alter function storage.filename(text) owner to supabase_storage_admin;
alter function storage.extension(text) owner to supabase_storage_admin;
grant execute on function storage.foldername(text), storage.filename(text), storage.extension(text)
  to postgres, anon, authenticated, service_role;

-- Realtime: broadcast from the database (realtime.send) and the topic of the current channel.
create schema if not exists realtime;
grant usage on schema realtime to postgres, anon, authenticated, service_role;
create table if not exists realtime.messages (
  id uuid not null default gen_random_uuid(),
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp not null default now(),
  inserted_at timestamp not null default now(),
  primary key (id)
);
create index if not exists messages_inserted_at_topic_index
  on realtime.messages (inserted_at desc, topic);
alter table realtime.messages enable row level security;
alter table realtime.messages owner to supabase_realtime_admin;
grant select, insert, update on realtime.messages to postgres, anon, authenticated, service_role;

create or replace function realtime.topic() returns text language sql stable as $$
  select nullif(current_setting('realtime.topic', true), '')::text
$$;

create or replace function realtime.send(
  payload jsonb, event text, topic text, private boolean default true
) returns void language plpgsql set search_path = '' as $$
-- As on hosted: runs with the caller's rights (an API role needs an INSERT policy on
-- realtime.messages), sets realtime.topic for those policies, adds the message id to a payload
-- without one, and a failed broadcast never aborts the caller's transaction.
declare
  message_id uuid := gen_random_uuid();
begin
  perform set_config('realtime.topic', topic, true);
  insert into realtime.messages (id, payload, event, topic, private, extension)
  values (message_id,
          case when payload ? 'id' then payload else jsonb_set(payload, '{id}', to_jsonb(message_id)) end,
          event, topic, private, 'broadcast');
  perform pg_notify('realtime_messages', topic);
exception when others then
  raise warning 'ErrorSendingBroadcastMessage: %', sqlerrm;
end
$$;
grant execute on function realtime.topic(), realtime.send(jsonb, text, text, boolean)
  to postgres, anon, authenticated, service_role;

-- Every project has this publication; tables join it to stream Postgres changes.
do $$ begin
  if not exists (select from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end $$;
-- As on hosted, postgres owns it, so migrations can `alter publication supabase_realtime add table`.
alter publication supabase_realtime owner to postgres;

-- Where the stack records applied migrations, as the Supabase CLI does.
create schema if not exists supabase_migrations;
grant usage, create on schema supabase_migrations to postgres;
create table if not exists supabase_migrations.schema_migrations (
  version text primary key,
  statements text[],
  name text,
  created_by text,
  idempotency_key text unique
);
alter table supabase_migrations.schema_migrations owner to postgres;

-- Hosted Supabase runs per-extension "after-create" scripts (supautils) so that `postgres` can
-- use what it creates; this event trigger does the same for the extensions this stack offers.
create schema if not exists supabase_compat;
revoke all on schema supabase_compat from public;

create or replace function supabase_compat.after_create_extension() returns event_trigger
language plpgsql security definer set search_path = '' as $$
declare
  cmd record;
begin
  for cmd in select * from pg_event_trigger_ddl_commands() where command_tag = 'CREATE EXTENSION'
  loop
    if cmd.object_identity = 'pg_cron' then
      grant usage on schema cron to postgres with grant option;
      grant all on all tables in schema cron to postgres with grant option;
      grant all on all sequences in schema cron to postgres with grant option;
      grant all on all functions in schema cron to postgres with grant option;
    end if;
  end loop;
end
$$;

drop event trigger if exists supabase_compat_after_create_extension;
create event trigger supabase_compat_after_create_extension on ddl_command_end
  when tag in ('CREATE EXTENSION')
  execute function supabase_compat.after_create_extension();

-- The local Data API's schema cache version: bumped by every committed DDL statement (not on
-- temporary objects), read by each request in its own transaction, so a table created a moment
-- ago is served at once (hosted PostgREST reloads on NOTIFY pgrst instead).
create table if not exists supabase_compat.schema_version (
  id boolean primary key default true check (id),
  version bigint not null default 0
);
insert into supabase_compat.schema_version (id, version) values (true, 0) on conflict do nothing;
grant usage on schema supabase_compat to authenticator;
grant select on supabase_compat.schema_version to authenticator;

create or replace function supabase_compat.bump_schema_version() returns event_trigger
language plpgsql security definer set search_path = '' as $$
begin
  if tg_event = 'sql_drop' then
    if not exists (select from pg_catalog.pg_event_trigger_dropped_objects()
                   where not is_temporary) then
      return;
    end if;
  elsif not exists (select from pg_catalog.pg_event_trigger_ddl_commands()
                    where schema_name is null or schema_name !~ '^pg_temp') then
    return;
  end if;
  update supabase_compat.schema_version set version = version + 1;
end
$$;

drop event trigger if exists supabase_compat_schema_version_ddl;
create event trigger supabase_compat_schema_version_ddl on ddl_command_end
  execute function supabase_compat.bump_schema_version();
drop event trigger if exists supabase_compat_schema_version_drop;
create event trigger supabase_compat_schema_version_drop on sql_drop
  execute function supabase_compat.bump_schema_version();
