/**
 * @module The tool-call audit log (`public.mcp_tool_calls`) on the real control-plane database:
 * owners read their sessions' calls, another user and anon read nothing, nobody but
 * service_role writes, and nobody — the table's owner included — updates or deletes a row;
 * rows go only with their session. The sink writes one row per record as it is called.
 */
import assert from "node:assert/strict";
import { createPool } from "../../functions-shared/db/pool.ts";
import { toolCallAudit } from "../../functions-shared/mcp/tool_call_audit.ts";
import type { ToolCallRecord } from "../../functions-shared/mcp/types.ts";
import { asRole, dbUrl, newUser, withClient } from "../support/stack.ts";

const RECORD: ToolCallRecord = {
  tool: "create_branch",
  arguments: { project_id: "main", name: "vibe-x", confirm_cost_id: "c" },
  ok: true,
  result_summary: "branch vibe-x (abc) CREATING_PROJECT",
  duration_ms: 12,
  started_at: "2026-12-04T00:00:00.000Z",
  result_ids: { id: "b", project_ref: "abc" },
};

async function session(ownerId: string): Promise<string> {
  return await withClient(async (c) =>
    (await c.query<{ id: string }>(
      `insert into public.build_sessions (owner_id, template, vibe_text)
       values ($1, 'saas', 'A team tracker') returning id`,
      [ownerId],
    )).rows[0]!.id
  );
}

Deno.test("the tool-call log: owners read, service_role appends, nobody rewrites history", async () => {
  const alice = await newUser("log-alice");
  const bob = await newUser("log-bob");
  const id = await session(alice.id);
  const pool = createPool(await dbUrl(), { max: 1 });
  try {
    const sink = toolCallAudit(pool, {
      sessionId: id,
      source: "worker",
      node: "provision_environment",
      attempt: 1,
      invocation: crypto.randomUUID(),
    });
    await sink(RECORD);
    await sink({ ...RECORD, tool: "list_branches", ok: false, error: "timeout" });
  } finally {
    await pool.end();
  }

  await withClient(async (c) => {
    const read = (sub: string) =>
      asRole(c, "authenticated", { sub }, async () =>
        (await c.query<{ tool: string; ok: boolean }>(
          "select tool, ok from public.mcp_tool_calls where session_id = $1 order by id",
          [id],
        )).rows);
    assert.deepEqual(await read(alice.id), [
      { tool: "create_branch", ok: true },
      { tool: "list_branches", ok: false },
    ]);
    assert.deepEqual(await read(bob.id), [], "another user sees nothing");
    await assert.rejects(
      asRole(c, "anon", {}, () => c.query("select 1 from public.mcp_tool_calls")),
      (e: { code?: string }) => e.code === "42501",
    );
    await assert.rejects(
      asRole(c, "authenticated", { sub: alice.id }, () =>
        c.query(
          `insert into public.mcp_tool_calls (session_id, source, tool, ok, record)
           values ($1, 'worker', 'x', true, '{}')`,
          [id],
        )),
      (e: { code?: string }) => e.code === "42501",
      "users cannot write the log",
    );
    await asRole(c, "service_role", {}, () =>
      c.query(
        `insert into public.mcp_tool_calls (session_id, source, tool, ok, record)
         values ($1, 'sentinel', 'execute_sql', true, '{}')`,
        [id],
      ));
    for (
      const sql of [
        "update public.mcp_tool_calls set ok = false",
        "delete from public.mcp_tool_calls",
      ]
    ) {
      await assert.rejects(
        c.query(`${sql} where session_id = $1`, [id]),
        /the tool-call log is append-only/,
        `even the owner cannot: ${sql}`,
      );
    }
    const count = async () =>
      (await c.query<{ n: number }>(
        "select count(*)::int as n from public.mcp_tool_calls where session_id = $1",
        [id],
      )).rows[0]!.n;
    assert.equal(await count(), 2, "the service role's insert rolled back with its test");
    await c.query("delete from public.build_sessions where id = $1", [id]);
    assert.equal(await count(), 0, "rows go with their session");
  });
});
