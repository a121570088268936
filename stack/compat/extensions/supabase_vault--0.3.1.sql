-- vibe-architect local stack: Supabase Vault's SQL API. Secrets are encrypted at rest with a
-- per-database key that only the superuser can read; vault.decrypted_secrets decrypts them.

create table vault._key (
  id int primary key default 1 check (id = 1),
  key text not null default encode(extensions.gen_random_bytes(32), 'hex')
);
insert into vault._key default values;
revoke all on vault._key from public;

create table vault.secrets (
  id uuid primary key default gen_random_uuid(),
  name text,
  description text not null default '',
  secret text not null,
  key_id uuid,
  nonce bytea default extensions.gen_random_bytes(16),
  created_at timestamptz not null default current_timestamp,
  updated_at timestamptz not null default current_timestamp
);
create unique index secrets_name_idx on vault.secrets (name) where name is not null;

create function vault._encrypt(plain text) returns text
language sql volatile security definer set search_path = '' as $$
  select encode(extensions.pgp_sym_encrypt(plain, (select key from vault._key)), 'base64')
$$;

create view vault.decrypted_secrets as
  select s.id, s.name, s.description, s.secret,
         extensions.pgp_sym_decrypt(decode(s.secret, 'base64'), k.key) as decrypted_secret,
         s.key_id, s.nonce, s.created_at, s.updated_at
    from vault.secrets s cross join vault._key k;

create function vault.create_secret(
  new_secret text, new_name text default null, new_description text default '',
  new_key_id uuid default null
) returns uuid language plpgsql security definer set search_path = '' as $$
declare rec record;
begin
  insert into vault.secrets (secret, name, description, key_id)
  values (vault._encrypt(new_secret), new_name, coalesce(new_description, ''), new_key_id)
  returning * into rec;
  return rec.id;
end
$$;

create function vault.update_secret(
  secret_id uuid, new_secret text default null, new_name text default null,
  new_description text default null, new_key_id uuid default null
) returns void language plpgsql security definer set search_path = '' as $$
begin
  update vault.secrets s
     set secret = case when new_secret is null then s.secret else vault._encrypt(new_secret) end,
         name = coalesce(new_name, s.name),
         description = coalesce(new_description, s.description),
         key_id = coalesce(new_key_id, s.key_id),
         updated_at = now()
   where s.id = secret_id;
end
$$;

revoke all on all functions in schema vault from public;
grant usage on schema vault to postgres, service_role;
grant select, delete on vault.secrets to postgres, service_role;
grant select on vault.decrypted_secrets to postgres, service_role;
grant execute on function vault.create_secret(text, text, text, uuid),
  vault.update_secret(uuid, text, text, text, uuid) to postgres, service_role;
