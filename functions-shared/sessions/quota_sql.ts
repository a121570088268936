/** @module The SQL of per-user build quotas, built by pure functions. */
import type { Query } from "../db/query.ts";

/**
 * Serialises the quota check and the insert of one owner's sessions for the rest of the
 * transaction: two simultaneous POSTs cannot both see room for one more build.
 */
export function lockOwnerQuota(ownerId: string): Query {
  return {
    text: "select pg_advisory_xact_lock(hashtextextended('vibe-quota:' || $1, 0))",
    values: [ownerId],
  };
}

/**
 * What the owner uses: builds queued or running, builds created in the last 24 hours, and when
 * the oldest of those leaves the window (seconds from now).
 */
export function selectOwnerUsage(ownerId: string): Query {
  return {
    text: `select count(*) filter (where status in ('queued', 'running'))::int as active,
                  count(*) filter (where created_at > now() - interval '1 day')::int as last_day,
                  ceil(extract(epoch from (
                    min(created_at) filter (where created_at > now() - interval '1 day')
                    + interval '1 day' - now())))::int as day_frees_in
             from public.build_sessions
            where owner_id = $1
              and (status in ('queued', 'running') or created_at > now() - interval '1 day')`,
    values: [ownerId],
  };
}
