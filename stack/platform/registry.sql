-- The local platform's registry: organizations, environments (projects and branches), branches,
-- and deployed Edge Functions with their versions. Lives in the cluster's `_supabase` database,
-- never in the control plane's. Run as supabase_admin; idempotent.

create schema if not exists platform;
revoke all on schema platform from public;

create table if not exists platform.organizations (
  id text primary key,
  slug text not null unique,
  name text not null,
  -- get_cost reads the plan: 'free' organizations create projects at no cost.
  plan text not null default 'free',
  created_at timestamptz not null default now()
);

-- Every environment (a project, or a branch's own project) is one database of the cluster.
create table if not exists platform.environments (
  ref text primary key check (ref ~ '^[a-z][a-z0-9_]{0,57}$'),
  kind text not null check (kind in ('project', 'branch')),
  name text not null,
  organization_id text not null references platform.organizations (id),
  region text not null default 'local',
  -- ACTIVE_HEALTHY, COMING_UP, INACTIVE (paused)
  status text not null,
  database_name text not null unique,
  -- Signs the environment's anon and service_role keys; never leaves the server side.
  jwt_secret text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table if not exists platform.branches (
  id uuid primary key,
  name text not null,
  project_ref text not null unique references platform.environments (ref) on delete cascade,
  parent_project_ref text not null references platform.environments (ref) on delete cascade,
  -- CREATING_PROJECT → RUNNING_MIGRATIONS → MIGRATIONS_PASSED | MIGRATIONS_FAILED
  status text not null,
  error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (parent_project_ref, name)
);

create table if not exists platform.functions (
  id uuid primary key default gen_random_uuid(),
  project_ref text not null references platform.environments (ref) on delete cascade,
  slug text not null,
  name text not null,
  status text not null default 'ACTIVE',
  version integer not null,
  verify_jwt boolean not null,
  entrypoint_path text not null,
  import_map_path text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (project_ref, slug)
);

create table if not exists platform.function_versions (
  function_id uuid not null references platform.functions (id) on delete cascade,
  version integer not null,
  verify_jwt boolean not null,
  entrypoint_path text not null,
  import_map_path text,
  -- [{ "name": "index.ts", "content": "…" }, …]
  files jsonb not null,
  created_at timestamptz not null default now(),
  primary key (function_id, version)
);

-- Gateway and function output per environment and service, read by get_logs: `api` (requests
-- to the environment), `edge-function` (invocations), `edge-function-runtime` (what functions
-- print). Written redacted, in batches, by the gateway; an environment's rows go with it.
create table if not exists platform.logs (
  id bigint generated always as identity primary key,
  project_ref text not null references platform.environments (ref) on delete cascade,
  service text not null,
  ts timestamptz not null,
  event_message text not null,
  metadata jsonb not null default '{}'::jsonb
);
create index if not exists logs_project_ref_service_ts_idx
  on platform.logs (project_ref, service, ts desc);
