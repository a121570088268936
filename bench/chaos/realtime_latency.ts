/**
 * @module Event commit → supabase-js client latency: events are appended to a session through
 * the same SQL the worker commits with (`private.append_build_events`), and the time from the
 * COMMIT's return to the owner's supabase-js client receiving the broadcast on the private
 * channel `build:{sessionId}` is measured per event.
 */
import { createClient } from "@supabase/supabase-js";
import pg from "../../functions-shared/db/pg.ts";
import type { SignedInUser } from "../../stack/token.ts";

export interface LatencyFigures {
  events: number;
  received: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

const round = (n: number) => Math.round(n * 10) / 10;

export async function measureRealtimeLatency(opts: {
  apiUrl: string;
  anonKey: string;
  dbUrl: string;
  owner: SignedInUser;
  events?: number;
  /** Pause between events, so each one is measured on its own. */
  gapMs?: number;
}): Promise<LatencyFigures> {
  const count = opts.events ?? 200;
  const db = new pg.Client({ connectionString: opts.dbUrl });
  await db.connect();
  const client = createClient(opts.apiUrl, opts.anonKey, {
    accessToken: () => Promise.resolve(opts.owner.token),
  });
  await client.realtime.setAuth();
  const received = new Map<number, number>();
  try {
    const sessionId = (await db.query<{ id: string }>(
      `insert into public.build_sessions (owner_id, template, vibe_text, options, status)
       values ($1, 'saas', 'latency probe', '{"enableAnalytics":false,"enableDriftSentinel":false,
               "environmentMode":"branch"}', 'running') returning id`,
      [opts.owner.id],
    )).rows[0]!.id;
    const channel = client.channel(`build:${sessionId}`, { config: { private: true } })
      .on("broadcast", { event: "build_event" }, (m) => {
        const seq = Number((m.payload as { seq?: number }).seq);
        if (!received.has(seq)) received.set(seq, performance.now());
      });
    await new Promise<void>((resolve, reject) => {
      channel.subscribe((status, error) => {
        if (status === "SUBSCRIBED") resolve();
        else if (error || status === "CHANNEL_ERROR") reject(error ?? new Error(status));
      });
    });
    const committed = new Map<number, number>();
    for (let i = 1; i <= count; i++) {
      await db.query("select private.append_build_events($1, $2::jsonb)", [
        sessionId,
        JSON.stringify([{
          type: "table_created",
          message: `probe ${i}`,
          node: "probe",
          key: `${i}`,
        }]),
      ]);
      committed.set(i, performance.now());
      await new Promise((r) => setTimeout(r, opts.gapMs ?? 20));
    }
    const deadline = performance.now() + 10_000;
    while (received.size < count && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await db.query("delete from public.build_sessions where id = $1", [sessionId]);
    const latencies = [...committed].filter(([seq]) => received.has(seq))
      .map(([seq, at]) => received.get(seq)! - at);
    return {
      events: count,
      received: latencies.length,
      p50Ms: round(percentile(latencies, 50)),
      p95Ms: round(percentile(latencies, 95)),
      maxMs: round(Math.max(...latencies)),
    };
  } finally {
    await client.removeAllChannels();
    await db.end();
  }
}
