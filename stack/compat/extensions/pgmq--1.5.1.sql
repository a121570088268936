-- vibe-architect local stack: the pgmq 1.5 API (same functions, signatures and semantics),
-- for clusters where the pgmq extension itself is not available. Each queue is a table
-- pgmq.q_<name> with an archive pgmq.a_<name>; a read hides messages until their visibility
-- timeout (vt) passes and counts the read in read_ct; concurrent readers skip locked rows.

create table pgmq.meta (
  queue_name varchar unique not null,
  is_partitioned boolean not null,
  is_unlogged boolean not null,
  created_at timestamptz not null default now()
);

create type pgmq.message_record as (
  msg_id bigint,
  read_ct integer,
  enqueued_at timestamptz,
  vt timestamptz,
  message jsonb,
  headers jsonb
);

create type pgmq.queue_record as (
  queue_name varchar,
  is_partitioned boolean,
  is_unlogged boolean,
  created_at timestamptz
);

create type pgmq.metrics_result as (
  queue_name text,
  queue_length bigint,
  newest_msg_age_sec int,
  oldest_msg_age_sec int,
  total_messages bigint,
  scrape_time timestamptz,
  queue_visible_length bigint
);

create function pgmq.validate_queue_name(queue_name text) returns void
language plpgsql immutable as $$
begin
  -- As pgmq 1.5: only the length is checked here; format_table_name rejects $ ; -- and '.
  if queue_name is null then
    raise exception 'queue name must not be null';
  end if;
  if length(queue_name) >= 48 then
    raise exception 'queue name is too long, maximum length is 48 characters';
  end if;
end
$$;

create function pgmq.format_table_name(queue_name text, prefix text) returns text
language plpgsql immutable as $$
begin
  if queue_name ~ '\$|;|--|''' then
    raise exception 'queue name contains invalid characters: $, ;, --, or \''';
  end if;
  return lower(prefix || '_' || queue_name);
end
$$;

create function pgmq._queue_table(queue_name text) returns text
language plpgsql stable as $$
begin
  if not exists (select 1 from pgmq.meta m where lower(m.queue_name) = lower(_queue_table.queue_name)) then
    raise exception 'queue "%" does not exist', queue_name using errcode = '42P01';
  end if;
  return format('pgmq.%I', pgmq.format_table_name(queue_name, 'q'));
end
$$;

create function pgmq._archive_table(queue_name text) returns text
language sql stable as $$ select format('pgmq.%I', pgmq.format_table_name(queue_name, 'a')) $$;

-- Creates a queue table (logged or unlogged) and its archive; both create functions use it.
create function pgmq._create_queue(queue_name text, unlogged boolean) returns void
language plpgsql as $$
declare
  qtable text := pgmq.format_table_name(queue_name, 'q');
  atable text := pgmq.format_table_name(queue_name, 'a');
begin
  perform pgmq.validate_queue_name(queue_name);
  execute format(
    'create %s table if not exists pgmq.%I (
       msg_id bigint primary key generated always as identity,
       read_ct int default 0 not null,
       enqueued_at timestamptz default now() not null,
       vt timestamptz not null,
       message jsonb,
       headers jsonb)', case when unlogged then 'unlogged' else '' end, qtable);
  execute format(
    'create table if not exists pgmq.%I (
       msg_id bigint primary key,
       read_ct int default 0 not null,
       enqueued_at timestamptz default now() not null,
       archived_at timestamptz default now() not null,
       vt timestamptz not null,
       message jsonb,
       headers jsonb)', atable);
  execute format('create index if not exists %I on pgmq.%I (vt asc)', qtable || '_vt_idx', qtable);
  execute format('create index if not exists %I on pgmq.%I (archived_at)',
    'archived_at_idx_' || queue_name, atable);
  insert into pgmq.meta (queue_name, is_partitioned, is_unlogged)
  values (queue_name, false, unlogged)
  on conflict do nothing;
end
$$;

create function pgmq.create_non_partitioned(queue_name text) returns void
language sql as $$ select pgmq._create_queue(queue_name, false) $$;

create function pgmq.create_unlogged(queue_name text) returns void
language sql as $$ select pgmq._create_queue(queue_name, true) $$;

create function pgmq.create(queue_name text) returns void
language sql as $$ select pgmq.create_non_partitioned(queue_name) $$;

create function pgmq.create_partitioned(
  queue_name text, partition_interval text default '10000', retention_interval text default '100000'
) returns void language plpgsql as $$
begin
  raise exception 'pgmq.create_partitioned needs pg_partman, which this local stack does not have'
    using hint = 'Use pgmq.create(queue_name) locally.';
end
$$;

-- Queue tables are not members of the extension here, so an archive is always "detached".
create function pgmq.detach_archive(queue_name text) returns void
language plpgsql as $$
begin
  perform pgmq._queue_table(queue_name);
end
$$;

