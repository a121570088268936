/**
 * @module Conformance of the local auth surface and roles to hosted Supabase: auth.uid(),
 * auth.role(), auth.jwt() and auth.email() read `request.jwt.claims` as PostgREST sets them;
 * roles have hosted's attributes (postgres is not a superuser, service_role bypasses RLS) and a
 * new table is exposed to no API role without an explicit GRANT.
 */
import assert from "node:assert/strict";
import type pg from "../../functions-shared/db/pg.ts";
import { one, rows, sqlState, withScratch } from "../support/compat.ts";
import { asRole, newUser } from "../support/stack.ts";

interface Auth {
  uid: string | null;
  role: string | null;
  jwt: Record<string, unknown> | null;
  email: string | null;
}

const authNow = (c: pg.Client) =>
  one<Auth>(
    c,
    "select auth.uid() as uid, auth.role() as role, auth.jwt() as jwt, auth.email() as email",
  );

Deno.test("compat auth: auth.uid/role/jwt/email read request.jwt.claims", async (t) => {
  await withScratch("auth", async ({ client: c }) => {
    await t.step("null without claims", async () => {
      assert.deepEqual(await authNow(c), { uid: null, role: null, jwt: null, email: null });
      await c.query("begin");
      await c.query("select set_config('request.jwt.claims', '', true)");
      assert.deepEqual(await authNow(c), { uid: null, role: null, jwt: null, email: null });
      await c.query("rollback");
    });

    await t.step("a signed-in user's claims, as PostgREST sets them", async () => {
      const user = await newUser(
        "auth",
        (await one<{ db: string }>(c, "select current_database() as db")).db,
      );
      const [, payload] = user.token.split(".");
      const claims = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/"))) as Record<
        string,
        unknown
      >;
      assert.equal(claims.sub, user.id);
      await asRole(c, "authenticated", claims, async () => {
        const a = await authNow(c);
        assert.equal(a.uid, user.id);
        assert.equal(a.role, "authenticated");
        assert.equal(a.email, user.email);
        assert.deepEqual(a.jwt, { ...claims, role: "authenticated" });
        assert.equal((await one<{ r: string }>(c, "select current_user as r")).r, "authenticated");
      });
      const row = await one<{ email: string }>(c, "select email from auth.users where id = $1", [
        user.id,
      ]);
      assert.equal(row.email, user.email, "sub is the id of the user's auth.users row");
    });

    await t.step("anon claims: no uid, role anon", async () => {
      await asRole(c, "anon", {}, async () => {
        const a = await authNow(c);
        assert.deepEqual([a.uid, a.role, a.email], [null, "anon", null]);
        assert.deepEqual(a.jwt, { role: "anon" });
      });
    });

    await t.step(
      "the legacy request.jwt.claim.<name> settings take precedence, as on hosted",
      async () => {
        const sub = crypto.randomUUID();
        await c.query("begin");
        await c.query("select set_config('request.jwt.claims', $1, true)", [
          JSON.stringify({ sub: crypto.randomUUID(), role: "anon", email: "claims@example.test" }),
        ]);
        await c.query("select set_config('request.jwt.claim.sub', $1, true)", [sub]);
        await c.query("select set_config('request.jwt.claim.role', 'authenticated', true)");
        await c.query("select set_config('request.jwt.claim.email', 'legacy@example.test', true)");
        const a = await authNow(c);
        await c.query("rollback");
        assert.deepEqual([a.uid, a.role, a.email], [sub, "authenticated", "legacy@example.test"]);
      },
    );

    await t.step("claims are transaction-local: gone after the transaction", async () => {
      await asRole(c, "authenticated", { sub: crypto.randomUUID() }, async () => {
        assert.notEqual((await authNow(c)).uid, null);
      });
      assert.deepEqual(await authNow(c), { uid: null, role: null, jwt: null, email: null });
    });
  });
});

