/**
 * @module A local stand-in for the Supabase Management API (Deno.serve on port 0, no network)
 * that checks EVERY request against the published shapes (management_api_shapes.ts): the
 * operation must exist (method and path), the bearer must be the token, query parameters and
 * JSON or multipart bodies must match their schemas exactly (no missing, no extra fields).
 * Anything else is recorded as a violation and answered 400/404. Its own responses are checked
 * against the response schemas too, so the stand-in cannot drift from the contract.
 *
 * `database/query` and the partner migrations endpoint run against real scratch databases of
 * the local cluster (one per project ref), so what a migration does is real. The migrations
 * endpoint either accepts (a partner app) or refuses with the status and message configured.
 */
import type { z } from "zod";
import type pg from "../../functions-shared/db/pg.ts";
import {
  ApiKeyResponse,
  ApiKeysQuery,
  BranchResponse,
  CreateBranchBody,
  DeployFunctionQuery,
  DeployFunctionResponse,
  FunctionDeployMetadata,
  FunctionResponse,
  FunctionSlugResponse,
  LegacyApiKeysResponse,
  V1CreateMigrationBody,
  V1ListMigrationsResponse,
  V1ProjectWithDatabaseResponse,
  V1RunQueryBody,
} from "./management_api_shapes.ts";
import { connect, scratchDatabase } from "./stack.ts";

/** How the migrations endpoint answers. */
export type MigrationsEndpoint =
  | { mode: "partner" }
  | { mode: "refuse"; status: number; message: string };

/** Options for {@link startManagementApi}. */
export interface ManagementApiOptions {
  /** The only bearer accepted. */
  accessToken: string;
  /** The project that exists from the start. */
  projectRef: string;
  migrationsEndpoint: MigrationsEndpoint;
}

/** One request as received. */
export interface ReceivedRequest {
  method: string;
  /** The operation's path template, e.g. `/v1/projects/{ref}/database/query`. */
  operation: string;
  path: string;
  body?: unknown;
}

export interface ManagementApiStandIn {
  url: string;
  /** Every request, in order. */
  requests: ReceivedRequest[];
  /** Every contract violation, in order (the test asserts there are none). */
  violations: string[];
  /** Runs SQL in a project's database as the superuser-free `postgres`. */
  sql<T = Record<string, unknown>>(ref: string, text: string): Promise<T[]>;
  close(): Promise<void>;
}

interface DeployedFunction {
  id: string;
  slug: string;
  name: string;
  version: number;
  verify_jwt: boolean;
  entrypoint: string;
  importMap?: string;
  files: { name: string; content: string }[];
  created_at: number;
  updated_at: number;
}

interface BranchState {
  body: z.infer<typeof BranchResponse>;
  polls: number;
}

type Handler = (ctx: {
  params: Record<string, string>;
  query: URLSearchParams;
  req: Request;
  body: unknown;
}) => Promise<Response>;

interface Operation {
  method: string;
  path: string;
  query?: z.ZodType;
  body?: "json" | "multipart";
  bodySchema?: z.ZodType;
  handle: Handler;
}

function json(status: number, body: unknown): Response {
  return Response.json(body, { status });
}

function pattern(template: string): RegExp {
  return new RegExp(`^${template.replace(/\{[a-z_]+\}/g, "([^/]+)")}$`);
}

function paramNames(template: string): string[] {
  return [...template.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]!);
}

function problems(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}

