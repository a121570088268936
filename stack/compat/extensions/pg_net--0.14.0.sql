-- vibe-architect local stack: the SQL API of pg_net 0.14. Requests are queued in
-- net.http_request_queue; a NOTIFY on commit wakes the local gateway, which performs them
-- and records each response in net._http_response, as pg_net's background worker does.

create schema if not exists net;

create domain net.http_method as text
  check (value ilike 'get' or value ilike 'post' or value ilike 'delete');

create table net.http_request_queue (
  id bigserial,
  method net.http_method not null,
  url text not null,
  headers jsonb not null,
  body bytea,
  timeout_milliseconds int not null
);

create unlogged table net._http_response (
  id bigint,
  status_code integer,
  content_type text,
  headers jsonb,
  content text,
  timed_out bool,
  error_msg text,
  created timestamptz not null default now()
);
create index on net._http_response (created);

create function net._notify_request() returns trigger language plpgsql as $$
begin
  perform pg_notify('pg_net_request', current_database());
  return null;
end
$$;
create trigger notify_request after insert on net.http_request_queue
  for each statement execute function net._notify_request();

create function net._urlencode_string(string text) returns text
language plpgsql immutable strict as $$
declare
  bytes bytea := convert_to(string, 'UTF8');
  out text := '';
  b int;
begin
  for i in 0 .. length(bytes) - 1 loop
    b := get_byte(bytes, i);
    if (b between 48 and 57) or (b between 65 and 90) or (b between 97 and 122)
       or b in (45, 46, 95, 126) then
      out := out || chr(b);
    else
      out := out || '%' || upper(lpad(to_hex(b), 2, '0'));
    end if;
  end loop;
  return out;
end
$$;

create function net._encode_url_with_params(url text, params jsonb) returns text
language sql immutable as $$
  select case when coalesce(params, '{}'::jsonb) = '{}'::jsonb then url
    else url || case when position('?' in url) > 0 then '&' else '?' end ||
      (select string_agg(net._urlencode_string(key) || '=' || net._urlencode_string(value), '&')
         from jsonb_each_text(params))
  end
$$;

create function net.http_get(
  url text,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{}'::jsonb,
  timeout_milliseconds int default 5000
) returns bigint language plpgsql volatile parallel safe strict as $$
declare request_id bigint;
begin
  insert into net.http_request_queue (method, url, headers, timeout_milliseconds)
  values ('GET', net._encode_url_with_params(url, params), headers, timeout_milliseconds)
  returning id into request_id;
  return request_id;
end
$$;

create function net.http_post(
  url text,
  body jsonb default '{}'::jsonb,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
  timeout_milliseconds int default 5000
) returns bigint language plpgsql volatile parallel safe as $$
declare
  request_id bigint;
  content_type text;
begin
  select header_value into content_type
    from jsonb_each_text(coalesce(headers, '{}'::jsonb)) r(header_name, header_value)
   where lower(header_name) = 'content-type'
   limit 1;
  if content_type is null then
    headers := coalesce(headers, '{}'::jsonb) || '{"Content-Type": "application/json"}'::jsonb;
  end if;
  -- As pg_net 0.14: the body is JSON, so any other content type is refused; a null body is
  -- queued as a request without a body.
  if content_type <> 'application/json' then
    raise exception 'Content-Type header must be "application/json"';
  end if;
  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values ('POST', net._encode_url_with_params(url, params), headers,
          convert_to(body::text, 'UTF8'), timeout_milliseconds)
  returning id into request_id;
  return request_id;
end
$$;

create function net.http_delete(
  url text,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{}'::jsonb,
  timeout_milliseconds int default 5000
) returns bigint language plpgsql volatile parallel safe strict as $$
declare request_id bigint;
begin
  insert into net.http_request_queue (method, url, headers, timeout_milliseconds)
  values ('DELETE', net._encode_url_with_params(url, params), headers, timeout_milliseconds)
  returning id into request_id;
  return request_id;
end
$$;

create type net.request_status as enum ('PENDING', 'SUCCESS', 'ERROR');
create type net.http_response as (status_code integer, headers jsonb, body text);
create type net.http_response_result as (
  status net.request_status, message text, response net.http_response
);

create function net._http_collect_response(request_id bigint, async bool default true)
returns net.http_response_result language plpgsql volatile parallel safe strict as $$
declare rec net._http_response;
begin
  if not async then
    loop
      select * into rec from net._http_response where id = request_id;
      exit when rec.id is not null;
      perform pg_sleep(0.05);
    end loop;
  end if;
  select * into rec from net._http_response where id = request_id;
  -- As pg_net 0.14: a pending request is indistinguishable from an unknown one (ERROR).
  if rec.id is null or rec.error_msg is not null then
    return ('ERROR', coalesce(rec.error_msg, 'request matching request_id not found'), null)
      ::net.http_response_result;
  end if;
  return ('SUCCESS', 'ok', (rec.status_code, rec.headers, rec.content)::net.http_response)
    ::net.http_response_result;
end
$$;

-- pg_net 0.14's public http_collect_response is deprecated and, as shipped, always fails after
-- its notice (its body discards a SELECT result in PL/pgSQL); hosted projects behave so, hence
-- here too. Use net._http_collect_response or read net._http_response.
create function net.http_collect_response(request_id bigint, async bool default true)
returns net.http_response_result language plpgsql volatile parallel safe strict as $$
begin
  raise notice 'The net.http_collect_response function is deprecated.';
  raise exception 'query has no destination for result data'
    using errcode = '42601',
          hint = 'If you want to discard the results of a SELECT, use PERFORM instead.';
end
$$;

grant usage on schema net to @extowner@, service_role;
grant all on all tables in schema net to @extowner@;
grant usage on all sequences in schema net to @extowner@, service_role;
grant select, insert on net.http_request_queue to service_role;
grant select on net._http_response to service_role;
revoke all on all functions in schema net from public;
grant execute on all functions in schema net to @extowner@, service_role;
