-- Extensions the control plane uses. On hosted Supabase `postgres` may create these
-- (supautils); vector lives in the extensions schema, as Supabase recommends.
create extension if not exists vector with schema extensions;
create extension if not exists pg_net with schema extensions;
create extension if not exists pg_cron with schema pg_catalog;
create extension if not exists pgmq;