/** Starts the stand-in; `close` stops it and drops its databases. */
export function startManagementApi(opts: ManagementApiOptions): Promise<ManagementApiStandIn> {
  const requests: ReceivedRequest[] = [];
  const violations: string[] = [];
  const databases = new Map<string, Promise<{ name: string; drop: () => Promise<void> }>>();
  const projects = new Set([opts.projectRef]);
  const branches = new Map<string, BranchState>();
  const functions = new Map<string, Map<string, DeployedFunction>>();
  const created = new Date().toISOString();

  const database = (ref: string) => {
    let db = databases.get(ref);
    if (!db) {
      db = scratchDatabase("mgmt");
      databases.set(ref, db);
    }
    return db;
  };

  async function withDb<T>(ref: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const client = await connect((await database(ref)).name);
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  /** A response checked against its published schema (a mismatch is the stand-in's bug). */
  function checked(status: number, schema: z.ZodType, body: unknown, what: string): Response {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      violations.push(`stand-in answered ${what} off-contract: ${problems(parsed.error)}`);
    }
    return json(status, body);
  }

  function notFound(message: string): Response {
    return json(404, { message });
  }

  function requireProject(ref: string): Response | undefined {
    if (projects.has(ref)) return undefined;
    return notFound(`Project ${ref} not found`);
  }

  function pgError(e: unknown): Response {
    const err = e as { code?: string; message?: string };
    return json(400, {
      message: `Failed to run sql query: ERROR:  ${err.code ?? "XX000"}: ${err.message}`,
    });
  }

  const functionOf = (ref: string, fn: DeployedFunction) => {
    const deploymentId = `${ref}_${fn.id}_${fn.version}`;
    return {
      id: fn.id,
      slug: fn.slug,
      name: fn.name,
      status: "ACTIVE" as const,
      version: fn.version,
      created_at: fn.created_at,
      updated_at: fn.updated_at,
      verify_jwt: fn.verify_jwt,
      import_map: fn.importMap !== undefined,
      entrypoint_path: `file:///tmp/user_fn_${deploymentId}/source/${fn.entrypoint}`,
      ...(fn.importMap
        ? { import_map_path: `file:///tmp/user_fn_${deploymentId}/source/${fn.importMap}` }
        : {}),
    };
  };

  const operations: Operation[] = [
    {
      method: "GET",
      path: "/v1/projects/{ref}",
      handle: ({ params }) => {
        const missing = requireProject(params.ref!);
        if (missing) return Promise.resolve(missing);
        return Promise.resolve(checked(200, V1ProjectWithDatabaseResponse, {
          id: params.ref,
          ref: params.ref,
          organization_id: "contract-org",
          organization_slug: "contract-org",
          name: params.ref,
          region: "us-east-1",
          created_at: created,
          status: "ACTIVE_HEALTHY",
          database: {
            host: `db.${params.ref}.supabase.co`,
            version: "15.8.1.085",
            postgres_engine: "15",
            release_channel: "ga",
          },
        }, "get project"));
      },
    },
    {
      method: "GET",
      path: "/v1/projects/{ref}/branches",
      handle: ({ params }) => {
        const missing = requireProject(params.ref!);
        if (missing) return Promise.resolve(missing);
        const list = [...branches.values()].filter((b) => b.body.parent_project_ref === params.ref);
        for (const b of list) {
          // Branches finish building on the next poll, as hosted ones do a while later.
          if (b.polls++ > 0 && b.body.status === "CREATING_PROJECT") {
            b.body = {
              ...b.body,
              status: "MIGRATIONS_PASSED",
              updated_at: new Date().toISOString(),
            };
          }
        }
        return Promise.resolve(
          checked(200, BranchResponse.array(), list.map((b) => b.body), "list branches"),
        );
      },
    },
    {
      method: "POST",
      path: "/v1/projects/{ref}/branches",
      body: "json",
      bodySchema: CreateBranchBody,
      handle: ({ params, body }) => {
        const missing = requireProject(params.ref!);
        if (missing) return Promise.resolve(missing);
        const { branch_name } = body as z.infer<typeof CreateBranchBody>;
        const ref = `br${crypto.randomUUID().replace(/-/g, "").slice(0, 18)}`;
        projects.add(ref);
        const now = new Date().toISOString();
        const branch: BranchState = {
          polls: 0,
          body: {
            id: crypto.randomUUID(),
            name: branch_name,
            project_ref: ref,
            parent_project_ref: params.ref!,
            is_default: false,
            persistent: false,
            status: "CREATING_PROJECT",
            created_at: now,
            updated_at: now,
            with_data: false,
          },
        };
        branches.set(branch.body.id, branch);
        return Promise.resolve(checked(201, BranchResponse, branch.body, "create branch"));
      },
    },
    {
      method: "GET",
      path: "/v1/projects/{ref}/api-keys",
      query: ApiKeysQuery,
      handle: ({ params }) => {
        const missing = requireProject(params.ref!);
        if (missing) return Promise.resolve(missing);
        return Promise.resolve(checked(200, ApiKeyResponse.array(), [
          { name: "anon", api_key: `anon-key-of-${params.ref}`, type: "legacy", id: "anon" },
          { name: "service_role", api_key: null, type: "legacy", id: "service_role" },
        ], "api keys"));
      },
    },
    {
      method: "GET",
      path: "/v1/projects/{ref}/api-keys/legacy",
      handle: () =>
        Promise.resolve(checked(200, LegacyApiKeysResponse, { enabled: true }, "legacy keys")),
    },
    {
      method: "GET",
      path: "/v1/projects/{ref}/database/migrations",
      handle: async ({ params }) => {
        const m = opts.migrationsEndpoint;
        if (m.mode === "refuse") return json(m.status, { message: m.message });
        const missing = requireProject(params.ref!);
        if (missing) return missing;
        const rows = await withDb(params.ref!, async (c) => {
          const present = await c.query(
            "select to_regclass('supabase_migrations.schema_migrations') is not null as p",
          );
          if (!present.rows[0].p) return [];
          const r = await c.query<{ version: string; name: string | null }>(
            "select version, name from supabase_migrations.schema_migrations order by version",
          );
          return r.rows.map((x) => ({ version: x.version, ...(x.name ? { name: x.name } : {}) }));
        });
        return checked(200, V1ListMigrationsResponse, rows, "list migrations");
      },
    },
    {
      method: "POST",
      path: "/v1/projects/{ref}/database/migrations",
      body: "json",
      bodySchema: V1CreateMigrationBody,
      handle: async ({ params, body }) => {
        const m = opts.migrationsEndpoint;
        if (m.mode === "refuse") return json(m.status, { message: m.message });
        const missing = requireProject(params.ref!);
        if (missing) return missing;
        const { name, query } = body as z.infer<typeof V1CreateMigrationBody>;
        try {
          await withDb(params.ref!, async (c) => {
            await c.query("begin");
            try {
              await c.query(
                "create schema if not exists supabase_migrations;" +
                  "create table if not exists supabase_migrations.schema_migrations " +
                  "(version text primary key, statements text[], name text)",
              );
              await c.query(query);
              await c.query(
                "insert into supabase_migrations.schema_migrations (version, name, statements) " +
                  "values (to_char(clock_timestamp() at time zone 'utc', 'YYYYMMDDHH24MISSUS'), $1, $2)",
                [name ?? null, [query]],
              );
              await c.query("commit");
            } catch (e) {
              await c.query("rollback");
              throw e;
            }
          });
        } catch (e) {
          return pgError(e);
        }
        return new Response(null, { status: 200 });
      },
    },
    {
      method: "POST",
      path: "/v1/projects/{ref}/database/query",
      body: "json",
      bodySchema: V1RunQueryBody,
      handle: async ({ params, body }) => {
        const missing = requireProject(params.ref!);
        if (missing) return missing;
        const { query, parameters, read_only } = body as z.infer<typeof V1RunQueryBody>;
        try {
          const rows = await withDb(params.ref!, async (c) => {
            if (read_only) await c.query("begin transaction read only");
            try {
              const result = parameters?.length
                ? await c.query(query, parameters)
                : await c.query(query) as pg.QueryResult | pg.QueryResult[];
              const results = Array.isArray(result) ? result : [result];
              return results.at(-1)?.rows ?? [];
            } finally {
              if (read_only) await c.query("rollback");
            }
          });
          return json(201, rows);
        } catch (e) {
          return pgError(e);
        }
      },
    },
    {
      method: "GET",
      path: "/v1/projects/{ref}/functions",
      handle: ({ params }) => {
        const missing = requireProject(params.ref!);
        if (missing) return Promise.resolve(missing);
        const list = [...(functions.get(params.ref!)?.values() ?? [])];
        return Promise.resolve(
          checked(
            200,
            FunctionResponse.array(),
            list.map((f) => functionOf(params.ref!, f)),
            "list functions",
          ),
        );
      },
    },
    {
      method: "GET",
      path: "/v1/projects/{ref}/functions/{function_slug}",
      handle: ({ params }) => {
        const fn = functions.get(params.ref!)?.get(params.function_slug!);
        if (!fn) return Promise.resolve(notFound("Function not found"));
        return Promise.resolve(
          checked(200, FunctionSlugResponse, functionOf(params.ref!, fn), "get function"),
        );
      },
    },
    {
      method: "GET",
      path: "/v1/projects/{ref}/functions/{function_slug}/body",
      handle: ({ params }) => {
        const fn = functions.get(params.ref!)?.get(params.function_slug!);
        if (!fn) return Promise.resolve(notFound("Function not found"));
        const form = new FormData();
        for (const f of fn.files) {
          form.append("file", new Blob([f.content], { type: "text/plain" }), `source/${f.name}`);
        }
        return Promise.resolve(new Response(form, { status: 200 }));
      },
    },
    {
      method: "POST",
      path: "/v1/projects/{ref}/functions/deploy",
      query: DeployFunctionQuery,
      body: "multipart",
      handle: async ({ params, query, req }) => {
        const missing = requireProject(params.ref!);
        if (missing) return missing;
        let form: FormData;
        try {
          form = await req.formData();
        } catch (e) {
          violations.push(`deploy: the body is not multipart/form-data: ${(e as Error).message}`);
          return json(400, { message: "Invalid multipart body" });
        }
        const fields = [...new Set([...form.keys()])];
        const extra = fields.filter((k) => k !== "metadata" && k !== "file");
        if (extra.length) {
          violations.push(`deploy: unexpected multipart fields ${extra.join(", ")}`);
        }
        const metaPart = form.get("metadata");
        if (!metaPart) {
          violations.push("deploy: the metadata part is missing");
          return json(400, { message: "metadata is required" });
        }
        const metaText = typeof metaPart === "string" ? metaPart : await metaPart.text();
        const meta = FunctionDeployMetadata.safeParse(JSON.parse(metaText));
        if (!meta.success) {
          violations.push(`deploy metadata: ${problems(meta.error)}`);
          return json(400, { message: problems(meta.error) });
        }
        const files: { name: string; content: string }[] = [];
        for (const part of form.getAll("file")) {
          if (typeof part === "string") {
            violations.push("deploy: a file part has no file name");
            continue;
          }
          files.push({ name: part.name, content: await part.text() });
        }
        const slug = query.get("slug") ?? meta.data.name;
        if (!slug) {
          violations.push("deploy: neither ?slug nor metadata.name names the function");
          return json(400, { message: "slug is required" });
        }
        if (!files.some((f) => f.name === meta.data.entrypoint_path)) {
          violations.push(`deploy: the entrypoint ${meta.data.entrypoint_path} was not uploaded`);
        }
        const byRef = functions.get(params.ref!) ?? new Map<string, DeployedFunction>();
        functions.set(params.ref!, byRef);
        const now = Date.now();
        const previous = byRef.get(slug);
        const fn: DeployedFunction = {
          id: previous?.id ?? crypto.randomUUID(),
          slug,
          name: meta.data.name ?? slug,
          version: (previous?.version ?? 0) + 1,
          verify_jwt: meta.data.verify_jwt ?? true,
          entrypoint: meta.data.entrypoint_path,
          ...(meta.data.import_map_path ? { importMap: meta.data.import_map_path } : {}),
          files,
          created_at: previous?.created_at ?? now,
          updated_at: now,
        };
        byRef.set(slug, fn);
        return checked(201, DeployFunctionResponse, functionOf(params.ref!, fn), "deploy");
      },
    },
  ];

  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const op = operations.find((o) =>
      o.method === req.method && pattern(o.path).test(url.pathname)
    );
    const record: ReceivedRequest = {
      method: req.method,
      operation: op?.path ?? "(unknown)",
      path: url.pathname,
    };
    requests.push(record);
    if (!op) {
      violations.push(`unknown operation ${req.method} ${url.pathname}`);
      return json(404, { message: `Cannot ${req.method} ${url.pathname}` });
    }
    const label = `${op.method} ${op.path}`;
    if (req.headers.get("authorization") !== `Bearer ${opts.accessToken}`) {
      violations.push(`${label}: the Authorization header is not "Bearer <access token>"`);
      return json(401, { message: "Unauthorized" });
    }
    const values = pattern(op.path).exec(url.pathname)!.slice(1).map(decodeURIComponent);
    const params = Object.fromEntries(paramNames(op.path).map((n, i) => [n, values[i]!]));
    const query = Object.fromEntries(url.searchParams);
    if (op.query) {
      const parsed = op.query.safeParse(query);
      if (!parsed.success) {
        violations.push(`${label} query: ${problems(parsed.error)}`);
        return json(400, { message: problems(parsed.error) });
      }
    } else if (url.search) {
      violations.push(`${label}: unexpected query ${url.search}`);
      return json(400, { message: "Unexpected query parameters" });
    }
    let body: unknown;
    const type = req.headers.get("content-type") ?? "";
    if (op.body === "json") {
      if (!type.startsWith("application/json")) {
        violations.push(`${label}: content-type is "${type}", not application/json`);
        return json(415, { message: "Expected application/json" });
      }
      try {
        body = await req.json();
      } catch {
        violations.push(`${label}: the body is not JSON`);
        return json(400, { message: "Invalid JSON" });
      }
      const parsed = op.bodySchema!.safeParse(body);
      if (!parsed.success) {
        violations.push(`${label} body: ${problems(parsed.error)}`);
        return json(400, { message: problems(parsed.error) });
      }
      record.body = body;
    } else if (op.body === "multipart") {
      if (!type.startsWith("multipart/form-data")) {
        violations.push(`${label}: content-type is "${type}", not multipart/form-data`);
        return json(415, { message: "Expected multipart/form-data" });
      }
    } else {
      const text = req.body ? await req.text() : "";
      if (text) {
        violations.push(`${label}: unexpected request body ${text.slice(0, 80)}`);
        return json(400, { message: "Unexpected body" });
      }
    }
    try {
      return await op.handle({ params, query: url.searchParams, req, body });
    } catch (e) {
      violations.push(`${label}: the stand-in failed: ${(e as Error).message}`);
      return json(500, { message: (e as Error).message });
    }
  }

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handle);
  return Promise.resolve({
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    violations,
    sql: (ref, text) => withDb(ref, async (c) => (await c.query(text)).rows),
    async close() {
      await server.shutdown();
      for (const db of databases.values()) await (await db).drop();
    },
  });
}
