/**
 * @module Basic Storage (`/storage/v1`) for what storage-js's upload, download, remove and public
 * URLs send. Each object's row goes into `storage.objects` in a transaction as the caller's role
 * with its JWT claims, so the project's storage policies decide who may write and read; the
 * bytes live on disk under the object's id (never under a name from the request). Bucket
 * limits (size, MIME types, public) are read as the storage owner, as the hosted service does.
 */
import type { Queryable } from "../../functions-shared/db/query.ts";
import type { DatabasePools } from "../data_api/database_pools.ts";
import { isPgError } from "../data_api/errors.ts";
import { authenticate, CORS_HEADERS, preflight } from "../data_api/server.ts";
import { multipartFile } from "./multipart.ts";
import {
  bucketById,
  type BucketRow,
  deleteObjects,
  objectByName,
  type ObjectRow,
  upsertObject,
} from "./sql.ts";
import { inTransaction } from "../../functions-shared/db/pool.ts";

/** The project a request is for. */
export interface StorageTarget {
  readonly database: string;
  readonly jwtSecret: string;
}

/** Options of {@linkcode createStorageApi}. */
export interface StorageApiOptions {
  readonly pools: DatabasePools;
  /** Where object bytes are kept (per database, one file per object id). */
  readonly rootDir: string;
}

/** The Storage API over the cluster's databases. */
export interface StorageApi {
  handle(req: Request, target: StorageTarget, path: string): Promise<Response>;
}

/** A Storage error as the hosted service sends it: `{ statusCode, error, message }`. */
class StorageError extends Error {
  constructor(readonly status: number, readonly error: string, message: string) {
    super(message);
  }
}

function respond(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...CORS_HEADERS, "content-type": "application/json" },
  });
}

/** 50 MB, hosted's default upload limit. */
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

async function readUpload(req: Request): Promise<{ bytes: Uint8Array; type: string }> {
  const type = req.headers.get("content-type") ?? "application/octet-stream";
  if (type.startsWith("multipart/form-data")) {
    const file = multipartFile(new Uint8Array(await req.arrayBuffer()), type);
    if (!file) throw new StorageError(400, "invalid_request", "The form has no file");
    return file;
  }
  return { bytes: new Uint8Array(await req.arrayBuffer()), type: type.split(";")[0]!.trim() };
}

function mimeAllowed(bucket: BucketRow, type: string): boolean {
  const allowed = bucket.allowed_mime_types;
  if (!allowed || allowed.length === 0) return true;
  return allowed.some((a) => a === type || (a.endsWith("/*") && type.startsWith(a.slice(0, -1))));
}

function splitBucketPath(rest: string): { bucket: string; name: string } {
  const parts = rest.split("/").filter((p) => p !== "").map(decodeURIComponent);
  const bucket = parts.shift();
  const name = parts.join("/");
  if (!bucket || name === "" || parts.some((p) => p === "." || p === "..")) {
    throw new StorageError(400, "invalid_key", "Invalid bucket or object name");
  }
  return { bucket, name };
}

