/**
 * @module The local Data API against what postgrest-js sends, on a project created through MCP:
 * filters (eq … cs/cd, or/and/not, is, in), order with nulls, ranges and counts, single and
 * maybeSingle, bulk insert, upsert (merge and ignore), missing=default, update/delete with
 * return=representation|minimal, tx=rollback, RPC (POST and GET, scalar, set, rows, void),
 * PostgREST's errors and statuses, hostile input that changes nothing, the apikey check, and the
 * control plane's own tables as a signed-in user (only their own sessions).
 */
import assert from "node:assert/strict";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { environmentServiceKey } from "../support/builds.ts";
import { withLocalProject } from "../support/mcp.ts";
import { connect, stack } from "../support/stack.ts";
import { signJwt } from "../../functions-shared/auth/jwt.ts";
import { loadSecrets } from "../../stack/secrets.ts";

const SCHEMA = `
create table public.authors (
  id bigint generated always as identity primary key,
  name text not null unique,
  born date
);
create table public.books (
  id bigint generated always as identity primary key,
  author_id bigint references public.authors (id),
  title text not null,
  tags text[] not null default '{}',
  meta jsonb,
  rating int,
  created_by uuid default auth.uid(),
  status text not null default 'draft'
);
alter table public.authors enable row level security;
alter table public.books enable row level security;
create policy authors_read on public.authors for select to anon, authenticated using (true);
create policy authors_write on public.authors for all to authenticated using (true) with check (true);
create policy books_read on public.books for select to anon, authenticated using (true);
create policy books_insert on public.books for insert to authenticated
  with check ((select auth.uid()) = created_by);
create policy books_change on public.books for update to authenticated
  using ((select auth.uid()) = created_by) with check ((select auth.uid()) = created_by);
create policy books_delete on public.books for delete to authenticated
  using ((select auth.uid()) = created_by);
grant select on public.authors, public.books to anon;
grant select, insert, update, delete on public.authors, public.books to authenticated;
grant select, insert, update, delete on public.authors, public.books to service_role;
create function public.add(a int, b int) returns int language sql immutable as 'select a + b';
create function public.titles_by(author text) returns setof text language sql stable
  as $$ select b.title from public.books b join public.authors a on a.id = b.author_id
        where a.name = author order by b.title $$;
create function public.books_rated(min int default 0) returns setof public.books
  language sql stable as $$ select * from public.books where rating >= min $$;
create function public.whoami() returns jsonb language sql stable
  as $$ select jsonb_build_object('role', auth.role(), 'sub', auth.uid()) $$;
create function public.touch(note text) returns void language plpgsql
  as $$ begin perform note; end $$;
create function public.fail() returns int language plpgsql
  as $$ begin raise exception 'nope' using hint = 'try again'; end $$;
grant execute on function public.add(int, int), public.titles_by(text),
  public.books_rated(int), public.whoami(), public.touch(text), public.fail()
  to anon, authenticated;
`;

function client(url: string, key: string, token?: string): SupabaseClient {
  return createClient(url, key, {
    auth: { persistSession: false, autoRefreshToken: false },
    ...(token ? { global: { headers: { authorization: `Bearer ${token}` } } } : {}),
  });
}

