-- An append-only audit log of every MCP tool call made for a session, written (autocommit) as
-- each call finishes, outside the worker's step transaction: the calls of an attempt that
-- crashed or was killed (create_branch and create_project included) stay recorded, and so do
-- the drift sentinel's reads. Records are redacted as in build_events.payload.tool_calls[];
-- function files are recorded as hashes and sizes. Owners read their sessions' rows; only
-- service_role writes; nobody updates or deletes (rows go only with their session).
create table public.mcp_tool_calls (
  id bigint generated always as identity primary key,
  session_id uuid not null references public.build_sessions (id) on delete cascade,
  ts timestamptz not null default now(),
  -- Who made the call: the build worker or the drift sentinel.
  source text not null check (source in ('worker', 'sentinel')),
  -- The graph node and its attempt (worker), and the invocation that made the call.
  node text,
  attempt integer,
  invocation uuid,
  tool text not null,
  ok boolean not null,
  -- The ToolCallRecord: { tool, arguments, ok, result_summary, error?, duration_ms, ... }.
  record jsonb not null
);
comment on table public.mcp_tool_calls is
  'Append-only log of MCP tool calls per session (worker attempts, crashed ones included, and sentinel reads).';
create index mcp_tool_calls_session_id_id_idx on public.mcp_tool_calls (session_id, id);

alter table public.mcp_tool_calls enable row level security;
create policy "Owners read their sessions' tool calls" on public.mcp_tool_calls
  for select to authenticated
  using (exists (
    select 1 from public.build_sessions s
     where s.id = mcp_tool_calls.session_id and s.owner_id = (select auth.uid())
  ));
revoke all on public.mcp_tool_calls from anon, authenticated;
grant select on public.mcp_tool_calls to authenticated;
grant select, insert on public.mcp_tool_calls to service_role;

-- Append-only, even for the table's owner: no update, and no delete except the cascade from
-- build_sessions (a referential action runs nested inside the foreign key's trigger).
create or replace function private.mcp_tool_calls_append_only()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' and pg_trigger_depth() > 1 then
    return old;
  end if;
  raise exception 'Cannot % public.mcp_tool_calls: the tool-call log is append-only', lower(tg_op)
    using errcode = '42501';
end
$$;
revoke all on function private.mcp_tool_calls_append_only() from public, anon, authenticated;
create trigger mcp_tool_calls_append_only
  before update or delete on public.mcp_tool_calls
  for each row execute function private.mcp_tool_calls_append_only();
