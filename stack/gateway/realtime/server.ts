/**
 * @module The local stand-in for Supabase Realtime, served by the gateway under `/realtime/v1`:
 * the WebSocket endpoint `/realtime/v1/websocket?apikey=…&vsn=1.0.0|2.0.0`, the REST broadcast
 * endpoints, and delivery of `realtime.send(...)` rows committed in the control-plane database.
 */
import pg from "../../../functions-shared/db/pg.ts";
import { TokenRejectedError, verifyAccessToken } from "./access_token.ts";
import { ChannelAuthorizer } from "./authorization.ts";
import { ChannelRegistry } from "./channel_registry.ts";
import { RealtimeConnection } from "./connection.ts";
import { DatabaseBroadcasts } from "./database_broadcasts.ts";
import { DEFAULT_VSN, SUPPORTED_VSN, type Vsn } from "./protocol.ts";
import { batchBroadcast, corsJson, corsPreflight, singleBroadcast } from "./rest_broadcast.ts";

/** Options of the Realtime server. */
export interface RealtimeOptions {
  /** The secret every accepted JWT is signed with. */
  jwtSecret: string;
  /**
   * Connection settings for the control-plane database, as a role that may write
   * realtime.messages and assume the API roles (the stack's superuser over its socket).
   */
  database: pg.ClientConfig;
  /** Where errors go; defaults to console.error. */
  log?: (line: string) => void;
}

/** The Realtime server as the gateway uses it. */
export interface RealtimeServer {
  /** Answers a request whose path starts with `/realtime/v1/`. */
  handle(req: Request): Promise<Response>;
  /** Starts delivering broadcasts from the database. */
  start(): Promise<void>;
  /** Closes every socket and the database connections. */
  stop(): Promise<void>;
}

const PREFIX = "/realtime/v1";

/** The socket's refusal, as Realtime answers a failed WebSocket handshake. */
function refuse(e: TokenRejectedError): Response {
  const message = e.code === "MissingAPIKey"
    ? "API key is missing"
    : e.code === "JwtSignatureError"
    ? "Failed to validate JWT signature"
    : e.detail.startsWith("Token has expired")
    ? "Token has expired"
    : e.detail;
  return Response.json({ error: message }, { status: 401 });
}

export function createRealtime(opts: RealtimeOptions): RealtimeServer {
  const log = opts.log ?? console.error;
  const pool = new pg.Pool({ ...opts.database, max: 4 });
  pool.on("error", (e) => log(`[realtime] Database pool error: ${e.message}`));
  const registry = new ChannelRegistry();
  const authorizer = new ChannelAuthorizer(pool, log);
  const deps = { jwtSecret: opts.jwtSecret, registry, authorizer, log };
  const connections = new Set<RealtimeConnection>();
  const fromDatabase = new DatabaseBroadcasts({
    connect: async () => {
      const client = new pg.Client(opts.database);
      await client.connect();
      return client;
    },
    deliver: (m) =>
      registry.broadcast({ subTopic: m.topic, private: m.private }, {
        kind: "user",
        event: m.event,
        payload: { encoding: "json", text: m.payload },
        meta: { id: m.id },
      }),
    log,
  });

  async function upgrade(req: Request, url: URL): Promise<Response> {
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ error: "Expected a WebSocket upgrade" }, { status: 400 });
    }
    const vsn = (url.searchParams.get("vsn") ?? DEFAULT_VSN) as Vsn;
    if (!SUPPORTED_VSN.includes(vsn)) {
      return Response.json(
        { error: `Protocol version ${vsn} is not supported: use 1.0.0 or 2.0.0` },
        { status: 400 },
      );
    }
    const apiKey = req.headers.get("x-api-key") ?? url.searchParams.get("apikey") ?? "";
    try {
      await verifyAccessToken(apiKey, opts.jwtSecret);
    } catch (e) {
      if (e instanceof TokenRejectedError) return refuse(e);
      throw e;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of req.headers) if (k.startsWith("x-")) headers[k] = v;
    let upgraded: { socket: WebSocket; response: Response };
    try {
      upgraded = Deno.upgradeWebSocket(req);
    } catch (e) {
      return Response.json({ error: `Cannot upgrade to a WebSocket: ${(e as Error).message}` }, {
        status: 400,
      });
    }
    const { socket, response } = upgraded;
    const connection = new RealtimeConnection(socket, { vsn, apiKey, headers }, deps);
    connections.add(connection);
    socket.addEventListener("close", () => connections.delete(connection));
    return response;
  }

  return {
    async handle(req) {
      const url = new URL(req.url);
      const path = url.pathname.slice(PREFIX.length).replace(/\/+$/, "");
      if (path === "/websocket" || path === "/socket/websocket") return await upgrade(req, url);
      if (path.startsWith("/api/")) {
        if (req.method === "OPTIONS") return corsPreflight();
        if (req.method !== "POST") return corsJson({ message: "Use POST" }, 405);
        if (path === "/api/broadcast") return await batchBroadcast(req, deps);
        const single = path.match(/^\/api\/broadcast\/([^/]+)\/events\/([^/]+)$/);
        if (single) {
          let topic: string, event: string;
          try {
            [topic, event] = [decodeURIComponent(single[1]!), decodeURIComponent(single[2]!)];
          } catch {
            return corsJson({ message: "Topic and event must be URL-encoded" }, 400);
          }
          return await singleBroadcast(req, topic, event, deps);
        }
      }
      return Response.json({ message: `No Realtime route for ${req.method} ${url.pathname}` }, {
        status: 404,
      });
    },
    async start() {
      await fromDatabase.start();
    },
    async stop() {
      for (const c of connections) c.close();
      connections.clear();
      await fromDatabase.stop();
      await pool.end().catch(() => {});
    },
  };
}
