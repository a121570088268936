-- Per-user build quotas (counted under a per-owner lock by the sessions function) and the
-- cleanup of environments left behind by failed or canceled builds: after a TTL a scheduled
-- pass deletes the branch (or pauses the project) through MCP and records it on the session.

-- Active builds of one owner, counted by every POST /sessions.
create index if not exists build_sessions_owner_id_active_idx
  on public.build_sessions (owner_id) where status in ('queued', 'running');

alter table public.build_sessions
  -- When the environment of a failed or canceled build was deleted (or its project paused).
  add column if not exists environment_deleted_at timestamptz,
  -- Cleanup attempts that failed, and the last reason; a pass retries a few times.
  add column if not exists cleanup_attempts integer not null default 0,
  add column if not exists cleanup_error text;

create index if not exists build_sessions_cleanup_idx
  on public.build_sessions (finished_at)
  where status in ('failed', 'canceled') and environment_deleted_at is null;

select cron.schedule(
  'vibe-environment-cleanup',
  '*/30 * * * *',
  $cmd$select private.call_function('cleanup', '{"source":"cron"}'::jsonb)$cmd$
);
