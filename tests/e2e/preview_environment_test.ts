/**
 * @module A built environment is preview-ready: with only the build's outputs (environment URL
 * and anon key) the real supabase-js client signs users up and in, writes and reads the planned
 * tables exactly as the plan's policies allow (owners write, others cannot, anon reads public
 * listings only), embeds related rows, uploads listing photos under the storage policies, and
 * refreshes and ends sessions. The outputs carry the environment's TypeScript types, and drift
 * on the bucket or a storage policy is found with fix SQL.
 */
import assert from "node:assert/strict";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { driveBuild, environmentDb, submitBuild } from "../support/builds.ts";
import { callFunction, newUser } from "../support/stack.ts";

function client(url: string, key: string): SupabaseClient {
  return createClient(url, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });
}

async function signedUp(url: string, key: string, label: string) {
  const sb = client(url, key);
  const email = `${label}-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const { data, error } = await sb.auth.signUp({ email, password: "correct-horse-9" });
  assert.equal(error, null, error?.message ?? "");
  assert.ok(data.session, "sign-up is auto-confirmed locally and returns a session");
  return { sb, id: data.user!.id, email, session: data.session };
}

Deno.test("a marketplace build is preview-ready for supabase-js: auth, RLS, embeds, storage, types", async (t) => {
  const owner = await newUser("preview");
  const sessionId = await submitBuild(owner, { template: "marketplace", mode: "project" });
  const { session } = await driveBuild(sessionId, owner.token, { timeoutMs: 120_000 });
  assert.equal(session.status, "succeeded", session.error ?? "");
  const outputs = session.outputs as {
    environmentUrl: string;
    anonKey: string;
    types: string | null;
    buckets: string[];
  };
  const { environmentUrl: url, anonKey } = outputs;

  await t.step("the outputs carry the environment's TypeScript types and buckets", () => {
    assert.ok(outputs.types, "types were generated");
    assert.match(outputs.types!, /export type Database = \{/);
    assert.match(outputs.types!, /listings: \{\s+Row: \{/);
    assert.match(outputs.types!, /owner_id: string/);
    assert.deepEqual(outputs.buckets, ["listing-photos"]);
  });

  const alice = await signedUp(url, anonKey, "alice");
  const bob = await signedUp(url, anonKey, "bob");
  const anon = client(url, anonKey);
  let listingId = "";

  await t.step("a signed-up user inserts a listing they own", async () => {
    const { data, error, status } = await alice.sb.from("listings")
      .insert({ title: "Moog Minimoog" }).select("id, title, owner_id, status").single();
    assert.equal(error, null, error?.message ?? "");
    assert.equal(status, 201);
    assert.equal(data!.owner_id, alice.id, "owner_id defaults to auth.uid()");
    assert.equal(data!.status, "active");
    listingId = data!.id;
  });

  await t.step("another user cannot update or delete it, nor insert for someone else", async () => {
    const upd = await bob.sb.from("listings").update({ title: "Stolen" }).eq("id", listingId)
      .select();
    assert.equal(upd.error, null);
    assert.deepEqual(upd.data, [], "RLS hides the row from the update");
    const del = await bob.sb.from("listings").delete().eq("id", listingId).select();
    assert.deepEqual(del.data, []);
    const forged = await bob.sb.from("listings").insert({ title: "Forged", owner_id: alice.id });
    assert.equal(forged.error?.code, "42501");
    assert.equal(forged.status, 403);
    const still = await alice.sb.from("listings").select("title").eq("id", listingId).single();
    assert.equal(still.data?.title, "Moog Minimoog");
    const own = await alice.sb.from("listings").update({ title: "Minimoog Model D" })
      .eq("id", listingId).select("title");
    assert.deepEqual(own.data, [{ title: "Minimoog Model D" }], "the owner can update");
  });

  await t.step(
    "bids are private to their bidder and the listing's seller; anon sees none",
    async () => {
      const bid = await bob.sb.from("bids").insert({ listing_id: listingId, amount: 950 })
        .select("id, amount, bidder_id").single();
      assert.equal(bid.error, null, bid.error?.message ?? "");
      assert.equal(bid.data!.bidder_id, bob.id);
      const sellerView = await alice.sb.from("bids").select("amount").eq("listing_id", listingId);
      assert.deepEqual(sellerView.data, [{ amount: 950 }], "sellers see bids on their listings");
      const carol = await signedUp(url, anonKey, "carol");
      const other = await carol.sb.from("bids").select("id");
      assert.deepEqual(other.data, []);
      const anonBids = await anon.from("bids").select("id");
      assert.equal(anonBids.error?.code, "42501", "anon has no privilege on bids");
      assert.equal(anonBids.status, 401);
    },
  );

  await t.step(
    "anon sees public listings only, with filters, order, count and ranges",
    async () => {
      const second = await alice.sb.from("listings").insert({ title: "Korg MS-20" }).select("id")
        .single();
      assert.equal(second.error, null);
      const all = await anon.from("listings").select("id, title", { count: "exact" })
        .in("id", [listingId, second.data!.id]).order("title", { ascending: true });
      assert.equal(all.error, null, all.error?.message ?? "");
      assert.equal(all.count, 2);
      assert.deepEqual(all.data!.map((l) => l.title), ["Korg MS-20", "Minimoog Model D"]);
      const page = await anon.from("listings").select("title", { count: "exact" })
        .in("id", [listingId, second.data!.id]).order("title").range(1, 1);
      assert.equal(page.status, 206);
      assert.equal(page.count, 2);
      assert.deepEqual(page.data, [{ title: "Minimoog Model D" }]);
      const like = await anon.from("listings").select("title").ilike("title", "%moog%")
        .eq("id", listingId);
      assert.equal(like.data?.length, 1);
      const none = await anon.from("listings").select("id").eq("id", crypto.randomUUID())
        .maybeSingle();
      assert.equal(none.data, null);
      assert.equal(none.error, null);
      const single = await anon.from("listings").select("id").eq("id", crypto.randomUUID())
        .single();
      assert.equal(single.error?.code, "PGRST116");
      assert.equal(single.status, 406);
      const cannot = await anon.from("listings").insert({ title: "anon" });
      assert.equal(cannot.error?.code, "42501");
      assert.equal(cannot.status, 401);
    },
  );

  await t.step("embedded resources follow foreign keys both ways", async () => {
    const down = await bob.sb.from("bids").select("amount, listing:listings(title)")
      .eq("listing_id", listingId);
    assert.deepEqual(down.data, [{ amount: 950, listing: { title: "Minimoog Model D" } }]);
    const up = await bob.sb.from("listings").select("title, bids(amount)").eq("id", listingId)
      .single();
    assert.deepEqual(up.data, { title: "Minimoog Model D", bids: [{ amount: 950 }] });
    const seller = await anon.from("listings").select("title, bids(amount)").eq("id", listingId)
      .single();
    assert.equal(seller.error?.code, "42501", "anon may not read bids, even embedded");
  });

  await t.step("profiles are created on sign-up and only their user reads them", async () => {
    const mine = await alice.sb.from("profiles").update({ display_name: "Alice" })
      .eq("id", alice.id).select("id, display_name").single();
    assert.deepEqual(mine.data, { id: alice.id, display_name: "Alice" });
    const theirs = await bob.sb.from("profiles").select("id").eq("id", alice.id);
    assert.deepEqual(theirs.data, []);
  });

  await t.step("listing photos upload into the user's own folder only", async () => {
    const photo = new Blob([new Uint8Array([137, 80, 78, 71, 1, 2, 3])], { type: "image/png" });
    const path = `${alice.id}/minimoog.png`;
    const up = await alice.sb.storage.from("listing-photos").upload(path, photo);
    assert.equal(up.error, null, up.error?.message ?? "");
    const intruder = await bob.sb.storage.from("listing-photos").upload(`${alice.id}/x.png`, photo);
    assert.ok(intruder.error, "another user's folder is refused");
    const text = await alice.sb.storage.from("listing-photos")
      .upload(`${alice.id}/notes.txt`, new Blob(["hi"], { type: "text/plain" }));
    assert.ok(text.error, "only images are allowed");
    const publicUrl = anon.storage.from("listing-photos").getPublicUrl(path).data.publicUrl;
    const res = await fetch(publicUrl);
    assert.equal(res.status, 200);
    assert.deepEqual(
      new Uint8Array(await res.arrayBuffer()),
      new Uint8Array([137, 80, 78, 71, 1, 2, 3]),
    );
    const download = await bob.sb.storage.from("listing-photos").download(path);
    assert.equal(download.error, null);
    assert.equal(download.data!.size, 7);
    const removed = await bob.sb.storage.from("listing-photos").remove([path]);
    assert.deepEqual(removed.data, [], "another user cannot delete it");
    const own = await alice.sb.storage.from("listing-photos").remove([path]);
    assert.equal(own.data?.length, 1);
  });

  await t.step("sessions refresh with rotating tokens and end on sign-out", async () => {
    const first = alice.session.refresh_token;
    const refreshed = await alice.sb.auth.refreshSession({ refresh_token: first });
    assert.equal(refreshed.error, null, refreshed.error?.message ?? "");
    const second = refreshed.data.session!.refresh_token;
    assert.notEqual(second, first, "the refresh token rotates");
    const again = await client(url, anonKey).auth.refreshSession({ refresh_token: first });
    assert.equal(
      again.data.session?.refresh_token,
      second,
      "reuse within 10 s gets the same successor",
    );
    const user = await alice.sb.auth.getUser();
    assert.equal(user.data.user?.email, alice.email);
    assert.equal(user.data.user?.identities?.[0]?.provider, "email");
    const signedIn = await client(url, anonKey).auth.signInWithPassword({
      email: alice.email,
      password: "correct-horse-9",
    });
    assert.equal(signedIn.error, null);
    const wrong = await client(url, anonKey).auth.signInWithPassword({
      email: alice.email,
      password: "wrong-password",
    });
    assert.equal(wrong.error?.code, "invalid_credentials");
    assert.equal((await alice.sb.auth.signOut()).error, null);
    const after = await client(url, anonKey).auth.refreshSession({ refresh_token: second });
    assert.ok(after.error, "sign-out revokes the refresh tokens");
    const stale = await client(url, anonKey).auth.getUser(refreshed.data.session!.access_token);
    // GoTrue answers 403 session_not_found, which auth-js reports as a missing session.
    assert.equal(stale.error?.name, "AuthSessionMissingError");
  });

  await t.step("a missing bucket or storage policy is drift with fix SQL", async () => {
    const db = await environmentDb(session.environment!.ref);
    try {
      await db.query(`drop policy "listing_photos_insert_own" on storage.objects`);
      await db.query(`delete from storage.objects where bucket_id = 'listing-photos'`);
      await db.query(`delete from storage.buckets where id = 'listing-photos'`);
    } finally {
      await db.end();
    }
    const check = await callFunction(`sessions/${sessionId}/drift/check`, {
      method: "POST",
      token: owner.token,
    });
    assert.equal(check.status, 200, await check.clone().text());
    await check.body?.cancel();
    const res = await callFunction(`sessions/${sessionId}/drift`, { token: owner.token });
    const drift = await res.json() as {
      alerts: { resource: string; fixSql: string | null; type: string }[];
    };
    const bucket = drift.alerts.find((a) => a.resource === "storage.buckets.listing-photos");
    assert.ok(bucket, `bucket drift: ${JSON.stringify(drift.alerts.map((a) => a.resource))}`);
    assert.match(bucket.fixSql ?? "", /insert into storage\.buckets/);
    const policy = drift.alerts.find((a) => a.resource.includes("listing_photos_insert_own"));
    assert.ok(policy, `policy drift: ${JSON.stringify(drift.alerts.map((a) => a.resource))}`);
    assert.match(
      policy.fixSql ?? "",
      /create policy "?listing_photos_insert_own"? on "?storage"?\."?objects"?/,
    );
  });
});
