-- On-demand drift checks (POST /sessions/:id/drift/check): one at a time per session, then a
-- cooldown. A check claims the session's row (claim_id identifies it; lease_until bounds a
-- check whose function died); finished_at starts the cooldown.
create table if not exists private.on_demand_drift_checks (
  session_id uuid primary key references public.build_sessions (id) on delete cascade,
  claim_id uuid not null,
  started_at timestamptz not null,
  lease_until timestamptz not null,
  finished_at timestamptz
);
alter table private.on_demand_drift_checks enable row level security;
grant select, insert, update, delete on private.on_demand_drift_checks to service_role;
