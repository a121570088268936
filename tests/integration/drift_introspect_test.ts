/**
 * @module Introspection against real Postgres: one catalog query per kind and the single JSON
 * statement give the same model, whatever the session's search_path, inside or outside a
 * transaction (whose search_path is left as it was); Storage buckets are read where the
 * storage schema exists; a runner handing JSON back as text (MCP `execute_sql`) works too.
 */
import assert from "node:assert/strict";
import { CATALOG_KINDS } from "../../functions-shared/drift/catalog_queries.ts";
import { compare } from "../../functions-shared/drift/diff.ts";
import { introspect } from "../../functions-shared/drift/introspect.ts";
import type { SqlRunner } from "../../functions-shared/drift/sql_runner.ts";
import { inRollback, openFixture } from "./drift_fixture.ts";

/** A runner like MCP execute_sql: every value comes back as JSON text, statements are counted. */
function textRunner(inner: SqlRunner): SqlRunner & { statements: string[] } {
  const statements: string[] = [];
  return {
    statements,
    async query<T>(text: string, values?: readonly unknown[]): Promise<T[]> {
      statements.push(text);
      const rows = await inner.query<Record<string, unknown>>(text, values);
      return rows.map((row) =>
        Object.fromEntries(
          Object.entries(row).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : v]),
        )
      ) as T[];
    },
  };
}

