/**
 * @module Replay's pure parts: what each recorded call becomes, recovering redacted text, the
 * id map, the focused comparison, and reading logs.
 */
import assert from "node:assert/strict";
import { sha256Hex } from "../../functions-shared/auth/digest.ts";
import { emptyModel, type Model, type Table } from "../../functions-shared/drift/model.ts";
import type { ToolCallRecord } from "../../functions-shared/mcp/types.ts";
import {
  compareEnvironments,
  describeDifference,
} from "../../stack/replay/compare_environments.ts";
import type { EnvironmentSnapshot } from "../../stack/replay/environment_snapshot.ts";
import { IdMap } from "../../stack/replay/id_map.ts";
import {
  createdRef,
  digestedFilePaths,
  planReplay,
  redactedPaths,
} from "../../stack/replay/replay_plan.ts";
import {
  matchesRedacted,
  type OriginalSource,
  restoreArguments,
} from "../../stack/replay/restore_arguments.ts";
import { LOG_FORMAT, parseToolCallLog } from "../../stack/replay/tool_call_log.ts";
import { column, policy, table as modelTable } from "./drift_models.ts";

function call(tool: string, args: Record<string, unknown>, extra: Partial<ToolCallRecord> = {}) {
  return {
    tool,
    arguments: args,
    ok: true,
    result_summary: "",
    duration_ms: 1,
    started_at: "2026-11-22T00:00:00.000Z",
    ...extra,
  };
}

const BRANCH_ID = "86bea3f4-9aeb-4e7c-bb9e-a3a5fdecf0cb";
const REF = "vizellelzuihqhmayvmz";

Deno.test("planReplay: creations, calls on created environments, skips and refusals", () => {
  const plan = planReplay({
    tool_calls: [
      call("list_branches", { project_id: "main" }),
      call("confirm_cost", { type: "branch", amount: 0.01, recurrence: "hourly" }),
      call("create_branch", { project_id: "main", name: "vibe-1", confirm_cost_id: "x" }, {
        result_ids: { id: BRANCH_ID, project_ref: REF },
      }),
      call("apply_migration", { project_id: REF, name: "m", query: "create table t ()" }),
      call("apply_migration", { project_id: REF, name: "bad", query: "x" }, { ok: false }),
      call("execute_sql", { project_id: REF, query: "select '[redacted]'" }),
      call("deploy_edge_function", {
        project_id: REF,
        name: "f",
        files: [{ name: "index.ts", content: "a [redacted] b" }],
      }),
      call("apply_migration", { project_id: "main", name: "m", query: "select 1" }),
      call("merge_branch", { branch_id: BRANCH_ID }),
      call("reset_branch", { branch_id: BRANCH_ID }),
      call("delete_branch", { branch_id: "someone-elses" }),
      call("mystery", {}),
    ],
  });
  assert.deepEqual(plan.target, { ref: REF, kind: "branch" });
  const summary = plan.steps.map((s) =>
    s.action === "call" ? `call:${s.call.tool}:${s.restore.join("|")}` : `${s.action}`
  );
  assert.deepEqual(summary, [
    "skip",
    "skip",
    "create",
    "call:apply_migration:",
    "skip",
    "refuse",
    "call:deploy_edge_function:files.0.content",
    "refuse",
    "refuse",
    "call:reset_branch:",
    "refuse",
    "refuse",
  ]);
  const create = plan.steps[2]!;
  assert.ok(create.action === "create");
  assert.deepEqual(create.environment, {
    kind: "branch",
    originalRef: REF,
    originalBranchId: BRANCH_ID,
    parentRef: "main",
  });
  const reasons = plan.steps.flatMap((s) => s.action === "refuse" ? [s.reason] : []);
  assert.match(reasons[0]!, /query was redacted/);
  assert.match(reasons[1]!, /acts on project main, which the session did not create/);
  assert.match(reasons[2]!, /applies the branch to its parent/);
  assert.match(reasons[3]!, /branch someone-elses/);
  assert.match(reasons[4]!, /not a tool replay knows/);
});

