/**
 * @module The secret sweep: looks for secrets in every event, tool call, output, alert and log.
 * Known secret values (the stack's JWT secret and service key, every environment's JWT secret
 * and service key) are matched literally; secrets whose values the sweep cannot know (report
 * tokens, access tokens, OpenAI keys, passwords in connection strings, JWTs of any role but anon)
 * by their shape.
 */

export interface KnownSecret {
  /** What it is, for the report (never the value). */
  name: string;
  value: string;
}

export interface SecretHit {
  source: string;
  /** Where in the source (row id, file and line). */
  where: string;
  secret: string;
}

/** Shapes of secrets, whatever their value. */
const SHAPES: { name: string; pattern: RegExp }[] = [
  { name: "report token", pattern: /\bvrt_[A-Za-z0-9_-]{16,}/g },
  { name: "Supabase access token", pattern: /\bsbp_[A-Za-z0-9]{20,}/g },
  { name: "Supabase secret key", pattern: /\bsb_secret_[A-Za-z0-9_-]{10,}/g },
  { name: "OpenAI key", pattern: /\bsk-(proj-)?[A-Za-z0-9_-]{20,}/g },
  {
    name: "password in a connection string",
    pattern: /\bpostgres(?:ql)?:\/\/[^:/\s"'@]+:(?!\[redacted\])[^@\s"'/]+@/g,
  },
  { name: "PGPASSWORD", pattern: /\bPGPASSWORD=(?!\[redacted\])\S+/g },
];

const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.(eyJ[A-Za-z0-9_-]{5,})\.[A-Za-z0-9_-]{10,}/g;

function jwtRole(payload: string): string | undefined {
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const role = JSON.parse(json).role;
    return typeof role === "string" ? role : undefined;
  } catch {
    return undefined;
  }
}

/** The secrets in one text: known values, secret shapes, and JWTs of any role but anon. */
export function secretsIn(text: string, known: readonly KnownSecret[]): string[] {
  const found: string[] = [];
  for (const k of known) {
    if (k.value.length >= 8 && text.includes(k.value)) found.push(k.name);
  }
  for (const shape of SHAPES) {
    if (text.match(shape.pattern)) found.push(shape.name);
  }
  for (const m of text.matchAll(JWT)) {
    const role = jwtRole(m[1]!);
    if (role !== "anon") found.push(`JWT (role ${role ?? "unknown"})`);
  }
  return found;
}

/** Accumulates hits over many sources and counts what was scanned. */
export class SecretSweep {
  readonly hits: SecretHit[] = [];
  readonly scanned: Record<string, number> = {};
  readonly #known: readonly KnownSecret[];

  constructor(known: readonly KnownSecret[]) {
    this.#known = known;
  }

  scan(source: string, where: string, text: string): void {
    this.scanned[source] = (this.scanned[source] ?? 0) + 1;
    for (const secret of secretsIn(text, this.#known)) this.hits.push({ source, where, secret });
  }

  /** Scans a log file line by line, so a hit names its line. */
  scanLines(source: string, file: string, text: string): void {
    const lines = text.split("\n");
    this.scanned[source] = (this.scanned[source] ?? 0) + lines.length;
    lines.forEach((line, i) => {
      for (const secret of secretsIn(line, this.#known)) {
        this.hits.push({ source, where: `${file}:${i + 1}`, secret });
      }
    });
  }
}