create function pgmq.convert_archive_partitioned(
  table_name text, partition_interval text default '10000',
  retention_interval text default '100000', leading_partition integer default 10
) returns void language plpgsql as $$
begin
  raise exception 'pgmq.convert_archive_partitioned needs pg_partman, which this local stack does not have';
end
$$;

create function pgmq.drop_queue(queue_name text) returns boolean
language plpgsql as $$
begin
  if not exists (select 1 from pgmq.meta m where lower(m.queue_name) = lower(drop_queue.queue_name)) then
    raise notice 'pgmq queue `%` does not exist', queue_name;
    return false;
  end if;
  execute format('drop table if exists pgmq.%I', pgmq.format_table_name(queue_name, 'q'));
  execute format('drop table if exists pgmq.%I', pgmq.format_table_name(queue_name, 'a'));
  delete from pgmq.meta m where lower(m.queue_name) = lower(drop_queue.queue_name);
  return true;
end
$$;

create function pgmq.drop_queue(queue_name text, partitioned boolean) returns boolean
language sql as $$ select pgmq.drop_queue(queue_name) $$;

create function pgmq.send(queue_name text, msg jsonb, headers jsonb, delay timestamptz)
returns setof bigint language plpgsql as $$
begin
  return query execute format(
    'insert into %s (vt, message, headers) values ($1, $2, $3) returning msg_id',
    pgmq._queue_table(queue_name))
  using delay, msg, headers;
end
$$;

-- pgmq 1.5 has six overloads of send and of send_batch, none with defaults: (msg),
-- (msg, headers), (msg, delay int), (msg, delay timestamptz), (msg, headers, delay int) and
-- (msg, headers, delay timestamptz). Grants and drops name them by these exact signatures.
create function pgmq.send(queue_name text, msg jsonb)
returns setof bigint language sql as $$
  select * from pgmq.send(queue_name, msg, null::jsonb, clock_timestamp())
$$;

create function pgmq.send(queue_name text, msg jsonb, headers jsonb)
returns setof bigint language sql as $$
  select * from pgmq.send(queue_name, msg, headers, clock_timestamp())
$$;

create function pgmq.send(queue_name text, msg jsonb, delay integer)
returns setof bigint language sql as $$
  select * from pgmq.send(queue_name, msg, null::jsonb,
    clock_timestamp() + make_interval(secs => delay))
$$;

create function pgmq.send(queue_name text, msg jsonb, delay timestamptz)
returns setof bigint language sql as $$
  select * from pgmq.send(queue_name, msg, null::jsonb, delay)
$$;

create function pgmq.send(queue_name text, msg jsonb, headers jsonb, delay integer)
returns setof bigint language sql as $$
  select * from pgmq.send(queue_name, msg, headers, clock_timestamp() + make_interval(secs => delay))
$$;

create function pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[], delay timestamptz)
returns setof bigint language plpgsql as $$
begin
  if headers is not null and cardinality(headers) <> cardinality(msgs) then
    raise exception 'headers must have the same length as msgs';
  end if;
  return query execute format(
    'insert into %s (vt, message, headers)
     select $1, m.msg, $3[m.ord] from unnest($2) with ordinality as m(msg, ord)
     order by m.ord returning msg_id',
    pgmq._queue_table(queue_name))
  using delay, msgs, headers;
end
$$;

create function pgmq.send_batch(queue_name text, msgs jsonb[])
returns setof bigint language sql as $$
  select * from pgmq.send_batch(queue_name, msgs, null::jsonb[], clock_timestamp())
$$;

create function pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[])
returns setof bigint language sql as $$
  select * from pgmq.send_batch(queue_name, msgs, headers, clock_timestamp())
$$;

create function pgmq.send_batch(queue_name text, msgs jsonb[], delay integer)
returns setof bigint language sql as $$
  select * from pgmq.send_batch(queue_name, msgs, null::jsonb[],
    clock_timestamp() + make_interval(secs => delay))
$$;

create function pgmq.send_batch(queue_name text, msgs jsonb[], delay timestamptz)
returns setof bigint language sql as $$
  select * from pgmq.send_batch(queue_name, msgs, null::jsonb[], delay)
$$;

create function pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[], delay integer)
returns setof bigint language sql as $$
  select * from pgmq.send_batch(queue_name, msgs, headers,
    clock_timestamp() + make_interval(secs => delay))
$$;

create function pgmq.read(
  queue_name text, vt integer, qty integer, conditional jsonb default '{}'
) returns setof pgmq.message_record language plpgsql as $$
begin
  return query execute format(
    'with cte as (
       select msg_id from %1$s
        where vt <= clock_timestamp()
          and case when $3 <> ''{}''::jsonb then message @> $3 else true end
        order by msg_id asc
        limit $1
        for update skip locked)
     update %1$s m
        set vt = clock_timestamp() + make_interval(secs => $2),
            read_ct = read_ct + 1
       from cte
      where m.msg_id = cte.msg_id
     returning m.msg_id, m.read_ct, m.enqueued_at, m.vt, m.message, m.headers',
    pgmq._queue_table(queue_name))
  using qty, vt, coalesce(conditional, '{}'::jsonb);
