/**
 * @module Secret redaction: the one function every tool-call record, build event and log line
 * passes through before it is written. Secrets become `[redacted]`, recursively through
 * objects, arrays and strings; everything else is returned unchanged.
 */

/** What a redacted secret is replaced with. */
export const REDACTED = "[redacted]";

/** Options for {@link redact}. */
export interface RedactOptions {
  /**
   * Secret values with no recognisable shape (a JWT secret, a database password) to remove
   * wherever they occur. Values shorter than 8 characters are ignored: too short to be a secret
   * and too likely to occur in ordinary text.
   */
  secrets?: readonly string[];
}

/** base64url JSON objects begin with `eyJ` (`{"`); a JWT is three such dot-separated parts. */
const JWT = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
/** Supabase API keys (`sb_publishable_…`, `sb_secret_…`, other `sb_<kind>_…` keys). */
const SB_KEY = /sb_(?:publishable|secret)_[A-Za-z0-9_-]{6,}/g;
const SB_OTHER_KEY = /sb_[a-z]+_(?=[A-Za-z0-9_-]*[A-Z0-9])[A-Za-z0-9_-]{16,}/g;
/** Supabase personal access and OAuth tokens (`sbp_…`, `sbp_oauth_…`). */
const SBP_TOKEN = /sbp_[A-Za-z0-9_]{8,}/g;
/** Environment reporting tokens (`vrt_…`, functions-shared/env_functions/report_token.ts). */
const REPORT_TOKEN = /vrt_[A-Za-z0-9_-]{20,}/g;
/** OpenAI (and OpenAI-style) API keys: `sk-…`, `sk-proj-…`, `sk-svcacct-…` (with a digit). */
const SK_KEY = /\bsk-(?=[A-Za-z_-]*[0-9])[A-Za-z0-9_-]{20,}/g;
/**
 * An environment variable holding a secret, assigned in a shell line or a dotenv file:
 * `PGPASSWORD=…`, `POSTGRES_PASSWORD=…`, `SUPABASE_ACCESS_TOKEN=…`, `OPENAI_API_KEY=…`.
 */
const ENV_SECRET =
  /(?<=(?:^|[^A-Za-z0-9_])[A-Z0-9_]*)((?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_KEY|PRIVATE_KEY|ROLE_KEY)=)('[^']*'|"[^"]*"|[^\s'"`;&]+)/g;
/**
 * A token-like parameter: `token=…`, `access_token=…`, `client_secret=…`, `api_key=…` in a
 * query string, form body or command line. Not a property assignment in code (`x.token=t`),
 * and only a value that ends where a parameter ends (`token=f(x)` is code, not a token).
 */
