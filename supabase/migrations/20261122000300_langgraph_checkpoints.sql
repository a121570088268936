-- LangGraph's Postgres checkpoint tables (@langchain/langgraph-checkpoint-postgres, schema
-- "langgraph"), created here rather than by PostgresSaver.setup(): DDL lives in migrations.
-- checkpoint_migrations records the saver's own migration versions 0..4 as applied.
create schema if not exists langgraph;
revoke all on schema langgraph from public;

create table if not exists langgraph.checkpoint_migrations (
  v integer primary key
);

create table if not exists langgraph.checkpoints (
  thread_id text not null,
  checkpoint_ns text not null default '',
  checkpoint_id text not null,
  parent_checkpoint_id text,
  type text,
  checkpoint jsonb not null,
  metadata jsonb not null default '{}',
  primary key (thread_id, checkpoint_ns, checkpoint_id)
);

create table if not exists langgraph.checkpoint_blobs (
  thread_id text not null,
  checkpoint_ns text not null default '',
  channel text not null,
  version text not null,
  type text not null,
  blob bytea,
  primary key (thread_id, checkpoint_ns, channel, version)
);

create table if not exists langgraph.checkpoint_writes (
  thread_id text not null,
  checkpoint_ns text not null default '',
  checkpoint_id text not null,
  task_id text not null,
  idx integer not null,
  channel text not null,
  type text,
  blob bytea not null,
  primary key (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
);

insert into langgraph.checkpoint_migrations (v)
select generate_series(0, 4)
on conflict (v) do nothing;

-- Checkpoints are internal: RLS on, no policies, so only the owner and service_role reach them.
alter table langgraph.checkpoint_migrations enable row level security;
alter table langgraph.checkpoints enable row level security;
alter table langgraph.checkpoint_blobs enable row level security;
alter table langgraph.checkpoint_writes enable row level security;
grant usage on schema langgraph to service_role;
grant all on all tables in schema langgraph to service_role;