Deno.test("planReplay: a log that never created the session's environment re-creates it first", () => {
  const plan = planReplay({
    environment: { kind: "branch", ref: REF, parentRef: "main", branchId: BRANCH_ID },
    tool_calls: [call("apply_migration", { project_id: REF, name: "m", query: "select 1" })],
  });
  assert.equal(plan.steps[0]!.action, "create");
  assert.equal(plan.steps[0]!.index, -1);
  assert.equal(plan.steps[1]!.action, "call");
  // An old record without result_ids: the ref is read from its summary.
  assert.equal(
    createdRef(
      call("create_branch", {}, { result_summary: `branch vibe-1 (${REF}) CREATING_PROJECT` }),
    ),
    REF,
  );
  assert.deepEqual(redactedPaths({ a: ["x", { b: "[redacted]" }], c: 1 }), ["a.1.b"]);
});

Deno.test("matchesRedacted: the recorded text with each [redacted] standing for some text", () => {
  assert.ok(matchesRedacted("a [redacted] b", "a secret b"));
  assert.ok(matchesRedacted("[redacted]", "anything"));
  assert.ok(matchesRedacted("x=[redacted];y=[redacted]", "x=1;y=2"));
  assert.ok(!matchesRedacted("a [redacted] b", "a  b"), "a secret is never empty");
  assert.ok(!matchesRedacted("a [redacted] b", "A secret b"));
  assert.ok(!matchesRedacted("x=[redacted];y=[redacted]", "x=1;z=2"));
  assert.ok(matchesRedacted("plain", "plain"));
  assert.ok(!matchesRedacted("plain", "plain!"));
});

Deno.test("function files recorded by hash come back from the original when the hash matches", async () => {
  const content = 'Deno.serve(() => new Response("token vrt_abc"));';
  const sha256 = await sha256Hex(content);
  const args = {
    project_id: REF,
    name: "f",
    entrypoint_path: "index.ts",
    files: [{ name: "index.ts", sha256, size: content.length }],
  };
  const plan = planReplay({
    tool_calls: [
      call("create_branch", { project_id: "main", name: "vibe-1" }, {
        result_ids: { id: BRANCH_ID, project_ref: REF },
      }),
      call("deploy_edge_function", args),
    ],
  });
  const step = plan.steps[1]!;
  assert.ok(step.action === "call");
  assert.deepEqual(step.restore, ["files.0.content"]);
  assert.deepEqual(digestedFilePaths(args), ["files.0.content"]);

  const source = (files: { name: string; content: string }[]): OriginalSource => ({
    migrationTexts: () => Promise.resolve([]),
    functionFiles: () => Promise.resolve(files),
  });
  const restored = await restoreArguments(
    "deploy_edge_function",
    args,
    step.restore,
    source([{ name: "./index.ts", content }]),
  );
  assert.deepEqual(restored, {
    ok: true,
    arguments: { ...args, files: [{ name: "index.ts", content }] },
  });
  const changed = await restoreArguments(
    "deploy_edge_function",
    args,
    step.restore,
    source([{ name: "index.ts", content: `${content} ` }]),
  );
  assert.ok(!changed.ok);
  assert.match(changed.reason, /no longer has a file that matches it/);
});

