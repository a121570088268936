/** @module The control plane's SQL builders (queue, worker, sessions, graph): exact text and
 * parameter order, so a change in a statement is a deliberate one. */
import assert from "node:assert/strict";
import { upsertSpecChunks, vectorLiteral } from "../../functions-shared/graph/sql.ts";
import {
  archiveStep,
  deleteStep,
  kickWorker,
  readStep,
  retryStepAfter,
  sendStep,
} from "../../functions-shared/queue/messages.ts";
import { insertSession, requestCancel, selectEvents } from "../../functions-shared/sessions/sql.ts";
import {
  acquireLease,
  appendEvents,
  finishSession,
  releaseLease,
  renewLease,
  startRun,
  updateSession,
} from "../../functions-shared/worker/sql.ts";
import {
  backoffSeconds,
  commitReserveMs,
  readWorkerSettings,
} from "../../functions-shared/worker/settings.ts";
import {
  insertToolCall,
  selectCreatedEnvironment,
} from "../../functions-shared/mcp/tool_call_audit.ts";

const squash = (s: string) => s.replace(/\s+/g, " ").trim();

Deno.test("queue statements address build_steps with typed parameters", () => {
  assert.deepEqual(sendStep({ sessionId: "s", node: "ingest_vibe" }, 5), {
    text: "select pgmq.send($1, $2::jsonb, $3::integer) as msg_id",
    values: ["build_steps", '{"sessionId":"s","node":"ingest_vibe"}', 5],
  });
  assert.deepEqual(readStep(30), {
    text: "select msg_id, read_ct, enqueued_at, vt, message from pgmq.read($1, $2::integer, 1)",
    values: ["build_steps", 30],
  });
  assert.deepEqual(deleteStep("7").values, ["build_steps", "7"]);
  assert.deepEqual(archiveStep("7").text, "select pgmq.archive($1, $2::bigint) as ok");
  assert.deepEqual(retryStepAfter("7", 4), {
    text: "select msg_id from pgmq.set_vt($1, $2::bigint, $3::integer)",
    values: ["build_steps", "7", 4],
  });
  assert.equal(
    kickWorker("s").text,
    "select private.call_function('worker', jsonb_build_object('sessionId', $1::text)) as request_id",
  );
});

Deno.test("worker statements: a lease per build, taken only when free or expired", () => {
  const take = acquireLease("s", "h", 30);
  assert.equal(
    squash(take.text),
    "with lease as ( insert into private.build_leases as l (session_id, holder, expires_at, " +
      "acquired_at) values ($1, $2, now() + make_interval(secs => $3), now()) on conflict " +
      "(session_id) do update set holder = excluded.holder, expires_at = excluded.expires_at, " +
      "acquired_at = excluded.acquired_at where l.holder is null or l.expires_at <= now() " +
      "returning session_id ) select id, status, template, vibe_text, options, " +
      "cancel_requested_at from public.build_sessions where id = (select session_id from lease)",
  );
  assert.deepEqual(take.values, ["s", "h", 30]);
  assert.equal(
    squash(renewLease("s", "h", 30).text),
    "update private.build_leases set expires_at = now() + make_interval(secs => $3) " +
      "where session_id = $1 and holder = $2 returning expires_at",
  );
  assert.equal(
    squash(startRun("s", "h", "7").text),
    "update private.build_leases set starts = case when run_msg_id = $3 then starts + 1 else 1 " +
      "end, run_msg_id = $3 where session_id = $1 and holder = $2 returning starts",
  );
  assert.deepEqual(startRun("s", "h", "7").values, ["s", "h", "7"]);
  const release = releaseLease("s", "h", true);
  assert.match(squash(release.text), /^update private\.build_leases set holder = null/);
  assert.match(
    squash(release.text),
    /where session_id = \$1 and holder = \$2 returning session_id$/,
    "no row: the lease was lost and the commit rolls back",
  );
  assert.deepEqual(release.values, ["s", "h", true]);
});

Deno.test("tool-call log statements: one row per record, the last creation by the worker", () => {
  const record = {
    tool: "create_branch",
    arguments: { project_id: "main" },
    ok: true,
    result_summary: "branch b (r) CREATING_PROJECT",
    duration_ms: 3,
    started_at: "2026-12-04T00:00:00.000Z",
    result_ids: { id: "b", project_ref: "r" },
  };
  const q = insertToolCall(
    { sessionId: "s", source: "worker", node: "provision_environment", attempt: 1 },
    record,
  );
  assert.equal(
    squash(q.text),
    "insert into public.mcp_tool_calls (session_id, source, node, attempt, invocation, tool, " +
      "ok, record) values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)",
  );
  assert.deepEqual(q.values, [
    "s",
    "worker",
    "provision_environment",
    1,
    null,
    "create_branch",
    true,
    JSON.stringify(record),
  ]);
  assert.match(
    squash(selectCreatedEnvironment("s").text),
    /tool in \('create_branch', 'create_project'\) order by id desc limit 1$/,
  );
});

