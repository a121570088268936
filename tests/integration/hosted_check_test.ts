/** @module `deno task hosted-check` against a stand-in Management API that answers the
 * endpoints it uses: every missing piece is reported with its fix; a complete project passes. */
import assert from "node:assert/strict";
import {
  checkHostedProject,
  type CheckOptions,
  type CheckResult,
  FUNCTION_SECRETS,
  VAULT_KINDS_SQL,
} from "../../stack/hosted/check.ts";
import { listMigrationFiles } from "../../stack/migrate.ts";
import { readSettings } from "../../stack/settings.ts";

interface FakeProject {
  extensions: string[];
  migrations: string[];
  /** Vault entries by name, with their (fake) values. */
  vault: Record<string, string>;
  functions: string[];
  /** verify_jwt of the deployed functions (default: as supabase/config.toml says). */
  verifyJwt?: Record<string, boolean>;
  secrets: string[];
  branching: boolean;
}

function fakeManagementApi(token: string, p: FakeProject) {
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    seen.push(`${req.method} ${path}`);
    if (req.headers.get("authorization") !== `Bearer ${token}`) {
      return Response.json({ message: "Unauthorized" }, { status: 401 });
    }
    if (req.method === "GET" && path === "/v1/projects/cpref") {
      return Response.json({ ref: "cpref", name: "control plane", status: "ACTIVE_HEALTHY" });
    }
    if (req.method === "POST" && path === "/v1/projects/cpref/database/query") {
      const { query, read_only } = await req.json();
      assert.equal(read_only, true, "checks only read");
      if (query.includes("pg_available_extensions")) {
        return Response.json(["vector", "pg_cron", "pg_net", "pgmq", "supabase_vault"].map((n) => ({
          name: n,
          installed: p.extensions.includes(n) ? "1.0" : null,
        })));
      }
      if (query.includes("schema_migrations")) {
        return Response.json(p.migrations.map((version) => ({ version })));
      }
      if (query === VAULT_KINDS_SQL) {
        // What the SQL computes, for the fake's values.
        const kind = (v: string) =>
          v.startsWith("sb_secret_")
            ? "secret key"
            : v.startsWith("sb_publishable_")
            ? "publishable key"
            : /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(v)
            ? "jwt"
            : /^https?:\/\//.test(v)
            ? "url"
            : "other";
        return Response.json(
          Object.entries(p.vault).map(([name, value]) => ({ name, kind: kind(value) })),
        );
      }
    }
    if (req.method === "GET" && path === "/v1/projects/cpref/functions") {
      return Response.json(
        p.functions.map((slug) => ({
          slug,
          status: "ACTIVE",
          verify_jwt: p.verifyJwt?.[slug] ?? readSettings().functions[slug]?.verifyJwt ?? true,
        })),
      );
    }
    if (req.method === "GET" && path === "/v1/projects/cpref/secrets") {
      return Response.json(p.secrets.map((name) => ({ name, value: "digest" })));
    }
    if (req.method === "GET" && path === "/v1/projects/parent/branches") {
      return p.branching
        ? Response.json([])
        : Response.json({ message: "Branching is not enabled" }, { status: 422 });
    }
    if (req.method === "GET" && path === "/v1/organizations/acme") {
      return Response.json({ id: "acme", name: "Acme", plan: "pro" });
    }
    return Response.json({ message: `unexpected ${req.method} ${path}` }, { status: 404 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, seen, close: () => server.shutdown() };
}

/** hosted-check against a stand-in (accepting the token `sbp_ok`) serving `p`. */
async function check(
  p: FakeProject,
  opts: Omit<CheckOptions, "apiUrl">,
): Promise<CheckResult[]> {
  const api = fakeManagementApi("sbp_ok", p);
  try {
    return await checkHostedProject({ apiUrl: api.url, ...opts });
  } finally {
    await api.close();
  }
}

const complete: FakeProject = {
  extensions: ["vector", "pg_cron", "pg_net", "pgmq", "supabase_vault"],
  migrations: listMigrationFiles().map((f) => f.version),
  vault: { project_url: "https://cpref.supabase.co", service_role_key: "sb_secret_abc_def" },
  functions: ["sessions", "worker", "drift_check", "cleanup"],
  secrets: [...FUNCTION_SECRETS],
  branching: true,
};

Deno.test("a complete hosted project passes every check", async () => {
  const results = await check(complete, {
    accessToken: "sbp_ok",
    projectRef: "cpref",
    parentRef: "parent",
    organization: "acme",
  });
  assert.deepEqual(results.filter((r) => !r.ok), []);
  assert.equal(results.length, 9);
  const legacy = await check(
    {
      ...complete,
      vault: {
        ...complete.vault,
        service_role_key: "eyJhbGciOiJI.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.sig",
      },
    },
    { accessToken: "sbp_ok", projectRef: "cpref" },
  );
  assert.deepEqual(legacy.filter((r) => !r.ok), [], "the legacy service_role JWT works too");
});

Deno.test("the function secrets are all set-able: none starts with SUPABASE_", () => {
  assert.deepEqual(FUNCTION_SECRETS.filter((n) => n.startsWith("SUPABASE_")), []);
});

Deno.test("a publishable key in Vault and a wrong verify_jwt are reported", async () => {
  const results = await check({
    ...complete,
    vault: { ...complete.vault, service_role_key: "sb_publishable_abc" },
    verifyJwt: { worker: true },
  }, { accessToken: "sbp_ok", projectRef: "cpref" });
  const failed = Object.fromEntries(results.filter((r) => !r.ok).map((r) => [r.name, r]));
  assert.deepEqual(Object.keys(failed).sort(), [
    "vault entries for cron and kicks",
    "verify_jwt as in supabase/config.toml",
  ]);
  assert.match(failed["vault entries for cron and kicks"]!.detail, /holds a publishable key/);
  assert.match(
    failed["verify_jwt as in supabase/config.toml"]!.detail,
    /worker has verify_jwt=true/,
  );
});

Deno.test("each missing piece is reported with its fix", async () => {
  const results = await check({
    extensions: ["vector", "pg_net"],
    migrations: listMigrationFiles().map((f) => f.version).slice(0, 2),
    vault: { project_url: "https://cpref.supabase.co" },
    functions: ["sessions"],
    secrets: [],
    branching: false,
  }, { accessToken: "sbp_ok", projectRef: "cpref", parentRef: "parent" });
  const failed = Object.fromEntries(results.filter((r) => !r.ok).map((r) => [r.name, r]));
  assert.deepEqual(Object.keys(failed).sort(), [
    "branching on the parent project",
    "edge functions",
    "extensions",
    "function secrets",
    "migrations",
    "vault entries for cron and kicks",
  ]);
  assert.match(failed["extensions"]!.detail, /pg_cron, pgmq, supabase_vault/);
  assert.match(failed["migrations"]!.fix!, /supabase db push/);
  assert.match(failed["vault entries for cron and kicks"]!.fix!, /service_role_key/);
  assert.match(
    failed["edge functions"]!.fix!,
    /functions deploy sessions worker drift_check cleanup/,
  );
  assert.match(failed["function secrets"]!.fix!, /secrets set VIBE_ACCESS_TOKEN=… /);
  assert.match(failed["function secrets"]!.fix!, /VIBE_REPORT_TOKEN_SECRET=…/);
});

Deno.test("a refused token stops at the first check with how to get one", async () => {
  const results = await check(complete, { accessToken: "sbp_bad", projectRef: "cpref" });
  assert.equal(results.length, 1);
  assert.equal(results[0]!.ok, false);
  assert.match(results[0]!.fix!, /personal access token/);
});
