-- Cluster-wide roles as on hosted Supabase. Run once per cluster as the superuser supabase_admin.
-- `postgres` is deliberately not a superuser: migrations run as it, so what fails on hosted fails here.
do $$
begin
  if not exists (select from pg_roles where rolname = 'postgres') then
    create role postgres login createrole createdb replication bypassrls;
  end if;
  if not exists (select from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select from pg_roles where rolname = 'supabase_realtime_admin') then
    create role supabase_realtime_admin nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
  -- The local Auth server (GoTrue's role) and the owner of the storage schema, as on hosted.
  if not exists (select from pg_roles where rolname = 'supabase_auth_admin') then
    create role supabase_auth_admin login noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'supabase_storage_admin') then
    create role supabase_storage_admin login noinherit;
  end if;
end
$$;

alter role postgres login createrole createdb replication bypassrls nosuperuser;
grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres with admin option;
-- As on hosted, postgres may write policies on realtime.messages (Realtime Authorization).
grant supabase_realtime_admin to postgres;
-- As on hosted, postgres may write policies on storage.objects (owned by supabase_storage_admin).
grant supabase_storage_admin to postgres;
-- The Data API connects as authenticator (socket, trust) and switches to the request's role.
alter role authenticator set statement_timeout = '8s';
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
