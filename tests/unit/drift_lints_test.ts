/** @module The advisor lints on hand-built models: rules, names, shape and cache keys. */
import assert from "node:assert/strict";
import { lint, LINT_INFO, LINT_NAMES, pgArrayText } from "../../functions-shared/drift/lints.ts";
import { column, grant, model, policy, routine, table, view } from "./drift_models.ts";

const names = (m: Parameters<typeof lint>[0], o: Parameters<typeof lint>[1] = {}) =>
  lint(m, o).map((l) => l.cache_key);

Deno.test("every lint has the advisor's shape", () => {
  assert.equal(LINT_NAMES.length, 26);
  for (const name of LINT_NAMES) {
    const info = LINT_INFO[name];
    // The advisor's own remediation link for unsupported_reg_types has no number.
    assert.match(info.code, /^(00\d\d_[a-z_]+|unsupported_reg_types)$/);
    assert.ok(info.title.length > 0 && info.description.length > 0);
  }
  const [l] = lint(
    model({
      tables: [table("t", { rls: false, grants: [grant("anon", "SELECT")], policies: [] })],
    }),
  );
  assert.deepEqual(Object.keys(l!), [
    "name",
    "title",
    "level",
    "facing",
    "categories",
    "description",
    "detail",
    "remediation",
    "metadata",
    "cache_key",
  ]);
  assert.deepEqual([l!.name, l!.level, l!.categories, l!.remediation], [
    "rls_disabled_in_public",
    "ERROR",
    ["SECURITY"],
    "https://supabase.com/docs/guides/database/database-linter?lint=0013_rls_disabled_in_public",
  ]);
  assert.deepEqual(l!.metadata, { schema: "public", name: "t", type: "table" });
});

Deno.test("exposure follows the API schemas and anon/authenticated SELECT, PUBLIC included", () => {
  const open = table("t", { rls: false, policies: [], grants: [grant("PUBLIC", "SELECT")] });
  assert.deepEqual(names(model({ tables: [open] })), ["rls_disabled_in_public_public_t"]);
  assert.deepEqual(names(model({ tables: [open] }), { apiSchemas: ["api"] }), []);
  assert.deepEqual(
    names(model({ tables: [{ ...open, grants: [grant("service_role", "SELECT")] }] })),
    [],
  );
});

Deno.test("RLS lints", () => {
  const m = model({
    tables: [
      table("a", { rls: false, grants: [] }),
      table("b", { policies: [] }),
      table("c", {
        policies: [
          policy("initplan", { using: "(auth.uid() = owner_id)" }),
          policy("wrapped", { using: "(( SELECT auth.uid() AS uid) = owner_id)" }),
          policy("setting", {
            using: "((current_setting('request.jwt.claims'::text, true))::json ->> 'sub') = 'x'",
          }),
          policy("metadata", {
            using: "((( SELECT auth.jwt() AS jwt) -> 'user_metadata'::text) ->> 'admin') = 'true'",
          }),
          policy("open update", {
            command: "UPDATE",
            using: "true",
            withCheck: "(owner_id = ( SELECT auth.uid() AS uid))",
          }),
          policy("open insert", {
            command: "INSERT",
            using: null,
            withCheck: null,
            roles: ["public"],
          }),
          policy("service", { command: "DELETE", using: "true", roles: ["service_role"] }),
        ],
      }),
    ],
  });
  assert.deepEqual(
    names(m).filter((k) => !k.startsWith("multiple") && !k.startsWith("unindexed")),
    [
      "auth_rls_init_plan_public_c_initplan",
      "auth_rls_init_plan_public_c_setting",
      "policy_exists_rls_disabled_public_a",
      "rls_enabled_no_policy_public_b",
      "rls_policy_always_true_public_c_open insert",
      "rls_policy_always_true_public_c_open update",
      "rls_references_user_metadata_public_c_metadata",
    ],
  );
});

Deno.test("multiple permissive policies expand public to every role that does not bypass RLS", () => {
  const m = model({
    tables: [table("t", {
      policies: [
        policy("p1", { roles: ["public"] }),
        policy("p2", { roles: ["authenticated"], command: "ALL" }),
      ],
    })],
  });
  assert.deepEqual(names(m), [
    "multiple_permissive_policies_public_t_authenticated_SELECT",
  ]);
  const detail = lint(m)[0]!.detail;
  assert.equal(
    detail,
    "Table `public.t` has multiple permissive policies for role `authenticated` for action `SELECT`. Policies include `{p1,p2}`",
  );
});

