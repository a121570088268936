/**
 * @module Presence of one channel topic, as Phoenix.Presence keeps it: each tracked client has a
 * key and a meta (its payload plus a unique `phx_ref`); clients get the whole state
 * (`presence_state`) on join and changes (`presence_diff`, joins and leaves) afterwards.
 */

/** A tracked payload as clients receive it. */
export interface PresenceMeta {
  phx_ref: string;
  phx_ref_prev?: string;
  [field: string]: unknown;
}

/** `{ [key]: { metas } }`, the shape of `presence_state` and of each half of a diff. */
export type PresenceState = Record<string, { metas: PresenceMeta[] }>;

/** The payload of a `presence_diff` message. */
export interface PresenceDiff {
  joins: PresenceState;
  leaves: PresenceState;
}

interface Entry {
  key: string;
  payload: Record<string, unknown>;
  meta: PresenceMeta;
}

/** A unique reference like Phoenix's (random, URL-safe). */
export function presenceRef(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
}

function one(key: string, meta: PresenceMeta): PresenceState {
  return { [key]: { metas: [meta] } };
}

/** The presences of one topic, tracked per owner (a joined channel). */
export class TopicPresence<Owner> {
  #entries = new Map<Owner, Entry>();

  /**
   * Tracks (or updates) the owner's presence under `key`. Returns the diff to fan out, or
   * undefined when the payload did not change (Phoenix sends nothing then).
   */
  track(owner: Owner, key: string, payload: Record<string, unknown>): PresenceDiff | undefined {
    const previous = this.#entries.get(owner);
    if (previous && previous.key === key) {
      if (JSON.stringify(previous.payload) === JSON.stringify(payload)) return undefined;
    }
    const meta: PresenceMeta = { ...payload, phx_ref: presenceRef() };
    if (previous && previous.key === key) meta.phx_ref_prev = previous.meta.phx_ref;
    this.#entries.set(owner, { key, payload, meta });
    return {
      joins: one(key, meta),
      leaves: previous ? one(previous.key, previous.meta) : {},
    };
  }

  /** Removes the owner's presence; returns the diff, or undefined when it tracked nothing. */
  untrack(owner: Owner): PresenceDiff | undefined {
    const previous = this.#entries.get(owner);
    if (!previous) return undefined;
    this.#entries.delete(owner);
    return { joins: {}, leaves: one(previous.key, previous.meta) };
  }

  /** Every presence, grouped by key. */
  state(): PresenceState {
    const state: PresenceState = {};
    for (const { key, meta } of this.#entries.values()) {
      (state[key] ??= { metas: [] }).metas.push(meta);
    }
    return state;
  }

  get size(): number {
    return this.#entries.size;
  }
}
