/** @module The local `wrappers` extension: the hosted Iceberg wrapper's SQL surface, run as
 * the non-superuser `postgres`, reading the demo table with the real reader; the options that
 * could run a program or leave the warehouse are refused. */
import assert from "node:assert/strict";
import {
  attachMigration,
  storeCredentialsSql,
} from "../../functions-shared/analytics/attach_sql.ts";
import { DEMO_DATASET } from "../../functions-shared/analytics/demo_dataset.generated.ts";
import pg from "../../functions-shared/db/pg.ts";
import { dbUrl, scratchDatabase } from "../support/stack.ts";

const SOURCE = {
  catalogUri: "http://127.0.0.1:1/storage/v1/iceberg",
  warehouse: DEMO_DATASET.warehouse,
  s3Endpoint: "http://127.0.0.1:1/storage/v1/s3",
  region: "local",
  accessKeyId: "LOCALTESTKEYID",
  secretAccessKey: "local-test-secret",
  catalogToken: "local-test-token",
};

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return `${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
  return "ok";
}

Deno.test("the Iceberg wrapper attaches and reads the demo table as postgres", async (t) => {
  const scratch = await scratchDatabase("wrappers");
  const db = new pg.Client({ connectionString: await dbUrl(scratch.name) });
  await db.connect();
  try {
    await db.query(storeCredentialsSql(SOURCE));
    const migration = attachMigration(SOURCE, DEMO_DATASET);
    await db.query(migration.sql);
    await db.query(migration.sql); // idempotent
    await db.query(storeCredentialsSql(SOURCE));

    await t.step("rows come from the Parquet file, in a read-only transaction too", async () => {
      await db.query("begin transaction read only");
      const r = await db.query<{ n: number; orders: number }>(
        "select count(*)::int as n, count(distinct order_id)::int as orders from analytics.sales",
      );
      await db.query("rollback");
      assert.deepEqual(r.rows[0], { n: DEMO_DATASET.rowCount, orders: DEMO_DATASET.rowCount });
      const first = await db.query("select * from analytics.sales order by order_id limit 1");
      assert.equal(first.rows[0].order_id, "100001");
      const limited = await db.query("select category from analytics.sales limit 3");
      assert.equal(limited.rowCount, 3, "an early stop is no error");
      const joined = await db.query<{ n: number }>(
        `select count(*)::int as n from analytics.sales a
           join analytics.sales b on a.order_id = b.order_id where a.quantity > 1`,
      );
      assert.ok(joined.rows[0]!.n > 0, "two scans of the same table at once");
    });

    await t.step("no option runs a program or leaves the warehouse", async () => {
      assert.match(
        await code(db.query(
          `create foreign table analytics.x (a text) server vibe_analytics_iceberg
             options (table 'marketplace.sales', program 'id')`,
        )),
        /^HV00D: invalid option "program"/,
      );
      assert.match(
        await code(db.query(
          `create foreign table analytics.x (a text) server vibe_analytics_iceberg
             options (table 'marketplace.sales''; id; ''')`,
        )),
        /invalid table/,
      );
      assert.match(
        await code(db.query(
          "create server evil foreign data wrapper iceberg_wrapper options (warehouse '../../etc')",
        )),
        /invalid warehouse/,
      );
      assert.match(
        await code(db.query(
          "create server evil foreign data wrapper iceberg_wrapper options (filename '/etc/passwd')",
        )),
        /invalid option "filename"/,
      );
      assert.match(
        await code(
          db.query("create foreign data wrapper mine handler extensions.iceberg_fdw_handler"),
        ),
        /^42501/,
        "only the extension's wrapper exists; postgres cannot make its own",
      );
    });

    await t.step("a missing table or Vault secret is a clear error", async () => {
      await db.query(
        `create foreign table analytics.nope (a text) server vibe_analytics_iceberg
           options (table 'marketplace.nope')`,
      );
      assert.match(
        await code(db.query("select * from analytics.nope")),
        /does not exist in the analytics bucket vibe-analytics-demo/,
      );
      await db.query("delete from vault.secrets where name = 'vibe_analytics_catalog_token'");
      assert.match(
        await code(db.query("select count(*) from analytics.sales")),
        /Vault secret "[0-9a-f-]{36}" of option vault_token does not exist/,
      );
    });
  } finally {
    await db.end();
    await scratch.drop();
  }
});
