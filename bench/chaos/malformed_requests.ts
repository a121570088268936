/**
 * @module Malformed requests to the sessions API, generated from a seed: broken JSON, wrong
 * types, NUL characters, lone surrogates, invalid UTF-8, huge and deeply nested bodies, unknown
 * fields, prototype-pollution keys, bad ids and query strings, wrong methods and content types.
 * Every one must get a 4xx and change nothing.
 */
import { seededRandom } from "../../stack/seeded_random.ts";

/** One request, relative to `{FUNCTIONS_URL}/sessions`. */
export interface MalformedRequest {
  /** What kind of malformation, for the report. */
  kind: string;
  method: string;
  /** Path after `/sessions` (empty, or `/…`). */
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array<ArrayBuffer>;
}

const enc = new TextEncoder();
const JSON_HEADERS = { "content-type": "application/json" };

const VALID = {
  vibeText: "Sellers list bikes with a brand and a price.",
  template: "marketplace",
  options: { enableAnalytics: false, enableDriftSentinel: true, environmentMode: "branch" },
};

/** Values that are wrong for each field (every one must be refused). */
const WRONG: Record<string, unknown[]> = {
  vibeText: [
    null,
    true,
    0,
    "",
    " \n\t",
    "x".repeat(20_001),
    [],
    {},
    ["a"],
    "\u0000",
    "a\u0000b",
    "\ud800",
  ],
  template: [
    null,
    true,
    0,
    "",
    "MARKETPLACE",
    "project",
    "saas ",
    [],
    {},
    "marketplace\u0000",
    "__proto__",
  ],
  options: [null, true, 0, "", [], "branch", ["branch"]],
  "options.enableAnalytics": [null, 0, 1, "true", "", [], {}],
  "options.enableDriftSentinel": [null, 0, "false", [], {}],
  "options.environmentMode": [null, true, 0, "", "BRANCH", "branches", [], {}, "project\u0000"],
};

/** Bodies that are not the object the API expects at all. */
const WRONG_SHAPES: unknown[] = [null, true, 0, "", "marketplace", [], [VALID], { $ne: null }];

type Body = () => { kind: string; body: Uint8Array<ArrayBuffer>; headers?: Record<string, string> };

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function withField(path: string[], value: unknown): unknown {
  const copy = structuredClone(VALID) as Record<string, unknown>;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[path.at(-1)!] = value;
  return copy;
}

function nested(depth: number): string {
  return "[".repeat(depth) + "]".repeat(depth);
}

