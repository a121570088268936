/**
 * @module The Phoenix wire protocol as `@supabase/realtime-js` speaks it to Supabase Realtime:
 * vsn 1.0.0 frames are JSON objects, vsn 2.0.0 frames are JSON arrays
 * `[join_ref, ref, topic, event, payload]`, plus Realtime's two binary broadcast frames
 * (kind 3, a client's broadcast push; kind 4, a broadcast delivered to a client).
 */

/** Protocol versions realtime-js can be told to use (`vsn` option and query parameter). */
export type Vsn = "1.0.0" | "2.0.0";

export const SUPPORTED_VSN: readonly Vsn[] = ["1.0.0", "2.0.0"];

/** Phoenix's default when the client names no version. */
export const DEFAULT_VSN: Vsn = "1.0.0";

/** One Phoenix message: a push, reply or broadcast. */
export interface PhoenixMessage {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: unknown;
}

/**
 * A broadcast's user payload, kept as the client sent it: JSON text (forwarded without
 * re-encoding, as Realtime does) or raw bytes (vsn 2.0.0 binary broadcasts only).
 */
export type UserPayload = { encoding: "json"; text: string } | {
  encoding: "binary";
  bytes: Uint8Array;
};

/** A broadcast as Realtime's `UserBroadcast`: event, payload and metadata kept apart. */
export interface UserBroadcast {
  kind: "user";
  /** The event name the sender chose, e.g. `build_event`. */
  event: string;
  payload: UserPayload;
  /** Realtime adds `{ id }` to broadcasts from the database. */
  meta?: Record<string, unknown>;
}

/** A broadcast pushed as a JSON message: its whole payload map is relayed as it came. */
export interface MapBroadcast {
  kind: "map";
  payload: Record<string, unknown>;
}

/** A broadcast as it travels between subscribers of a topic. */
export type Broadcast = UserBroadcast | MapBroadcast;

/** What a client frame decodes to: a message, or a vsn 2.0.0 binary broadcast push. */
export type InboundFrame =
  | { kind: "message"; message: PhoenixMessage }
  | {
    kind: "broadcast_push";
    joinRef: string | null;
    ref: string | null;
    topic: string;
    broadcast: UserBroadcast;
  };

/** Thrown for a frame that is not valid for the connection's protocol version. */
export class MalformedFrameError extends Error {
  override name = "MalformedFrameError";
}

const KIND_USER_BROADCAST_PUSH = 3;
const KIND_USER_BROADCAST = 4;
const ENCODING_BINARY = 0;
const ENCODING_JSON = 1;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function refOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return String(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedFrameError("Cannot decode frame: it is not JSON");
  }
}

/** Decodes one WebSocket frame from a client using protocol `vsn`. */
export function decodeFrame(vsn: Vsn, data: string | ArrayBuffer): InboundFrame {
  if (typeof data !== "string") {
    if (vsn !== "2.0.0") {
      throw new MalformedFrameError("Cannot decode a binary frame with protocol 1.0.0");
    }
    return decodeBinary(new Uint8Array(data));
  }
  const json = parseJson(data);
  if (vsn === "2.0.0") {
    if (!Array.isArray(json) || json.length < 5) {
      throw new MalformedFrameError("Cannot decode frame: expected a V2 array");
    }
    const [joinRef, ref, topic, event, payload] = json as unknown[];
    if (typeof topic !== "string" || typeof event !== "string") {
      throw new MalformedFrameError("Cannot decode frame: topic and event must be strings");
    }
    return {
      kind: "message",
      message: { joinRef: refOrNull(joinRef), ref: refOrNull(ref), topic, event, payload },
    };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new MalformedFrameError("Cannot decode frame: expected a V1 object");
  }
  const m = json as Record<string, unknown>;
  if (typeof m.topic !== "string" || typeof m.event !== "string") {
    throw new MalformedFrameError("Cannot decode frame: topic and event must be strings");
  }
  return {
    kind: "message",
    message: {
      joinRef: refOrNull(m.join_ref),
      ref: refOrNull(m.ref),
      topic: m.topic,
      event: m.event,
      payload: m.payload,
    },
  };
}

