/** @module Auth credentials (bcrypt, rotating refresh tokens, GoTrue claims and errors),
 * Storage's multipart reading, and the plan's Storage SQL and validation. */
import assert from "node:assert/strict";
import {
  accessTokenClaims,
  checkPassword,
  hashPassword,
  isEmail,
  successorToken,
  tokenHash,
} from "../../stack/auth/credentials.ts";
import { AuthError, errorBody } from "../../stack/auth/server.ts";
import { multipartFile } from "../../stack/storage/multipart.ts";
import { bucketSql, storagePolicySql } from "../../functions-shared/sql/storage_sql.ts";
import { baselinePlan } from "../../functions-shared/plan/baseline.ts";
import { validatePlan } from "../../functions-shared/plan/validate.ts";
import { PlanSchema } from "../../functions-shared/plan/schema.ts";
import { rlsMigration } from "../../functions-shared/sql/rls_sql.ts";
import { schemaMigration } from "../../functions-shared/sql/schema_sql.ts";
import { assertValidPlan } from "../../functions-shared/plan/validate.ts";

Deno.test("passwords are bcrypt (cost 10) and checked in constant work", async () => {
  const hash = await hashPassword("correct horse");
  assert.match(hash, /^\$2[aby]\$10\$/);
  assert.equal(await checkPassword("correct horse", hash), true);
  assert.equal(await checkPassword("wrong", hash), false);
  assert.equal(await checkPassword("anything", null), false);
});

Deno.test("refresh tokens rotate deterministically and are stored as hashes", async () => {
  const next = await successorToken("token-a", "secret");
  assert.equal(next, await successorToken("token-a", "secret"));
  assert.notEqual(next, await successorToken("token-a", "other secret"));
  assert.notEqual(next, "token-a");
  assert.match(await tokenHash(next), /^[0-9a-f]{64}$/);
});

Deno.test("access tokens carry GoTrue's claims", () => {
  const claims = accessTokenClaims(
    {
      id: "u",
      email: "a@b.co",
      phone: null,
      appMetadata: { provider: "email" },
      userMetadata: {},
      role: "authenticated",
      aud: "authenticated",
      isAnonymous: false,
    },
    "s",
    "http://x/auth/v1",
    1000,
    900,
  );
  assert.deepEqual(
    [claims.sub, claims.role, claims.session_id, claims.exp, claims.aal, claims.iss],
    ["u", "authenticated", "s", 4600, "aal1", "http://x/auth/v1"],
  );
  assert.ok(isEmail("a@b.co"));
  assert.ok(!isEmail("nope"));
});

Deno.test("auth errors follow the request's API version", () => {
  const error = new AuthError(400, "invalid_credentials", "Invalid login credentials");
  const v2024 = new Request("http://x", { headers: { "x-supabase-api-version": "2024-01-01" } });
  assert.deepEqual(errorBody(v2024, error), {
    code: "invalid_credentials",
    message: "Invalid login credentials",
  });
  assert.deepEqual(errorBody(new Request("http://x"), error), {
    code: 400,
    error_code: "invalid_credentials",
    msg: "Invalid login credentials",
  });
});

Deno.test("the file part of a storage-js upload is found under an empty field name", async () => {
  const form = new FormData();
  form.append("cacheControl", "3600");
  form.append("", new Blob([new Uint8Array([1, 2, 3, 13, 10])], { type: "image/png" }));
  const req = new Request("http://x", { method: "POST", body: form });
  const file = multipartFile(
    new Uint8Array(await req.arrayBuffer()),
    req.headers.get("content-type")!,
  );
  assert.deepEqual(file && [...file.bytes], [1, 2, 3, 13, 10]);
  assert.equal(file?.type, "image/png");
  assert.equal(multipartFile(new Uint8Array(), "multipart/form-data"), null);
});

Deno.test("templates keep files in a bucket with owner-folder storage policies", () => {
  const plan = assertValidPlan(baselinePlan("marketplace"));
  assert.deepEqual(plan.storage?.buckets.map((b) => b.id), ["listing-photos"]);
  assert.match(
    schemaMigration(plan).migration.sql,
    /insert into storage\.buckets .*\nvalues \('listing-photos', 'listing-photos', true, 5242880, array\['image\/\*'\]::text\[\]\)/,
  );
  const rls = rlsMigration(plan);
  assert.deepEqual(rls.storagePolicies.map((p) => p.name), [
    "listing_photos_select_public",
    "listing_photos_insert_own",
    "listing_photos_update_own",
    "listing_photos_delete_own",
  ]);
  assert.equal(
    rls.storagePolicies[1]!.sql,
    `drop policy if exists "listing_photos_insert_own" on storage.objects;
create policy "listing_photos_insert_own" on storage.objects
  as permissive
  for insert
  to authenticated
  with check (bucket_id = 'listing-photos' and (storage.foldername(name))[1] = (select auth.uid())::text);`,
  );
  assert.deepEqual(assertValidPlan(baselinePlan("saas")).storage?.buckets.map((b) => b.id), [
    "avatars",
  ]);
  // Plans stored before Storage existed still parse.
  const { storage: _, ...old } = baselinePlan("marketplace");
  assert.equal(PlanSchema.parse(old).storage, null);
});

Deno.test("storage in a plan is validated: bucket ids, scoping, expressions", () => {
  const plan = baselinePlan("marketplace");
  const bad = {
    ...plan,
    storage: {
      buckets: [{ ...plan.storage!.buckets[0]!, id: "Bad Bucket'" }],
      policies: [
        { ...plan.storage!.policies[0]!, using: "true" },
        { ...plan.storage!.policies[1]!, withCheck: "bucket_id = 'listing-photos'; drop table x" },
        { ...plan.storage!.policies[2]!, bucket: "nope" },
      ],
    },
  };
  const result = validatePlan(bad);
  assert.equal(result.ok, false);
  const messages = result.ok ? "" : result.problems.map((p) => p.message).join("\n");
  assert.match(messages, /Cannot use bucket id "Bad Bucket'"/);
  assert.match(messages, /must be limited to its bucket/);
  assert.match(messages, /semicolon/);
  assert.match(messages, /no such bucket/);
  assert.throws(() => bucketSql({ ...plan.storage!.buckets[0]!, id: "x'); drop" }), TypeError);
  assert.throws(
    () => storagePolicySql({ ...plan.storage!.policies[0]!, name: 'x" on y' }),
    TypeError,
  );
});