Deno.test("indexes and keys", () => {
  const t = table("orders", {
    columns: [column("id", "uuid"), column("buyer_id", "uuid"), column("listing_id", "uuid")],
    constraints: [
      {
        name: "orders_buyer_id_fkey",
        type: "foreign key",
        definition: "FOREIGN KEY (buyer_id) REFERENCES auth.users(id)",
        columns: ["buyer_id"],
      },
      {
        name: "orders_listing_id_fkey",
        type: "foreign key",
        definition: "FOREIGN KEY (listing_id) REFERENCES public.listings(id)",
        columns: ["listing_id"],
      },
    ],
    indexes: [
      {
        name: "a_idx",
        definition: "CREATE INDEX a_idx ON public.orders USING btree (listing_id, id)",
        unique: false,
        primary: false,
        constraint: null,
        columns: ["listing_id", "id"],
        valid: true,
      },
      {
        name: "b_idx",
        definition: "CREATE INDEX b_idx ON public.orders USING btree (listing_id, id)",
        unique: false,
        primary: false,
        constraint: null,
        columns: ["listing_id", "id"],
        valid: true,
      },
    ],
  });
  assert.deepEqual(names(model({ tables: [t] })), [
    "duplicate_index_public_orders_{a_idx,b_idx}",
    "no_primary_key_public_orders",
    "unindexed_foreign_keys_public_orders_orders_buyer_id_fkey",
  ]);
});

Deno.test("views and functions", () => {
  const m = model({
    views: [
      view("definer"),
      view("invoker"),
      view("emails", {
        readsAuthUsers: true,
        securityInvoker: true,
        grants: [grant("authenticated", "SELECT")],
      }),
      view("stats", { materialized: true, grants: [] }),
    ],
    routines: [
      routine("mutable", { config: [], bodyHash: "abc" }),
      routine("definer", { securityDefiner: true, identityArgs: "n integer" }),
      routine("private_definer", {
        securityDefiner: true,
        grants: [grant("service_role", "EXECUTE")],
      }),
      routine("signed_in", { securityDefiner: true, grants: [grant("authenticated", "EXECUTE")] }),
    ],
    extensions: [{ name: "citext", schema: "public", version: "1.6" }, {
      name: "plpgsql",
      schema: "public",
      version: "1.0",
    }],
  });
  assert.deepEqual(
    names(model({ ...m, views: [view("definer", { securityInvoker: false })] })).filter((k) =>
      k.startsWith("security")
    ),
    [
      "security_definer_view_public_definer",
    ],
  );
  assert.deepEqual(names(m), [
    "anon_security_definer_function_executable_public_definer_n integer",
    // auth.users has RLS in this model, so a security-invoker view reading it is not flagged.
    "authenticated_security_definer_function_executable_public_definer_n integer",
    "authenticated_security_definer_function_executable_public_signed_in_",
    "extension_in_public_citext",
    "function_search_path_mutable_public_mutable_abc",
  ]);
  const noAuthRls = { ...m, platform: { ...m.platform, authUsersRls: false } };
  assert.ok(names(noAuthRls).includes("auth_users_exposed_public_emails"));
});

Deno.test("sensitive columns need an exposed table without RLS", () => {
  const t = table("accounts", {
    rls: false,
    policies: [],
    grants: [grant("anon", "SELECT")],
    columns: [column("id"), column("Password"), column("api-key")],
  });
  const found = lint(model({ tables: [t] })).find((l) => l.name === "sensitive_columns_exposed")!;
  assert.deepEqual(found.metadata.sensitive_columns, ["Password", "api-key"]);
  assert.deepEqual(found.metadata.matched_patterns, ["api_key", "password"]);
  assert.ok(
    !names(model({ tables: [{ ...t, rls: true }] })).includes(
      "sensitive_columns_exposed_public_accounts",
    ),
  );
});

