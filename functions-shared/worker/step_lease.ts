/**
 * @module The build's lease for one step. Taken (autocommit, reading the session in the same
 * statement) before the node runs; renewed, together with the message's visibility, every third
 * of its duration while the node works with no transaction open; released inside the
 * transaction that commits the step, which rolls back when the lease turns out lost.
 * A worker that is killed stops renewing: the lease expires and the redelivered message takes
 * the build over, while the dead worker's commit — if it ever came — finds the lease gone.
 */
import { firstRow, type Queryable, rows } from "../db/query.ts";
import { retryStepAfter } from "../queue/messages.ts";
import { acquireLease, releaseLease, renewLease, startRun, type StepSessionRow } from "./sql.ts";

/** What taking the lease came to. */
export type LeaseOutcome =
  | { kind: "held"; lease: StepLease; session: StepSessionRow }
  | { kind: "busy" }
  | { kind: "no_session" };

/** The lease was lost (it expired and another invocation took it): this step commits nothing. */
export class LeaseLostError extends Error {
  override name = "LeaseLostError";
}

export class StepLease {
  #timer: ReturnType<typeof setInterval> | undefined;
  #renewing = false;
  #lost = false;
  #stopped = false;

  private constructor(
    private readonly db: Queryable,
    readonly sessionId: string,
    readonly holder: string,
    private readonly msgId: string,
    private readonly seconds: number,
  ) {}

  /** Takes the session's lease for the step of message `msgId`, for `seconds`. */
  static async acquire(
    db: Queryable,
    sessionId: string,
    msgId: string,
    seconds: number,
  ): Promise<LeaseOutcome> {
    const holder = crypto.randomUUID();
    let session: StepSessionRow | undefined;
    try {
      session = await firstRow<StepSessionRow>(db, acquireLease(sessionId, holder, seconds));
    } catch (e) {
      if ((e as { code?: string }).code === "23503") return { kind: "no_session" };
      throw e;
    }
    if (!session) return { kind: "busy" };
    const lease = new StepLease(db, sessionId, holder, msgId, seconds);
    return { kind: "held", lease, session };
  }

  /** True once a renewal found the lease gone. */
  get lost(): boolean {
    return this.#lost;
  }

  /** Renews the lease and the message's visibility every third of the lease until stopped. */
  keepAlive(): void {
    this.#timer ??= setInterval(() => void this.#renew(), Math.max(100, this.seconds * 333));
  }

  async #renew(): Promise<void> {
    if (this.#renewing || this.#lost || this.#stopped) return;
    this.#renewing = true;
    try {
      const row = await firstRow(this.db, renewLease(this.sessionId, this.holder, this.seconds));
      if (!row) {
        this.#lost = true;
        // After stop() the step has committed (and released the lease) meanwhile.
        if (this.#stopped) return;
        console.error(`[worker] Lost the lease of ${this.sessionId}: another step took it over`);
        return;
      }
      await rows(this.db, retryStepAfter(this.msgId, this.seconds));
    } catch (e) {
      if (this.#stopped) return;
      console.error(
        `[worker] Cannot renew the lease of ${this.sessionId}: ${(e as Error).message}`,
      );
    } finally {
      this.#renewing = false;
    }
  }

  /** Counts a start of the node; the number of starts of this message, or null if lost. */
  async startRun(): Promise<number | null> {
    const row = await firstRow<{ starts: number }>(
      this.db,
      startRun(this.sessionId, this.holder, this.msgId),
    );
    if (!row) this.#lost = true;
    return row?.starts ?? null;
  }

  /**
   * Last in the committing transaction: frees the lease (`finished`: the run is over), or
   * throws {@link LeaseLostError} — the transaction must roll back — when it was lost.
   */
  async release(tx: Queryable, finished: boolean): Promise<void> {
    if (!(await firstRow(tx, releaseLease(this.sessionId, this.holder, finished)))) {
      throw new LeaseLostError(
        `Cannot commit the step of ${this.sessionId}: its lease expired and another step took it`,
      );
    }
  }

  /** Stops renewing (before the step commits, and when it ends). */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
