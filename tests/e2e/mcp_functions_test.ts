/**
 * @module deploy_edge_function through MCP, then HTTP calls of the deployed function through the
 * running gateway at `/env/<ref>/functions/v1/<slug>`: the environment's own URL, keys, database
 * and verify_jwt; a redeploy serves the new version; list/get return the deployed files.
 */
import assert from "node:assert/strict";
import { decodeJwt } from "../../functions-shared/auth/jwt.ts";
import { assertRedactedRecords, serverSecrets, withLocalProject } from "../support/mcp.ts";
import { stack } from "../support/stack.ts";

const INDEX = `
import pg from "npm:pg@8";
import { greet } from "./lib/greet.ts";

Deno.serve(async (req) => {
  const service = Deno.env.get("SUPABASE_SERVICE_ROLE_KEY") ?? "";
  const claims = JSON.parse(atob(service.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
  const client = new pg.Client({ connectionString: Deno.env.get("SUPABASE_DB_URL") });
  await client.connect();
  const db = (await client.query("select current_database() as db, current_user as u")).rows[0];
  await client.end();
  return Response.json({
    greeting: greet("world"),
    path: new URL(req.url).pathname,
    url: Deno.env.get("SUPABASE_URL"),
    anonKey: Deno.env.get("SUPABASE_ANON_KEY"),
    service: { role: claims.role, ref: claims.ref },
    jwtSecretSet: (Deno.env.get("VIBE_JWT_SECRET") ?? "").length >= 32,
    db,
  });
});
`;

Deno.test("a function deployed through MCP is served by the gateway with its environment's settings", async () => {
  const s = await stack();
  const ref = await withLocalProject("mcp-functions", async ({ client, records, ref }) => {
    const files = [
      { name: "index.ts", content: INDEX },
      { name: "lib/greet.ts", content: "export const greet = (n: string) => `hello ${n}`;\n" },
    ];
    const { data: deployed } = await client.callTool<
      { slug: string; version: number; verify_jwt: boolean; status: string }
    >("deploy_edge_function", {
      project_id: ref,
      name: "probe",
      entrypoint_path: "index.ts",
      verify_jwt: true,
      files,
    });
    assert.deepEqual(
      [deployed.slug, deployed.version, deployed.verify_jwt, deployed.status],
      ["probe", 1, true, "ACTIVE"],
    );
    const { data: got } = await client.callTool<{ files: typeof files; version: number }>(
      "get_edge_function",
      { project_id: ref, function_slug: "probe" },
    );
    assert.deepEqual(got.files, files, "get returns the deployed files");
    const { data: listed } = await client.callTool<{ functions: { slug: string }[] }>(
      "list_edge_functions",
      { project_id: ref },
    );
    assert.deepEqual(listed.functions.map((f) => f.slug), ["probe"]);

    const base = `${s.API_URL}/env/${ref}/functions/v1`;
    const { data: keys } = await client.callTool<{ keys: { api_key: string }[] }>(
      "get_publishable_keys",
      { project_id: ref },
    );
    const anonKey = keys.keys[0]!.api_key;

    const none = await fetch(`${base}/probe`);
    assert.equal(none.status, 401, "verify_jwt: no key, no entry");
    assert.deepEqual(await none.json(), { code: 401, message: "Missing authorization header" });
    const controlPlaneKey = await fetch(`${base}/probe`, {
      headers: { authorization: `Bearer ${s.ANON_KEY}` },
    });
    assert.equal(controlPlaneKey.status, 401, "another environment's key is not valid here");
    await controlPlaneKey.body?.cancel();

    const ok = await fetch(`${base}/probe/some/path?x=1`, {
      headers: { authorization: `Bearer ${anonKey}` },
    });
    assert.equal(ok.status, 200);
    const body = await ok.json();
    assert.equal(body.greeting, "hello world", "relative imports among the files resolve");
    assert.equal(body.path, "/probe/some/path");
    assert.equal(body.url, `${s.API_URL}/env/${ref}`);
    assert.equal(body.anonKey, anonKey);
    assert.deepEqual(body.service, { role: "service_role", ref });
    assert.equal(body.jwtSecretSet, true);
    assert.deepEqual(body.db, { db: `proj_${ref}`, u: "postgres" });
    assert.equal(decodeJwt(anonKey).claims.ref, ref);

    const v2 = await client.callTool<{ version: number }>("deploy_edge_function", {
      project_id: ref,
      name: "probe",
      entrypoint_path: "index.ts",
      verify_jwt: false,
      files: [{ name: "index.ts", content: 'Deno.serve(() => new Response("version two"));' }],
    });
    assert.equal(v2.data.version, 2);
    const open = await fetch(`${base}/probe`);
    assert.equal(open.status, 200, "verify_jwt = false: no key needed");
    assert.equal(await open.text(), "version two", "a redeploy serves the new version");

    const missing = await fetch(`${base}/nope`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();

    assertRedactedRecords(records, await serverSecrets(ref));
    return ref;
  });
  const gone = await fetch(`${s.API_URL}/env/${ref}/functions/v1/probe`);
  assert.equal(gone.status, 404, "a deleted project's functions are gone");
  await gone.body?.cancel();
});
