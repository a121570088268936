-- vibe-architect local stack: the SQL surface of Supabase Wrappers' Iceberg FDW
-- (`create extension wrappers with schema extensions`). The handler reads Iceberg tables of the
-- local analytics bucket with the stack's reader (stack/analytics/); see stack/analytics/fdw/.

create function iceberg_fdw_handler() returns fdw_handler
  language c strict as 'MODULE_PATHNAME', 'iceberg_fdw_handler';

create function iceberg_fdw_validator(text[], oid) returns void
  language c strict as 'MODULE_PATHNAME', 'iceberg_fdw_validator';

-- On hosted, supautils lets postgres run `create foreign data wrapper iceberg_wrapper ...` and
-- then grants it USAGE. Locally only a superuser may create a wrapper, so the extension creates
-- the documented one with that same end state.
create foreign data wrapper iceberg_wrapper
  handler iceberg_fdw_handler
  validator iceberg_fdw_validator;
grant usage on foreign data wrapper iceberg_wrapper to @extowner@;
