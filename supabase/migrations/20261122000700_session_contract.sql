-- The environment as the pipeline built it (the drift contract); internal, not part of the API.
alter table public.build_sessions add column if not exists contract jsonb;
