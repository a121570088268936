/**
 * @module The focused comparison replay reports: tables (and their RLS), columns, policies,
 * database functions and Edge Functions of the original environment and of the replay. Each
 * difference names the object and says what differs, original first. Pure.
 */
import { routineKey } from "../../functions-shared/drift/model.ts";
import type { Column, Policy, Routine, Table } from "../../functions-shared/drift/model.ts";
import type { EnvironmentSnapshot, FunctionSnapshot } from "./environment_snapshot.ts";

/** One way the replay differs from the original. */
export interface Difference {
  /** `table`, `column`, `policy`, `function`, `edge function`. */
  kind: string;
  /** The object, e.g. `public.bids.amount`. */
  object: string;
  /** `missing` (in the replay), `extra` (only in the replay) or what changed. */
  change: string;
}

/** `column public.bids.amount: type is numeric in the original, integer in the replay`. */
export function describeDifference(d: Difference): string {
  return `${d.kind} ${d.object}: ${d.change}`;
}

function byKey<T>(items: readonly T[], key: (t: T) => string): Map<string, T> {
  return new Map(items.map((t) => [key(t), t]));
}

function show(value: unknown): string {
  return value === null || value === undefined ? "none" : JSON.stringify(value);
}

/** Compares two keyed lists: missing, extra, and `compareOne` for the common ones. */
function compareLists<T>(
  kind: string,
  original: readonly T[],
  replay: readonly T[],
  key: (t: T) => string,
  compareOne: (name: string, a: T, b: T) => Difference[],
): Difference[] {
  const a = byKey(original, key);
  const b = byKey(replay, key);
  const out: Difference[] = [];
  for (const [name, item] of a) {
    const other = b.get(name);
    if (!other) out.push({ kind, object: name, change: "missing in the replay" });
    else out.push(...compareOne(name, item, other));
  }
  for (const name of b.keys()) {
    if (!a.has(name)) out.push({ kind, object: name, change: "only in the replay" });
  }
  return out;
}

/** Fields that differ, as `field is A in the original, B in the replay`. */
function fields<T extends object>(
  kind: string,
  object: string,
  a: T,
  b: T,
  names: readonly (keyof T & string)[],
): Difference[] {
  return names
    .filter((f) => JSON.stringify(a[f]) !== JSON.stringify(b[f]))
    .map((f) => ({
      kind,
      object,
      change: `${f} is ${show(a[f])} in the original, ${show(b[f])} in the replay`,
    }));
}

const COLUMN_FIELDS = ["type", "notNull", "default", "identity", "generated"] as const;
const POLICY_FIELDS = ["command", "permissive", "roles", "using", "withCheck"] as const;
const ROUTINE_FIELDS = [
  "kind",
  "returns",
  "language",
  "securityDefiner",
  "volatility",
  "config",
  "bodyHash",
] as const;

function compareTables(name: string, a: Table, b: Table): Difference[] {
  return [
    ...fields("table", name, a, b, ["rls", "forceRls"]),
    ...compareLists<Column>(
      "column",
      a.columns,
      b.columns,
      (c) => `${name}.${c.name}`,
      (n, x, y) => fields("column", n, x, y, COLUMN_FIELDS),
    ),
    ...compareLists<Policy>(
      "policy",
      a.policies,
      b.policies,
      (p) => `${name}.${p.name}`,
      (n, x, y) => fields("policy", n, x, y, POLICY_FIELDS),
    ),
  ];
}

/** Everything that differs between the original and the replay. */
export function compareEnvironments(
  original: EnvironmentSnapshot,
  replay: EnvironmentSnapshot,
): Difference[] {
  return [
    ...compareLists<Table>(
      "table",
      original.model.tables,
      replay.model.tables,
      (t) => `${t.schema}.${t.name}`,
      compareTables,
    ),
    ...compareLists<Routine>(
      "function",
      original.model.routines,
      replay.model.routines,
      routineKey,
      (n, x, y) => fields("function", n, x, y, ROUTINE_FIELDS),
    ),
    ...compareLists<FunctionSnapshot>(
      "edge function",
      original.functions,
      replay.functions,
      (f) => f.slug,
      (n, x, y) => [
        ...fields("edge function", n, x, y, ["verifyJwt", "entrypoint"]),
        ...compareLists(
          "edge function file",
          x.files,
          y.files,
          (f) => `${n}/${f.name}`,
          (fname, fa, fb) =>
            fa.sha256 === fb.sha256
              ? []
              : [{ kind: "edge function file", object: fname, change: "its content differs" }],
        ),
      ],
    ),
  ];
}