Deno.test("compat auth: roles and default privileges as on hosted", async (t) => {
  await withScratch("roles", async ({ client: c }) => {
    await t.step("role attributes", async () => {
      const roles = await rows<
        {
          rolname: string;
          rolsuper: boolean;
          rolinherit: boolean;
          rolcanlogin: boolean;
          rolbypassrls: boolean;
        }
      >(
        c,
        `select rolname, rolsuper, rolinherit, rolcanlogin, rolbypassrls from pg_roles
          where rolname in ('postgres', 'supabase_admin', 'anon', 'authenticated', 'service_role',
                            'authenticator') order by rolname`,
      );
      const by = Object.fromEntries(roles.map((r) => [r.rolname, r]));
      assert.equal(by.postgres?.rolsuper, false, "postgres is not a superuser");
      assert.equal(by.postgres?.rolbypassrls, true);
      assert.equal(by.supabase_admin?.rolsuper, true, "supabase_admin is the superuser");
      assert.equal(by.service_role?.rolbypassrls, true, "service_role has BYPASSRLS");
      for (const r of ["anon", "authenticated", "service_role"]) {
        assert.equal(by[r]?.rolsuper, false, r);
        assert.equal(by[r]?.rolcanlogin, false, `${r} is nologin`);
        assert.equal(by[r]?.rolinherit, false, `${r} is noinherit`);
      }
      assert.equal(by.anon?.rolbypassrls, false);
      assert.equal(by.authenticated?.rolbypassrls, false);
      assert.equal(by.authenticator?.rolcanlogin, true);
      assert.equal(by.authenticator?.rolinherit, false);
      const members = await rows<{ role: string }>(
        c,
        `select r.rolname as role from pg_auth_members m join pg_roles r on r.oid = m.roleid
          join pg_roles u on u.oid = m.member where u.rolname = 'authenticator' order by 1`,
      );
      for (const r of ["anon", "authenticated", "service_role"]) {
        assert.ok(members.some((m) => m.role === r), `authenticator can become ${r}`);
      }
    });

    await t.step("postgres is not a superuser in practice", async () => {
      assert.equal(
        (await one<{ s: string }>(c, "select current_setting('is_superuser') as s")).s,
        "off",
      );
      await assert.rejects(c.query("select pg_read_file('PG_VERSION')"), sqlState("42501"));
      await assert.rejects(c.query("copy (select 1) to program 'true'"), sqlState("42501"));
      // but it owns the database and may create trusted extensions, as on hosted
      assert.equal(
        (await one<{ o: string }>(
          c,
          "select pg_get_userbyid(datdba) as o from pg_database where datname = current_database()",
        )).o,
        "postgres",
      );
    });

    await t.step(
      "anon/authenticated use schema public but get no privilege on a new table",
      async () => {
        await c.query("create table public.fresh (id int primary key, owner uuid)");
        await c.query("create sequence public.fresh_seq");
        await c.query("create view public.fresh_view as select * from public.fresh");
        const privs = await rows<
          { role: string; usage: boolean; create: boolean; any: boolean; seq: boolean }
        >(
          c,
          `select r as role, has_schema_privilege(r, 'public', 'usage') as usage,
                has_schema_privilege(r, 'public', 'create') as create,
                has_table_privilege(r, 'public.fresh', 'select, insert, update, delete, truncate, references, trigger')
                  or has_table_privilege(r, 'public.fresh_view', 'select, insert, update, delete') as any,
                has_sequence_privilege(r, 'public.fresh_seq', 'usage, select, update') as seq
           from unnest(array['anon', 'authenticated', 'service_role']) r`,
        );
        for (const p of privs) {
          assert.equal(p.usage, true, `${p.role} has usage on public`);
          assert.equal(p.create, false, `${p.role} cannot create in public`);
          assert.equal(p.any, false, `${p.role} has no privilege on a new table or view`);
          assert.equal(p.seq, false, `${p.role} has no privilege on a new sequence`);
        }
        await assert.rejects(
          asRole(
            c,
            "authenticated",
            { sub: crypto.randomUUID() },
            () => c.query("select * from public.fresh"),
          ),
          sqlState("42501"),
        );
      },
    );

    await t.step(
      "RLS: authenticated sees only what policies allow; service_role bypasses RLS",
      async () => {
        const mine = crypto.randomUUID();
        await c.query("create table public.notes (id int primary key, owner uuid not null)");
        await c.query("alter table public.notes enable row level security");
        await c.query(
          "create policy own on public.notes for select to authenticated using (owner = auth.uid())",
        );
        await c.query("grant select on public.notes to authenticated, service_role, anon");
        await c.query("insert into public.notes values (1, $1), (2, $2)", [
          mine,
          crypto.randomUUID(),
        ]);
        const seen = (role: "anon" | "authenticated" | "service_role", sub?: string) =>
          asRole(
            c,
            role,
            sub ? { sub } : {},
            async () =>
              (await rows<{ id: number }>(c, "select id from public.notes order by id")).map((r) =>
                r.id
              ),
          );
        assert.deepEqual(await seen("authenticated", mine), [1]);
        assert.deepEqual(await seen("anon"), []);
        assert.deepEqual(await seen("service_role"), [1, 2]);
      },
    );
  });
});
