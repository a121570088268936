/**
 * @module `deno task hosted-check`: says what a hosted control-plane project still lacks —
 * token, project health, extensions, migrations, Vault entries, functions, function secrets,
 * the parent project's branching, the organization for project mode — each with its fix.
 * Talks only to the Supabase Management API (VIBE_API_URL, default api.supabase.com).
 *
 *   VIBE_ACCESS_TOKEN=sbp_… deno task hosted-check --project-ref <ref>
 *       [--parent-ref <ref>] [--organization <slug>]
 *
 * (`SUPABASE_ACCESS_TOKEN`, which the Supabase CLI reads, works too: this runs on your machine.
 * The functions themselves read `VIBE_ACCESS_TOKEN`, because `supabase secrets set` skips every
 * name that starts with `SUPABASE_`.)
 */
import { listMigrationFiles } from "../migrate.ts";
import { readSettings } from "../settings.ts";

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do when not ok. */
  fix?: string;
}

export interface CheckOptions {
  apiUrl: string;
  accessToken: string;
  projectRef: string;
  parentRef?: string;
  organization?: string;
}

const FUNCTIONS = ["sessions", "worker", "drift_check", "cleanup"];
const EXTENSIONS = ["vector", "pg_cron", "pg_net", "pgmq", "supabase_vault"];
/** Secrets the functions read; none may start with SUPABASE_ (`secrets set` skips those). */
export const FUNCTION_SECRETS = [
  "VIBE_ACCESS_TOKEN",
  "VIBE_PARENT_PROJECT_REF",
  "VIBE_REPORT_TOKEN_SECRET",
];

/**
 * What each Vault entry holds, by shape only (the values never leave the database): the
 * project URL, and a service key — the legacy service_role JWT or a secret key (sb_secret_…).
 */
export const VAULT_KINDS_SQL = `select name,
       case when decrypted_secret like 'sb_secret_%' then 'secret key'
            when decrypted_secret like 'sb_publishable_%' then 'publishable key'
            when decrypted_secret ~ '^eyJ[A-Za-z0-9_-]*[.][A-Za-z0-9_-]+[.][A-Za-z0-9_-]+$'
              then 'jwt'
            when decrypted_secret ~ '^https?://' then 'url'
            else 'other' end as kind
  from vault.decrypted_secrets where name in ('project_url', 'service_role_key')`;