Deno.test("restoreArguments: migrations and function files come back from the original", async () => {
  const source: OriginalSource = {
    migrationTexts: (_ref, name) =>
      Promise.resolve(name === "m" ? ["create role r password 'hunter2hunter2'"] : []),
    functionFiles: () => Promise.resolve([{ name: "index.ts", content: "k=eyJabc.def.ghi" }]),
  };
  const migration = await restoreArguments(
    "apply_migration",
    { project_id: REF, name: "m", query: "create role r password '[redacted]'" },
    ["query"],
    source,
  );
  assert.deepEqual(migration, {
    ok: true,
    arguments: { project_id: REF, name: "m", query: "create role r password 'hunter2hunter2'" },
  });
  const files = await restoreArguments(
    "deploy_edge_function",
    { project_id: REF, name: "f", files: [{ name: "./index.ts", content: "k=[redacted]" }] },
    ["files.0.content"],
    source,
  );
  assert.ok(files.ok);
  assert.deepEqual(
    (files.arguments.files as { content: string }[])[0]!.content,
    "k=eyJabc.def.ghi",
  );
  const gone = await restoreArguments(
    "apply_migration",
    { project_id: REF, name: "other", query: "[redacted]" },
    ["query"],
    source,
  );
  assert.ok(!gone.ok);
  assert.match(gone.reason, /has no migration other that matches it/);
});

Deno.test("IdMap: ids replaced in every string, and back", () => {
  const ids = new IdMap();
  ids.set(REF, "newrefnewrefnewrefnew");
  ids.set(BRANCH_ID, "00000000-0000-4000-8000-000000000000");
  const args = { project_id: REF, query: `select '${REF}'`, n: 3, list: [BRANCH_ID] };
  const mapped = ids.apply(args);
  assert.deepEqual(mapped, {
    project_id: "newrefnewrefnewrefnew",
    query: "select 'newrefnewrefnewrefnew'",
    n: 3,
    list: ["00000000-0000-4000-8000-000000000000"],
  });
  assert.deepEqual(ids.reverse(mapped), args);
  assert.throws(() => ids.set("x", "y"), /shorter than 4/);
});

/** A table with one `id bigint not null` column, no keys, and one policy everyone passes. */
function table(name: string, over: Partial<Table> = {}): Table {
  return modelTable(name, {
    columns: [column("id", "bigint", { notNull: true })],
    constraints: [],
    indexes: [],
    policies: [policy("read", { using: "true" })],
    grants: [],
    ...over,
  });
}

function snapshot(tables: Table[], model: Partial<Model> = {}): EnvironmentSnapshot {
  return {
    ref: REF,
    model: { ...emptyModel(), tables, ...model },
    functions: [{
      slug: "f",
      verifyJwt: true,
      entrypoint: "index.ts",
      files: [{ name: "index.ts", sha256: "aa" }],
    }],
  };
}

Deno.test("compareEnvironments: tables, RLS, columns, policies, functions, Edge Functions", () => {
  const original = snapshot([table("a"), table("b")]);
  assert.deepEqual(compareEnvironments(original, snapshot([table("a"), table("b")])), []);
  const b = table("b");
  const replay = snapshot([
    table("a", {
      rls: false,
      columns: [{ ...b.columns[0]!, type: "integer" }, { ...b.columns[0]!, name: "extra" }],
      policies: [{ ...b.policies[0]!, using: "false" }],
    }),
    table("c"),
  ]);
  replay.functions = [{ ...replay.functions[0]!, files: [{ name: "index.ts", sha256: "bb" }] }];
  assert.deepEqual(compareEnvironments(original, replay).map(describeDifference), [
    "table public.a: rls is true in the original, false in the replay",
    'column public.a.id: type is "bigint" in the original, "integer" in the replay',
    "column public.a.extra: only in the replay",
    'policy public.a.read: using is "true" in the original, "false" in the replay',
    "table public.b: missing in the replay",
    "table public.c: only in the replay",
    "edge function file f/index.ts: its content differs",
  ]);
});

Deno.test("parseToolCallLog: a log object or a bare array; a clear error otherwise", () => {
  const records = [call("list_projects", {})];
  assert.deepEqual(parseToolCallLog(JSON.stringify(records)), {
    format: LOG_FORMAT,
    tool_calls: records,
  });
  assert.throws(() => parseToolCallLog("{"), /not JSON/);
  assert.throws(
    () => parseToolCallLog(JSON.stringify({ format: LOG_FORMAT, tool_calls: [{ ok: 1 }] })),
    /Cannot read the tool-call log: tool_calls\.0\.tool.*replay export/,
  );
});
