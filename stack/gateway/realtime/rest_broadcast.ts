/**
 * @module Realtime's REST broadcast endpoints: `POST /api/broadcast` (a batch of messages, what
 * realtime-js falls back to for `channel.send` before subscribing) and
 * `POST /api/broadcast/:topic/events/:event` (one message, `channel.httpSend`). Private messages
 * need the caller's INSERT policy on realtime.messages for the topic.
 */
import { type AccessClaims, TokenRejectedError, verifyAccessToken } from "./access_token.ts";
import type { ChannelAuthorizer } from "./authorization.ts";
import type { ChannelRegistry } from "./channel_registry.ts";

/** What the endpoints need. */
export interface RestBroadcastDeps {
  jwtSecret: string;
  registry: ChannelRegistry;
  authorizer: ChannelAuthorizer;
}

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "authorization, apikey, content-type, x-client-info",
  "access-control-allow-methods": "POST, OPTIONS",
};

/** A JSON response with Realtime's open CORS headers. */
export function corsJson(body: unknown, status: number): Response {
  return Response.json(body, { status, headers: CORS });
}

/** The preflight answer for the REST endpoints. */
export function corsPreflight(): Response {
  return new Response(null, { status: 204, headers: CORS });
}

function accepted(): Response {
  return new Response(null, { status: 202, headers: CORS });
}

/** The caller's claims from `Authorization: Bearer` or `apikey`, or a 401 response. */
async function caller(req: Request, secret: string): Promise<AccessClaims | Response> {
  const bearer = req.headers.get("authorization")?.match(/^bearer\s+(\S+)$/i)?.[1];
  try {
    return await verifyAccessToken(bearer ?? req.headers.get("apikey"), secret);
  } catch (e) {
    if (!(e instanceof TokenRejectedError)) throw e;
    return corsJson({ message: "Unauthorized" }, 401);
  }
}

async function mayWrite(
  deps: RestBroadcastDeps,
  req: Request,
  claims: AccessClaims,
  topic: string,
): Promise<boolean> {
  const headers: Record<string, string> = {};
  for (const [k, v] of req.headers) if (k.startsWith("x-")) headers[k] = v;
  const permissions = await deps.authorizer.write(
    { topic, role: claims.role, claims, headers },
    ["broadcast"],
  );
  return permissions.broadcast === true;
}

interface BatchMessage {
  topic: string;
  event: string;
  payload: Record<string, unknown>;
  private: boolean;
  id?: string;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Validates a batch body; returns the messages or the errors per field, as Realtime does. */
function batchMessages(body: unknown): BatchMessage[] | Record<string, unknown> {
  if (!isMap(body) || !Array.isArray(body.messages)) {
    return { messages: ["can't be blank"] };
  }
  const errors: Record<string, string[]>[] = [];
  const messages: BatchMessage[] = [];
  for (const m of body.messages as unknown[]) {
    const e: Record<string, string[]> = {};
    const msg = isMap(m) ? m : {};
    if (typeof msg.topic !== "string" || msg.topic === "") e.topic = ["can't be blank"];
    if (typeof msg.event !== "string" || msg.event === "") e.event = ["can't be blank"];
    if (!isMap(msg.payload)) e.payload = [msg.payload == null ? "can't be blank" : "is invalid"];
    errors.push(e);
    if (Object.keys(e).length > 0) continue;
    messages.push({
      topic: msg.topic as string,
      event: msg.event as string,
      payload: msg.payload as Record<string, unknown>,
      private: msg.private === true || msg.private === "true",
      ...(typeof msg.id === "string" ? { id: msg.id } : {}),
    });
  }
  return errors.some((e) => Object.keys(e).length > 0) ? { messages: errors } : messages;
}

/** `POST /api/broadcast`: public messages go out; private ones only where the caller may write. */
export async function batchBroadcast(req: Request, deps: RestBroadcastDeps): Promise<Response> {
  const claims = await caller(req, deps.jwtSecret);
  if (claims instanceof Response) return claims;
  const body = await req.json().catch(() => undefined);
  const messages = batchMessages(body);
  if (!Array.isArray(messages)) return corsJson({ errors: messages }, 422);
  const allowed = new Map<string, boolean>();
  for (const m of messages) {
    if (m.private) {
      if (!allowed.has(m.topic)) allowed.set(m.topic, await mayWrite(deps, req, claims, m.topic));
      if (!allowed.get(m.topic)) continue; // Realtime skips them silently.
    }
    const payload: Record<string, unknown> = {
      payload: m.payload,
      event: m.event,
      type: "broadcast",
      ...(m.id ? { meta: { id: m.id } } : {}),
    };
    deps.registry.broadcast({ subTopic: m.topic, private: m.private }, { kind: "map", payload });
  }
  return accepted();
}

/** `POST /api/broadcast/:topic/events/:event[?private=true]`: one JSON or binary message. */
export async function singleBroadcast(
  req: Request,
  topic: string,
  event: string,
  deps: RestBroadcastDeps,
): Promise<Response> {
  const claims = await caller(req, deps.jwtSecret);
  if (claims instanceof Response) return claims;
  const isPrivate = new URL(req.url).searchParams.get("private") === "true";
  const binary = req.headers.get("content-type")?.startsWith("application/octet-stream") ?? false;
  const bytes = new Uint8Array(await req.arrayBuffer());
  let text: string | undefined;
  if (!binary) {
    text = new TextDecoder().decode(bytes);
    try {
      if (JSON.parse(text) === null) throw new SyntaxError("null");
    } catch {
      return corsJson({ errors: { payload: ["can't be blank"] } }, 422);
    }
  }
  if (isPrivate && !(await mayWrite(deps, req, claims, topic))) {
    return corsJson({ message: "Unauthorized" }, 403);
  }
  deps.registry.broadcast({ subTopic: topic, private: isPrivate }, {
    kind: "user",
    event,
    payload: text === undefined ? { encoding: "binary", bytes } : { encoding: "json", text },
  });
  return accepted();
}