Deno.test("Postgres array text", () => {
  assert.equal(pgArrayText(["a", "b c", 'd"e', "NULL", ""]), '{a,"b c","d\\"e","NULL",""}');
});

Deno.test("pg_graphql lints: objects anon or authenticated can select, only with pg_graphql", () => {
  const open = table("items", {
    grants: [grant("anon", "SELECT"), grant("authenticated", "SELECT")],
  });
  const columnOnly = table("parts", {
    grants: [],
    columns: [column("id", "uuid", { grants: [grant("authenticated", "SELECT")] })],
  });
  const closed = table("ledger", { grants: [grant("service_role", "SELECT")] });
  const m = model({ tables: [open, columnOnly, closed], views: [view("v")] });
  const graphql = (x: typeof m) => names(x).filter((k) => k.startsWith("pg_graphql")).sort();
  assert.deepEqual(graphql(m), []);
  const withGraphql = {
    ...m,
    extensions: [{ name: "pg_graphql", schema: "graphql", version: "1.5.11" }],
  };
  assert.deepEqual(graphql(withGraphql), [
    "pg_graphql_anon_table_exposed_public_items",
    "pg_graphql_anon_table_exposed_public_v",
    "pg_graphql_authenticated_table_exposed_public_items",
    "pg_graphql_authenticated_table_exposed_public_parts",
  ]);
});

Deno.test("fkey_to_auth_unique: a foreign key to an auth unique key that is not the primary key", () => {
  const fk = (name: string, definition: string) => ({
    name,
    type: "foreign key" as const,
    definition,
    columns: ["x"],
  });
  const t = table("contacts", {
    constraints: [
      fk("by_email", "FOREIGN KEY (x) REFERENCES auth.users(email) ON DELETE CASCADE"),
      fk("by_id", "FOREIGN KEY (x) REFERENCES auth.users(id)"),
      fk("by_phone", 'FOREIGN KEY (x) REFERENCES auth."users"(phone)'),
    ],
  });
  const platform = {
    ...model().platform,
    authKeys: [
      { table: "users", columns: ["id"], primary: true },
      { table: "users", columns: ["email"], primary: false },
      { table: "users", columns: ["phone"], primary: false },
    ],
  };
  assert.deepEqual(names(model({ tables: [t], platform })).filter((k) => k.startsWith("fkey")), [
    "fkey_to_auth_unique_public_contacts_by_email",
    "fkey_to_auth_unique_public_contacts_by_phone",
  ]);
});

Deno.test("platform-fact lints: outdated extensions, exposed queues, listable public buckets", () => {
  const m = model({
    extensions: [
      { name: "hstore", schema: "extensions", version: "1.4", defaultVersion: "1.8" },
      { name: "citext", schema: "extensions", version: "1.6", defaultVersion: "1.6" },
      { name: "legacy", schema: "extensions", version: "0.1" },
    ],
    platform: {
      ...model().platform,
      queueTables: [
        { name: "q_jobs", rls: false, apiReadable: true },
        { name: "q_mail", rls: true, apiReadable: true },
      ],
    },
    buckets: [
      { id: "avatars", name: "avatars", public: true, fileSizeLimit: null, allowedMimeTypes: null },
      { id: "docs", name: "docs", public: true, fileSizeLimit: null, allowedMimeTypes: null },
      { id: "keys", name: "keys", public: false, fileSizeLimit: null, allowedMimeTypes: null },
    ],
    platformTables: [{
      schema: "storage",
      name: "objects",
      triggers: [],
      policies: [
        policy("avatars listable", { roles: ["public"], using: "(bucket_id = 'avatars'::text)" }),
        policy("docs by owner", { using: "((bucket_id = 'docs'::text) AND (owner = auth.uid()))" }),
        policy("keys listable", { roles: ["anon"], using: "(bucket_id = 'keys'::text)" }),
      ],
    }],
  });
  assert.deepEqual(names(m), [
    "extension_versions_outdated_hstore_1.4",
    "public_bucket_allows_listing_avatars",
  ]);
  assert.deepEqual(
    names(m, { apiSchemas: ["public", "pgmq_public"] }).filter((k) => k.includes("pgmq")),
    ["rls_disabled_in_public_pgmq_q_jobs"],
  );
});