class ManagementApi {
  constructor(private readonly opts: CheckOptions) {}

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; data: T | null; text: string }> {
    const res = await fetch(`${this.opts.apiUrl.replace(/\/$/, "")}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.opts.accessToken}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let data: T | null = null;
    try {
      data = JSON.parse(text) as T;
    } catch { /* not JSON */ }
    return { status: res.status, data, text };
  }

  query<T>(ref: string, sql: string) {
    return this.request<T[]>("POST", `/v1/projects/${ref}/database/query`, {
      query: sql,
      read_only: true,
    });
  }
}

/** Runs every check; later checks are skipped (and say so) when the token or project fails. */
export async function checkHostedProject(opts: CheckOptions): Promise<CheckResult[]> {
  const api = new ManagementApi(opts);
  const ref = opts.projectRef;
  const results: CheckResult[] = [];

  const project = await api.request<{ status?: string; name?: string }>(
    "GET",
    `/v1/projects/${ref}`,
  );
  if (project.status === 401) {
    return [{
      name: "access token",
      ok: false,
      detail: "the Management API refused the token",
      fix:
        "Create a personal access token at https://supabase.com/dashboard/account/tokens and set VIBE_ACCESS_TOKEN",
    }];
  }
  const healthy = project.status === 200 && project.data?.status === "ACTIVE_HEALTHY";
  results.push({
    name: "control-plane project",
    ok: healthy,
    detail: project.status === 200
      ? `${project.data?.name ?? ref} is ${project.data?.status}`
      : `GET /v1/projects/${ref} answered ${project.status}`,
    ...(healthy ? {} : {
      fix: project.status === 404
        ? `Check the project ref (${ref}) and that the token's account can see it`
        : "Restore or wait for the project to become healthy in the dashboard",
    }),
  });
  if (!healthy) return results;

  const ext = await api.query<{ name: string; installed: string | null }>(
    ref,
    `select name, installed_version as installed from pg_available_extensions
      where name = any(array[${EXTENSIONS.map((e) => `'${e}'`).join(",")}])`,
  );
  const installed = new Set((ext.data ?? []).filter((e) => e.installed).map((e) => e.name));
  const missingExt = EXTENSIONS.filter((e) => !installed.has(e));
  results.push({
    name: "extensions",
    ok: missingExt.length === 0,
    detail: missingExt.length ? `not enabled: ${missingExt.join(", ")}` : EXTENSIONS.join(", "),
    ...(missingExt.length
      ? { fix: "Run `supabase db push` (the first migration enables them)" }
      : {}),
  });

  const wanted = listMigrationFiles().map((f) => f.version);
  const applied = await api.query<{ version: string }>(
    ref,
    "select version from supabase_migrations.schema_migrations",
  );
  const have = new Set((applied.data ?? []).map((m) => m.version));
  const missingMig = wanted.filter((v) => !have.has(v));
  results.push({
    name: "migrations",
    ok: applied.status < 300 && missingMig.length === 0,
    detail: missingMig.length
      ? `not applied: ${missingMig.join(", ")}`
      : `${wanted.length} applied`,
    ...(missingMig.length
      ? { fix: "Run `supabase link --project-ref <ref>` then `supabase db push`" }
      : {}),
  });

  const vault = await api.query<{ name: string; kind: string }>(ref, VAULT_KINDS_SQL);
  const kinds = new Map((vault.data ?? []).map((v) => [v.name, v.kind]));
  const vaultProblems = [
    ...["project_url", "service_role_key"].filter((n) => !kinds.has(n)).map((n) => `${n} missing`),
    ...(kinds.has("project_url") && kinds.get("project_url") !== "url"
      ? ["project_url is not an https:// URL"]
      : []),
    ...(kinds.has("service_role_key") &&
        !["secret key", "jwt"].includes(kinds.get("service_role_key")!)
      ? [
        `service_role_key holds a ${kinds.get("service_role_key")}, not the service_role JWT ` +
        "or a secret key",
      ]
      : []),
  ];
  results.push({
    name: "vault entries for cron and kicks",
    ok: vaultProblems.length === 0,
    detail: vaultProblems.length
      ? vaultProblems.join("; ")
      : `project_url, service_role_key (${kinds.get("service_role_key")})`,
    ...(vaultProblems.length
      ? {
        fix:
          "In the SQL editor: select vault.create_secret('https://<ref>.supabase.co', 'project_url'); " +
          "select vault.create_secret('<sb_secret_… key, or the legacy service_role JWT>', " +
          "'service_role_key'); (vault.update_secret(id, value) replaces a wrong one)",
      }
      : {}),
  });

  const fns = await api.request<{ slug: string; status: string; verify_jwt?: boolean }[]>(
    "GET",
    `/v1/projects/${ref}/functions`,
  );
  const deployed = new Map((fns.data ?? []).map((f) => [f.slug, f]));
  const missingFns = FUNCTIONS.filter((f) => deployed.get(f)?.status !== "ACTIVE");
  results.push({
    name: "edge functions",
    ok: missingFns.length === 0,
    detail: missingFns.length ? `not active: ${missingFns.join(", ")}` : FUNCTIONS.join(", "),
    ...(missingFns.length
      ? { fix: `Run \`supabase functions deploy ${FUNCTIONS.join(" ")}\`` }
      : {}),
  });
  const configured = readSettings().functions;
  const wrongJwt = FUNCTIONS.filter((f) =>
    deployed.has(f) && (deployed.get(f)!.verify_jwt ?? true) !== (configured[f]?.verifyJwt ?? true)
  );
  results.push({
    name: "verify_jwt as in supabase/config.toml",
    ok: wrongJwt.length === 0,
    detail: wrongJwt.length
      ? wrongJwt.map((f) =>
        `${f} has verify_jwt=${deployed.get(f)!.verify_jwt ?? true}, config.toml says ` +
        `${configured[f]?.verifyJwt ?? true}`
      ).join("; ")
      : FUNCTIONS.map((f) => `${f}=${configured[f]?.verifyJwt ?? true}`).join(", "),
    ...(wrongJwt.length
      ? {
        fix: `Redeploy from the repository root (\`supabase functions deploy ${
          wrongJwt.join(" ")
        }\`): worker and drift_check are called with secret keys, which are not JWTs`,
      }
      : {}),
  });

  const secrets = await api.request<{ name: string }[]>("GET", `/v1/projects/${ref}/secrets`);
  const secretNames = new Set((secrets.data ?? []).map((s) => s.name));
  const missingSecrets = FUNCTION_SECRETS.filter((n) => !secretNames.has(n));
  results.push({
    name: "function secrets",
    ok: missingSecrets.length === 0,
    detail: missingSecrets.length
      ? `missing: ${missingSecrets.join(", ")}`
      : FUNCTION_SECRETS.join(", "),
    ...(missingSecrets.length
      ? {
        fix: `Run \`supabase secrets set ${
          missingSecrets.map((n) => `${n}=…`).join(" ")
        }\` (VIBE_REPORT_TOKEN_SECRET: \`openssl rand -hex 32\`)`,
      }
      : {}),
  });

  if (opts.parentRef) {
    const branches = await api.request<unknown[]>("GET", `/v1/projects/${opts.parentRef}/branches`);
    const ok = branches.status === 200 && Array.isArray(branches.data);
    results.push({
      name: "branching on the parent project",
      ok,
      detail: ok
        ? `${opts.parentRef} lists ${branches.data!.length} branches`
        : `GET /v1/projects/${opts.parentRef}/branches answered ${branches.status}`,
      ...(ok ? {} : {
        fix:
          "Enable branching on the parent project (dashboard → Branches), or use environmentMode project",
      }),
    });
  }
  if (opts.organization) {
    const org = await api.request<{ plan?: string }>(
      "GET",
      `/v1/organizations/${opts.organization}`,
    );
    const ok = org.status === 200;
    results.push({
      name: "organization for project mode",
      ok,
      detail: ok
        ? `${opts.organization} (${org.data?.plan ?? "plan unknown"})`
        : `answered ${org.status}`,
      ...(ok ? {} : { fix: "Set VIBE_ORGANIZATION_ID to an organization slug the token can use" }),
    });
  }
  return results;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

