/**
 * @module Sends the malformed requests to the sessions API as a signed-in user and counts what
 * came back: every answer must be a 4xx, and the user must own no session afterwards.
 */
import { withAdmin } from "../../stack/cluster.ts";
import { readSettings } from "../../stack/settings.ts";
import type { SignedInUser } from "../../stack/token.ts";
import { malformedRequests } from "./malformed_requests.ts";

export interface MalformedFigures {
  requests: number;
  byStatus: Record<string, number>;
  serverErrors: number;
  /** Requests that did not get a 4xx, by kind, with the status (first few). */
  notRefused: { kind: string; status: number; path: string }[];
  rowsCreated: number;
  ms: number;
}

async function sessionsOwnedBy(userId: string): Promise<number> {
  return await withAdmin(
    readSettings().dbPort,
    "postgres",
    async (c) =>
      (await c.query<{ n: number }>(
        "select count(*)::int as n from build_sessions where owner_id = $1",
        [userId],
      )).rows[0]!.n,
  );
}

export async function runMalformed(
  functionsUrl: string,
  user: SignedInUser,
  count = 1000,
  seed = 20261204,
): Promise<MalformedFigures> {
  const before = await sessionsOwnedBy(user.id);
  const started = performance.now();
  const byStatus: Record<string, number> = {};
  const notRefused: MalformedFigures["notRefused"] = [];
  const requests = malformedRequests(seed, count);
  // A few at a time, as a misbehaving client would.
  for (let i = 0; i < requests.length; i += 8) {
    await Promise.all(
      requests.slice(i, i + 8).map(async (r) => {
        const res = await fetch(`${functionsUrl}/sessions${r.path}`, {
          method: r.method,
          headers: { ...r.headers, authorization: `Bearer ${user.token}` },
          ...(r.body ? { body: r.body } : {}),
        });
        await res.body?.cancel();
        byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
        if (res.status < 400 || res.status >= 500) {
          notRefused.push({ kind: r.kind, status: res.status, path: r.path });
        }
      }),
    );
  }
  const after = await sessionsOwnedBy(user.id);
  return {
    requests: requests.length,
    byStatus,
    serverErrors: Object.entries(byStatus).filter(([s]) => Number(s) >= 500)
      .reduce((n, [, c]) => n + c, 0),
    notRefused: notRefused.slice(0, 20),
    rowsCreated: after - before,
    ms: Math.round(performance.now() - started),
  };
}
