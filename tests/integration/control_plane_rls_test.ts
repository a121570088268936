/** @module Row-level security on every control-plane table: owners read their own rows,
 * another user reads nothing of theirs, anon reads nothing, only service_role writes. */
import assert from "node:assert/strict";
import type pg from "../../functions-shared/db/pg.ts";
import { asRole, newUser, withClient } from "../support/stack.ts";

const TABLES = ["build_sessions", "build_events", "spec_chunks", "drift_alerts"] as const;

async function seedSession(c: pg.Client, ownerId: string): Promise<string> {
  const s = await c.query<{ id: string }>(
    `insert into public.build_sessions (owner_id, template, vibe_text)
     values ($1, 'marketplace', 'A marketplace for vintage synths') returning id`,
    [ownerId],
  );
  const id = s.rows[0]!.id;
  await c.query(
    `insert into public.build_events (session_id, seq, type, message, node, event_key)
     values ($1, 1, 'plan_created', 'draft', 'ingest_vibe', 'plan_created')`,
    [id],
  );
  const chunk = await c.query<{ id: string }>(
    `insert into public.spec_chunks (session_id, chunk_index, content, embedding)
     values ($1, 0, 'bids', array_fill(0.1, array[384])::extensions.vector) returning id`,
    [id],
  );
  await c.query(
    `insert into public.drift_alerts (session_id, severity, type, resource, spec_chunk_id,
       recommendation, fingerprint)
     values ($1, 'critical', 'rls_disabled', 'public.bids', $2, 'alter table ...', 'fp')`,
    [id, chunk.rows[0]!.id],
  );
  return id;
}

function sessionColumn(table: string): string {
  return table === "build_sessions" ? "id" : "session_id";
}

Deno.test("control-plane RLS isolates users, hides everything from anon, lets only service_role write", async () => {
  await withClient(async (c) => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const aliceSession = await seedSession(c, alice.id);
    const bobSession = await seedSession(c, bob.id);
    try {
      for (const table of TABLES) {
        const col = sessionColumn(table);
        for (
          const [user, own, other] of [
            [alice, aliceSession, bobSession],
            [bob, bobSession, aliceSession],
          ] as const
        ) {
          const rows = await asRole(
            c,
            "authenticated",
            { sub: user.id },
            async () =>
              (await c.query<{ sid: string }>(
                `select ${col} as sid from public.${table} where ${col} = any($1)`,
                [[
                  own,
                  other,
                ]],
              )).rows.map((r) => r.sid),
          );
          assert.deepEqual(rows, [own], `${table}: ${user.email} must see exactly their own rows`);
        }

        await assert.rejects(
          asRole(c, "anon", {}, () => c.query(`select 1 from public.${table} limit 1`)),
          (e: { code?: string }) => e.code === "42501",
          `${table}: anon must have no privilege at all`,
        );

        await assert.rejects(
          asRole(
            c,
            "authenticated",
            { sub: alice.id },
            () => c.query(`delete from public.${table} where ${col} = $1`, [aliceSession]),
          ),
          (e: { code?: string }) => e.code === "42501",
          `${table}: a signed-in user must not write`,
        );

        const all = await asRole(
          c,
          "service_role",
          {},
          async () =>
            (await c.query<{ n: number }>(
              `select count(*)::int as n from public.${table} where ${col} = any($1)`,
              [[
                aliceSession,
                bobSession,
              ]],
            )).rows[0]!.n,
        );
        assert.equal(all, 2, `${table}: service_role reads every row`);
      }

      // Every control-plane table has RLS enabled.
      const rls = await c.query(
        `select relname from pg_class where relnamespace = 'public'::regnamespace
          and relname = any($1) and relrowsecurity`,
        [TABLES],
      );
      assert.equal(rls.rowCount, TABLES.length);
    } finally {
      await c.query("delete from public.build_sessions where id = any($1)", [[
        aliceSession,
        bobSession,
      ]]);
      await c.query("delete from auth.users where id = any($1)", [[alice.id, bob.id]]);
    }
  });
});

/** What `authenticated` may read of build_sessions: the API's view, the owner, the presence. */
const SESSION_COLUMNS_FOR_USERS = [
  "created_at",
  "environment",
  "error",
  "id",
  "options",
  "outputs",
  "owner_id",
  "presence",
  "status",
  "template",
  "vibe_text",
];

Deno.test("build_sessions: signed-in users read only the API's columns, never the plan, contract or keys", async () => {
  await withClient(async (c) => {
    const alice = await newUser("columns");
    const s = await c.query<{ id: string }>(
      `insert into public.build_sessions (owner_id, template, vibe_text, plan, contract,
                                          idempotency_key, presence)
       values ($1, 'saas', 'x', '{"tables": []}', '{"format": 1}', 'secret-key-1',
               '{"actor": "architect"}')
       returning id`,
      [alice.id],
    );
    const id = s.rows[0]!.id;
    try {
      // Exactly these columns are readable, whatever columns the table gains later.
      const granted = await c.query<{ column_name: string }>(
        `select column_name from information_schema.columns
          where table_schema = 'public' and table_name = 'build_sessions'
            and has_column_privilege('authenticated', 'public.build_sessions', column_name,
                                     'select')
          order by column_name`,
      );
      assert.deepEqual(granted.rows.map((r) => r.column_name), SESSION_COLUMNS_FOR_USERS);

      // What the sessions API reads as the user, and what RLS and Realtime's policy need.
      const own = await asRole(c, "authenticated", { sub: alice.id }, async () =>
        (await c.query(
          `select ${SESSION_COLUMNS_FOR_USERS.join(", ")} from public.build_sessions
            where id = $1`,
          [id],
        )).rows);
      assert.equal(own.length, 1);
      assert.deepEqual(own[0]!.presence, { actor: "architect" });

      for (
        const column of [
          "plan",
          "contract",
          "idempotency_key",
          "last_seq",
          "cancel_requested_at",
          "drift_checked_at",
          "cleanup_error",
          "*",
        ]
      ) {
        await assert.rejects(
          asRole(
            c,
            "authenticated",
            { sub: alice.id },
            () => c.query(`select ${column} from public.build_sessions where id = $1`, [id]),
          ),
          (e: { code?: string }) => e.code === "42501",
          `authenticated must not read build_sessions.${column}`,
        );
      }
      // Filtering on a hidden column is reading it, too.
      await assert.rejects(
        asRole(c, "authenticated", { sub: alice.id }, () =>
          c.query(
            "select id from public.build_sessions where idempotency_key = 'secret-key-1'",
          )),
        (e: { code?: string }) => e.code === "42501",
      );

      // Events stay readable through their policy (which reads build_sessions as the user).
      await c.query(
        `insert into public.build_events (session_id, seq, type, message, node, event_key)
         values ($1, 1, 'plan_created', 'draft', 'ingest_vibe', 'plan_created')`,
        [id],
      );
      const events = await asRole(
        c,
        "authenticated",
        { sub: alice.id },
        async () =>
          (await c.query("select seq from public.build_events where session_id = $1", [id]))
            .rowCount,
      );
      assert.equal(events, 1);

      // The service role keeps every column.
      const full = await asRole(
        c,
        "service_role",
        {},
        async () =>
          (await c.query<{ idempotency_key: string }>(
            "select plan, contract, idempotency_key from public.build_sessions where id = $1",
            [id],
          )).rows[0],
      );
      assert.equal(full?.idempotency_key, "secret-key-1");
    } finally {
      await c.query("delete from public.build_sessions where id = $1", [id]);
      await c.query("delete from auth.users where id = $1", [alice.id]);
    }
  });
});