if (import.meta.main) {
  const accessToken = Deno.env.get("VIBE_ACCESS_TOKEN") ?? Deno.env.get("SUPABASE_ACCESS_TOKEN");
  const projectRef = flag(Deno.args, "--project-ref") ?? Deno.env.get("SUPABASE_PROJECT_REF");
  if (!accessToken || !projectRef) {
    console.error(
      "Usage: VIBE_ACCESS_TOKEN=sbp_… deno task hosted-check --project-ref <ref> " +
        "[--parent-ref <ref>] [--organization <slug>]",
    );
    Deno.exit(2);
  }
  const parentRef = flag(Deno.args, "--parent-ref") ?? Deno.env.get("VIBE_PARENT_PROJECT_REF");
  const organization = flag(Deno.args, "--organization") ?? Deno.env.get("VIBE_ORGANIZATION_ID");
  const results = await checkHostedProject({
    apiUrl: Deno.env.get("VIBE_API_URL") ?? "https://api.supabase.com",
    accessToken,
    projectRef,
    ...(parentRef ? { parentRef } : {}),
    ...(organization ? { organization } : {}),
  });
  for (const r of results) {
    console.log(`${r.ok ? "ok  " : "MISS"} ${r.name}: ${r.detail}`);
    if (!r.ok && r.fix) console.log(`     fix: ${r.fix}`);
  }
  Deno.exit(results.every((r) => r.ok) ? 0 : 1);
}
