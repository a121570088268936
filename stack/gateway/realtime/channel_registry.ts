/**
 * @module Who is subscribed to which topic, and delivery to them. As on Supabase Realtime, a
 * private and a public channel of the same name are different topics; on a private topic a
 * subscriber receives broadcasts and presence only as far as its read policies allow.
 */
import type { Broadcast } from "./protocol.ts";
import { type PresenceDiff, type PresenceState, TopicPresence } from "./presence.ts";

/** A joined channel, as the registry sees it. */
export interface Subscriber {
  /** The topic without the `realtime:` prefix. */
  readonly subTopic: string;
  readonly private: boolean;
  /** Whether this subscriber may receive broadcasts (always, on a public topic). */
  canReadBroadcast(): boolean;
  /** Whether this subscriber may receive presence (always, on a public topic). */
  canReadPresence(): boolean;
  /** Sends a broadcast to the client. */
  deliverBroadcast(broadcast: Broadcast): void;
  /** Sends a presence change to the client. */
  deliverPresenceDiff(diff: PresenceDiff): void;
}

interface Topic {
  subscribers: Set<Subscriber>;
  presence: TopicPresence<Subscriber>;
}

/** Where a broadcast goes: a topic, private or public. */
export interface TopicAddress {
  subTopic: string;
  private: boolean;
}

function topicKey(t: TopicAddress): string {
  return `${t.private ? "private" : "public"}:${t.subTopic}`;
}

export class ChannelRegistry {
  #topics = new Map<string, Topic>();

  #topic(t: TopicAddress, create: true): Topic;
  #topic(t: TopicAddress, create: false): Topic | undefined;
  #topic(t: TopicAddress, create: boolean): Topic | undefined {
    const key = topicKey(t);
    let topic = this.#topics.get(key);
    if (!topic && create) {
      topic = { subscribers: new Set(), presence: new TopicPresence() };
      this.#topics.set(key, topic);
    }
    return topic;
  }

  subscribe(s: Subscriber): void {
    this.#topic(s, true).subscribers.add(s);
  }

  /** Removes a subscriber and its presence (the others see it leave). */
  unsubscribe(s: Subscriber): void {
    const topic = this.#topic(s, false);
    if (!topic) return;
    this.untrack(s);
    topic.subscribers.delete(s);
    if (topic.subscribers.size === 0 && topic.presence.size === 0) {
      this.#topics.delete(topicKey(s));
    }
  }

  /**
   * Delivers a broadcast to a topic's subscribers that may read it; `from` (the sender) is
   * skipped unless it asked for its own broadcasts.
   */
  broadcast(
    to: TopicAddress,
    broadcast: Broadcast,
    from?: { sender: Subscriber; self: boolean },
  ): number {
    const topic = this.#topic(to, false);
    if (!topic) return 0;
    let delivered = 0;
    for (const s of topic.subscribers) {
      if (from && s === from.sender && !from.self) continue;
      if (!s.canReadBroadcast()) continue;
      s.deliverBroadcast(broadcast);
      delivered++;
    }
    return delivered;
  }

  /** Tracks a subscriber's presence; every subscriber that may read presence gets the diff. */
  track(s: Subscriber, key: string, payload: Record<string, unknown>): void {
    const topic = this.#topic(s, true);
    this.#fanOut(topic, topic.presence.track(s, key, payload));
  }

  untrack(s: Subscriber): void {
    const topic = this.#topic(s, false);
    if (topic) this.#fanOut(topic, topic.presence.untrack(s));
  }

  /** The presence state of the subscriber's topic. */
  presenceState(s: Subscriber): PresenceState {
    return this.#topic(s, false)?.presence.state() ?? {};
  }

  #fanOut(topic: Topic, diff: PresenceDiff | undefined): void {
    if (!diff) return;
    for (const s of topic.subscribers) if (s.canReadPresence()) s.deliverPresenceDiff(diff);
  }
}
