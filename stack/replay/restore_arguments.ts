/**
 * @module Recovers arguments that were redacted when recorded. Redaction replaces secrets (and,
 * rarely, text that only looks like one) with `[redacted]`; a migration's SQL or a function's
 * files are still in the original environment, so the original text is taken from there when
 * it is exactly the recorded text with each `[redacted]` standing for some non-empty text.
 * Function files are recorded by hash and size only: their contents come from the original
 * environment's deployed files (MCP `get_edge_function`) when a file's SHA-256 matches.
 * Anything else cannot be recovered, and the call is reported as not replayable.
 */
import { sha256Hex } from "../../functions-shared/auth/digest.ts";
import { REDACTED } from "../../functions-shared/redact.ts";

/** Where the original texts are read (the original environment, through MCP). */
export interface OriginalSource {
  /** The texts a migration with this name was recorded with, in the original environment. */
  migrationTexts(ref: string, name: string): Promise<string[]>;
  /** The deployed files of a function in the original environment (undefined if gone). */
  functionFiles(
    ref: string,
    slug: string,
  ): Promise<{ name: string; content: string }[] | undefined>;
}

/** True when `candidate` is `recorded` with each `[redacted]` replaced by non-empty text. */
export function matchesRedacted(recorded: string, candidate: string): boolean {
  const parts = recorded.split(REDACTED);
  if (parts.length === 1) return recorded === candidate;
  const first = parts[0]!;
  const last = parts.at(-1)!;
  if (!candidate.startsWith(first) || !candidate.endsWith(last)) return false;
  let at = first.length;
  const end = candidate.length - last.length;
  for (const part of parts.slice(1, -1)) {
    const found = candidate.indexOf(part, at + 1); // at least one character of secret first
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return end > at; // the last secret is not empty either
}

/** The result of recovering a call's arguments. */
export type Restored =
  | { ok: true; arguments: Record<string, unknown> }
  | { ok: false; reason: string };

function notRecoverable(path: string, why: string): Restored {
  return { ok: false, reason: `its argument ${path} was redacted when it was recorded and ${why}` };
}

/** Replaces the redacted values at `paths` with the original environment's texts. */
export async function restoreArguments(
  tool: string,
  args: Record<string, unknown>,
  paths: readonly string[],
  source: OriginalSource,
): Promise<Restored> {
  if (!paths.length) return { ok: true, arguments: args };
  const ref = String(args.project_id ?? "");
  const out = structuredClone(args);
  if (tool === "apply_migration") {
    const other = paths.find((p) => p !== "query");
    if (other) return notRecoverable(other, "only a migration's query can be recovered");
    const name = String(args.name ?? "");
    const texts = await source.migrationTexts(ref, name);
    const found = texts.find((t) => matchesRedacted(String(args.query), t));
    if (found === undefined) {
      return notRecoverable(
        "query",
        `the original environment ${ref} has no migration ${name} that matches it`,
      );
    }
    out.query = found;
    return { ok: true, arguments: out };
  }
  if (tool === "deploy_edge_function") {
    const slug = String(args.name ?? "");
    const files = out.files as { name: string; content?: string; sha256?: string; size?: number }[];
    const original = await source.functionFiles(ref, slug);
    const hashed = await Promise.all(
      (original ?? []).map(async (f) => ({ ...f, sha256: await sha256Hex(f.content) })),
    );
    const bare = (name: string) => name.replace(/^\.\//, "");
    for (const path of paths) {
      const m = /^files\.(\d+)\.content$/.exec(path);
      if (!m) return notRecoverable(path, "only a function file's content can be recovered");
      const file = files[Number(m[1])]!;
      const match = hashed.find((f) =>
        bare(f.name) === bare(file.name) &&
        (typeof file.content === "string"
          ? matchesRedacted(file.content, f.content)
          : f.sha256 === file.sha256)
      );
      if (!match) {
        return notRecoverable(
          path,
          `function ${slug} in the original environment ${ref} no longer has a file that matches it`,
        );
      }
      files[Number(m[1])] = { name: file.name, content: match.content };
    }
    return { ok: true, arguments: out };
  }
  return notRecoverable(paths[0]!, `${tool} cannot be recovered from the original environment`);
}
