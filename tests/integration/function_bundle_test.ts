/** @module Every control-plane function bundles from its entry point into one file (what
 * `supabase functions deploy --use-api` needs), and the bundle serves. */
import assert from "node:assert/strict";
import { FunctionSupervisor } from "../../stack/gateway/supervisor.ts";
import { loadSecrets } from "../../stack/secrets.ts";
import { stack } from "../support/stack.ts";

const root = new URL("../../", import.meta.url).pathname;

Deno.test("each function bundles into one self-contained file that serves /health", async () => {
  const s = await stack();
  const out = await Deno.makeTempDir({ prefix: "vibe-bundle-" });
  const supervisor = new FunctionSupervisor(() => {});
  try {
    for (const fn of ["sessions", "worker", "drift_check", "cleanup"]) {
      const file = `${out}/${fn}.js`;
      const bundled = await new Deno.Command(Deno.execPath(), {
        args: [
          "bundle",
          "--quiet",
          "--platform=deno",
          "-o",
          file,
          `supabase/functions/${fn}/index.ts`,
        ],
        cwd: root,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(bundled.success, `${fn}: ${new TextDecoder().decode(bundled.stderr)}`);
      const text = await Deno.readTextFile(file);
      const relative = text.match(/^import .* from ["']\.{1,2}\//m);
      assert.equal(relative, null, `${fn}: the bundle still imports a local file`);

      const port = await supervisor.port({
        key: fn,
        entry: file,
        cwd: out, // no deno.json here: the bundle must stand alone
        env: {
          SUPABASE_URL: s.API_URL,
          SUPABASE_ANON_KEY: s.ANON_KEY,
          SUPABASE_SERVICE_ROLE_KEY: s.SERVICE_ROLE_KEY,
          SUPABASE_DB_URL: s.DB_URL,
          VIBE_JWT_SECRET: (await loadSecrets()).jwtSecret,
          VIBE_MCP_URL: s.MCP_URL,
          VIBE_REPORT_TOKEN_SECRET: s.REPORT_TOKEN_SECRET,
        },
      });
      const res = await fetch(`http://127.0.0.1:${port}/${fn}/health`, {
        headers: { authorization: `Bearer ${s.ANON_KEY}` },
      });
      assert.equal(res.status, 200, `${fn} bundle serves /health`);
      assert.deepEqual(await res.json(), { ok: true });
    }
  } finally {
    supervisor.stopAll();
    await Deno.remove(out, { recursive: true });
  }
});