Deno.test("worker statements: events appended in one call, session update", () => {
  const events = [{
    node: "n",
    key: "k",
    type: "table_created" as const,
    message: "m",
    payload: {},
  }];
  assert.deepEqual(appendEvents("s", events), {
    text: "select seq from private.append_build_events($1, $2::jsonb)",
    values: ["s", JSON.stringify(events)],
  });
  const u = updateSession("s", {
    status: "succeeded",
    plan: { a: 1 },
    environment: null,
    outputs: { b: 2 },
    contract: null,
    error: null,
  });
  assert.equal(
    squash(u.text),
    "update public.build_sessions set status = $2, plan = $3::jsonb, environment = $4::jsonb, " +
      "outputs = $5::jsonb, error = $6, finished_at = case when $2 in ('succeeded', 'failed', " +
      "'canceled') then coalesce(finished_at, now()) end, contract = $7::jsonb, " +
      "updated_at = now() where id = $1",
  );
  assert.deepEqual(u.values, ["s", "succeeded", '{"a":1}', "null", '{"b":2}', null, "null"]);
  assert.deepEqual(finishSession("s", "canceled", "Canceled by the user").values, [
    "s",
    "canceled",
    "Canceled by the user",
  ]);
});

Deno.test("sessions statements: idempotent insert, events after a seq, cancel only unfinished", () => {
  const q = insertSession("owner", {
    vibeText: "v",
    template: "saas",
    options: { enableAnalytics: false, enableDriftSentinel: true, environmentMode: "project" },
  }, "key-1");
  assert.match(
    squash(q.text),
    /on conflict \(owner_id, idempotency_key\) do nothing returning id$/,
  );
  assert.deepEqual(q.values, [
    "owner",
    "saas",
    "v",
    '{"enableAnalytics":false,"enableDriftSentinel":true,"environmentMode":"project"}',
    "key-1",
  ]);
  assert.deepEqual(selectEvents("s", 3, 100).values, ["s", 3, 100]);
  assert.match(
    squash(selectEvents("s", 3, 100).text),
    /where session_id = \$1 and seq > \$2 order by seq limit \$3$/,
  );
  assert.match(squash(requestCancel("s").text), /status in \('queued', 'running'\)/);
});

Deno.test("spec chunks are stored with pgvector literals and the embedder's name", () => {
  assert.equal(vectorLiteral([0.5, -1, Number.NaN]), "[0.5,-1,0]");
  const q = upsertSpecChunks(
    "s",
    [{ index: 0, content: "Bids", metadata: { section: "Bids" } }],
    [[1, 0]],
    "lexical-v1",
  );
  assert.deepEqual(q.values, ["s", [0], ["Bids"], ["[1,0]"], [
    '{"section":"Bids","embedder":"lexical-v1"}',
  ]]);
  assert.match(squash(q.text), /on conflict \(session_id, chunk_index\) do update/);
});

Deno.test("worker settings: defaults, faults, backoff doubling, clear errors", () => {
  const d = readWorkerSettings({});
  assert.equal(d.visibilityTimeoutSeconds, 30);
  assert.equal(d.maxAttempts, 3);
  assert.equal(d.maxRedeliveries, 2);
  assert.equal(d.budgetMs, 140_000);
  assert.equal(commitReserveMs(d), 10_000, "the commit keeps 10 s of the 140 s budget");
  assert.equal(commitReserveMs(readWorkerSettings({ VIBE_WORKER_BUDGET_SECONDS: "5" })), 1000);
  assert.equal(d.presenceIntervalMs, 250);
  assert.equal(d.faults.size, 0);
  const s = readWorkerSettings({
    VIBE_FAULT: "ingest_vibe:before,ingest_vibe:after,finalize:throw,generate_plan:kill",
  });
  assert.deepEqual([...s.faults.get("ingest_vibe")!], ["before", "after"]);
  assert.deepEqual([...s.faults.get("generate_plan")!], ["kill"]);
  assert.deepEqual([...s.faults.get("finalize")!], ["throw"]);
  assert.deepEqual([1, 2, 3, 4].map((a) => backoffSeconds(d, a)), [2, 4, 8, 16]);
  assert.throws(() => readWorkerSettings({ VIBE_FAULT: "ingest_vibe:sometimes" }), /VIBE_FAULT/);
  assert.throws(
    () => readWorkerSettings({ VIBE_WORKER_MAX_ATTEMPTS: "0" }),
    /VIBE_WORKER_MAX_ATTEMPTS/,
  );
  assert.throws(
    () => readWorkerSettings({ VIBE_WORKER_MAX_REDELIVERIES: "-1" }),
    /VIBE_WORKER_MAX_REDELIVERIES/,
  );
  assert.throws(
    () => readWorkerSettings({ VIBE_WORKER_BUDGET_SECONDS: "0" }),
    /VIBE_WORKER_BUDGET_SECONDS/,
  );
});
