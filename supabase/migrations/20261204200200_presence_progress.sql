-- Presence now streams live while a node works (autocommit, throttled), besides the snapshot
-- committed with each step. Progress never goes back within a build: a re-run node (after a
-- crash) or a late update moves the focus but keeps the highest progress reached so far.
create or replace function private.set_presence(p_session_id uuid, p_presence jsonb)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  stored numeric;
  merged jsonb;
begin
  select coalesce((s.presence ->> 'progress')::numeric, 0) into stored
    from public.build_sessions s where s.id = p_session_id for update;
  if not found then
    return;
  end if;
  merged := p_presence || jsonb_build_object(
    'progress', greatest(stored, coalesce((p_presence ->> 'progress')::numeric, 0))
  );
  update public.build_sessions set presence = merged, updated_at = now()
   where id = p_session_id;
  perform realtime.send(merged, 'architect_presence', 'build:' || p_session_id::text, true);
end
$$;
revoke all on function private.set_presence(uuid, jsonb) from public, anon, authenticated;
grant execute on function private.set_presence(uuid, jsonb) to service_role;
