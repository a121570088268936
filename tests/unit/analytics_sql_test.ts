/** @module The analytics attachment's SQL builders, provenance and configuration (pure). */
import assert from "node:assert/strict";
import {
  analyticsQuerySql,
  attachMigration,
  probeSql,
  storeCredentialsSql,
} from "../../functions-shared/analytics/attach_sql.ts";
import { DEMO_DATASET } from "../../functions-shared/analytics/demo_dataset.generated.ts";
import type { DemoDataset } from "../../functions-shared/analytics/demo_dataset.ts";
import {
  canonicalJson,
  provenance,
  rowsChecksum,
} from "../../functions-shared/analytics/provenance.ts";
import { analyticsSecrets, readAnalyticsSource } from "../../functions-shared/analytics/source.ts";

const SOURCE = {
  catalogUri: "https://abc.storage.supabase.co/storage/v1/iceberg",
  warehouse: "vibe-analytics-demo",
  s3Endpoint: "https://abc.storage.supabase.co/storage/v1/s3",
  region: "us-east-1",
  accessKeyId: "AKIAEXAMPLEKEY",
  secretAccessKey: "s3cr3t/with+chars'quote",
  catalogToken: "sb_secret_example_token",
};

Deno.test("the migration follows the Iceberg wrapper's documented SQL, without secrets", () => {
  const { name, sql } = attachMigration(SOURCE, DEMO_DATASET);
  assert.equal(name, "vibe_analytics");
  assert.match(sql, /^create extension if not exists wrappers with schema extensions;$/m);
  assert.match(
    sql,
    /create foreign data wrapper iceberg_wrapper\n\s+handler extensions\.iceberg_fdw_handler\n\s+validator extensions\.iceberg_fdw_validator;/,
  );
  assert.match(
    sql,
    /if not exists \(select 1 from pg_foreign_data_wrapper where fdwname = 'iceberg_wrapper'\)/,
  );
  assert.match(
    sql,
    /'vault_aws_access_key_id %L, vault_aws_secret_access_key %L, vault_token %L, '\n\s+'region_name %L, catalog_uri %L, warehouse %L, "s3\.endpoint" %L\)'/,
  );
  assert.match(sql, /'https:\/\/abc\.storage\.supabase\.co\/storage\/v1\/iceberg'/);
  assert.match(
    sql,
    /create foreign table if not exists analytics\.sales \(\n {2}order_id bigint,\n {2}sale_date date,/,
  );
  assert.match(sql, /server vibe_analytics_iceberg\n {2}options \(table 'marketplace\.sales'\);/);
  assert.match(sql, /revoke all on analytics\.sales from public, anon, authenticated;/);
  for (const secret of analyticsSecrets(SOURCE)) assert.ok(!sql.includes(secret));
});

Deno.test("credentials go to Vault by name, created or updated, quoted", () => {
  const sql = storeCredentialsSql(SOURCE);
  assert.match(sql, /^do \$vibe_analytics\$\n/);
  assert.match(
    sql,
    /select id into found from vault\.secrets where name = 'vibe_analytics_aws_access_key_id';/,
  );
  assert.match(
    sql,
    /perform vault\.create_secret\('s3cr3t\/with\+chars''quote', 'vibe_analytics_aws_secret_access_key'/,
  );
  assert.match(sql, /perform vault\.update_secret\(found, 'sb_secret_example_token'\);/);
  assert.equal(sql.match(/vault\.create_secret/g)?.length, 3);
  assert.throws(
    () => storeCredentialsSql({ ...SOURCE, catalogToken: "x$vibe_analytics$; drop table y" }),
    /contains \$vibe_analytics\$/,
  );
});

Deno.test("the probe and the demo query are single read-only statements", () => {
  assert.equal(probeSql(DEMO_DATASET), "select count(*)::int as rows from analytics.sales");
  const q = analyticsQuerySql(DEMO_DATASET);
  assert.match(q, /^select category,/);
  assert.match(q, /from analytics\.sales\n group by category\n order by category$/);
  assert.ok(!q.includes(";"));
});

Deno.test("names and types that are not plain are refused", () => {
  const bad: DemoDataset = { ...DEMO_DATASET, table: "sales; drop table x" };
  assert.throws(() => attachMigration(SOURCE, bad), /not a plain name/);
  const badType: DemoDataset = {
    ...DEMO_DATASET,
    columns: [{ name: "x", icebergType: "long", pgType: "bigint); drop table y; --" }],
  };
  assert.throws(() => attachMigration(SOURCE, badType), /has type/);
});

Deno.test("provenance: checksum over canonical JSON, counts, snapshot", async () => {
  assert.equal(canonicalJson([{ b: 1, a: { d: 2, c: null } }]), '[{"a":{"c":null,"d":2},"b":1}]');
  const rows = [{ category: "effects", orders: 3 }];
  const same = [{ orders: 3, category: "effects" }];
  assert.equal(await rowsChecksum(rows), await rowsChecksum(same), "key order does not matter");
  assert.notEqual(await rowsChecksum(rows), await rowsChecksum([{ ...rows[0], orders: 4 }]));
  assert.match(await rowsChecksum([]), /^sha256:[0-9a-f]{64}$/);
  const p = await provenance(
    { location: "s3://b/ns/t", table: "ns.t", snapshotId: "42" },
    rows,
    new Date("2026-01-02T03:04:05Z"),
  );
  assert.deepEqual(p, {
    source: "s3://b/ns/t (ns.t)",
    snapshot_id: "42",
    row_count: 1,
    checksum: await rowsChecksum(rows),
    queried_at: "2026-01-02T03:04:05.000Z",
  });
});

Deno.test("the analytics source is all of VIBE_ANALYTICS_* or none", () => {
  assert.equal(readAnalyticsSource({}), null);
  const env = {
    VIBE_ANALYTICS_CATALOG_URI: SOURCE.catalogUri,
    VIBE_ANALYTICS_WAREHOUSE: SOURCE.warehouse,
    VIBE_ANALYTICS_S3_ENDPOINT: SOURCE.s3Endpoint,
    VIBE_ANALYTICS_REGION: SOURCE.region,
    VIBE_ANALYTICS_ACCESS_KEY_ID: SOURCE.accessKeyId,
    VIBE_ANALYTICS_SECRET_ACCESS_KEY: SOURCE.secretAccessKey,
    VIBE_ANALYTICS_CATALOG_TOKEN: SOURCE.catalogToken,
  };
  assert.deepEqual(readAnalyticsSource(env), SOURCE);
  assert.throws(
    () => readAnalyticsSource({ ...env, VIBE_ANALYTICS_CATALOG_TOKEN: undefined }),
    /set all of VIBE_ANALYTICS_CATALOG_URI.*VIBE_ANALYTICS_CATALOG_TOKEN/,
  );
  assert.deepEqual(analyticsSecrets(readAnalyticsSource(env)), [
    SOURCE.accessKeyId,
    SOURCE.secretAccessKey,
    SOURCE.catalogToken,
  ]);
});
