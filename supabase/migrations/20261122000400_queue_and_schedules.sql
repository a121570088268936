-- The build queue, the call that wakes a control-plane function through pg_net, and the cron
-- schedules: the worker drain (safety net for missed kicks) and the drift sentinel.
-- The project URL and service key are read from Vault at call time (secrets project_url and
-- service_role_key), so no secret is ever written into a migration or a cron command.

select pgmq.create('build_steps');

create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to service_role;

create or replace function private.call_function(fn text, body jsonb default '{}'::jsonb)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  project_url text;
  service_key text;
begin
  if fn !~ '^[a-z][a-z0-9_-]*$' then
    raise exception 'Cannot call function "%": not a function name', fn;
  end if;
  select decrypted_secret into project_url
    from vault.decrypted_secrets where name = 'project_url';
  select decrypted_secret into service_key
    from vault.decrypted_secrets where name = 'service_role_key';
  if project_url is null or service_key is null then
    raise warning 'Cannot call the % function: create the Vault secrets project_url and '
      'service_role_key (README, "Deploying to a hosted project")', fn;
    return null;
  end if;
  return net.http_post(
    url := rtrim(project_url, '/') || '/functions/v1/' || fn,
    body := body,
    headers := jsonb_build_object(
      'Content-Type', 'application/json',
      'Authorization', 'Bearer ' || service_key
    ),
    timeout_milliseconds := 150000
  );
end
$$;
revoke all on function private.call_function(text, jsonb) from public, anon, authenticated;
grant execute on function private.call_function(text, jsonb) to service_role;

-- pg_cron 1.5+ (hosted) takes second-granularity schedules; 1.4 (Debian 12) ticks per minute.
do $$
declare
  seconds_supported boolean;
begin
  select string_to_array(split_part(extversion, '-', 1), '.')::int[] >= array[1, 5]
    into seconds_supported
    from pg_extension where extname = 'pg_cron';
  perform cron.schedule(
    'vibe-worker-drain',
    case when seconds_supported then '10 seconds' else '* * * * *' end,
    $cmd$select private.call_function('worker', '{"source":"cron"}'::jsonb)$cmd$
  );
  perform cron.schedule(
    'vibe-drift-sentinel',
    '*/5 * * * *',
    $cmd$select private.call_function('drift_check', '{"source":"cron"}'::jsonb)$cmd$
  );
end
$$;
