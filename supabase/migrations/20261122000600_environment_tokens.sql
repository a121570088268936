-- Reporting tokens of the drift_check functions deployed into environments: only a hash is
-- kept; setting revoked_at makes the control plane refuse that environment's reports.
create table private.environment_tokens (
  session_id uuid primary key references public.build_sessions (id) on delete cascade,
  environment_ref text not null,
  token_hash text not null unique,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
alter table private.environment_tokens enable row level security;
grant select, insert, update, delete on private.environment_tokens to service_role;