export function createStorageApi(opts: StorageApiOptions): StorageApi {
  const fileOf = (database: string, id: string) => `${opts.rootDir}/${database}/${id}`;

  async function bucket(target: StorageTarget, id: string): Promise<BucketRow> {
    const pool = opts.pools.get(target.database, "supabase_storage_admin");
    const q = bucketById(id);
    const row = (await pool.query<BucketRow>(q.text, q.values)).rows[0];
    if (!row) throw new StorageError(404, "not_found", "Bucket not found");
    return row;
  }

  /** Runs `fn` in a transaction as the caller's role with its claims. */
  async function asCaller<T>(
    target: StorageTarget,
    caller: { role: string; claims: Record<string, unknown> },
    fn: (db: Queryable) => Promise<T>,
  ): Promise<T> {
    return await inTransaction(opts.pools.get(target.database, "authenticator"), async (db) => {
      await db.query(
        "select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)",
        [caller.role, JSON.stringify(caller.claims)],
      );
      return await fn(db);
    });
  }

  async function upload(
    req: Request,
    target: StorageTarget,
    caller: { role: string; claims: Record<string, unknown> },
    rest: string,
    upsert: boolean,
  ): Promise<Response> {
    const { bucket: bucketId, name } = splitBucketPath(rest);
    const b = await bucket(target, bucketId);
    const { bytes, type } = await readUpload(req);
    const limit = Math.min(Number(b.file_size_limit ?? MAX_UPLOAD_BYTES), MAX_UPLOAD_BYTES);
    if (bytes.byteLength > limit) {
      throw new StorageError(
        413,
        "Payload too large",
        "The object exceeded the maximum allowed size",
      );
    }
    if (!mimeAllowed(b, type)) {
      throw new StorageError(415, "invalid_mime_type", `mime type ${type} is not supported`);
    }
    const owner = typeof caller.claims.sub === "string" ? caller.claims.sub : null;
    const metadata = { mimetype: type, size: bytes.byteLength, cacheControl: "max-age=3600" };
    const row = await asCaller(target, caller, async (db) => {
      const q = upsertObject(bucketId, name, owner, metadata, upsert);
      const r = await db.query<ObjectRow>(q.text, q.values);
      if (!r.rows[0]) throw new StorageError(409, "Duplicate", "The resource already exists");
      const path = fileOf(target.database, r.rows[0].id);
      await Deno.mkdir(`${opts.rootDir}/${target.database}`, { recursive: true });
      await Deno.writeFile(path, bytes); // inside the transaction: a failed write inserts nothing
      return r.rows[0];
    });
    return respond(200, { Id: row.id, Key: `${bucketId}/${name}` });
  }

  async function download(
    target: StorageTarget,
    caller: { role: string; claims: Record<string, unknown> } | null,
    rest: string,
  ): Promise<Response> {
    const { bucket: bucketId, name } = splitBucketPath(rest);
    let row: ObjectRow | undefined;
    if (caller === null) {
      const b = await bucket(target, bucketId);
      if (!b.public) throw new StorageError(400, "not_found", "Object not found");
      const pool = opts.pools.get(target.database, "supabase_storage_admin");
      const q = objectByName(bucketId, name);
      row = (await pool.query<ObjectRow>(q.text, q.values)).rows[0];
    } else {
      row = await asCaller(target, caller, async (db) => {
        const q = objectByName(bucketId, name);
        return (await db.query<ObjectRow>(q.text, q.values)).rows[0];
      });
    }
    if (!row) throw new StorageError(400, "not_found", "Object not found");
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(fileOf(target.database, row.id));
    } catch {
      throw new StorageError(400, "not_found", "Object not found");
    }
    return new Response(bytes as Uint8Array<ArrayBuffer>, {
      status: 200,
      headers: {
        ...CORS_HEADERS,
        "content-type": String(row.metadata?.mimetype ?? "application/octet-stream"),
        "cache-control": String(row.metadata?.cacheControl ?? "no-cache"),
      },
    });
  }

  async function remove(
    req: Request,
    target: StorageTarget,
    caller: { role: string; claims: Record<string, unknown> },
    bucketId: string,
  ): Promise<Response> {
    const body = await req.json().catch(() => null) as { prefixes?: unknown } | null;
    const names = body?.prefixes;
    if (!Array.isArray(names) || !names.every((n) => typeof n === "string")) {
      throw new StorageError(400, "invalid_request", "Send { prefixes: [names] }");
    }
    const rows = await asCaller(target, caller, async (db) => {
      const q = deleteObjects(bucketId, names as string[]);
      return (await db.query<ObjectRow & { name: string; bucket_id: string }>(q.text, q.values))
        .rows;
    });
    for (const r of rows) await Deno.remove(fileOf(target.database, r.id)).catch(() => {});
    return respond(
      200,
      rows.map((r) => ({ id: r.id, name: r.name, bucket_id: r.bucket_id, metadata: r.metadata })),
    );
  }

  return {
    async handle(req, target, path) {
      if (req.method === "OPTIONS") return preflight(req);
      try {
        const publicRead = path.match(/^\/object\/public\/(.+)$/);
        if (publicRead && (req.method === "GET" || req.method === "HEAD")) {
          return await download(target, null, publicRead[1]!);
        }
        const caller = await authenticate(req, target.jwtSecret);
        if (caller instanceof Response) return caller;
        const who = { role: caller.role, claims: caller.claims };
        const removal = path.match(/^\/object\/([^/]+)\/?$/);
        if (removal && req.method === "DELETE") {
          return await remove(req, target, who, decodeURIComponent(removal[1]!));
        }
        const authenticated = path.match(/^\/object\/authenticated\/(.+)$/);
        if (authenticated && req.method === "GET") {
          return await download(target, who, authenticated[1]!);
        }
        const object = path.match(/^\/object\/(.+)$/);
        if (object && req.method === "GET") return await download(target, who, object[1]!);
        if (object && (req.method === "POST" || req.method === "PUT")) {
          const upsert = req.method === "PUT" || req.headers.get("x-upsert") === "true";
          return await upload(req, target, who, object[1]!, upsert);
        }
        throw new StorageError(
          404,
          "not_found",
          `${req.method} /storage/v1${path} is not supported locally`,
        );
      } catch (e) {
        if (e instanceof StorageError) {
          return respond(e.status === 404 ? 400 : e.status, {
            statusCode: String(e.status),
            error: e.error,
            message: e.message,
          });
        }
        if (isPgError(e)) {
          const rls = e.code === "42501";
          return respond(rls ? 400 : 400, {
            statusCode: rls ? "403" : "400",
            error: rls ? "Unauthorized" : "invalid_request",
            message: e.message,
          });
        }
        console.error(`Storage: ${e instanceof Error ? e.message : String(e)}`);
        return respond(500, { statusCode: "500", error: "internal", message: "Internal error" });
      }
    },
  };
}