const TOKEN_PARAM =
  /(?<=(?:^|[^\w.$])[A-Za-z0-9_-]*)((?:token|secret|api[_-]?key|apikey|access[_-]?key)=)([A-Za-z0-9._~+/%:-]{4,}=*)(?=$|[\s&;,'"`)\]}<>#|])/gi;
/** A quoted property name followed by a quoted value, at any level of string escaping. */
const QUOTED_PROPERTY = /(\\*)(["'])([A-Za-z_$][\w$.-]{0,63})\1\2\s*:\s*\1\2/g;
/** The password in a URL's user info: `scheme://user:password@host`. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/'"`]*:)([^\s@/'"`]+)@/gi;
/**
 * The password in a key/value connection string: `host=… password=…` (or `?password=…`). Not
 * a property assignment in code (`conn.password=value`), which holds no secret by itself.
 */
const DSN_PASSWORD = /((?<![\w.$])password=)('[^']*'|"[^"]*"|[^\s'"`;&]+)/gi;
/** Credentials after an HTTP authorization scheme (`Authorization: Bearer …`, `Basic …`). */
const AUTH_SCHEME = /(\b(?:[Bb]earer|BEARER|[Bb]asic|BASIC)\s+)([A-Za-z0-9._~+/-]{8,}=*)/g;
/** `apikey: …` / `Authorization: …` header lines whose value is not caught above. */
const HEADER_LINE =
  /(\b(?:apikey|x-api-key|authorization)["']?\s*:\s*["']?)(?!bearer\b|basic\b)([A-Za-z0-9._~+/-]{16,}=*)/gi;

/** Words that make a property name sensitive on their own. */
const SENSITIVE_WORDS = new Set([
  "password",
  "passwd",
  "pwd",
  "pass",
  "passphrase",
  "secret",
  "secrets",
  "token",
  "apikey",
  "authorization",
  "cookie",
  "credential",
  "credentials",
]);
/** Words that make a property name sensitive when it also has the word `key`. */
const KEY_QUALIFIERS = new Set([
  "api",
  "anon",
  "service",
  "role",
  "publishable",
  "private",
  "access",
  "signing",
  "encryption",
  "master",
  "session",
]);

/** Splits `serviceRoleKey`, `SUPABASE_SERVICE_ROLE_KEY`, `x-api-key` into lowercase words. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** True when a property with this name holds a secret (password, token, API key …). */
export function isSensitiveKey(name: string): boolean {
  const w = words(name);
  if (w.some((x) => SENSITIVE_WORDS.has(x))) return true;
  return w.includes("key") && w.some((x) => KEY_QUALIFIERS.has(x));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Where the string value starting at `from` ends: at its quote preceded by exactly `escapes`
 * backslashes (the value's own escaping level); unescaped JSON (`escapes` 0) skips `\x` pairs.
 * When no end is found, the end of the line (or text): better too much redacted than a secret
 * cut in half.
 */
function quotedValueEnd(text: string, from: number, quote: string, escapes: number): number {
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (escapes === 0) {
      if (ch === "\\") {
        i++;
        continue;
      }
      if (ch === quote) return i;
    } else if (ch === quote) {
      let run = 0;
      while (run < i - from && text[i - 1 - run] === "\\") run++;
      if (run === escapes) return i - escapes;
    }
    if (ch === "\n") return i;
  }
  return text.length;
}

/**
 * The values of secret-named properties inside text holding JSON (or a JSON string embedded in
 * another, `"{\"password\":\"x\"}"`, or a Python-style `{'password': 'x'}`).
 */
function redactQuotedProperties(text: string): string {
  if (!text.includes(":")) return text;
  let out = "";
  let last = 0;
  QUOTED_PROPERTY.lastIndex = 0;
  for (let m = QUOTED_PROPERTY.exec(text); m; m = QUOTED_PROPERTY.exec(text)) {
    const [whole, escapes = "", quote = '"', name = ""] = m;
    if (!isSensitiveKey(name)) continue;
    const start = m.index + whole.length;
    const end = quotedValueEnd(text, start, quote, escapes.length);
    if (end === start) continue; // an empty value hides nothing
    out += text.slice(last, start) + REDACTED;
    last = end;
    QUOTED_PROPERTY.lastIndex = Math.max(end, start);
  }
  return last === 0 ? text : out + text.slice(last);
}

function redactText(text: string, known: RegExp | undefined): string {
  let out = text;
  if (known) out = out.replace(known, REDACTED);
  // Secrets found by their context go first: a token pattern could otherwise swallow the
  // context (`sb_secret_…postgresql://u:pw@…` would lose its scheme before its password).
  return redactQuotedProperties(out)
    .replace(URL_PASSWORD, `$1${REDACTED}@`)
    .replace(DSN_PASSWORD, `$1${REDACTED}`)
    .replace(ENV_SECRET, `$1${REDACTED}`)
    .replace(TOKEN_PARAM, `$1${REDACTED}`)
    .replace(AUTH_SCHEME, `$1${REDACTED}`)
    .replace(HEADER_LINE, `$1${REDACTED}`)
    .replace(JWT, REDACTED)
    .replace(SB_KEY, REDACTED)
    .replace(SB_OTHER_KEY, REDACTED)
    .replace(SBP_TOKEN, REDACTED)
    .replace(REPORT_TOKEN, REDACTED)
    .replace(SK_KEY, REDACTED);
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function walk(value: unknown, known: RegExp | undefined, seen: WeakSet<object>): unknown {
  if (typeof value === "string") return redactText(value, known);
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value)) return "[circular]";
  if (Array.isArray(value)) {
    seen.add(value);
    const out = value.map((v) => walk(v, known, seen));
    seen.delete(value);
    return out;
  }
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message, known) };
  }
  if (!isPlainObject(value)) return value;
  seen.add(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const sensitive = isSensitiveKey(k) && v !== null && v !== undefined &&
      typeof v !== "boolean" && typeof v !== "number";
    out[k] = sensitive ? REDACTED : walk(v, known, seen);
  }
  seen.delete(value);
  return out;
}

/**
 * Returns a copy of `value` with every secret replaced by `[redacted]`: JWTs (anon and
 * service-role keys included), `sb_publishable_`/`sb_secret_` keys, `sbp_` tokens, `sk-` keys,
 * passwords in connection strings, secret environment variables (`PGPASSWORD=…`), token
 * parameters (`token=…`), credentials after `Bearer`/`Basic`, the values of properties named
 * like a secret (`password`, `secret`, `token`, `apikey`, `service_role_key`, `authorization` …)
 * — in objects and in JSON text inside strings, escaped or not — and the `secrets` given. Strings, arrays and plain objects are walked recursively; numbers,
 * booleans and other objects are returned as they are. The input is never modified.
 */
export function redact(value: string, options?: RedactOptions): string;
export function redact<T>(value: T, options?: RedactOptions): T;
export function redact(value: unknown, options: RedactOptions = {}): unknown {
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 8);
  const known = secrets.length
    ? new RegExp(
      secrets.sort((a, b) => b.length - a.length).map(escapeRegExp).join("|"),
      "g",
    )
    : undefined;
  return walk(value, known, new WeakSet());
}

const SECRET_VARIABLES = [
  "SUPABASE_SERVICE_ROLE_KEY",
  "VIBE_ACCESS_TOKEN",
  "SUPABASE_ACCESS_TOKEN",
  "OPENAI_API_KEY",
  "VIBE_JWT_SECRET",
  "VIBE_REPORT_TOKEN_SECRET",
] as const;

/**
 * The secret values a control-plane function holds, read from its environment: keys, tokens,
 * the JWT secret, the database password, the project's secret keys. Pass them to
 * {@link redact} so even a secret without a recognisable shape never reaches a record or event.
 */
export function knownSecrets(env: Record<string, string | undefined>): string[] {
  const values: string[] = SECRET_VARIABLES.map((name) => env[name]).filter(
    (v): v is string => typeof v === "string" && v.length > 0,
  );
  try {
    const url = env.SUPABASE_DB_URL ? new URL(env.SUPABASE_DB_URL) : undefined;
    // A password equal to the user name (the local stack's postgres:postgres) is no secret,
    // and redacting it would blank out every mention of the role.
    if (url?.password && url.password !== url.username) {
      values.push(decodeURIComponent(url.password));
    }
  } catch { /* not a URL */ }
  try {
    const keys = JSON.parse(env.SUPABASE_SECRET_KEYS ?? "{}") as Record<string, unknown>;
    for (const v of Object.values(keys)) if (typeof v === "string") values.push(v);
  } catch { /* not JSON */ }
  return values;
}