Deno.test("introspection: per-kind and single-statement models are equal and path-independent", async (t) => {
  const fx = await openFixture("drift_intro");
  try {
    const perKind = await introspect(fx.runner);
    await t.step("per-kind makes one catalog query per kind", () => {
      assert.equal(perKind.mode, "per-kind");
      assert.equal(perKind.catalogQueries, CATALOG_KINDS.length);
      assert.equal(perKind.statements, CATALOG_KINDS.length); // outside a transaction: no restore
    });

    await t.step("the single statement gives the same model in one query", async () => {
      const single = await introspect(fx.runner, { mode: "single-statement" });
      assert.equal(single.catalogQueries, 1);
      assert.equal(single.statements, 1);
      assert.deepEqual(single.model, perKind.model);
    });

    await t.step("the model is JSON-serialisable as is", () => {
      assert.deepEqual(JSON.parse(JSON.stringify(perKind.model)), perKind.model);
    });

    await t.step("the model covers every kind of the fixture", () => {
      const m = perKind.model;
      const listings = m.tables.find((x) => x.name === "listings")!;
      assert.equal(listings.rls, true);
      assert.ok(
        listings.columns.some((c) => c.name === "search" && c.generated?.includes("to_tsvector")),
      );
      assert.ok(
        listings.indexes.some((i) =>
          i.definition.includes("WHERE (status = 'active'::public.listing_status)")
        ),
      );
      assert.ok(listings.policies.some((p) => !p.permissive && p.command === "UPDATE"));
      assert.ok(
        listings.triggers.some((x) =>
          x.name === "listings_set_updated_at" && x.enabled === "origin"
        ),
      );
      const bids = m.tables.find((x) => x.name === "bids")!;
      assert.equal(bids.replicaIdentity, "full");
      assert.equal(bids.columns.find((c) => c.name === "id")?.identity, "always");
      assert.deepEqual(bids.columns.find((c) => c.name === "amount_cents")?.grants, [
        { grantee: "anon", privilege: "SELECT", grantable: false },
      ]);
      const count = m.routines.find((r) => r.name === "listing_bid_count")!;
      assert.ok(count.grants.some((g) => g.grantee === "PUBLIC" && g.privilege === "EXECUTE"));
      assert.deepEqual(count.config, ['search_path=""']);
      assert.equal(count.volatility, "stable");
      const audit = m.routines.find((r) => r.name === "audit")!;
      assert.equal(audit.securityDefiner, true);
      assert.ok(!audit.grants.some((g) => g.grantee === "PUBLIC"));
      assert.deepEqual(m.enums.map((e) => [e.name, e.values]), [["listing_status", [
        "draft",
        "active",
        "sold",
      ]]]);
      const seq = m.sequences.find((s) => s.name === "order_number_seq")!;
      assert.deepEqual([seq.start, seq.ownedBy], ["1000", {
        schema: "public",
        table: "orders",
        column: "order_number",
      }]);
      const view = m.views.find((v) => v.name === "listing_summaries")!;
      assert.deepEqual([view.securityInvoker, view.materialized], [true, false]);
      const stats = m.views.find((v) => v.name === "seller_stats")!;
      assert.equal(stats.materialized, true);
      assert.equal(stats.indexes.length, 1);
      const realtime = m.publications.find((p) => p.name === "supabase_realtime")!;
      assert.deepEqual(realtime.tables.map((x) => x.name), ["bids", "listings"]);
      assert.deepEqual(m.defaultPrivileges.map((d) => [d.role, d.schema, d.objects]), [[
        "postgres",
        "private",
        "tables",
      ]]);
      assert.ok(m.extensions.some((e) => e.name === "pg_trgm" && e.schema === "extensions"));
      assert.deepEqual(m.schemas.map((s) => s.name), ["private", "public"]);
      assert.deepEqual(m.platformTables.map((p) => [p.schema, p.name, p.triggers.length]), [[
        "auth",
        "users",
        1,
      ]]);
      // Every local database has the storage schema (as every hosted project does), no bucket.
      assert.deepEqual(m.buckets, []);
      assert.ok(m.platform.roles.some((r) => r.name === "anon"));
      // Platform schemas are consulted, never modelled as user objects.
      assert.ok(
        !m.tables.some((x) =>
          ["auth", "realtime", "vault", "supabase_migrations"].includes(x.schema)
        ),
      );
    });

    await t.step(
      "a session search_path changes nothing, and is restored inside a transaction",
      async () => {
        await inRollback(fx.client, async () => {
          await fx.client.query("set local search_path = public, extensions, auth");
          const inTx = await introspect(fx.runner);
          assert.equal(inTx.statements, CATALOG_KINDS.length + 1); // + restoring the path
          assert.deepEqual(compare(perKind.model, inTx.model).findings, []);
          assert.deepEqual(inTx.model, perKind.model);
          const path = await fx.client.query("show search_path");
          assert.equal(path.rows[0].search_path, "public, extensions, auth");
          const single = await introspect(fx.runner, { mode: "single-statement" });
          assert.deepEqual(single.model, perKind.model);
        });
        await fx.client.query("set search_path = public");
        try {
          assert.deepEqual(
            (await introspect(fx.runner, { mode: "single-statement" })).model,
            perKind.model,
          );
        } finally {
          await fx.client.query("reset search_path");
        }
      },
    );

    await t.step(
      "a runner returning JSON as text (MCP execute_sql) gives the same model",
      async () => {
        const runner = textRunner(fx.runner);
        const single = await introspect(runner, { mode: "single-statement" });
        assert.equal(runner.statements.length, 1);
        assert.deepEqual(single.model, perKind.model);
        const kinds = await introspect(textRunner(fx.runner));
        assert.deepEqual(kinds.model, perKind.model);
      },
    );

    await t.step("storage buckets are read where the storage schema exists", async () => {
      await inRollback(fx.admin, async () => {
        await fx.admin.query(`
          insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
            values ('avatars', 'avatars', true, 1048576, array['image/png']), ('docs', 'docs', false, null, null);`);
        const perKindBuckets = await introspect(fx.adminRunner);
        const single = await introspect(fx.adminRunner, { mode: "single-statement" });
        assert.deepEqual(perKindBuckets.model.buckets, [
          {
            id: "avatars",
            name: "avatars",
            public: true,
            fileSizeLimit: "1048576",
            allowedMimeTypes: ["image/png"],
          },
          { id: "docs", name: "docs", public: false, fileSizeLimit: null, allowedMimeTypes: null },
        ]);
        assert.deepEqual(single.model, perKindBuckets.model);

        await fx.admin.query("update storage.buckets set public = true where id = 'docs'");
        const flipped = await introspect(fx.adminRunner);
        const finding = compare(perKindBuckets.model, flipped.model).findings;
        assert.deepEqual(finding.map((f) => [f.check, f.category, f.severity, f.resource]), [
          ["bucket.public", "D", "critical", "storage.buckets.docs"],
        ]);
        await fx.admin.query(finding[0]!.fix.map((s) => s.sql).join("\n"));
        assert.deepEqual(
          compare(perKindBuckets.model, (await introspect(fx.adminRunner)).model).findings,
          [],
        );
      });
    });
  } finally {
    await fx.close();
  }
});