function decodeBinary(bytes: Uint8Array): InboundFrame {
  // kind, join_ref size, ref size, topic size, user event size, metadata size, encoding
  if (bytes.length < 7 || bytes[0] !== KIND_USER_BROADCAST_PUSH) {
    throw new MalformedFrameError(
      `Cannot decode binary frame of kind ${bytes[0]}: only user broadcast pushes are accepted`,
    );
  }
  const sizes = [bytes[1]!, bytes[2]!, bytes[3]!, bytes[4]!, bytes[5]!];
  const encoding = bytes[6];
  let offset = 7;
  const fields = sizes.map((size) => {
    if (offset + size > bytes.length) {
      throw new MalformedFrameError("Cannot decode binary frame: it is truncated");
    }
    const field = decoder.decode(bytes.subarray(offset, offset + size));
    offset += size;
    return field;
  });
  const [joinRef, ref, topic, event, metadata] = fields as [string, string, string, string, string];
  const body = bytes.slice(offset);
  const payload: UserPayload = encoding === ENCODING_BINARY
    ? { encoding: "binary", bytes: body }
    : { encoding: "json", text: decoder.decode(body) };
  if (payload.encoding === "json") parseJson(payload.text);
  const meta = metadata ? parseJson(metadata) : undefined;
  return {
    kind: "broadcast_push",
    joinRef: joinRef || null,
    ref: ref || null,
    topic,
    broadcast: {
      kind: "user",
      event,
      payload,
      ...(meta && typeof meta === "object" ? { meta: meta as Record<string, unknown> } : {}),
    },
  };
}

/** Encodes a message for a client: a V1 object or a V2 array, always a text frame. */
export function encodeMessage(vsn: Vsn, m: PhoenixMessage): string {
  if (vsn === "2.0.0") return JSON.stringify([m.joinRef, m.ref, m.topic, m.event, m.payload]);
  // Phoenix's V1 serializer sends topic, event, payload and ref (no join_ref).
  return JSON.stringify({ topic: m.topic, event: m.event, payload: m.payload, ref: m.ref });
}

/** The JSON `broadcast` payload realtime-js hands to `.on("broadcast", ...)` listeners. */
export function broadcastJson(b: Broadcast): string | undefined {
  if (b.kind === "map") return JSON.stringify(b.payload);
  if (b.payload.encoding !== "json") return undefined;
  const meta = b.meta ? `,"meta":${JSON.stringify(b.meta)}` : "";
  return `{"type":"broadcast","event":${
    JSON.stringify(b.event)
  },"payload":${b.payload.text}${meta}}`;
}

/**
 * Encodes a broadcast delivered on `topic` as Realtime does: a user broadcast becomes a binary
 * kind-4 frame for vsn 2.0.0 and a JSON `broadcast` message for vsn 1.0.0; a map broadcast is a
 * JSON message for both. Returns undefined when the client cannot receive it (a binary payload
 * over vsn 1.0.0), as Realtime drops those.
 */
export function encodeBroadcast(
  vsn: Vsn,
  topic: string,
  b: Broadcast,
): string | Uint8Array | undefined {
  if (vsn === "1.0.0" || b.kind === "map") {
    const json = broadcastJson(b);
    if (json === undefined) return undefined;
    return vsn === "1.0.0"
      ? `{"topic":${JSON.stringify(topic)},"event":"broadcast","payload":${json},"ref":null}`
      : `[null,null,${JSON.stringify(topic)},"broadcast",${json}]`;
  }
  const topicBytes = encoder.encode(topic);
  const eventBytes = encoder.encode(b.event);
  const metaBytes = b.meta ? encoder.encode(JSON.stringify(b.meta)) : new Uint8Array(0);
  for (const [name, field] of [["topic", topicBytes], ["event", eventBytes], ["meta", metaBytes]]) {
    if ((field as Uint8Array).length > 255) {
      throw new RangeError(`Cannot encode broadcast: its ${name} is longer than 255 bytes`);
    }
  }
  const body = b.payload.encoding === "json" ? encoder.encode(b.payload.text) : b.payload.bytes;
  const header = 5 + topicBytes.length + eventBytes.length + metaBytes.length;
  const frame = new Uint8Array(header + body.length);
  frame.set([
    KIND_USER_BROADCAST,
    topicBytes.length,
    eventBytes.length,
    metaBytes.length,
    b.payload.encoding === "json" ? ENCODING_JSON : ENCODING_BINARY,
  ]);
  let offset = 5;
  for (const part of [topicBytes, eventBytes, metaBytes, body]) {
    frame.set(part, offset);
    offset += part.length;
  }
  return frame;
}

/** A `phx_reply` to a client's push. */
export function reply(
  request: Pick<PhoenixMessage, "joinRef" | "ref" | "topic">,
  status: "ok" | "error",
  response: Record<string, unknown> = {},
): PhoenixMessage {
  return {
    joinRef: request.joinRef,
    ref: request.ref,
    topic: request.topic,
    event: "phx_reply",
    payload: { status, response },
  };
}
