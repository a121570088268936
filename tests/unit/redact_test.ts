/** @module Redaction, property-tested: secrets embedded anywhere in generated nested values
 * never survive; values without secrets come back unchanged. Seeded, so failures reproduce. */
import { seededRandom } from "../../stack/seeded_random.ts";
import assert from "node:assert/strict";
import { isSensitiveKey, knownSecrets, redact, REDACTED } from "../../functions-shared/redact.ts";

class Gen {
  constructor(readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chars(alphabet: string, min: number, max: number): string {
    const n = min + this.int(max - min + 1);
    let s = "";
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const ALNUM = `${LOWER}${LOWER.toUpperCase()}0123456789`;
const B64URL = `${ALNUM}-_`;
/** Ordinary words, SQL and code: nothing here looks like a secret. */
const WORDS = [
  "select",
  "from",
  "public.listings",
  "create table",
  "owner_id uuid",
  "price numeric",
  "where id = $1",
  "insert into bids",
  "Deno.serve",
  "return Response.json(data)",
  "http://127.0.0.1:54321/env/abc/functions/v1/drift_check",
  "postgresql://127.0.0.1:54322/postgres",
  "policy",
  "auth.uid()",
  "verify_jwt",
  "sb_region",
  "the bearer of news",
  "marketplace",
  "🚀 émoji ünïcode",
  "line\nbreak",
  "tab\tseparated",
  '{"json": [1, 2]}',
  "a=b&c=d",
  "PWD=/srv/app",
  "?page=2&sort=name",
  "token_count = 3",
  '{"name": "value", "rows": 2}',
  "x.token=t",
  "let token=getToken(req)",
  "task-runner",
  "sk-short",
  "'json': 'text'",
];
const SAFE_KEYS = [
  "name",
  "query",
  "project_id",
  "files",
  "content",
  "entrypoint_path",
  "verify_jwt",
  "rows",
  "items",
  "table",
  "columns",
  "options",
  "url",
  "status",
];

function safeString(g: Gen): string {
  const parts: string[] = [];
  const n = g.int(5);
  for (let i = 0; i < n; i++) parts.push(g.pick(WORDS));
  return parts.join(g.pick([" ", "", "\n", ", "]));
}

function safeValue(g: Gen, depth: number): unknown {
  const kind = depth <= 0 ? g.int(4) : g.int(6);
  switch (kind) {
    case 0:
      return safeString(g);
    case 1:
      return g.int(2) === 0 ? g.int(10_000) : g.next() * 100;
    case 2:
      return g.pick([true, false, null]);
    case 3:
      return safeString(g);
    case 4: {
      const arr: unknown[] = [];
      for (let i = g.int(4); i > 0; i--) arr.push(safeValue(g, depth - 1));
      return arr;
    }
    default: {
      const obj: Record<string, unknown> = {};
      for (let i = g.int(5); i > 0; i--) obj[g.pick(SAFE_KEYS)] = safeValue(g, depth - 1);
      return obj;
    }
  }
}

/** A secret and the text that carries it; the secret itself must never survive. */
interface Secret {
  secret: string;
  text: string;
}

function b64json(g: Gen, o: Record<string, unknown>): string {
  return btoa(JSON.stringify({ ...o, n: g.chars(ALNUM, 4, 12) })).replace(/\+/g, "-")
    .replace(/\//g, "_").replace(/=+$/, "");
}

/** A JSON object holding a secret, as text escaped `levels` times (0: plain JSON). */
function jsonText(g: Gen, pw: string, levels: number): string {
  const name = g.pick(["password", "secret", "token", "apiKey", "service_role_key", "db_pass"]);
  let text = JSON.stringify({ user: "u", [name]: pw, rows: [1, 2] });
  for (let i = 0; i < levels; i++) text = JSON.stringify(text);
  return text;
}

function secret(g: Gen): Secret {
  switch (g.int(17)) {
    case 11: {
      const pw = `Pw${g.chars(ALNUM, 14, 24)}`;
      const name = g.pick([
        "PGPASSWORD",
        "POSTGRES_PASSWORD",
        "DB_PASSWORD",
        "SUPABASE_ACCESS_TOKEN",
        "OPENAI_API_KEY",
        "VIBE_JWT_SECRET",
      ]);
      return { secret: pw, text: ` ${g.pick(["", "export "])}${name}=${pw} psql -h db` };
    }
    case 12: {
      const tok = `Tk${g.chars(ALNUM + "-_.", 18, 40)}`;
      const name = g.pick(["token", "access_token", "refresh_token", "client_secret", "api_key"]);
      return {
        secret: tok,
        text: `curl "https://api.example.com/cb?${name}=${tok}&state=${g.int(100)}"`,
      };
    }
    case 13: {
      const k = `sk-${g.pick(["", "proj-", "svcacct-"])}${g.chars(B64URL, 32, 48)}${g.int(10)}`;
      return { secret: k, text: `OpenAI key ${k} (rotated)` };
    }
    case 14: {
      const pw = `Pw${g.chars(ALNUM + "!#%^*()[]{}", 14, 24)}`;
      return { secret: pw, text: jsonText(g, pw, g.int(4)) };
    }
    case 15: {
      const pw = `Pw${g.chars(ALNUM, 14, 24)}`;
      return { secret: pw, text: `{'user': 'u', 'password': '${pw}'}` };
    }
    case 16: {
      const pw = `Pw${g.chars(ALNUM + '\\"', 14, 24)}`; // quotes and backslashes inside
      return { secret: pw, text: jsonText(g, pw, 1 + g.int(2)) };
    }
    case 0: {
      const jwt = `${b64json(g, { alg: "HS256", typ: "JWT" })}.${
        b64json(g, { role: g.pick(["anon", "service_role", "authenticated"]) })
      }.${g.chars(B64URL, 43, 43)}`;
      return { secret: jwt, text: jwt };
    }
    case 1: {
      const k = `sb_publishable_${g.chars(B64URL, 20, 40)}`;
      return { secret: k, text: k };
    }
    case 2: {
      const k = `sb_secret_${g.chars(B64URL, 20, 40)}`;
      return { secret: k, text: k };
    }
    case 3: {
      const k = `sbp_${g.chars("0123456789abcdef", 40, 40)}`;
      return { secret: k, text: k };
    }
    case 4: {
      const k = `sbp_oauth_${g.chars("0123456789abcdef", 40, 40)}`;
      return { secret: k, text: k };
    }
    case 5: {
      const pw = `Pw${g.chars(ALNUM, 14, 24)}`;
      const scheme = g.pick(["postgresql", "postgres", "redis", "https"]);
      return {
        secret: pw,
        text: `${scheme}://${g.pick(["postgres", "admin", "u"])}:${pw}@db.host:5432/x`,
      };
    }
    case 6: {
      const pw = `Pw${g.chars(ALNUM, 14, 24)}`;
      return { secret: pw, text: `host=127.0.0.1 port=5432 user=postgres password=${pw} dbname=x` };
    }
    case 7: {
      const tok = `Tk${g.chars(ALNUM + "._-", 20, 40)}`;
      return { secret: tok, text: `Authorization: Bearer ${tok}` };
    }
    case 8: {
      const tok = `Tk${g.chars(ALNUM, 20, 40)}`;
      return { secret: tok, text: `curl -H "Authorization: Basic ${btoa(tok)}" x` };
    }
    case 9: {
      const k = `vrt_${g.chars(B64URL, 43, 43)}`;
      return { secret: k, text: `{"reportToken":"${k}"}` };
    }
    default: {
      const tok = `Tk${g.chars(ALNUM + "._-", 20, 40)}`;
      return { secret: tok, text: `-H 'apikey: ${tok}'` };
    }
  }
}

/** Positions of a string where text can go without splitting an earlier embedded secret. */
function freePositions(value: string, earlier: readonly string[]): number[] {
  const taken = new Set<number>();
  for (const e of earlier) {
    for (let i = value.indexOf(e); i >= 0; i = value.indexOf(e, i + 1)) {
      for (let j = i + 1; j < i + e.length; j++) taken.add(j);
    }
  }
  const free: number[] = [];
  for (let i = 0; i <= value.length; i++) if (!taken.has(i)) free.push(i);
  return free;
}

/**
 * Embeds text somewhere in a value: inside a string leaf (never inside an earlier secret), as a
 * new array element, or as a new field.
 */
function embed(g: Gen, value: unknown, text: string, earlier: readonly string[] = []): unknown {
  if (typeof value === "string") {
    const at = g.pick(freePositions(value, earlier));
    return `${value.slice(0, at)}${g.pick(["", " "])}${text}${g.pick(["", " "])}${value.slice(at)}`;
  }
  if (Array.isArray(value)) {
    const copy = [...value];
    if (copy.length && g.int(2) === 0) {
      const i = g.int(copy.length);
      copy[i] = embed(g, copy[i], text, earlier);
    } else copy.splice(g.int(copy.length + 1), 0, text);
    return copy;
  }
  if (value && typeof value === "object") {
    const copy = { ...(value as Record<string, unknown>) };
    const keys = Object.keys(copy);
    if (keys.length && g.int(2) === 0) {
      const k = g.pick(keys);
      copy[k] = embed(g, copy[k], text, earlier);
    } else copy[`${g.pick(SAFE_KEYS)}_${g.int(100)}`] = text;
    return copy;
  }
  return { value, [g.pick(SAFE_KEYS)]: text };
}

const RUNS = 2000;

Deno.test("redact: values without secrets come back unchanged", () => {
  for (let seed = 1; seed <= RUNS; seed++) {
    const g = new Gen(seededRandom(seed));
    const value = safeValue(g, 4);
    assert.deepEqual(redact(value), value, `seed ${seed}`);
  }
});

Deno.test("redact: a secret embedded anywhere in nested values never survives", () => {
  for (let seed = 1; seed <= RUNS; seed++) {
    const g = new Gen(seededRandom(seed));
    let value = safeValue(g, 4);
    const secrets: Secret[] = [];
    for (let i = 1 + g.int(3); i > 0; i--) {
      const s = secret(g);
      value = embed(g, value, s.text, secrets.map((x) => x.text));
      secrets.push(s);
    }
    const out = JSON.stringify(redact(value));
    for (const s of secrets) {
      assert.ok(!out.includes(s.secret), `seed ${seed}: ${s.text} survived in ${out}`);
      assert.ok(out.includes(REDACTED), `seed ${seed}: nothing was redacted`);
    }
  }
});

Deno.test("redact: values of secret-named properties are redacted at any depth", () => {
  const names = [
    "password",
    "db_pass",
    "secret",
    "jwt_secret",
    "token",
    "access_token",
    "apikey",
    "api_key",
    "service_role_key",
    "SUPABASE_SERVICE_ROLE_KEY",
    "anonKey",
    "serviceRoleKey",
    "Authorization",
    "x-api-key",
    "client_secret",
  ];
  for (let seed = 1; seed <= 100; seed++) {
    const g = new Gen(seededRandom(seed));
    const name = g.pick(names);
    const plain = `plain${g.chars(LOWER, 10, 20)}`; // no shape at all: only the name tells
    const value = embed(g, safeValue(g, 3), "") as Record<string, unknown>;
    const nested = { outer: [{ inner: { ...value, [name]: plain } }] };
    const out = JSON.stringify(redact(nested));
    assert.ok(!out.includes(plain), `seed ${seed}: ${name} survived`);
    assert.ok(isSensitiveKey(name), name);
  }
  for (const name of ["verify_jwt", "name", "project_id", "entrypoint_path", "keys", "bypass"]) {
    assert.ok(!isSensitiveKey(name), `${name} is not a secret's name`);
  }
});

Deno.test("redact: known secrets without a shape, and the input is not modified", () => {
  const jwtSecret = "0f3c9a77e1b2d4c6a8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6";
  const input = { log: `signed with ${jwtSecret}.`, nested: [`x${jwtSecret}y`], n: 1 };
  const copy = structuredClone(input);
  const out = redact(input, { secrets: [jwtSecret, "short"] });
  assert.deepEqual(input, copy, "the input is untouched");
  assert.deepEqual(out, { log: `signed with ${REDACTED}.`, nested: [`x${REDACTED}y`], n: 1 });
  assert.equal(redact("a short value stays", { secrets: ["short"] }), "a short value stays");
});

Deno.test("redact: examples of each shape", () => {
  assert.equal(
    redact("postgresql://postgres:s3cr3t-Pass@127.0.0.1:54322/postgres"),
    `postgresql://postgres:${REDACTED}@127.0.0.1:54322/postgres`,
  );
  assert.equal(
    redact("Authorization: Bearer abc.def.ghi-123"),
    `Authorization: Bearer ${REDACTED}`,
  );
  assert.equal(redact("key sb_secret_AbC123xyz987"), `key ${REDACTED}`);
  assert.deepEqual(redact({ headers: { Authorization: "Bearer x" } }), {
    headers: { Authorization: REDACTED },
  });
  assert.deepEqual(redact({ verify_jwt: true, password: null, token_count: 3 }), {
    verify_jwt: true,
    password: null,
    token_count: 3,
  });
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  assert.deepEqual(redact(circular), { a: 1, self: "[circular]" });
  assert.deepEqual(redact(new Error("failed with sbp_0123456789abcdef0123")), {
    name: "Error",
    message: `failed with ${REDACTED}`,
  });
});

Deno.test("redact: a password property assigned in code is not a connection string", () => {
  const code = "n.password=i.password;this.connectionParameters.password=t;if($password=x)";
  assert.equal(redact(code), code);
  assert.equal(
    redact("host=db password=Hunter2Hunter2 user=x"),
    "host=db password=[redacted] user=x",
  );
  assert.equal(
    redact("postgres://db/x?user=u&password=Hunter2Hunter2"),
    "postgres://db/x?user=u&password=[redacted]",
  );
});

Deno.test("redact: environment variables, token parameters, sk- keys, JSON inside strings", () => {
  assert.equal(
    redact("PGPASSWORD=hunter2 psql -h db -U postgres"),
    `PGPASSWORD=${REDACTED} psql -h db -U postgres`,
  );
  assert.equal(
    redact("export POSTGRES_PASSWORD='a b c'; OPENAI_API_KEY=abc123"),
    `export POSTGRES_PASSWORD=${REDACTED}; OPENAI_API_KEY=${REDACTED}`,
  );
  assert.equal(
    redact("GET /cb?token=abcd1234&state=x HTTP/1.1"),
    `GET /cb?token=${REDACTED}&state=x HTTP/1.1`,
  );
  assert.equal(redact("refresh_token=r3fr3sh-t0k3n"), `refresh_token=${REDACTED}`);
  assert.equal(
    redact("key sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz012345 ok"),
    `key ${REDACTED} ok`,
  );
  // The review's example: a password inside a JSON string embedded as text.
  assert.equal(redact('"{\\"password\\":\\"x\\"}"'), `"{\\"password\\":\\"${REDACTED}\\"}"`);
  assert.equal(redact('{"password":"x","user":"u"}'), `{"password":"${REDACTED}","user":"u"}`);
  assert.equal(redact(`{'secret': 'x'}`), `{'secret': '${REDACTED}'}`);
  const nested = JSON.stringify({ log: JSON.stringify({ db: { password: "S3cr3t!" } }) });
  assert.ok(!JSON.stringify(redact({ text: nested })).includes("S3cr3t!"));
  // Not secrets: code, ordinary parameters, empty values, non-secret names.
  for (
    const text of [
      "const token=getToken(req);",
      "this.token=t",
      "?page=2&sort=name",
      "PWD=/srv/app",
      '{"password":"","name":"x"}',
      '{"tokens_used": 12}',
      "task-manager sk-short",
    ]
  ) assert.equal(redact(text), text);
});

Deno.test("knownSecrets reads a function's secrets from its environment", () => {
  const env = {
    SUPABASE_SERVICE_ROLE_KEY: "service-role-key-value",
    OPENAI_API_KEY: "sk-openai-key-value",
    SUPABASE_DB_URL: "postgresql://postgres:S3cr3t%2Fpassword@db:5432/postgres",
    SUPABASE_SECRET_KEYS: '{"default":"sb_secret_abcdefghijklmnop"}',
  };
  assert.deepEqual(knownSecrets(env).sort(), [
    "S3cr3t/password",
    "sb_secret_abcdefghijklmnop",
    "service-role-key-value",
    "sk-openai-key-value",
  ]);
  assert.deepEqual(
    knownSecrets({ SUPABASE_DB_URL: "postgresql://postgres:postgres@127.0.0.1:54322/postgres" }),
    [],
    "the local stack's default password is no secret",
  );
});
