/** @module The SQL of on-demand drift check throttling, built by pure functions. */
import type { Query } from "../db/query.ts";

/**
 * Claims the session's on-demand check: succeeds (returns the claim id) when no check is
 * running (or the running one's lease has expired) and the last one finished at least
 * `cooldownSeconds` ago. Two simultaneous claims: the second waits for the first's row lock,
 * then finds it running, and returns nothing.
 */
export function claimDriftCheck(
  sessionId: string,
  claimId: string,
  leaseSeconds: number,
  cooldownSeconds: number,
): Query {
  return {
    text: `insert into private.on_demand_drift_checks as d
             (session_id, claim_id, started_at, lease_until)
           values ($1, $2, now(), now() + make_interval(secs => $3))
           on conflict (session_id) do update
             set claim_id = excluded.claim_id, started_at = excluded.started_at,
                 lease_until = excluded.lease_until, finished_at = null
           where (d.finished_at is null and d.lease_until <= now())
              or (d.finished_at is not null
                  and d.finished_at + make_interval(secs => $4) <= now())
           returning claim_id`,
    values: [sessionId, claimId, leaseSeconds, cooldownSeconds],
  };
}

/** Why a claim failed: a check is running, or the cooldown has not passed (seconds left). */
export function selectDriftCheckState(sessionId: string, cooldownSeconds: number): Query {
  return {
    text: `select finished_at is null and lease_until > now() as running,
                  ceil(extract(epoch from (
                    coalesce(finished_at, now()) + make_interval(secs => $2) - now())))::int
                    as cooldown_left
             from private.on_demand_drift_checks
            where session_id = $1`,
    values: [sessionId, cooldownSeconds],
  };
}

/** Ends a claim: the cooldown starts now. */
export function finishDriftCheck(sessionId: string, claimId: string): Query {
  return {
    text: `update private.on_demand_drift_checks set finished_at = now()
            where session_id = $1 and claim_id = $2`,
    values: [sessionId, claimId],
  };
}
