-- What the sessions API and the worker commit with: gapless per-session event sequence numbers,
-- events broadcast on Realtime in the same transaction, presence snapshots, and the worker's
-- heartbeat. Everything here runs inside the caller's transaction, so a rolled-back step leaves
-- no event, no broadcast and no gap.

-- Appends events to a session: seq continues from build_sessions.last_seq without gaps; an event
-- whose (node, event_key) is already recorded is skipped (a re-run emits nothing twice). Each new
-- event is broadcast as `build_event` on the private channel build:{session_id}.
create or replace function private.append_build_events(p_session_id uuid, p_events jsonb)
returns setof public.build_events
language plpgsql
security definer
set search_path = ''
as $$
declare
  e jsonb;
  next_seq integer;
  ev public.build_events;
begin
  select s.last_seq into next_seq from public.build_sessions s where s.id = p_session_id for update;
  if not found then
    raise exception 'Cannot append events: session % does not exist', p_session_id
      using errcode = 'P0002';
  end if;
  for e in select value from jsonb_array_elements(p_events) loop
    if exists (
      select 1 from public.build_events b
       where b.session_id = p_session_id and b.node = e ->> 'node' and b.event_key = e ->> 'key'
    ) then
      continue;
    end if;
    next_seq := next_seq + 1;
    insert into public.build_events (session_id, seq, type, message, payload, node, event_key)
    values (
      p_session_id, next_seq, e ->> 'type', coalesce(e ->> 'message', ''),
      coalesce(e -> 'payload', '{}'::jsonb), e ->> 'node', e ->> 'key'
    )
    returning * into ev;
    perform realtime.send(
      jsonb_build_object(
        'id', ev.id, 'sessionId', ev.session_id, 'seq', ev.seq, 'type', ev.type,
        'message', ev.message, 'payload', ev.payload, 'ts', ev.ts
      ),
      'build_event', 'build:' || p_session_id::text, true
    );
    return next ev;
  end loop;
  update public.build_sessions set last_seq = next_seq, updated_at = now()
   where id = p_session_id;
end
$$;
revoke all on function private.append_build_events(uuid, jsonb) from public, anon, authenticated;
grant execute on function private.append_build_events(uuid, jsonb) to service_role;

-- Stores the architect's presence on the session and broadcasts it (hosted Realtime has no
-- server-side presence tracking, so presence travels as a broadcast).
create or replace function private.set_presence(p_session_id uuid, p_presence jsonb)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.build_sessions set presence = p_presence, updated_at = now()
   where id = p_session_id;
  perform realtime.send(p_presence, 'architect_presence', 'build:' || p_session_id::text, true);
end
$$;
revoke all on function private.set_presence(uuid, jsonb) from public, anon, authenticated;
grant execute on function private.set_presence(uuid, jsonb) to service_role;

-- The worker's last sign of life, for the health report.
create table private.worker_heartbeat (
  id boolean primary key default true check (id),
  at timestamptz not null default now(),
  session_id uuid,
  node text,
  outcome text
);
alter table private.worker_heartbeat enable row level security;
grant select, insert, update on private.worker_heartbeat to service_role;

-- Private channels: a signed-in user may receive broadcasts of build:{id} for their own sessions.
create policy "Owners receive their builds' broadcasts" on realtime.messages
  for select to authenticated
  using (
    realtime.messages.extension = 'broadcast'
    and (select realtime.topic()) like 'build:%'
    and exists (
      select 1 from public.build_sessions s
       where s.owner_id = (select auth.uid())
         and 'build:' || s.id::text = (select realtime.topic())
    )
  );
