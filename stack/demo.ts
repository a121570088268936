/**
 * @module `deno task demo`: the product's main job on this machine. Brings the local stack up,
 * submits a vibe as a signed-in demo user through the public API, shows the build live (step,
 * progress bar, events as they arrive) and prints the outputs. Exit 0 on success, 1 with the
 * reason on failure.
 *
 *   --vibe <text>             the product description (default: a sample marketplace)
 *   --template marketplace|saas
 *   --mode branch|project
 *   --analytics               attach the Iceberg demo dataset, then run the analytics query
 *                             (GET /sessions/:id/analytics) and print its rows and provenance
 *   --json                    print one JSON summary instead of the live view
 *   --timeout <seconds>       give up after this long (default 300)
 */
import { up } from "./lifecycle.ts";
import { withStackLock } from "./lock.ts";
import { signIn } from "./token.ts";

const SAMPLE_VIBES = {
  marketplace: `# Vintage synth marketplace
Sellers list vintage synthesizers with a title, a price and a condition.
Buyers place bids on listings and order the ones they win.
Buyers can leave a 1-5 star review on an order they placed.
Sellers can see bids on their listings.`,
  saas: `# Team task tracker
Organizations invite members with a role.
Members create projects and tasks inside their organization.
Each organization has a subscription with a plan.`,
};

interface Args {
  vibe?: string;
  template: "marketplace" | "saas";
  mode: "branch" | "project";
  analytics: boolean;
  json: boolean;
  timeoutSeconds: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    template: "marketplace",
    mode: "branch",
    analytics: false,
    json: false,
    timeoutSeconds: 300,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--vibe":
        args.vibe = value();
        break;
      case "--template": {
        const t = value();
        if (t !== "marketplace" && t !== "saas") {
          throw new Error("--template is marketplace or saas");
        }
        args.template = t;
        break;
      }
      case "--mode": {
        const m = value();
        if (m !== "branch" && m !== "project") throw new Error("--mode is branch or project");
        args.mode = m;
        break;
      }
      case "--analytics":
        args.analytics = true;
        break;
      case "--json":
        args.json = true;
        break;
      case "--timeout":
        args.timeoutSeconds = Number(value());
        break;
      default:
        throw new Error(`Unknown option ${flag}; see the header of stack/demo.ts`);
    }
  }
  return args;
}

interface BuildEvent {
  seq: number;
  type: string;
  message: string;
  payload: Record<string, unknown>;
  ts: string;
}

/** How far along a build is when an event of this type arrives. */
const PROGRESS: Record<string, number> = {
  plan_created: 0.2,
  environment_created: 0.35,
  migration_started: 0.4,
  table_created: 0.5,
  rls_enabled: 0.6,
  policy_created: 0.65,
  edge_function_deployed: 0.8,
  analytics_configured: 0.9,
  analytics_skipped: 0.9,
  build_succeeded: 1,
  build_failed: 1,
  build_canceled: 1,
};

