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
