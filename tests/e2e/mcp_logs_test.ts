/**
 * @module get_logs over the stack's `/mcp`: what a deployed function prints reaches
 * `edge-function-runtime` (redacted), its invocation `edge-function`, the request `api`, and a
 * failing query of the environment `postgres` (from the cluster's log file).
 */
import assert from "node:assert/strict";
import type { McpToolClient } from "../../functions-shared/mcp/types.ts";
import {
  assertRedactedRecords,
  httpClient,
  serverSecrets,
  withLocalProject,
} from "../support/mcp.ts";
import { stack } from "../support/stack.ts";

type LogRow = Record<string, unknown> & { event_message: string };

/** get_logs until `found` accepts the rows (the gateway writes in batches). */
async function logsUntil(
  client: McpToolClient,
  ref: string,
  service: string,
  found: (rows: LogRow[]) => boolean,
): Promise<LogRow[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { data } = await client.callTool<{ result: LogRow[] }>("get_logs", {
      project_id: ref,
      service,
    });
    if (found(data.result)) return data.result;
    if (Date.now() > deadline) {
      throw new Error(`get_logs ${service} never showed the entry: ${JSON.stringify(data.result)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test("get_logs returns a deployed function's output, its invocations and the environment's postgres errors", async () => {
  const s = await stack();
  await withLocalProject("mcp-logs-e2e", async ({ client, records, ref }) => {
    const marker = crypto.randomUUID();
    await client.callTool("deploy_edge_function", {
      project_id: ref,
      name: "chatty",
      entrypoint_path: "index.ts",
      verify_jwt: false,
      files: [{
        name: "index.ts",
        content: `Deno.serve(() => {
  console.log("hello from chatty ${marker}");
  console.error("key " + Deno.env.get("SUPABASE_SERVICE_ROLE_KEY"));
  console.log("secret " + Deno.env.get("VIBE_JWT_SECRET"));
  console.log("dbpw " + new URL(Deno.env.get("SUPABASE_DB_URL")).password);
  return Response.json({ ok: true });
});`,
      }],
    });
    const res = await fetch(`${s.API_URL}/env/${ref}/functions/v1/chatty/some/path?x=1`);
    assert.deepEqual(await res.json(), { ok: true });

    const runtime = await logsUntil(
      client,
      ref,
      "edge-function-runtime",
      (rows) => rows.length >= 4,
    );
    const hello = runtime.find((r) => r.event_message === `hello from chatty ${marker}`);
    assert.ok(hello, "the printed line is there");
    assert.equal(hello.level, "log");
    assert.equal(hello.function_id, "chatty");
    assert.equal(hello.version, 1);
    const stderr = runtime.find((r) => r.event_message.startsWith("key "));
    assert.equal(stderr?.event_message, "key [redacted]", "a printed key is redacted");
    assert.equal(stderr?.level, "error");
    assert.equal(
      runtime.find((r) => r.event_message.startsWith("secret "))?.event_message,
      "secret [redacted]",
      "the environment's JWT secret is redacted",
    );
    const dbPassword = new URL(s.DB_URL).password;
    assert.notEqual(dbPassword, "postgres", "the stack's database password is a random secret");
    assert.equal(
      runtime.find((r) => r.event_message.startsWith("dbpw "))?.event_message,
      "dbpw [redacted]",
      "the database password is redacted",
    );

    const invocations = await logsUntil(client, ref, "edge-function", (rows) => rows.length > 0);
    assert.equal(invocations[0]!.status_code, 200);
    assert.equal(invocations[0]!.method, "GET");
    assert.equal(invocations[0]!.function_id, "chatty");
    assert.equal(typeof invocations[0]!.execution_time_ms, "number");
    const api = await logsUntil(client, ref, "api", (rows) => rows.length > 0);
    assert.equal(api[0]!.path, `/env/${ref}/functions/v1/chatty/some/path?x=1`);
    assert.match(api[0]!.event_message, /^GET \| 200 \| /);

    await assert.rejects(
      client.callTool("execute_sql", { project_id: ref, query: "select 1/0 as boom" }),
    );
    // An error quoting the password (as a mistyped connection setting would) in the cluster log.
    await assert.rejects(
      client.callTool("execute_sql", { project_id: ref, query: `select '${dbPassword}'::int` }),
    );
    const postgres = await logsUntil(
      client,
      ref,
      "postgres",
      (rows) =>
        rows.some((r) => /division by zero/.test(r.event_message)) &&
        rows.some((r) => /invalid input syntax for type integer/.test(r.event_message)),
    );
    assert.ok(
      postgres.every((r) => !r.event_message.includes(dbPassword)),
      "the database password never reaches get_logs",
    );
    assert.equal(
      postgres.find((r) => /division by zero/.test(r.event_message))?.error_severity,
      "ERROR",
    );

    assertRedactedRecords(records, await serverSecrets(ref));
  }, () => httpClient());
});
