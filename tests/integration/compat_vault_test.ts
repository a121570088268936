/**
 * @module Conformance of the local Vault to Supabase Vault's SQL API: vault.create_secret and
 * vault.update_secret store secrets encrypted, vault.decrypted_secrets decrypts them, and only
 * postgres and service_role can reach any of it.
 */
import assert from "node:assert/strict";
import type pg from "../../functions-shared/db/pg.ts";
import { one, rows, sqlState, withScratch } from "../support/compat.ts";
import { asRole } from "../support/stack.ts";

interface Stored {
  id: string;
  name: string | null;
  description: string;
  secret: string;
  created_at: Date;
  updated_at: Date;
}

function stored(c: pg.Client, id: string): Promise<Stored> {
  return one<Stored>(
    c,
    "select id, name, description, secret, created_at, updated_at from vault.secrets where id = $1",
    [id],
  );
}

function decrypted(c: pg.Client, id: string): Promise<string> {
  return one<{ s: string }>(
    c,
    "select decrypted_secret as s from vault.decrypted_secrets where id = $1",
    [id],
  )
    .then((r) => r.s);
}

Deno.test("compat vault: secrets encrypted at rest, decrypted by the view, closed to API roles", async (t) => {
  await withScratch("vault", async ({ client: c }) => {
    const plain = `sk-live-${crypto.randomUUID()}`;
    let id = "";

    await t.step(
      "create_secret stores the secret encrypted; decrypted_secrets decrypts it",
      async () => {
        id = (await one<{ id: string }>(
          c,
          "select vault.create_secret($1, 'api_key', 'the API key') as id",
          [plain],
        )).id;
        assert.match(id, /^[0-9a-f-]{36}$/);
        const s = await stored(c, id);
        assert.equal(s.name, "api_key");
        assert.equal(s.description, "the API key");
        assert.notEqual(s.secret, plain);
        assert.ok(!s.secret.includes(plain), "the stored value does not contain the plaintext");
        assert.ok(!s.secret.includes(plain.slice(8, 20)), "nor a piece of it");
        assert.equal(await decrypted(c, id), plain);
        const byName = await one<{ name: string; description: string; decrypted_secret: string }>(
          c,
          "select name, description, decrypted_secret from vault.decrypted_secrets where name = 'api_key'",
        );
        assert.deepEqual(byName, {
          name: "api_key",
          description: "the API key",
          decrypted_secret: plain,
        });
      },
    );

    await t.step(
      "the same plaintext stored twice has different ciphertexts; names are optional",
      async () => {
        const other =
          (await one<{ id: string }>(c, "select vault.create_secret($1) as id", [plain])).id;
        const third =
          (await one<{ id: string }>(c, "select vault.create_secret($1) as id", [plain])).id;
        assert.notEqual((await stored(c, other)).secret, (await stored(c, id)).secret);
        assert.equal((await stored(c, other)).name, null);
        assert.equal((await stored(c, third)).name, null);
        assert.equal(await decrypted(c, third), plain);
      },
    );

    await t.step("names are unique", async () => {
      await assert.rejects(
        c.query("select vault.create_secret('x', 'api_key')"),
        sqlState("23505"),
      );
    });

    await t.step("update_secret re-encrypts a new value and keeps what is not given", async () => {
      const before = await stored(c, id);
      await c.query("select vault.update_secret($1, 'rotated-value')", [id]);
      const after = await stored(c, id);
      assert.notEqual(after.secret, before.secret);
      assert.ok(!after.secret.includes("rotated-value"));
      assert.equal(after.name, "api_key");
      assert.equal(after.description, "the API key");
      assert.ok(after.updated_at.getTime() >= before.updated_at.getTime());
      assert.equal(await decrypted(c, id), "rotated-value");

      await c.query(
        "select vault.update_secret($1, new_name => 'api_key_v2', new_description => 'rotated')",
        [id],
      );
      const renamed = await stored(c, id);
      assert.equal(
        renamed.secret,
        after.secret,
        "the secret is unchanged when no new value is given",
      );
      assert.equal(renamed.name, "api_key_v2");
      assert.equal(renamed.description, "rotated");
      assert.equal(await decrypted(c, id), "rotated-value");
    });

    await t.step(
      "anon and authenticated can reach neither the secrets nor the functions",
      async () => {
        for (const role of ["anon", "authenticated"] as const) {
          for (
            const sql of [
              "select * from vault.decrypted_secrets",
              "select * from vault.secrets",
              "select vault.create_secret('x')",
              `select vault.update_secret('${id}', 'x')`,
            ]
          ) {
            await assert.rejects(
              asRole(c, role, { sub: crypto.randomUUID() }, () => c.query(sql)),
              sqlState("42501"),
              `${role}: ${sql}`,
            );
          }
        }
      },
    );

    await t.step("service_role and postgres read and write the vault", async () => {
      await asRole(c, "service_role", {}, async () => {
        assert.equal(await decrypted(c, id), "rotated-value");
        const sid =
          (await one<{ id: string }>(c, "select vault.create_secret('from-service') as id")).id;
        assert.equal(await decrypted(c, sid), "from-service");
        await c.query("select vault.update_secret($1, 'from-service-2')", [sid]);
        assert.equal(await decrypted(c, sid), "from-service-2");
      });
      const all = await rows<{ decrypted_secret: string }>(
        c,
        "select decrypted_secret from vault.decrypted_secrets",
      );
      assert.ok(all.some((r) => r.decrypted_secret === "rotated-value"));
    });
  });
});
