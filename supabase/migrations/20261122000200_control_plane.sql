-- The control plane: build sessions, their events, spec chunks and drift alerts.
-- Signed-in users read only their own sessions (and those sessions' rows); anon reads nothing;
-- only service_role (and the functions connecting as postgres) writes.

create table public.build_sessions (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  status text not null default 'queued'
    check (status in ('queued', 'running', 'succeeded', 'failed', 'canceled')),
  template text not null check (template in ('marketplace', 'saas')),
  vibe_text text not null check (char_length(vibe_text) between 1 and 20000),
  options jsonb not null default '{}'::jsonb,
  plan jsonb,
  environment jsonb,
  outputs jsonb,
  error text,
  -- The architect's latest presence (step, focus, progress), also broadcast on build:{id}.
  presence jsonb,
  -- The last event sequence number handed out; build_events.seq is gapless per session.
  last_seq integer not null default 0,
  idempotency_key text,
  cancel_requested_at timestamptz,
  finished_at timestamptz,
  unique (owner_id, idempotency_key)
);
comment on table public.build_sessions is
  'One build of a backend from a vibe; owner_id is the JWT sub of the user who asked for it.';
create index build_sessions_owner_id_created_at_idx
  on public.build_sessions (owner_id, created_at desc);
create index build_sessions_status_idx on public.build_sessions (status);

create table public.build_events (
  id uuid primary key default gen_random_uuid(),
  session_id uuid not null references public.build_sessions (id) on delete cascade,
  seq integer not null check (seq > 0),
  ts timestamptz not null default now(),
  type text not null,
  message text not null default '',
  payload jsonb not null default '{}'::jsonb,
  -- Which graph node emitted it, and its key within that node: a re-run emits nothing twice.
  node text not null,
  event_key text not null,
  unique (session_id, seq),
  unique (session_id, node, event_key)
);
comment on table public.build_events is
  'Durable build timeline; seq is per session, gapless and the ordering key.';

create table public.spec_chunks (
  id uuid primary key default gen_random_uuid(),
  session_id uuid not null references public.build_sessions (id) on delete cascade,
  chunk_index integer not null check (chunk_index >= 0),
  content text not null,
  embedding extensions.vector(384),
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  unique (session_id, chunk_index)
);
create index spec_chunks_embedding_hnsw_idx
  on public.spec_chunks using hnsw (embedding extensions.vector_cosine_ops);

create table public.drift_alerts (
  id uuid primary key default gen_random_uuid(),
  session_id uuid not null references public.build_sessions (id) on delete cascade,
  ts timestamptz not null default now(),
  severity text not null check (severity in ('critical', 'high', 'medium', 'low')),
  type text not null,
  resource text not null,
  spec_chunk_id uuid references public.spec_chunks (id) on delete set null,
  similarity real,
  recommendation text not null,
  fingerprint text not null,
  details jsonb not null default '{}'::jsonb,
  resolved_at timestamptz
);
create index drift_alerts_spec_chunk_id_idx on public.drift_alerts (spec_chunk_id);
create unique index drift_alerts_open_fingerprint_idx
  on public.drift_alerts (session_id, fingerprint) where resolved_at is null;
create index drift_alerts_session_id_ts_idx on public.drift_alerts (session_id, ts desc);

-- Row-level security: owners read; nobody but service_role writes through the Data API.
alter table public.build_sessions enable row level security;
alter table public.build_events enable row level security;
alter table public.spec_chunks enable row level security;
alter table public.drift_alerts enable row level security;

create policy "Owners read their sessions" on public.build_sessions
  for select to authenticated
  using (owner_id = (select auth.uid()));

create policy "Owners read their sessions' events" on public.build_events
  for select to authenticated
  using (exists (
    select 1 from public.build_sessions s
     where s.id = build_events.session_id and s.owner_id = (select auth.uid())
  ));

create policy "Owners read their sessions' spec chunks" on public.spec_chunks
  for select to authenticated
  using (exists (
    select 1 from public.build_sessions s
     where s.id = spec_chunks.session_id and s.owner_id = (select auth.uid())
  ));

create policy "Owners read their sessions' drift alerts" on public.drift_alerts
  for select to authenticated
  using (exists (
    select 1 from public.build_sessions s
     where s.id = drift_alerts.session_id and s.owner_id = (select auth.uid())
  ));

-- Explicit grants (new tables expose nothing by default).
revoke all on public.build_sessions, public.build_events, public.spec_chunks, public.drift_alerts
  from anon, authenticated;
grant select on public.build_sessions, public.build_events, public.spec_chunks, public.drift_alerts
  to authenticated;
grant all on public.build_sessions, public.build_events, public.spec_chunks, public.drift_alerts
  to service_role;
