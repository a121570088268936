/**
 * @module Avro object container files (the format of Iceberg manifest lists and manifests):
 * a schema-driven binary encoder and decoder. Longs decode as bigint (Iceberg snapshot ids use
 * all 64 bits); codecs `null` and `deflate` are read, `null` is written.
 */
import { inflateRawSync } from "node:zlib";

/** An Avro schema as JSON (the subset Iceberg uses, plus enums and fixed). */
export type AvroSchema =
  | string
  | AvroSchema[]
  | { type: "record"; name: string; fields: AvroField[]; [k: string]: unknown }
  | { type: "array"; items: AvroSchema; [k: string]: unknown }
  | { type: "map"; values: AvroSchema; [k: string]: unknown }
  | { type: "fixed"; name: string; size: number; [k: string]: unknown }
  | { type: "enum"; name: string; symbols: string[]; [k: string]: unknown }
  | { type: string; [k: string]: unknown };

export interface AvroField {
  name: string;
  type: AvroSchema;
  [k: string]: unknown;
}

const MAGIC = new Uint8Array([0x4f, 0x62, 0x6a, 0x01]); // "Obj" 1
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Named types (records, fixed, enums) by name, for references. */
type Names = Map<string, AvroSchema>;

function collectNames(schema: AvroSchema, names: Names): void {
  if (Array.isArray(schema)) return schema.forEach((s) => collectNames(s, names));
  if (typeof schema !== "object") return;
  const s = schema as Record<string, unknown>;
  if (typeof s.name === "string" && ["record", "fixed", "enum"].includes(s.type as string)) {
    names.set(s.name, schema);
  }
  if (s.type === "record") { for (const f of s.fields as AvroField[]) collectNames(f.type, names); }
  if (s.type === "array") collectNames(s.items as AvroSchema, names);
  if (s.type === "map") collectNames(s.values as AvroSchema, names);
}

function resolve(schema: AvroSchema, names: Names): AvroSchema {
  if (typeof schema === "string" && names.has(schema)) return names.get(schema)!;
  if (typeof schema === "object" && !Array.isArray(schema)) {
    const inner = (schema as { type: unknown }).type;
    if (typeof inner === "object" && inner !== null) return resolve(inner as AvroSchema, names);
  }
  return schema;
}

function typeName(schema: AvroSchema): string {
  if (Array.isArray(schema)) return "union";
  return typeof schema === "string" ? schema : String(schema.type);
}

/** Appends bytes to a growing buffer. */
class Output {
  private chunks: Uint8Array[] = [];
  length = 0;
  push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }
  long(value: number | bigint): void {
    let n = BigInt(value);
    n = n >= 0n ? n << 1n : ((-n) << 1n) - 1n; // zigzag
    const out: number[] = [];
    do {
      let byte = Number(n & 0x7fn);
      n >>= 7n;
      if (n > 0n) byte |= 0x80;
      out.push(byte);
    } while (n > 0n);
    this.push(new Uint8Array(out));
  }
  bytes(b: Uint8Array): void {
    this.long(b.length);
    this.push(b);
  }
  concat(): Uint8Array {
    const all = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.length;
    }
    return all;
  }
}

function encodeValue(out: Output, schema: AvroSchema, value: unknown, names: Names): void {
  const s = resolve(schema, names);
  if (Array.isArray(s)) {
    // A union: the first branch that accepts the value (null for null/undefined).
    const index = value === null || value === undefined
      ? s.findIndex((b) => typeName(resolve(b, names)) === "null")
      : s.findIndex((b) => typeName(resolve(b, names)) !== "null");
    if (index < 0) throw new Error(`Cannot encode ${String(value)} as union ${JSON.stringify(s)}`);
    out.long(index);
    return encodeValue(out, s[index]!, value, names);
  }
  const t = typeName(s);
  const obj = s as Record<string, unknown>;
  switch (t) {
    case "null":
      return;
    case "boolean":
      return out.push(new Uint8Array([value ? 1 : 0]));
    case "int":
    case "long":
      return out.long(value as number | bigint);
    case "float": {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setFloat32(0, value as number, true);
      return out.push(b);
    }
    case "double": {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, value as number, true);
      return out.push(b);
    }
    case "string":
      return out.bytes(utf8.encode(value as string));
    case "bytes":
      return out.bytes(value as Uint8Array);
    case "fixed":
      return out.push(value as Uint8Array);
    case "enum":
      return out.long((obj.symbols as string[]).indexOf(value as string));
    case "array": {
      const items = value as unknown[];
      if (items.length > 0) {
        out.long(items.length);
        for (const item of items) encodeValue(out, obj.items as AvroSchema, item, names);
      }
      return out.long(0);
    }
    case "map": {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length > 0) {
        out.long(entries.length);
        for (const [k, v] of entries) {
          out.bytes(utf8.encode(k));
          encodeValue(out, obj.values as AvroSchema, v, names);
        }
      }
      return out.long(0);
    }
    case "record": {
      const record = value as Record<string, unknown>;
      for (const f of obj.fields as AvroField[]) encodeValue(out, f.type, record[f.name], names);
      return;
    }
    default:
      throw new Error(`Cannot encode Avro type ${t}`);
  }
}

