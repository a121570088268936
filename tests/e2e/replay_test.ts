/**
 * @module `deno task replay` on a real recorded build: a build runs through the sessions API,
 * its tool calls are replayed against a fresh environment through the stack's `/mcp` and match
 * the original (exit 0); the exported log, tampered with, no longer does (exit 1, with the
 * differences).
 */
import assert from "node:assert/strict";
import { parseToolCallLog } from "../../stack/replay/tool_call_log.ts";
import { ROOT } from "../../stack/settings.ts";
import { callFunction, newUser } from "../support/stack.ts";

const VIBE = `# Vintage synth marketplace
Sellers list vintage synthesizers with a title, a price and a condition.
Buyers place bids on listings and order the ones they win.
Buyers can leave a 1-5 star review on an order they placed.`;

/** Submits a build as a new user and waits for it to finish; returns the session id. */
async function recordedBuild(mode: "branch" | "project"): Promise<string> {
  const user = await newUser("replay");
  const res = await callFunction("sessions", {
    method: "POST",
    token: user.token,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      vibeText: VIBE,
      template: "marketplace",
      options: { enableAnalytics: false, enableDriftSentinel: true, environmentMode: mode },
    }),
  });
  const { sessionId } = await res.json() as { sessionId: string };
  assert.ok(res.ok, `POST /sessions answered ${res.status}`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const s = await (await callFunction(`sessions/${sessionId}`, { token: user.token })).json();
    if (s.status === "succeeded") return sessionId;
    if (["failed", "canceled"].includes(s.status)) {
      throw new Error(`The build ${s.status}: ${s.error}`);
    }
    if (Date.now() > deadline) throw new Error(`The build is still ${s.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function replayCli(...args: string[]): Promise<{ code: number; stdout: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${ROOT}/stack/replay/cli.ts`, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  if (out.code > 1) throw new Error(`replay exited ${out.code}: ${stderr}`);
  return { code: out.code, stdout: stdout + stderr };
}

interface Report {
  matches: boolean;
  original: { ref: string; kind: string };
  environments: { kind: string; ref: string; deleted: boolean; originalRef?: string }[];
  calls: { tool: string; outcome: string; reason?: string }[];
  differences: { kind: string; object: string; change: string }[];
}

Deno.test("replay: a recorded branch build replays to the same environment, and a tampered log does not", async () => {
  const sessionId = await recordedBuild("branch");

  const { code, stdout } = await replayCli(sessionId, "--json");
  assert.equal(code, 0, stdout);
  const report = JSON.parse(stdout) as Report;
  assert.equal(report.matches, true);
  assert.deepEqual(report.differences, []);
  const outcome = (tool: string) =>
    report.calls.filter((c) => c.tool === tool).map((c) => c.outcome);
  assert.deepEqual(outcome("create_branch"), ["created"]);
  assert.deepEqual(outcome("apply_migration"), ["replayed", "replayed"]);
  assert.ok(outcome("deploy_edge_function").length >= 1);
  assert.ok(outcome("deploy_edge_function").every((o) => o === "replayed"));
  // Bundles are recorded as hashes: their files come from the original environment.
  assert.ok(
    report.calls.filter((c) => c.tool === "deploy_edge_function")
      .every((c) =>
        /^recovered files\.0\.content from the original environment$/.test(c.reason ?? "")
      ),
    JSON.stringify(report.calls),
  );
  assert.ok(report.calls.every((c) => c.outcome !== "not replayable" && c.outcome !== "failed"));
  assert.equal(report.environments.length, 1);
  assert.equal(report.environments[0]!.originalRef, report.original.ref);
  assert.notEqual(report.environments[0]!.ref, report.original.ref, "a fresh environment");
  assert.equal(report.environments[0]!.deleted, true);

  // Export, then tamper: a column type and a policy are changed in the recorded SQL.
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const exported = await replayCli("export", sessionId, "--out", file);
    assert.equal(exported.code, 0, exported.stdout);
    const log = parseToolCallLog(await Deno.readTextFile(file));
    assert.equal(log.sessionId, sessionId);
    const create = log.tool_calls.find((c) => c.tool === "create_branch")!;
    assert.equal(create.result_ids?.id, log.environment?.branchId, "records keep the branch id");
    assert.equal(create.result_ids?.project_ref, log.environment?.ref);

    const schema = log.tool_calls.find((c) =>
      c.tool === "apply_migration" && c.arguments.name === "vibe_schema"
    )!;
    const rls = log.tool_calls.find((c) =>
      c.tool === "apply_migration" && c.arguments.name === "vibe_rls"
    )!;
    const query = String(schema.arguments.query);
    assert.match(query, /"title" text/);
    schema.arguments.query = query.replace(/"title" text/, '"title" varchar(20)');
    const policy = /create policy "(\w+)" on "public"\."(\w+)"/.exec(String(rls.arguments.query));
    assert.ok(policy, "the RLS migration creates policies");
    rls.arguments.query = String(rls.arguments.query).replace(
      `create policy "${policy[1]}" on "public"."${policy[2]}"`,
      `create policy "${policy[1]}_renamed" on "public"."${policy[2]}"`,
    );
    await Deno.writeTextFile(file, JSON.stringify(log));

    const tampered = await replayCli(file);
    assert.equal(tampered.code, 1, tampered.stdout);
    assert.match(
      tampered.stdout,
      /column public\.listings\.title: type is "text" in the original, "character varying\(20\)" in the replay/,
    );
    assert.match(
      tampered.stdout,
      new RegExp(`policy public\\.${policy[2]}\\.${policy[1]}: missing in the replay`),
    );
    assert.match(
      tampered.stdout,
      new RegExp(`policy public\\.${policy[2]}\\.${policy[1]}_renamed: only in the replay`),
    );
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("replay: a recorded project build replays to a fresh project, deleted afterwards", async () => {
  const sessionId = await recordedBuild("project");
  const { code, stdout } = await replayCli(sessionId, "--json");
  assert.equal(code, 0, stdout);
  const report = JSON.parse(stdout) as Report;
  assert.equal(report.original.kind, "project");
  assert.deepEqual(report.calls.filter((c) => c.tool === "create_project").map((c) => c.outcome), [
    "created",
  ]);
  assert.deepEqual(
    report.environments.map((e) => [e.kind, e.deleted]),
    [["project", true]],
  );
});