Deno.test("the Data API answers postgrest-js as PostgREST does", async (t) => {
  await withLocalProject("data-api", async ({ client: mcp, ref, platform }) => {
    await mcp.callTool("apply_migration", { project_id: ref, name: "library", query: SCHEMA });
    const url = await platform.development!.getProjectUrl(ref);
    const [key] = await platform.development!.getPublishableKeys(ref);
    const anonKey = key!.api_key;
    const serviceKey = await environmentServiceKey(ref);
    const anon = client(url, anonKey);
    const user = client(url, anonKey);
    const signUp = await user.auth.signUp({
      email: `reader-${crypto.randomUUID().slice(0, 8)}@example.test`,
      password: "long-enough",
    });
    assert.equal(signUp.error, null);
    const uid = signUp.data.user!.id;

    await t.step("bulk insert, upsert, missing=default and return=minimal", async () => {
      const authors = await user.from("authors").insert([
        { name: "Le Guin", born: "1929-10-21" },
        { name: "Banks" },
      ]).select("id, name");
      assert.equal(authors.error, null, authors.error?.message ?? "");
      assert.equal(authors.status, 201);
      assert.deepEqual(authors.data!.map((a) => a.name), ["Le Guin", "Banks"]);
      const [leGuin, banks] = authors.data!;
      const minimal = await user.from("books").insert({ title: "Excession", author_id: banks!.id });
      assert.equal(minimal.status, 201);
      assert.equal(minimal.data, null, "return=minimal has no body");
      const books = await user.from("books").insert([
        {
          title: "The Dispossessed",
          author_id: leGuin!.id,
          tags: ["anarchy", "physics"],
          rating: 5,
        },
        { title: "The Lathe of Heaven", author_id: leGuin!.id, meta: { pages: 184 }, rating: 4 },
        { title: "Use of Weapons", author_id: banks!.id, rating: null },
      ], { defaultToNull: false }).select("title, status, created_by");
      assert.equal(books.error, null, books.error?.message ?? "");
      assert.ok(books.data!.every((b) => b.status === "draft" && b.created_by === uid));
      const merged = await user.from("authors").upsert({ name: "Banks", born: "1954-02-16" }, {
        onConflict: "name",
      }).select("name, born");
      assert.equal(merged.status, 200, "an upsert that inserts nothing is 200");
      assert.deepEqual(merged.data, [{ name: "Banks", born: "1954-02-16" }]);
      const ignored = await user.from("authors").upsert([{ name: "Banks" }, { name: "Jemisin" }], {
        onConflict: "name",
        ignoreDuplicates: true,
      }).select("name");
      assert.deepEqual(ignored.data, [{ name: "Jemisin" }]);
      const dup = await user.from("authors").insert({ name: "Banks" });
      assert.equal(dup.error?.code, "23505");
      assert.equal(dup.status, 409);
    });

    await t.step("filters, logic trees, order with nulls, ranges and counts", async () => {
      const q = (f: (b: ReturnType<typeof anon.from>) => PromiseLike<{ data: unknown }>) =>
        f(anon.from("books")).then((r) => r.data);
      assert.deepEqual(await q((b) => b.select("title").gt("rating", 4)), [{
        title: "The Dispossessed",
      }]);
      assert.deepEqual(
        await q((b) => b.select("title").or("rating.eq.4,title.like.*Weapons").order("title")),
        [{ title: "The Lathe of Heaven" }, { title: "Use of Weapons" }],
      );
      assert.deepEqual(
        await q((b) => b.select("title").contains("tags", ["physics"])),
        [{ title: "The Dispossessed" }],
      );
      assert.deepEqual(
        await q((b) =>
          b.select("title").containedBy("tags", ["anarchy", "physics", "x"]).not("tags", "eq", "{}")
        ),
        [{ title: "The Dispossessed" }],
      );
      assert.deepEqual(await q((b) => b.select("title").contains("meta", { pages: 184 })), [{
        title: "The Lathe of Heaven",
      }]);
      assert.deepEqual(
        await q((b) => b.select("title").is("rating", null).order("title")),
        [{ title: "Excession" }, { title: "Use of Weapons" }],
      );
      assert.deepEqual(
        await q((b) =>
          b.select("title").order("rating", { ascending: false, nullsFirst: false }).limit(2)
        ),
        [{ title: "The Dispossessed" }, { title: "The Lathe of Heaven" }],
      );
      assert.deepEqual(
        await q((b) => b.select("name:title, pages:meta->pages").eq("meta->>pages", "184")),
        [{ name: "The Lathe of Heaven", pages: 184 }],
      );
      assert.deepEqual(
        await q((b) =>
          b.select("title").in("title", ["Excession", "a,b", 'quote"d']).neq("title", "x")
        ),
        [{ title: "Excession" }],
      );
      const counted = await anon.from("books").select("*", { count: "exact", head: true });
      assert.equal(counted.count, 4);
      assert.equal(counted.data, null);
      const res = await fetch(`${url}/rest/v1/books?select=title&order=id`, {
        headers: { apikey: anonKey, range: "1-2", prefer: "count=exact" },
      });
      assert.equal(res.status, 206);
      assert.equal(res.headers.get("content-range"), "1-2/4");
      assert.equal((await res.json()).length, 2);
      const past = await anon.from("books").select("id", { count: "exact" }).range(10, 12);
      assert.equal(past.status, 416);
      assert.equal(past.error?.code, "PGRST103");
    });

    await t.step("embeds, single and maybeSingle", async () => {
      const one = await anon.from("books").select("title, authors(name)").eq("title", "Excession")
        .single();
      assert.deepEqual(one.data, { title: "Excession", authors: { name: "Banks" } });
      const many = await anon.from("authors").select("name, books(title)").eq("name", "Le Guin")
        .order("title", { referencedTable: "books" }).maybeSingle();
      assert.deepEqual(many.data, {
        name: "Le Guin",
        books: [{ title: "The Dispossessed" }, { title: "The Lathe of Heaven" }],
      });
      const inner = await anon.from("authors").select("name, books!inner(title)")
        .eq("books.title", "Excession");
      assert.deepEqual(inner.data, [{ name: "Banks", books: [{ title: "Excession" }] }]);
      const tooMany = await anon.from("books").select("id").maybeSingle();
      assert.equal(tooMany.error?.code, "PGRST116");
      const noRel = await anon.from("books").select("title, nothing(*)");
      assert.equal(noRel.error?.code, "PGRST200");
      assert.equal(noRel.status, 400);
    });

    await t.step("update and delete: RLS decides, filters are required, tx=rollback", async () => {
      const upd = await user.from("books").update({ rating: 3 }).eq("title", "Excession")
        .select("title, rating");
      assert.deepEqual(upd.data, [{ title: "Excession", rating: 3 }]);
      const byAnon = await anon.from("books").update({ rating: 1 }).eq("title", "Excession");
      assert.equal(byAnon.error?.code, "42501");
      assert.equal(byAnon.status, 401);
      const unfiltered = await user.from("books").delete();
      assert.equal(unfiltered.error?.code, "21000");
      assert.equal(unfiltered.status, 400);
      const rolledBack = await user.from("books").delete().eq("title", "Excession").select("title")
        .rollback();
      assert.deepEqual(rolledBack.data, [{ title: "Excession" }]);
      const still = await anon.from("books").select("title").eq("title", "Excession");
      assert.equal(still.data?.length, 1, "tx=rollback changed nothing");
      const gone = await user.from("books").delete().eq("title", "Excession");
      assert.equal(gone.status, 204);
    });

    await t.step("rpc: POST and GET, scalars, sets, rows, void, errors", async () => {
      assert.deepEqual((await anon.rpc("add", { a: 2, b: 3 })).data, 5);
      assert.deepEqual((await anon.rpc("add", { a: 2, b: 3 }, { get: true })).data, 5);
      assert.deepEqual((await anon.rpc("titles_by", { author: "Le Guin" })).data, [
        "The Dispossessed",
        "The Lathe of Heaven",
      ]);
      const rated = await anon.rpc("books_rated", { min: 4 }).select("title").order("title");
      assert.deepEqual(rated.data, [{ title: "The Dispossessed" }, {
        title: "The Lathe of Heaven",
      }]);
      const me = await user.rpc("whoami");
      assert.deepEqual(me.data, { role: "authenticated", sub: uid });
      const asAnon = await anon.rpc("whoami");
      assert.deepEqual(asAnon.data, { role: "anon", sub: null });
      const voided = await anon.rpc("touch", { note: "x" });
      assert.equal(voided.status, 204);
      const failed = await anon.rpc("fail");
      assert.deepEqual(
        [failed.status, failed.error?.code, failed.error?.message, failed.error?.hint],
        [400, "P0001", "nope", "try again"],
      );
      const missing = await anon.rpc("add", { a: 1 });
      assert.equal(missing.error?.code, "PGRST202");
      assert.equal(missing.status, 404);
    });

    await t.step("errors: unknown table and column, schemas, keys and tokens", async () => {
      const table = await anon.from("nope").select();
      assert.deepEqual([table.status, table.error?.code], [404, "PGRST205"]);
      const column = await anon.from("books").select("nope");
      assert.deepEqual([column.status, column.error?.code], [400, "42703"]);
      const badCol = await user.from("books").insert({ nope: 1 });
      assert.deepEqual([badCol.status, badCol.error?.code], [400, "PGRST204"]);
      const schema = await anon.schema("private").from("books").select();
      assert.deepEqual([schema.status, schema.error?.code], [406, "PGRST106"]);
      const noKey = await fetch(`${url}/rest/v1/books`);
      assert.equal(noKey.status, 401);
      assert.equal((await noKey.json()).message, "No API key found in request");
      const s = await stack();
      const foreign = await fetch(`${url}/rest/v1/books`, { headers: { apikey: s.ANON_KEY } });
      assert.equal(foreign.status, 401, "another project's key is refused");
      await foreign.body?.cancel();
      const expired = await signJwt(
        { role: "authenticated", sub: uid, exp: Math.floor(Date.now() / 1000) - 10 },
        (await loadSecrets()).jwtSecret,
      );
      const exp = await client(url, anonKey, expired).from("books").select();
      assert.equal(exp.status, 401);
      assert.ok(["PGRST301", "PGRST303"].includes(exp.error?.code ?? ""));
      const service = client(url, serviceKey);
      const all = await service.from("books").select("id");
      assert.equal(all.data?.length, 3, "service_role bypasses RLS");
    });

    await t.step("hostile input is refused or treated as data, and changes nothing", async () => {
      const before = (await anon.from("books").select("id")).data!.length;
      const attempts = [
        anon.from("books").select("title").eq("title", "x'; drop table public.books; --"),
        anon.from("books").select('title, "x"; drop table public.books; --":title'),
        anon.from("books").select("title").order("title; drop table public.books"),
        anon.from("books").select("title::text); drop table public.books; --"),
        anon.from("books").select("title").filter(
          "meta->>a'); drop table public.books; --",
          "eq",
          "1",
        ),
        anon.from("books").select("title").in("title", ["a') or true; --", "b"]),
        anon.from('books"; drop table public.books; --').select(),
        anon.rpc('add"(1,1); drop table public.books; --', {}),
        user.from("books").insert({ title: "ok", 'rating"=1; --': 1 }),
        anon.from("books").select("title").or("title.eq.x),id.gt.(select 1"),
      ];
      for (const attempt of attempts) {
        const r = await attempt;
        assert.ok(
          r.error === null ? Array.isArray(r.data) && r.data.length === 0 : r.status >= 400,
        );
      }
      const after = (await anon.from("books").select("id")).data!.length;
      assert.equal(after, before, "no row appeared or vanished");
      const db = await connect(`proj_${ref}`);
      try {
        const r = await db.query("select to_regclass('public.books') is not null as present");
        assert.equal(r.rows[0].present, true);
      } finally {
        await db.end();
      }
    });
  });
});

