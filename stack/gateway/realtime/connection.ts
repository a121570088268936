/**
 * @module One client socket speaking Supabase Realtime's channel protocol: heartbeats, joins
 * (with the token and private-channel checks Realtime makes), leaves, broadcast, presence and
 * token refreshes. Messages of a socket are handled one at a time, in order.
 */
import { type AccessClaims, TokenRejectedError, verifyAccessToken } from "./access_token.ts";
import type { ChannelAuthorizer, Extension, Permissions } from "./authorization.ts";
import type { ChannelRegistry, Subscriber } from "./channel_registry.ts";
import type { PresenceDiff } from "./presence.ts";
import {
  type Broadcast,
  decodeFrame,
  encodeBroadcast,
  encodeMessage,
  type InboundFrame,
  MalformedFrameError,
  type PhoenixMessage,
  reply,
  type Vsn,
} from "./protocol.ts";

/** What every socket shares. */
export interface ConnectionDeps {
  jwtSecret: string;
  registry: ChannelRegistry;
  authorizer: ChannelAuthorizer;
  log: (line: string) => void;
}

/** How a socket was opened. */
export interface SocketContext {
  vsn: Vsn;
  /** The socket's `apikey`, used for joins that carry no `access_token`. */
  apiKey: string;
  /** The `x-*` request headers, visible to policies as `request.headers`. */
  headers: Record<string, string>;
}

const TOPIC_PREFIX = "realtime:";
/** Realtime re-checks a channel's token this often (and when it expires). */
const CONFIRM_TOKEN_MS = 5 * 60_000;

/** Realtime's `FlexibleBoolean`: true, or the string "true". */
function flag(value: unknown): boolean {
  return value === true || value === "true";
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown>
    : {};
}

/** The join's `config`, read as Realtime's Join payload schema reads it. */
interface JoinConfig {
  self: boolean;
  ack: boolean;
  presenceKey: string;
  presenceEnabled: boolean;
  private: boolean;
  postgresChanges: Record<string, unknown>[];
  /** The client wants a `system` message once database changes can flow. */
  replicationReady: boolean;
}

function joinConfig(payload: Record<string, unknown>): JoinConfig {
  const config = record(payload.config);
  const broadcast = record(config.broadcast);
  const presence = record(config.presence);
  const key = typeof presence.key === "string" && presence.key !== ""
    ? presence.key
    : crypto.randomUUID();
  const changes = Array.isArray(config.postgres_changes) ? config.postgres_changes : [];
  return {
    self: flag(broadcast.self),
    ack: flag(broadcast.ack),
    presenceKey: key,
    presenceEnabled: flag(presence.enabled),
    private: flag(config.private),
    postgresChanges: changes.filter((c) => c !== null).map(record),
    replicationReady: flag(broadcast.replication_ready),
  };
}

/** What a user's policies allow for one extension; undefined until checked. */
interface Grants {
  read?: boolean;
  write?: boolean;
}

/** A joined channel of this socket. */
class ChannelSession implements Subscriber {
  readonly subTopic: string;
  readonly private: boolean;
  policies: Record<Extension, Grants> = { broadcast: {}, presence: {} };
  confirmTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly connection: RealtimeConnection,
    readonly topic: string,
    readonly joinRef: string | null,
    readonly config: JoinConfig,
    public token: string,
    public claims: AccessClaims,
  ) {
    this.subTopic = topic.slice(TOPIC_PREFIX.length);
    this.private = config.private;
  }

  canReadBroadcast(): boolean {
    return !this.private || this.policies.broadcast.read === true;
  }

  canReadPresence(): boolean {
    return !this.private || this.policies.presence.read === true;
  }

  deliverBroadcast(broadcast: Broadcast): void {
    this.connection.sendBroadcast(this.topic, broadcast);
  }

  deliverPresenceDiff(diff: PresenceDiff): void {
    // A fan-out message, like Realtime's: no join_ref, no ref.
    this.connection.send({
      joinRef: null,
      ref: null,
      topic: this.topic,
      event: "presence_diff",
      payload: diff,
    });
  }

  /** Sends a message of this channel (it carries the join_ref, as Phoenix pushes do). */
  push(event: string, payload: unknown): void {
    this.connection.send({ joinRef: this.joinRef, ref: null, topic: this.topic, event, payload });
  }

  policyContext(): {
    topic: string;
    role: string;
    claims: AccessClaims;
    headers: Record<string, string>;
  } {
    return {
      topic: this.subTopic,
      role: this.claims.role,
      claims: this.claims,
      headers: this.connection.context.headers,
    };
  }
}

