/** @module Per-user limits of POST /sessions: configuration from the environment, the refusal
 * (and its Retry-After) at each limit, the project-mode allowlist, and the exact SQL. */
import assert from "node:assert/strict";
import { HttpError } from "../../functions-shared/http/errors.ts";
import {
  ACTIVE_RETRY_AFTER_SECONDS,
  DEFAULT_SESSION_LIMITS,
  quotaExceeded,
  quotaRefusal,
  readSessionLimits,
  requireEnvironmentModeAllowed,
} from "../../functions-shared/sessions/quota.ts";
import { lockOwnerQuota, selectOwnerUsage } from "../../functions-shared/sessions/quota_sql.ts";
import {
  DEFAULT_DRIFT_CHECK_THROTTLE,
  readDriftCheckThrottle,
} from "../../functions-shared/sessions/drift_check_throttle.ts";
import {
  claimDriftCheck,
  finishDriftCheck,
} from "../../functions-shared/sessions/drift_check_throttle_sql.ts";

const USER = "6f1c7d5e-8a4b-4c3d-9e2f-1a2b3c4d5e6f";
const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();

Deno.test("session limits: defaults, environment overrides, clear errors", () => {
  assert.deepEqual(readSessionLimits({}), DEFAULT_SESSION_LIMITS);
  assert.deepEqual(
    readSessionLimits({
      VIBE_MAX_ACTIVE_BUILDS: "5",
      VIBE_MAX_BUILDS_PER_DAY: "100",
      VIBE_PROJECT_MODE_ALLOWLIST: ` Ops@Example.com,${USER}\n  second@x.io `,
    }),
    {
      maxActiveBuilds: 5,
      maxBuildsPerDay: 100,
      projectModeAllowlist: ["ops@example.com", USER, "second@x.io"],
    },
  );
  assert.throws(
    () => readSessionLimits({ VIBE_MAX_ACTIVE_BUILDS: "0" }),
    /Cannot start sessions: fix VIBE_MAX_ACTIVE_BUILDS/,
  );
  assert.throws(() => readSessionLimits({ VIBE_MAX_BUILDS_PER_DAY: "many" }), /PER_DAY/);
});

Deno.test("quota refusals: active builds first, then the rolling day, each with Retry-After", () => {
  const limits = { ...DEFAULT_SESSION_LIMITS, maxActiveBuilds: 2, maxBuildsPerDay: 5 };
  assert.equal(quotaRefusal(limits, { active: 1, lastDay: 4, dayFreesIn: 100 }), null);
  const active = quotaRefusal(limits, { active: 2, lastDay: 5, dayFreesIn: 100 });
  assert.equal(active?.retryAfterSeconds, ACTIVE_RETRY_AFTER_SECONDS);
  assert.match(active!.message, /2 builds queued or running \(the limit is 2\)/);
  const daily = quotaRefusal(limits, { active: 0, lastDay: 5, dayFreesIn: 3600 });
  assert.equal(daily?.retryAfterSeconds, 3600);
  assert.match(daily!.message, /retry in 3600 seconds/);
  assert.equal(
    quotaRefusal(limits, { active: 0, lastDay: 9, dayFreesIn: -5 })?.retryAfterSeconds,
    1,
  );
  const err = quotaExceeded(daily!);
  assert.ok(err instanceof HttpError);
  assert.equal(err.status, 429);
  assert.deepEqual(err.headers, { "retry-after": "3600" });
});

Deno.test("project mode: only allowlisted ids or emails (or *); branch mode for everyone", () => {
  const limits = { ...DEFAULT_SESSION_LIMITS, projectModeAllowlist: ["ops@example.com", USER] };
  const other = "11111111-2222-4333-8444-555555555555";
  requireEnvironmentModeAllowed(limits, { userId: other }, "branch");
  requireEnvironmentModeAllowed(limits, { userId: USER }, "project");
  requireEnvironmentModeAllowed(limits, { userId: other, email: "OPS@example.com" }, "project");
  assert.throws(
    () => requireEnvironmentModeAllowed(limits, { userId: other, email: "me@x.io" }, "project"),
    (e: HttpError) =>
      e.status === 403 && e.message.includes(other) && e.message.includes("me@x.io") &&
      /VIBE_PROJECT_MODE_ALLOWLIST/.test(e.message) &&
      /"environmentMode": "branch"/.test(e.message),
  );
  assert.throws(
    () => requireEnvironmentModeAllowed(DEFAULT_SESSION_LIMITS, { userId: USER }, "project"),
    /allowlisted users/,
    "nobody by default",
  );
  requireEnvironmentModeAllowed(
    { ...DEFAULT_SESSION_LIMITS, projectModeAllowlist: ["*"] },
    { userId: other },
    "project",
  );
});

Deno.test("quota SQL: a per-owner transaction lock and one usage query", () => {
  assert.deepEqual(lockOwnerQuota(USER), {
    text: "select pg_advisory_xact_lock(hashtextextended('vibe-quota:' || $1, 0))",
    values: [USER],
  });
  const usage = oneLine(selectOwnerUsage(USER).text);
  assert.match(
    usage,
    /count\(\*\) filter \(where status in \('queued', 'running'\)\)::int as active/,
  );
  assert.match(usage, /created_at > now\(\) - interval '1 day'\)::int as last_day/);
  assert.match(usage, /where owner_id = \$1/);
});

Deno.test("drift check throttle: settings and the claim SQL", () => {
  assert.deepEqual(readDriftCheckThrottle({}), DEFAULT_DRIFT_CHECK_THROTTLE);
  assert.equal(
    readDriftCheckThrottle({ VIBE_DRIFT_CHECK_COOLDOWN_SECONDS: "5" }).cooldownSeconds,
    5,
  );
  assert.throws(
    () => readDriftCheckThrottle({ VIBE_DRIFT_CHECK_COOLDOWN_SECONDS: "-1" }),
    /COOLDOWN/,
  );
  const claim = claimDriftCheck(USER, "c1", 150, 60);
  assert.deepEqual(claim.values, [USER, "c1", 150, 60]);
  const text = oneLine(claim.text);
  assert.match(text, /on conflict \(session_id\) do update/);
  assert.match(text, /where \(d\.finished_at is null and d\.lease_until <= now\(\)\)/);
  assert.match(text, /d\.finished_at \+ make_interval\(secs => \$4\) <= now\(\)/);
  assert.deepEqual(finishDriftCheck(USER, "c1").values, [USER, "c1"]);
});
