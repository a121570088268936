-- The cron jobs and kicks call the control-plane functions with the service key kept in Vault
-- (service_role_key), which is either the legacy service_role JWT or a secret key (sb_secret_…).
-- A secret key is not a JWT: it goes in the apikey header only (an Authorization: Bearer header
-- with a non-JWT is refused by the platform's verify_jwt check); a JWT goes in both headers, as
-- the legacy keys always did.

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
    headers := private.service_key_headers(service_key),
    timeout_milliseconds := 150000
  );
end
$$;
revoke all on function private.call_function(text, jsonb) from public, anon, authenticated;
grant execute on function private.call_function(text, jsonb) to service_role;

-- The headers that present a service key: apikey always, Authorization only for a JWT.
create or replace function private.service_key_headers(service_key text)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select jsonb_build_object('Content-Type', 'application/json', 'apikey', service_key)
    || case when service_key ~ '^[A-Za-z0-9_-]+[.][A-Za-z0-9_-]+[.][A-Za-z0-9_-]*$'
            then jsonb_build_object('Authorization', 'Bearer ' || service_key)
            else '{}'::jsonb end
$$;
revoke all on function private.service_key_headers(text) from public, anon, authenticated;
grant execute on function private.service_key_headers(text) to service_role;
