/**
 * @module The gateway's log writer against the real registry: entries are redacted, written in
 * batches, dropped for environments that no longer exist, and readable by get_logs' query.
 */
import assert from "node:assert/strict";
import { createLogWriter } from "../../stack/gateway/log_writer.ts";
import { readLogs } from "../../stack/platform/logs.ts";
import { registryPool } from "../../stack/platform/registry.ts";
import { readSettings } from "../../stack/settings.ts";
import { withLocalProject } from "../support/mcp.ts";

Deno.test("log writer: redacted, batched, and only for environments that exist", async () => {
  await withLocalProject("log-writer", async ({ ref }) => {
    const registry = registryPool(readSettings().dbPort);
    const errors: string[] = [];
    const writer = createLogWriter({
      registry,
      secrets: ["stack-wide-secret"],
      flushIntervalMs: 10,
      maxBatch: 2,
      onError: (m) => errors.push(m),
    });
    try {
      const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2lnbmF0dXJlc2lnbmF0dXJl";
      const lines = [
        "plain line",
        `a key ${jwt}`,
        "the stack-wide-secret here",
        "an environment-secret-value there",
        "postgres://u:Hunter2Hunter2@db/x",
      ];
      lines.forEach((message, i) =>
        writer.write({
          ref,
          service: "edge-function-runtime",
          ts: new Date(Date.now() + i),
          message,
          metadata: { level: "log", authorization: `Bearer ${jwt}` },
        }, ["environment-secret-value"])
      );
      writer.write({
        ref: "nosuchenvironmentref",
        service: "api",
        ts: new Date(),
        message: "lost",
        metadata: {},
      });
      await writer.flush();
      const rows = await readLogs(registry, ref, "edge-function-runtime", {});
      assert.deepEqual(rows.map((r) => r.event_message).reverse(), [
        "plain line",
        "a key [redacted]",
        "the [redacted] here",
        "an [redacted] there",
        "postgres://u:[redacted]@db/x",
      ]);
      const stored = await registry.query(
        "select metadata from platform.logs where project_ref = $1",
        [
          ref,
        ],
      );
      assert.ok(stored.rows.every((r) => !JSON.stringify(r.metadata).includes(jwt)));
      assert.deepEqual(errors, []);
    } finally {
      await writer.close();
      await registry.end();
    }
  });
});
