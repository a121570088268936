/**
 * @module What a function process inherits from the gateway: how the machine reaches the network
 * (a deployed function without a lockfile downloads its npm packages at start-up, which behind a
 * TLS-inspecting proxy needs the CA bundle), and no host secrets.
 */
import assert from "node:assert/strict";
import { functionProcessEnv, FunctionSupervisor } from "../../stack/gateway/supervisor.ts";

const host = {
  PATH: "/usr/bin",
  HOME: "/root",
  NODE_EXTRA_CA_CERTS: "/etc/ssl/certs/ca-certificates.crt",
  DENO_CERT: "/etc/ssl/proxy.pem",
  HTTPS_PROXY: "http://proxy:3128",
  no_proxy: "127.0.0.1,localhost",
  NPM_CONFIG_REGISTRY: "https://mirror.example/npm/",
  VIBE_ACCESS_TOKEN: "sbp_host_secret",
  AWS_SECRET_ACCESS_KEY: "host-secret",
  SUPABASE_SERVICE_ROLE_KEY: "the-control-plane-key",
};

Deno.test("a function process inherits the machine's proxy, CA and registry settings", () => {
  const env = functionProcessEnv(host, { SUPABASE_URL: "http://x" });
  assert.equal(env.NODE_EXTRA_CA_CERTS, host.NODE_EXTRA_CA_CERTS);
  assert.equal(env.DENO_CERT, host.DENO_CERT);
  assert.equal(env.HTTPS_PROXY, host.HTTPS_PROXY);
  assert.equal(env.no_proxy, host.no_proxy);
  assert.equal(env.NPM_CONFIG_REGISTRY, host.NPM_CONFIG_REGISTRY);
  assert.equal(env.PATH, "/usr/bin");
  assert.equal(env.SUPABASE_URL, "http://x");
});

Deno.test("a function process gets no other host variable; its own settings win", () => {
  const env = functionProcessEnv(host, { SUPABASE_SERVICE_ROLE_KEY: "the-environment-key" });
  assert.equal(env.VIBE_ACCESS_TOKEN, undefined);
  assert.equal(env.AWS_SECRET_ACCESS_KEY, undefined);
  assert.equal(env.SUPABASE_SERVICE_ROLE_KEY, "the-environment-key");
});

Deno.test("a started function sees the gateway's CA bundle, not its secrets", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vibe-env-" });
  const entry = `${dir}/index.ts`;
  await Deno.writeTextFile(
    entry,
    `Deno.serve(() => Response.json({
      ca: Deno.env.get("NODE_EXTRA_CA_CERTS") ?? null,
      secret: Deno.env.get("VIBE_TEST_HOST_SECRET") ?? null,
    }));`,
  );
  const before = Deno.env.get("NODE_EXTRA_CA_CERTS");
  Deno.env.set("NODE_EXTRA_CA_CERTS", "/tmp/vibe-test-ca.pem");
  Deno.env.set("VIBE_TEST_HOST_SECRET", "do-not-pass");
  const supervisor = new FunctionSupervisor(() => {});
  try {
    const port = await supervisor.port({ key: "env-probe", entry, cwd: dir, env: {} });
    const res = await fetch(`http://127.0.0.1:${port}/`);
    assert.deepEqual(await res.json(), { ca: "/tmp/vibe-test-ca.pem", secret: null });
  } finally {
    supervisor.stopAll();
    if (before === undefined) Deno.env.delete("NODE_EXTRA_CA_CERTS");
    else Deno.env.set("NODE_EXTRA_CA_CERTS", before);
    Deno.env.delete("VIBE_TEST_HOST_SECRET");
    await Deno.remove(dir, { recursive: true });
  }
});
