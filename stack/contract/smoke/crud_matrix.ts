/**
 * @module The smoke test's CRUD matrix: what each actor (anon, two signed-in users, the service
 * role) could do to each table — every row, only its own rows, no row, or nothing at all —
 * which of those cells break an invariant (anon reading or changing user data, a user reading or
 * changing another user's rows, anon executing a SECURITY DEFINER function), and whether the
 * contract grants that (reported as contracted) or not (flagged). Rendered as Markdown or JSON.
 */
import type { Operation } from "./access_rules.ts";

/** Who acts: anon, two synthetic signed-in users, the service role. */
export type Actor = "anon" | "user_a" | "user_b" | "service_role";

export const ACTORS: readonly Actor[] = ["anon", "user_a", "user_b", "service_role"];
export const OPERATIONS: readonly Operation[] = ["C", "R", "U", "D"];

/** The database role an actor runs as. */
export function actorRole(actor: Actor): "anon" | "authenticated" | "service_role" {
  return actor === "anon" ? "anon" : actor === "service_role" ? "service_role" : "authenticated";
}

/**
 * What an actor could do: `all` rows (others' included), only its `own` rows, `none` (allowed
 * but no row visible or affected), `denied` (permission error or row-level security refusal),
 * `error` (another failure), `skipped` (no seeded row to try on).
 */
export type Access = "all" | "own" | "none" | "denied" | "error" | "skipped";

/** One cell of the matrix. */
export interface Cell {
  readonly access: Access;
  /** The error, for `denied` and `error`. */
  readonly detail?: string;
  /** The invariant this access breaks, if any. */
  readonly violation?: string;
  /** A violation the contract's rules do not grant. */
  readonly flagged: boolean;
}

/** One table's row of the matrix. */
export interface TableMatrix {
  readonly table: string;
  readonly owner: string | null;
  readonly ownerSource: "foreign key" | "policy" | null;
  /** Why no row could be seeded, if so (R/U/D then are `skipped`). */
  readonly seedError?: string;
  readonly cells: Readonly<Record<Actor, Readonly<Record<Operation, Cell>>>>;
}

/** Whether an actor could execute an exposed function. */
export interface FunctionCell {
  readonly access: "executable" | "denied";
  readonly detail?: string;
  readonly violation?: string;
  readonly flagged: boolean;
}

/** One function's row. */
export interface FunctionMatrix {
  readonly function: string;
  readonly securityDefiner: boolean;
  readonly cells: Readonly<Record<Actor, FunctionCell>>;
}

/** A flagged cell, spelled out. */
export interface SmokeFlag {
  readonly object: string;
  readonly actor: Actor;
  readonly operation: Operation | "EXECUTE";
  readonly access: string;
  readonly violation: string;
  readonly reason: string;
}

/** The whole smoke test. */
export interface SmokeReport {
  readonly database: string;
  /** Whether a contract was given (without one, every violation is flagged). */
  readonly contract: boolean;
  readonly tables: readonly TableMatrix[];
  readonly functions: readonly FunctionMatrix[];
  readonly flags: readonly SmokeFlag[];
  readonly statements: number;
  readonly durationMs: number;
}

/** Row counts an operation saw or changed, split by owner. */
export interface Counts {
  readonly own: number;
  readonly others: number;
}

/** Access from the rows an actor saw or changed (a table without owner counts all as others). */
export function accessFromCounts(c: Counts): Access {
  if (c.others > 0) return "all";
  if (c.own > 0) return "own";
  return "none";
}

/** Postgres errors that mean "not allowed": insufficient privilege (RLS refusals included). */
export function isDenial(code: string | undefined): boolean {
  return code === "42501";
}

/** The invariant an access breaks, if any. */
export function violationOf(
  actor: Actor,
  op: Operation,
  access: Access,
  hasOwner: boolean,
): string | undefined {
  if (actor === "service_role" || !hasOwner) return undefined;
  if (actor === "anon") {
    if (op === "R" && access === "all") return "anon reads user data";
    if (op !== "R" && (access === "all" || access === "own")) return "anon changes user data";
    return undefined;
  }
  if (access !== "all") return undefined;
  if (op === "R") return "a user reads another user's rows";
  if (op === "C") return "a user creates rows owned by another user";
  return "a user changes another user's rows";
}

const MARK: Readonly<Record<Access, string>> = {
  all: "all",
  own: "own",
  none: "none",
  denied: "denied",
  error: "error",
  skipped: "—",
};

function cellText(c: { access: string; violation?: string; flagged: boolean }): string {
  const text = c.access in MARK ? MARK[c.access as Access] : c.access;
  if (c.flagged) return `**⚠ ${text}**`;
  if (c.violation) return `${text} (contract)`;
  return text;
}

/** The report as Markdown: the CRUD matrix, the functions, and the flags with their reasons. */
export function renderSmokeMarkdown(r: SmokeReport): string {
  const out = [
    "# Behavioural smoke test",
    "",
    r.flags.length === 0
      ? "**No flagged cell.** Nothing contradicts the contract."
      : `**${r.flags.length} flagged cell${r.flags.length === 1 ? "" : "s"}** contradict${
        r.flags.length === 1 ? "s" : ""
      } the contract.`,
    "",
    `Database: \`${r.database}\`. Contract: ${
      r.contract ? "given" : "none (every violation is flagged)"
    }. ` +
    `Statements: ${r.statements}, in one rolled-back transaction (${r.durationMs} ms).`,
    "",
    "Legend: `all` every row (others' included) · `own` only the actor's rows · `none` allowed, " +
    "no row · `denied` refused · `—` not tried (no seeded row) · `(contract)` breaks an " +
    "invariant but the contract grants it · **⚠** flagged.",
    "",
    "| Table | Owner column | Role | C | R | U | D |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const t of r.tables) {
    for (const actor of ACTORS) {
      const cells = t.cells[actor];
      out.push(
        `| \`${t.table}\` | ${t.owner ? `\`${t.owner}\`` : "—"} | ${actor} | ${
          OPERATIONS.map((op) => cellText(cells[op])).join(" | ")
        } |`,
      );
    }
  }
  const seedErrors = r.tables.filter((t) => t.seedError);
  if (seedErrors.length > 0) {
    out.push("", "Tables without seeded rows:");
    for (const t of seedErrors) out.push(`- \`${t.table}\`: ${t.seedError}`);
  }
  if (r.functions.length > 0) {
    out.push("", "| Function | Security definer | anon | user_a | user_b | service_role |");
    out.push("|---|---|---|---|---|---|");
    for (const f of r.functions) {
      out.push(
        `| \`${f.function}\` | ${f.securityDefiner ? "yes" : "no"} | ${
          ACTORS.map((a) => cellText(f.cells[a])).join(" | ")
        } |`,
      );
    }
  }
  if (r.flags.length > 0) {
    out.push("", "## Flagged", "");
    for (const f of r.flags) {
      out.push(
        `- \`${f.object}\` × ${f.actor} × ${f.operation} = ${f.access}: ${f.violation}. ${f.reason}`,
      );
    }
  }
  return `${out.join("\n")}\n`;
}