function apply(target: Grants, mode: "read" | "write", value: boolean | undefined): void {
  if (value !== undefined) target[mode] = value;
}

function applyPermissions(
  session: ChannelSession,
  mode: "read" | "write",
  permissions: Permissions,
): void {
  apply(session.policies.broadcast, mode, permissions.broadcast);
  apply(session.policies.presence, mode, permissions.presence);
}

export class RealtimeConnection {
  readonly context: SocketContext;
  #socket: WebSocket;
  #deps: ConnectionDeps;
  #channels = new Map<string, ChannelSession>();
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(socket: WebSocket, context: SocketContext, deps: ConnectionDeps) {
    this.#socket = socket;
    this.context = context;
    this.#deps = deps;
    socket.binaryType = "arraybuffer";
    socket.onmessage = (e: MessageEvent<string | ArrayBuffer>) => {
      const data = e.data;
      this.#enqueue(() => this.#receive(data));
    };
    socket.onclose = () => this.#dispose();
    socket.onerror = () => {};
  }

  /** Runs a task after the ones before it; a failing task is logged and does not stop others. */
  #enqueue(task: () => Promise<void>): void {
    this.#queue = this.#queue.then(task).catch((e) =>
      this.#deps.log(`[realtime] Cannot handle a client message: ${(e as Error).message}`)
    );
  }

  /** Sends a message encoded for this socket's protocol version. */
  send(message: PhoenixMessage): void {
    this.#write(encodeMessage(this.context.vsn, message));
  }

  /** Sends a broadcast encoded for this socket's protocol version. */
  sendBroadcast(topic: string, broadcast: Broadcast): void {
    const frame = encodeBroadcast(this.context.vsn, topic, broadcast);
    if (frame !== undefined) this.#write(frame);
  }

  #write(frame: string | Uint8Array): void {
    if (this.#closed || this.#socket.readyState !== WebSocket.OPEN) return;
    try {
      this.#socket.send(frame);
    } catch { /* the socket is closing */ }
  }

  /** Closes the socket (the server is stopping). */
  close(code = 1001, reason = "Server is shutting down"): void {
    this.#dispose();
    try {
      this.#socket.close(code, reason);
    } catch { /* already closed */ }
  }

  #dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const session of this.#channels.values()) this.#drop(session);
    this.#channels.clear();
  }

  #drop(session: ChannelSession): void {
    clearTimeout(session.confirmTimer);
    this.#deps.registry.unsubscribe(session);
  }

  async #receive(data: string | ArrayBuffer): Promise<void> {
    if (this.#closed) return;
    let frame: InboundFrame;
    try {
      frame = decodeFrame(this.context.vsn, data);
    } catch (e) {
      if (!(e instanceof MalformedFrameError)) throw e;
      // Realtime logs MalformedWebSocketMessage and keeps the socket open.
      this.#deps.log(`[realtime] MalformedWebSocketMessage: ${e.message}`);
      return;
    }
    if (frame.kind === "broadcast_push") {
      const session = this.#channels.get(frame.topic);
      if (!session) return this.send(reply(frame, "error", { reason: "unmatched topic" }));
      return await this.#broadcast(session, frame, frame.broadcast);
    }
    const m = frame.message;
    if (m.topic === "phoenix" && m.event === "heartbeat") return this.send(reply(m, "ok"));
    if (m.event === "phx_join") return await this.#join(m);
    const session = this.#channels.get(m.topic);
    if (!session) return this.send(reply(m, "error", { reason: "unmatched topic" }));
    const payload = record(m.payload);
    switch (m.event) {
      case "phx_leave":
        this.send(reply(m, "ok"));
        return this.#close(session);
      case "broadcast":
        return await this.#broadcast(session, m, { kind: "map", payload });
      case "presence":
        return await this.#presence(session, m, payload);
      case "access_token":
        return await this.#refreshToken(session, payload.access_token);
      default:
        // Realtime ignores (and logs at info level) anything else a client sends.
        return;
    }
  }

  async #join(m: PhoenixMessage): Promise<void> {
    if (!m.topic.startsWith(TOPIC_PREFIX)) {
      return this.send(reply(m, "error", { reason: "unmatched topic" }));
    }
    if (m.topic === TOPIC_PREFIX) {
      return this.send(
        reply(m, "error", { reason: "TopicNameRequired: You must provide a topic name" }),
      );
    }
    const existing = this.#channels.get(m.topic);
    if (existing) this.#close(existing); // Phoenix closes a duplicate join's older channel.

    const payload = record(m.payload);
    const config = joinConfig(payload);
    const token =
      typeof payload.access_token === "string" && !payload.access_token.startsWith("sb_")
        ? payload.access_token
        : typeof payload.user_token === "string"
        ? payload.user_token
        : this.context.apiKey;
    let claims: AccessClaims;
    try {
      claims = await verifyAccessToken(token, this.#deps.jwtSecret);
    } catch (e) {
      if (!(e instanceof TokenRejectedError)) throw e;
      return this.send(reply(m, "error", { reason: e.reason }));
    }

    const session = new ChannelSession(this, m.topic, m.joinRef, config, token, claims);
    if (session.private) {
      const extensions: Extension[] = config.presenceEnabled ? ["broadcast", "presence"] : [
        "broadcast",
      ];
      let permissions: Permissions;
      try {
        permissions = await this.#deps.authorizer.read(session.policyContext(), extensions);
      } catch (e) {
        this.#deps.log(`[realtime] UnableToSetPolicies: ${(e as Error).message}`);
        return this.send(
          reply(m, "error", { reason: "Realtime was unable to connect to the project database" }),
        );
      }
      applyPermissions(session, "read", permissions);
      if (!permissions.broadcast && !permissions.presence) {
        return this.send(reply(m, "error", {
          reason:
            `Unauthorized: You do not have permissions to read from this Channel topic: ${session.subTopic}`,
        }));
      }
    }
    if (this.#closed) return;

    this.#channels.set(m.topic, session);
    this.#deps.registry.subscribe(session);
    this.#scheduleTokenCheck(session);
    const postgresChanges = config.postgresChanges.map((c, i) => ({ ...c, id: i + 1 }));
    this.send(reply(m, "ok", { postgres_changes: postgresChanges }));
    if (postgresChanges.length > 0) {
      session.push("system", {
        extension: "postgres_changes",
        status: "error",
        message: "Postgres changes are not available on the local stack; use broadcast",
        channel: session.subTopic,
      });
    }
    if (config.replicationReady) {
      // Broadcasts from the database need no replication slot here: they flow at once.
      session.push("system", {
        extension: "system",
        status: "ok",
        message: "Replication connection established",
        channel: session.subTopic,
      });
    }
    if (config.presenceEnabled && session.canReadPresence()) {
      session.push("presence_state", this.#deps.registry.presenceState(session));
    }
  }

  /** Leaves a channel: its presence goes, and the client is told it closed. */
  #close(session: ChannelSession): void {
    if (this.#channels.get(session.topic) !== session) return;
    this.#channels.delete(session.topic);
    this.#drop(session);
    this.send({
      joinRef: session.joinRef,
      ref: session.joinRef,
      topic: session.topic,
      event: "phx_close",
      payload: {},
    });
  }

  /** Ends a channel with a system error message, as Realtime's shutdown_response does. */
  #shutdown(session: ChannelSession, message: string): void {
    if (this.#channels.get(session.topic) !== session) return;
    session.push("system", {
      extension: "system",
      status: "error",
      message,
      channel: session.subTopic,
    });
    this.#close(session);
  }

  #scheduleTokenCheck(session: ChannelSession): void {
    clearTimeout(session.confirmTimer);
    const untilExpiry = session.claims.exp * 1000 - Date.now();
    session.confirmTimer = setTimeout(() => {
      this.#enqueue(() => this.#confirmToken(session));
    }, Math.max(0, Math.min(CONFIRM_TOKEN_MS, untilExpiry)));
  }

  async #confirmToken(session: ChannelSession): Promise<void> {
    if (this.#channels.get(session.topic) !== session) return;
    try {
      session.claims = await verifyAccessToken(session.token, this.#deps.jwtSecret);
      this.#scheduleTokenCheck(session);
    } catch (e) {
      if (!(e instanceof TokenRejectedError)) throw e;
      this.#shutdown(session, e.detail);
    }
  }

  async #refreshToken(session: ChannelSession, token: unknown): Promise<void> {
    if (typeof token !== "string" || token.startsWith("sb_") || token === session.token) return;
    const previous = { ...session.policies };
    session.token = token;
    try {
      session.claims = await verifyAccessToken(token, this.#deps.jwtSecret);
    } catch (e) {
      if (!(e instanceof TokenRejectedError)) throw e;
      return this.#shutdown(session, e.detail);
    }
    if (session.private) {
      const extensions: Extension[] = session.config.presenceEnabled
        ? ["broadcast", "presence"]
        : ["broadcast"];
      let permissions: Permissions;
      try {
        permissions = await this.#deps.authorizer.read(session.policyContext(), extensions);
      } catch {
        return this.#shutdown(session, "Realtime was unable to connect to the project database");
      }
      session.policies = { broadcast: {}, presence: {} };
      applyPermissions(session, "read", permissions);
      if (!permissions.broadcast && !permissions.presence) {
        return this.#shutdown(
          session,
          `You do not have permissions to read from this Channel topic: ${session.subTopic}`,
        );
      }
      const revoked = (was?: boolean, now?: boolean) => was === true && now === false;
      if (
        revoked(previous.broadcast.read, permissions.broadcast) ||
        revoked(previous.presence.read, permissions.presence)
      ) {
        return this.#shutdown(
          session,
          `You no longer have permission to read from this Channel topic: ${session.subTopic}`,
        );
      }
    }
    this.#scheduleTokenCheck(session);
  }

  async #mayWrite(session: ChannelSession, extension: Extension): Promise<boolean> {
    if (!session.private) return true;
    if (session.policies[extension].write === undefined) {
      const permissions = await this.#deps.authorizer.write(session.policyContext(), [
        "broadcast",
        "presence",
      ]);
      applyPermissions(session, "write", permissions);
    }
    return session.policies[extension].write === true;
  }

  async #broadcast(
    session: ChannelSession,
    request: Pick<PhoenixMessage, "joinRef" | "ref" | "topic">,
    broadcast: Broadcast,
  ): Promise<void> {
    // Without a write policy Realtime drops the broadcast silently (an ack never comes).
    if (!(await this.#mayWrite(session, "broadcast"))) return;
    this.#deps.registry.broadcast(session, broadcast, {
      sender: session,
      self: session.config.self,
    });
    if (session.config.ack) this.send(reply(request, "ok"));
  }

  async #presence(
    session: ChannelSession,
    m: PhoenixMessage,
    payload: Record<string, unknown>,
  ): Promise<void> {
    if (typeof payload.event !== "string") return this.send(reply(m, "ok"));
    switch (payload.event.toLowerCase()) {
      case "track": {
        if (session.private && session.policies.presence.read === undefined) {
          const read = await this.#deps.authorizer.read(session.policyContext(), ["presence"]);
          applyPermissions(session, "read", read);
        }
        if (!(await this.#mayWrite(session, "presence"))) return this.send(reply(m, "error"));
        const tracked = payload.payload ?? {};
        if (typeof tracked !== "object" || tracked === null || Array.isArray(tracked)) {
          return this.send(reply(m, "error", { reason: "Presence track payload must be a map" }));
        }
        this.#deps.registry.track(
          session,
          session.config.presenceKey,
          tracked as Record<string, unknown>,
        );
        return this.send(reply(m, "ok"));
      }
      case "untrack":
        this.#deps.registry.untrack(session);
        return this.send(reply(m, "ok"));
      default:
        return this.send(reply(m, "error"));
    }
  }
}