Deno.test("the control plane's Data API shows a signed-in user only their own sessions", async () => {
  const s = await stack();
  const sb = (token?: string) => client(s.API_URL, s.ANON_KEY, token);
  const a = sb();
  const b = sb();
  const email = (l: string) => `${l}-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const ua = await a.auth.signUp({ email: email("cp-a"), password: "long-enough" });
  const ub = await b.auth.signUp({ email: email("cp-b"), password: "long-enough" });
  assert.equal(ua.error, null);
  assert.equal(ub.error, null);
  const db = await connect();
  try {
    const ids: string[] = [];
    for (const owner of [ua.data.user!.id, ub.data.user!.id]) {
      const r = await db.query<{ id: string }>(
        `insert into public.build_sessions (owner_id, template, vibe_text, status)
         values ($1, 'marketplace', 'a vibe', 'failed') returning id`,
        [owner],
      );
      ids.push(r.rows[0]!.id);
    }
    const mine = await a.from("build_sessions").select("id, status, template");
    assert.equal(mine.error, null, mine.error?.message ?? "");
    assert.deepEqual(mine.data, [{ id: ids[0], status: "failed", template: "marketplace" }]);
    const theirs = await a.from("build_sessions").select("id").eq("id", ids[1]!);
    assert.deepEqual(theirs.data, []);
    const write = await a.from("build_sessions").update({ status: "succeeded" }).eq("id", ids[0]!);
    assert.equal(write.error?.code, "42501", "only service_role writes sessions");
    assert.equal(write.status, 403);
    const anonRead = await sb().from("build_sessions").select("id");
    assert.ok(anonRead.error?.code === "42501" || anonRead.data?.length === 0);
    await db.query("delete from public.build_sessions where id = any($1)", [ids]);
  } finally {
    await db.end();
  }
});
