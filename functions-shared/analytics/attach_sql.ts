/**
 * @module The SQL that attaches the demo dataset to an environment with Supabase Wrappers'
 * Iceberg FDW, as its documentation gives it: the `wrappers` extension, the `iceberg_wrapper`
 * wrapper (iceberg_fdw_handler / iceberg_fdw_validator), the credentials in Vault, a server
 * whose `vault_*` options hold the secrets' ids, and a foreign table per dataset table. Every
 * statement is idempotent; the credentials are kept apart from the migration so that no secret
 * is recorded in the environment's migration history.
 */
import { quoteLiteral } from "../sql/identifier.ts";
import type { DemoDataset } from "./demo_dataset.ts";
import type { AnalyticsSource } from "./source.ts";

/** Names of what the attachment creates. */
export const ANALYTICS_SCHEMA = "analytics";
export const ICEBERG_WRAPPER = "iceberg_wrapper";
export const ICEBERG_SERVER = "vibe_analytics_iceberg";
export const ANALYTICS_MIGRATION = "vibe_analytics";

/** Vault secret names, one per credential option of the server. */
export const VAULT_SECRETS = {
  accessKeyId: "vibe_analytics_aws_access_key_id",
  secretAccessKey: "vibe_analytics_aws_secret_access_key",
  catalogToken: "vibe_analytics_catalog_token",
} as const;

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const DOLLAR_TAG = "$vibe_analytics$";

/** A literal for use inside the `$vibe_analytics$` bodies below (which it must not end). */
function lit(value: string): string {
  if (value.includes(DOLLAR_TAG)) {
    throw new Error(`Cannot attach analytics: a value contains ${DOLLAR_TAG}`);
  }
  return quoteLiteral(value);
}

function checkDataset(dataset: DemoDataset): void {
  for (const n of [dataset.namespace, dataset.table, ...dataset.columns.map((c) => c.name)]) {
    if (!NAME.test(n)) throw new Error(`Cannot attach the dataset: "${n}" is not a plain name`);
  }
  for (const c of dataset.columns) {
    if (!/^[a-z][a-z ]*$/.test(c.pgType)) {
      throw new Error(`Cannot attach the dataset: column ${c.name} has type "${c.pgType}"`);
    }
  }
}

/** The foreign table's qualified name. */
export function foreignTableName(dataset: DemoDataset): string {
  return `${ANALYTICS_SCHEMA}.${dataset.table}`;
}

/**
 * Stores the three credentials in Vault under fixed names, creating or updating each (so a
 * re-run converges). Secret values appear only here: run it with execute_sql, never record it
 * as a migration.
 */
export function storeCredentialsSql(source: AnalyticsSource): string {
  const upserts = (Object.keys(VAULT_SECRETS) as (keyof typeof VAULT_SECRETS)[]).map((k) => {
    const name = lit(VAULT_SECRETS[k]);
    const value = lit(source[k]);
    return `  select id into found from vault.secrets where name = ${name};
  if found is null then
    perform vault.create_secret(${value}, ${name}, 'vibe-architect analytics: Iceberg wrapper');
  else
    perform vault.update_secret(found, ${value});
  end if;`;
  });
  return `do $vibe_analytics$
declare found uuid;
begin
${upserts.join("\n")}
end
$vibe_analytics$;`;
}

/** The migration that attaches the dataset (no secret in it: the server reads Vault ids). */
export function attachMigration(
  source: Omit<AnalyticsSource, "accessKeyId" | "secretAccessKey" | "catalogToken">,
  dataset: DemoDataset,
): { name: string; sql: string } {
  checkDataset(dataset);
  const columns = dataset.columns.map((c) => `  ${c.name} ${c.pgType}`).join(",\n");
  const sql = `-- Supabase Wrappers: the Iceberg foreign data wrapper over an analytics bucket.
create extension if not exists wrappers with schema extensions;

do $vibe_analytics$
begin
  if not exists (select 1 from pg_foreign_data_wrapper where fdwname = ${lit(ICEBERG_WRAPPER)}) then
    create foreign data wrapper ${ICEBERG_WRAPPER}
      handler extensions.iceberg_fdw_handler
      validator extensions.iceberg_fdw_validator;
  end if;
end
$vibe_analytics$;

-- The server's credentials are Vault secret ids (stored beforehand under fixed names).
do $vibe_analytics$
declare
  key_id text := (select id::text from vault.secrets where name = ${
    lit(VAULT_SECRETS.accessKeyId)
  });
  secret_id text := (select id::text from vault.secrets where name = ${
    lit(VAULT_SECRETS.secretAccessKey)
  });
  token_id text := (select id::text from vault.secrets where name = ${
    lit(VAULT_SECRETS.catalogToken)
  });
begin
  if key_id is null or secret_id is null or token_id is null then
    raise exception 'Cannot attach analytics: store the credentials in Vault first';
  end if;
  if not exists (select 1 from pg_foreign_server where srvname = ${lit(ICEBERG_SERVER)}) then
    execute format(
      'create server ${ICEBERG_SERVER} foreign data wrapper ${ICEBERG_WRAPPER} options ('
        'vault_aws_access_key_id %L, vault_aws_secret_access_key %L, vault_token %L, '
        'region_name %L, catalog_uri %L, warehouse %L, "s3.endpoint" %L)',
      key_id, secret_id, token_id, ${lit(source.region)}, ${lit(source.catalogUri)},
      ${lit(source.warehouse)}, ${lit(source.s3Endpoint)});
  end if;
end
$vibe_analytics$;

create schema if not exists ${ANALYTICS_SCHEMA};
revoke all on schema ${ANALYTICS_SCHEMA} from public, anon, authenticated;

create foreign table if not exists ${foreignTableName(dataset)} (
${columns}
)
  server ${ICEBERG_SERVER}
  options (table ${lit(`${dataset.namespace}.${dataset.table}`)});
-- Analytics stays server-side: no Data API role reads it.
revoke all on ${foreignTableName(dataset)} from public, anon, authenticated;
`;
  return { name: ANALYTICS_MIGRATION, sql };
}

/** Counts the attached table's rows: proves the wrapper reads the dataset. */
export function probeSql(dataset: DemoDataset): string {
  checkDataset(dataset);
  return `select count(*)::int as rows from ${foreignTableName(dataset)}`;
}

/** The demo query `GET /sessions/:id/analytics` runs (read-only): sales by category. */
export function analyticsQuerySql(dataset: DemoDataset): string {
  checkDataset(dataset);
  return `select category,
       count(*)::int as orders,
       sum(quantity)::int as units,
       (sum(amount_cents) / 100.0)::numeric(14, 2)::text as revenue,
       min(sale_date)::text as first_sale,
       max(sale_date)::text as last_sale
  from ${foreignTableName(dataset)}
 group by category
 order by category`;
}