function bar(progress: number, width = 30): string {
  const filled = Math.round(progress * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${Math.round(progress * 100)}%`;
}

async function main(): Promise<number> {
  const args = parseArgs(Deno.args);
  const say = (m: string) => {
    if (!args.json) console.log(m);
  };
  const status = await withStackLock(() =>
    up((m) => {
      if (!args.json) console.error(`stack: ${m}`);
    })
  );
  const user = await signIn("demo@vibe-architect.local");
  const api = `${status.FUNCTIONS_URL}/sessions`;
  const headers = { authorization: `Bearer ${user.token}`, "content-type": "application/json" };
  const vibeText = args.vibe ?? SAMPLE_VIBES[args.template];
  const started = performance.now();

  const created = await fetch(api, {
    method: "POST",
    headers,
    body: JSON.stringify({
      vibeText,
      template: args.template,
      options: {
        enableAnalytics: args.analytics,
        enableDriftSentinel: true,
        environmentMode: args.mode,
      },
    }),
  });
  const createdBody = await created.json();
  if (!created.ok) {
    throw new Error(`POST /sessions answered ${created.status}: ${JSON.stringify(createdBody)}`);
  }
  const sessionId = createdBody.sessionId as string;
  say(`session ${sessionId} (${args.template}, ${args.mode})`);

  let after = 0;
  let progress = 0;
  let step = "queued";
  const events: BuildEvent[] = [];
  const deadline = Date.now() + args.timeoutSeconds * 1000;
  for (;;) {
    const res = await fetch(`${api}/${sessionId}/events?after=${after}`, { headers });
    if (!res.ok) throw new Error(`GET events answered ${res.status}: ${await res.text()}`);
    for (const e of await res.json() as BuildEvent[]) {
      events.push(e);
      after = e.seq;
      progress = Math.max(progress, PROGRESS[e.type] ?? progress);
      step = e.type;
      say(`${bar(progress)} ${String(e.seq).padStart(3)} ${e.type.padEnd(22)} ${e.message}`);
    }
    const session = await (await fetch(`${api}/${sessionId}`, { headers })).json();
    if (["succeeded", "failed", "canceled"].includes(session.status)) {
      const seconds = (performance.now() - started) / 1000;
      const analytics = args.analytics && session.status === "succeeded"
        ? await analyticsQuery(api, sessionId, headers)
        : null;
      if (args.json) {
        console.log(JSON.stringify(
          {
            sessionId,
            status: session.status,
            seconds: Math.round(seconds * 100) / 100,
            events: events.length,
            outputs: session.outputs,
            ...(analytics ? { analytics } : {}),
            error: session.error ?? null,
          },
          null,
          2,
        ));
      } else if (session.status === "succeeded") {
        console.log(`\nBuild succeeded in ${seconds.toFixed(1)} s. Outputs:`);
        console.log(JSON.stringify(session.outputs, null, 2));
        if (analytics) printAnalytics(analytics);
        // The JWT rides in the fragment, which the browser never sends to the server.
        console.log(
          `\nConsole: ${status.API_URL}/console/sessions/${sessionId}#access_token=${user.token}`,
        );
      } else {
        console.log(`\nBuild ${session.status} after ${seconds.toFixed(1)} s: ${session.error}`);
      }
      return session.status === "succeeded" ? 0 : 1;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `The build did not finish within ${args.timeoutSeconds} s (last event: ${step}); ` +
          "check .stack/logs/gateway.log",
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface AnalyticsAnswer {
  rows: Record<string, unknown>[];
  provenance: Record<string, unknown>;
}

/** run_analytics_query: the session's analytics rows and their provenance. */
async function analyticsQuery(
  api: string,
  sessionId: string,
  headers: Record<string, string>,
): Promise<AnalyticsAnswer> {
  const res = await fetch(`${api}/${sessionId}/analytics`, { headers });
  const body = await res.json();
  if (!res.ok) {
    throw new Error(`GET /sessions/${sessionId}/analytics answered ${res.status}: ${body.error}`);
  }
  return body as AnalyticsAnswer;
}

function printAnalytics(answer: AnalyticsAnswer): void {
  console.log("\nAnalytics (run_analytics_query, GET /sessions/:id/analytics):");
  const columns = Object.keys(answer.rows[0] ?? {});
  const width = (c: string) =>
    Math.max(c.length, ...answer.rows.map((r) => String(r[c] ?? "").length));
  console.log(columns.map((c) => c.padEnd(width(c))).join("  "));
  for (const r of answer.rows) {
    console.log(columns.map((c) => String(r[c] ?? "").padEnd(width(c))).join("  "));
  }
  console.log("provenance:");
  for (const [k, v] of Object.entries(answer.provenance)) console.log(`  ${k}: ${v}`);
}

try {
  Deno.exit(await main());
} catch (e) {
  console.error(`demo: ${(e as Error).message}`);
  Deno.exit(1);
}