/** Reads Avro binary data from a buffer. */
class Input {
  at = 0;
  constructor(readonly buf: Uint8Array) {}
  byte(): number {
    if (this.at >= this.buf.length) throw new Error("Cannot read Avro data: unexpected end");
    return this.buf[this.at++]!;
  }
  long(): bigint {
    let n = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      n |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
    }
    return (n >> 1n) ^ -(n & 1n);
  }
  take(n: number): Uint8Array {
    if (this.at + n > this.buf.length) throw new Error("Cannot read Avro data: unexpected end");
    const b = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }
  bytes(): Uint8Array {
    return this.take(Number(this.long()));
  }
}

function decodeValue(input: Input, schema: AvroSchema, names: Names): unknown {
  const s = resolve(schema, names);
  if (Array.isArray(s)) {
    const branch = s[Number(input.long())];
    if (branch === undefined) throw new Error("Cannot read Avro data: bad union index");
    return decodeValue(input, branch, names);
  }
  const t = typeName(s);
  const obj = s as Record<string, unknown>;
  switch (t) {
    case "null":
      return null;
    case "boolean":
      return input.byte() !== 0;
    case "int":
      return Number(input.long());
    case "long":
      return input.long();
    case "float":
      return new DataView(input.take(4).slice().buffer).getFloat32(0, true);
    case "double":
      return new DataView(input.take(8).slice().buffer).getFloat64(0, true);
    case "string":
      return fromUtf8.decode(input.bytes());
    case "bytes":
      return input.bytes().slice();
    case "fixed":
      return input.take(obj.size as number).slice();
    case "enum":
      return (obj.symbols as string[])[Number(input.long())];
    case "array": {
      const items: unknown[] = [];
      for (;;) {
        let count = Number(input.long());
        if (count === 0) break;
        if (count < 0) {
          count = -count;
          input.long(); // block size in bytes
        }
        for (let i = 0; i < count; i++) {
          items.push(decodeValue(input, obj.items as AvroSchema, names));
        }
      }
      return items;
    }
    case "map": {
      const map: Record<string, unknown> = {};
      for (;;) {
        let count = Number(input.long());
        if (count === 0) break;
        if (count < 0) {
          count = -count;
          input.long();
        }
        for (let i = 0; i < count; i++) {
          const key = fromUtf8.decode(input.bytes());
          map[key] = decodeValue(input, obj.values as AvroSchema, names);
        }
      }
      return map;
    }
    case "record": {
      const record: Record<string, unknown> = {};
      for (const f of obj.fields as AvroField[]) record[f.name] = decodeValue(input, f.type, names);
      return record;
    }
    default:
      throw new Error(`Cannot decode Avro type ${t}`);
  }
}

/** Options for {@link writeAvroFile}. */
export interface AvroWriteOptions {
  schema: AvroSchema;
  records: readonly unknown[];
  /** Extra file metadata (Iceberg keeps its schema, spec and format version there). */
  metadata?: Record<string, string>;
  /** The 16-byte sync marker; fixed for reproducible files. */
  sync: Uint8Array;
}

/** An Avro object container file with one block, codec `null`. */
export function writeAvroFile(opts: AvroWriteOptions): Uint8Array {
  if (opts.sync.length !== 16) throw new Error("The Avro sync marker must be 16 bytes");
  const names: Names = new Map();
  collectNames(opts.schema, names);
  const out = new Output();
  out.push(MAGIC);
  const meta: Record<string, Uint8Array> = {
    "avro.schema": utf8.encode(JSON.stringify(opts.schema)),
    "avro.codec": utf8.encode("null"),
  };
  for (const [k, v] of Object.entries(opts.metadata ?? {})) meta[k] = utf8.encode(v);
  encodeValue(out, { type: "map", values: "bytes" }, meta, names);
  out.push(opts.sync);
  const block = new Output();
  for (const r of opts.records) encodeValue(block, opts.schema, r, names);
  out.long(opts.records.length);
  out.long(block.length);
  out.push(block.concat());
  out.push(opts.sync);
  return out.concat();
}

/** What {@link readAvroFile} returns. */
export interface AvroFile {
  schema: AvroSchema;
  metadata: Record<string, string>;
  records: unknown[];
}

/** Reads every record of an Avro object container file. */
export function readAvroFile(bytes: Uint8Array): AvroFile {
  const input = new Input(bytes);
  const magic = input.take(4);
  if (!magic.every((b, i) => b === MAGIC[i])) {
    throw new Error("Cannot read Avro file: it does not start with the Avro magic bytes");
  }
  const raw = decodeValue(input, { type: "map", values: "bytes" }, new Map()) as Record<
    string,
    Uint8Array
  >;
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) metadata[k] = fromUtf8.decode(v);
  const schemaText = metadata["avro.schema"];
  if (!schemaText) throw new Error("Cannot read Avro file: the header has no avro.schema");
  const schema = JSON.parse(schemaText) as AvroSchema;
  const codec = metadata["avro.codec"] ?? "null";
  if (codec !== "null" && codec !== "deflate") {
    throw new Error(`Cannot read Avro file: codec ${codec} is not supported (null, deflate)`);
  }
  const sync = input.take(16);
  const names: Names = new Map();
  collectNames(schema, names);
  const records: unknown[] = [];
  while (input.at < bytes.length) {
    const count = Number(input.long());
    const size = Number(input.long());
    let data = input.take(size);
    if (codec === "deflate") data = new Uint8Array(inflateRawSync(data));
    const block = new Input(data);
    for (let i = 0; i < count; i++) records.push(decodeValue(block, schema, names));
    const marker = input.take(16);
    if (!marker.every((b, i) => b === sync[i])) {
      throw new Error("Cannot read Avro file: a block does not end with the sync marker");
    }
  }
  return { schema, metadata, records };
}
