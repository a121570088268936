/**
 * @module Live presence while a node works: each update a node makes reaches Realtime as it
 * happens (`private.set_presence` on its own autocommit statement — no transaction is open
 * while a node works), throttled to one per interval per step: an update goes at once when the
 * interval has passed, otherwise it waits and later ones replace it, so a 50-table build sends
 * a handful of updates, not fifty. Sends go one at a time, in order. The update still waiting
 * when the node ends is handed back, to be committed with the step.
 */
import { rows } from "../db/query.ts";
import type { Queryable } from "../db/query.ts";
import type { Presence } from "../graph/context.ts";
import { setPresence } from "./sql.ts";

/** Options for {@link PresenceStream}. */
export interface PresenceStreamOptions {
  /** Minimum milliseconds between two sends (0: every update is sent). */
  intervalMs: number;
  /** Where a failed send is reported (presence is best effort; the step goes on). */
  onError?: (error: unknown) => void;
}

export class PresenceStream {
  #waiting: Presence | null = null;
  #lastSentAt = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;
  #sent = 0;

  constructor(
    private readonly db: Queryable,
    private readonly sessionId: string,
    private readonly opts: PresenceStreamOptions,
  ) {}

  /** How many updates were sent live. */
  get sent(): number {
    return this.#sent;
  }

  /** Queues an update: sent now, or when the interval allows (replaced by any later one). */
  push(presence: Presence): void {
    if (this.#closed) return;
    this.#waiting = presence;
    const wait = this.#lastSentAt + this.opts.intervalMs - performance.now();
    if (wait <= 0) {
      this.#send();
    } else {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#send();
      }, wait);
    }
  }

  #send(): void {
    const presence = this.#waiting;
    if (!presence || this.#closed) return;
    this.#waiting = null;
    this.#lastSentAt = performance.now();
    this.#chain = this.#chain
      .then(() => rows(this.db, setPresence(this.sessionId, presence)))
      .then(() => {
        this.#sent++;
      }, (e) => (this.opts.onError ?? console.error)(e));
  }

  /** Stops streaming, waits for sends in flight, and returns the update not sent yet, if any. */
  async close(): Promise<Presence | null> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#chain;
    const waiting = this.#waiting;
    this.#waiting = null;
    return waiting;
  }
}