end
$$;

create function pgmq.read_with_poll(
  queue_name text, vt integer, qty integer, max_poll_seconds integer default 5,
  poll_interval_ms integer default 100, conditional jsonb default '{}'
) returns setof pgmq.message_record language plpgsql as $$
declare
  stop_at timestamptz := clock_timestamp() + make_interval(secs => max_poll_seconds);
  found_any boolean;
  rec pgmq.message_record;
begin
  loop
    exit when clock_timestamp() >= stop_at;
    found_any := false;
    for rec in select * from pgmq.read(queue_name, vt, qty, conditional) loop
      found_any := true;
      return next rec;
    end loop;
    if found_any then
      return;
    end if;
    perform pg_sleep(poll_interval_ms / 1000.0);
  end loop;
end
$$;

create function pgmq.pop(queue_name text) returns setof pgmq.message_record
language plpgsql as $$
begin
  return query execute format(
    'with cte as (
       select msg_id from %1$s
        where vt <= clock_timestamp()
        order by msg_id asc
        limit 1
        for update skip locked)
     delete from %1$s m using cte
      where m.msg_id = cte.msg_id
     returning m.msg_id, m.read_ct, m.enqueued_at, m.vt, m.message, m.headers',
    pgmq._queue_table(queue_name));
end
$$;

create function pgmq.set_vt(queue_name text, msg_id bigint, vt integer)
returns setof pgmq.message_record language plpgsql as $$
begin
  return query execute format(
    'update %s set vt = clock_timestamp() + make_interval(secs => $2)
      where msg_id = $1
     returning msg_id, read_ct, enqueued_at, vt, message, headers',
    pgmq._queue_table(queue_name))
  using msg_id, vt;
end
$$;

create function pgmq.delete(queue_name text, msg_id bigint) returns boolean
language plpgsql as $$
declare deleted bigint;
begin
  execute format('delete from %s where msg_id = $1 returning msg_id', pgmq._queue_table(queue_name))
    into deleted using msg_id;
  return deleted is not null;
end
$$;

create function pgmq.delete(queue_name text, msg_ids bigint[]) returns setof bigint
language plpgsql as $$
begin
  return query execute format(
    'delete from %s where msg_id = any($1) returning msg_id', pgmq._queue_table(queue_name))
  using msg_ids;
end
$$;

create function pgmq.archive(queue_name text, msg_ids bigint[]) returns setof bigint
language plpgsql as $$
begin
  return query execute format(
    'with archived as (
       delete from %s where msg_id = any($1)
       returning msg_id, vt, read_ct, enqueued_at, message, headers)
     insert into %s (msg_id, vt, read_ct, enqueued_at, message, headers)
     select msg_id, vt, read_ct, enqueued_at, message, headers from archived
     returning msg_id',
    pgmq._queue_table(queue_name), pgmq._archive_table(queue_name))
  using msg_ids;
end
$$;

create function pgmq.archive(queue_name text, msg_id bigint) returns boolean
language plpgsql as $$
begin
  return exists (select 1 from pgmq.archive(queue_name, array[msg_id]));
end
$$;

create function pgmq.purge_queue(queue_name text) returns bigint
language plpgsql as $$
declare deleted bigint;
begin
  execute format('with d as (delete from %s returning 1) select count(*) from d',
    pgmq._queue_table(queue_name)) into deleted;
  return deleted;
end
$$;

create function pgmq.metrics(queue_name text) returns pgmq.metrics_result
language plpgsql as $$
declare result pgmq.metrics_result;
begin
  execute format(
    'select $1::text,
            count(*)::bigint,
            extract(epoch from (now() - max(enqueued_at)))::int,
            extract(epoch from (now() - min(enqueued_at)))::int,
            0::bigint,
            now(),
            count(*) filter (where vt <= clock_timestamp())::bigint
       from %1$s',
    pgmq._queue_table(queue_name))
  into result using queue_name;
  -- total_messages counts every message ever sent: the identity's last value.
  execute format(
    'select coalesce((select last_value from %s where is_called), 0)',
    pg_get_serial_sequence(pgmq._queue_table(queue_name), 'msg_id'))
  into result.total_messages;
  return result;
end
$$;

create function pgmq.metrics_all() returns setof pgmq.metrics_result
language plpgsql as $$
declare q record;
begin
  for q in select m.queue_name from pgmq.meta m order by m.queue_name loop
    return next pgmq.metrics(q.queue_name);
  end loop;
end
$$;

create function pgmq.list_queues() returns setof pgmq.queue_record
language sql as $$
  select queue_name, is_partitioned, is_unlogged, created_at from pgmq.meta order by queue_name
$$;

grant usage, create on schema pgmq to @extowner@;
grant select, insert, update, delete on pgmq.meta to @extowner@;