/** Generators of malformed POST bodies, each returning one. */
function postBodies(rand: () => number): Body[] {
  const fields = Object.keys(WRONG).map((k) => k.split("."));
  return [
    () => ({ kind: "empty body", body: new Uint8Array() }),
    () => {
      const text = JSON.stringify(VALID);
      return {
        kind: "truncated JSON",
        body: enc.encode(text.slice(0, Math.floor(rand() * text.length))),
      };
    },
    () => ({
      kind: "not JSON",
      body: enc.encode(pick(rand, ["hello", "{", "}", "{'a':1}", "NaN", "undefined", "<xml/>"])),
    }),
    () => ({
      kind: "JSON of the wrong shape",
      body: enc.encode(JSON.stringify(pick(rand, WRONG_SHAPES))),
    }),
    () => {
      const path = pick(rand, fields);
      const value = pick(rand, WRONG[path.join(".")]!);
      return {
        kind: `wrong value for ${path.join(".")}`,
        body: enc.encode(JSON.stringify(withField(path, value))),
      };
    },
    () => {
      const field = pick(rand, ["vibeText", "template"] as const);
      const { [field]: _gone, ...rest } = VALID;
      return { kind: `missing ${field}`, body: enc.encode(JSON.stringify(rest)) };
    },
    () => ({
      kind: "unknown field",
      body: enc.encode(
        JSON.stringify({ ...VALID, [pick(rand, ["owner_id", "status", "id", "plan"])]: "x" }),
      ),
    }),
    () => ({
      kind: "prototype pollution key",
      body: enc.encode(
        `{"vibeText":"a","template":"saas","__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}`,
      ),
    }),
    () => ({
      kind: "NUL in vibeText",
      body: enc.encode(
        JSON.stringify({
          ...VALID,
          vibeText: `Sellers\u0000 list bikes ${"\u0000".repeat(Math.ceil(rand() * 3))}`,
        }),
      ),
    }),
    () => ({
      kind: "escaped NUL in vibeText",
      body: enc.encode(`{"vibeText":"bikes \\u0000 here","template":"marketplace"}`),
    }),
    () => ({
      kind: "lone surrogate in vibeText",
      body: enc.encode(`{"vibeText":"bikes \\ud83d here","template":"marketplace"}`),
    }),
    () => {
      const bytes = enc.encode(JSON.stringify(VALID));
      const i = 14 + Math.floor(rand() * 10);
      const broken = new Uint8Array([...bytes.slice(0, i), 0xff, 0xfe, 0xc3, ...bytes.slice(i)]);
      return { kind: "invalid UTF-8", body: broken };
    },
    () => ({
      kind: "deeply nested",
      body: enc.encode(`{"vibeText":${nested(5000)},"template":"saas"}`),
    }),
    () => ({
      kind: "oversized body",
      body: enc.encode(JSON.stringify({ ...VALID, vibeText: "x".repeat(70_000) })),
    }),
    () => ({
      kind: "wrong content type",
      body: enc.encode(JSON.stringify(VALID)),
      headers: {
        "content-type": pick(rand, [
          "text/plain",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x",
        ]),
      },
    }),
    () => ({
      kind: "form-encoded body",
      body: enc.encode("vibeText=bikes&template=marketplace"),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    }),
    () => ({
      kind: "duplicate keys",
      body: enc.encode(`{"vibeText":"a","template":"saas","template":7}`),
    }),
    () => ({
      kind: "number overflow",
      body: enc.encode(`{"vibeText":"a","template":"saas","options":{"enableAnalytics":1e999}}`),
    }),
  ];
}

const BAD_IDS = [
  "not-a-uuid",
  "00000000-0000-0000-0000-00000000000g",
  "%00",
  "..%2F..%2Fetc%2Fpasswd",
  "' or 1=1 --",
  "a".repeat(300),
  "%F0%9F%92%A9",
  "00000000-0000-0000-0000-000000000000x",
];

/** `n` malformed requests from `seed`: 70% bad POST bodies, the rest bad paths and methods. */
export function malformedRequests(seed: number, n: number): MalformedRequest[] {
  const rand = seededRandom(seed);
  const uuid = () =>
    "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx".replace(
      /x/g,
      () => Math.floor(rand() * 16).toString(16),
    );
  const bodies = postBodies(rand);
  const out: MalformedRequest[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.7) {
      const b = pick(rand, bodies)();
      out.push({
        kind: b.kind,
        method: "POST",
        path: "",
        headers: { ...JSON_HEADERS, ...(b.headers ?? {}) },
        body: b.body,
      });
    } else if (r < 0.8) {
      out.push({
        kind: "bad session id",
        method: "GET",
        path: `/${pick(rand, BAD_IDS)}${pick(rand, ["", "/events", "/drift"])}`,
        headers: {},
      });
    } else if (r < 0.88) {
      out.push({
        kind: "bad events cursor",
        method: "GET",
        path: `/${uuid()}/events?after=${pick(rand, ["-1", "abc", "1e99", "%00", "1;2", ""])}`,
        headers: {},
      });
    } else if (r < 0.94) {
      out.push({
        kind: "unsupported method",
        method: pick(rand, ["PUT", "PATCH", "DELETE"]),
        path: pick(rand, ["", `/${uuid()}`]),
        headers: JSON_HEADERS,
        body: enc.encode("{}"),
      });
    } else {
      out.push({
        kind: "bad Idempotency-Key",
        method: "POST",
        path: "",
        headers: {
          ...JSON_HEADERS,
          "idempotency-key": pick(rand, ["", "x".repeat(1000), "a b\tc", "%00"]),
        },
        body: enc.encode(JSON.stringify({ ...VALID, vibeText: "" })),
      });
    }
  }
  return out;
}
