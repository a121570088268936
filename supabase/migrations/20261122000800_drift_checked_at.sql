-- When the sentinel last read each environment: a pass takes the least recently checked first,
-- a bounded batch at a time, so many environments fit an Edge Function's time and CPU limits.
alter table public.build_sessions add column if not exists drift_checked_at timestamptz;
create index if not exists build_sessions_drift_checked_at_idx
  on public.build_sessions (drift_checked_at nulls first, created_at)
  where status = 'succeeded' and contract is not null;
