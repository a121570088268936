-- The worker's per-build exclusion without an open transaction. A step takes its build's lease
-- (holder + expiry) before it runs a node, renews it while the node does external work (MCP, an
-- LLM) with no transaction open, and checks and releases it in the transaction that commits
-- the step: a worker that lost its lease commits nothing. A worker killed mid-step stops
-- renewing, so its lease expires and the step's redelivered message takes the build over.
-- run_msg_id and starts count how often one queue message started its node without finishing:
-- a step killed every time (CPU or wall-clock limit) fails the build instead of looping.
create table private.build_leases (
  session_id uuid primary key references public.build_sessions (id) on delete cascade,
  -- The invocation holding the lease (null once released).
  holder uuid,
  expires_at timestamptz not null default now(),
  acquired_at timestamptz not null default now(),
  -- The message whose node was last started and has not finished, and how many times.
  run_msg_id bigint,
  starts integer not null default 0 check (starts >= 0)
);
comment on table private.build_leases is
  'Per-build worker lease (holder, expiry) and the start count of an unfinished step.';
alter table private.build_leases enable row level security;
grant select, insert, update, delete on private.build_leases to service_role;
