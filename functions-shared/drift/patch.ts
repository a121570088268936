/**
 * @module Merges the fixes of many findings into one patch script: statements ordered by phase
 * (drops, schemas, types, tables, columns, functions, constraints, indexes, views, triggers,
 * RLS, policies, privileges, publications), identical statements emitted once, destructive ones
 * only with `allowDestructive` and labelled. Every statement is idempotent, so the patch can
 * run twice. New enum values are added before the transaction (Postgres refuses to use a value
 * in the transaction that added it); with `transaction: false` the caller must run them apart.
 */
import { type Finding, FIX_PHASES, type FixStatement } from "./findings.ts";

/** Options of {@linkcode patch}. */
export interface PatchOptions {
  /** Include fixes that lose data (DROP TABLE/COLUMN, lossy type changes). Default false. */
  readonly allowDestructive?: boolean;
  /** Wrap in BEGIN/COMMIT (default true); turn off when the caller runs it in its own transaction. */
  readonly transaction?: boolean;
}

/** What a patch holds and leaves out. */
export interface PatchPlan {
  /** Statements in run order, each with the Gap IDs it fixes. */
  readonly statements: readonly (FixStatement & { readonly gaps: readonly string[] })[];
  /** Findings left out because their fix is destructive. */
  readonly skippedDestructive: readonly Finding[];
  /** Findings with no automatic fix (or a partial one) and what to do by hand. */
  readonly manual: readonly Finding[];
}

/** Orders and deduplicates the fix statements of `findings`. */
export function planPatch(findings: readonly Finding[], options: PatchOptions = {}): PatchPlan {
  const allow = options.allowDestructive ?? false;
  const bySql = new Map<string, FixStatement & { gaps: string[] }>();
  const skippedDestructive: Finding[] = [];
  for (const f of findings) {
    if (f.destructive && !allow) {
      skippedDestructive.push(f);
      continue;
    }
    for (const s of f.fix) {
      const existing = bySql.get(s.sql);
      if (existing) {
        if (!existing.gaps.includes(f.id)) existing.gaps.push(f.id);
        // Keep the earliest phase, so what others depend on still runs first.
        if (FIX_PHASES.indexOf(s.phase) < FIX_PHASES.indexOf(existing.phase)) {
          bySql.set(s.sql, { ...existing, phase: s.phase });
        }
      } else {
        bySql.set(s.sql, { ...s, gaps: [f.id] });
      }
    }
  }
  const statements = [...bySql.values()]
    .map((s, order) => ({ s, order }))
    .sort((a, b) =>
      FIX_PHASES.indexOf(a.s.phase) - FIX_PHASES.indexOf(b.s.phase) || a.order - b.order
    )
    .map(({ s }) => s);
  return {
    statements,
    skippedDestructive,
    manual: findings.filter((f) =>
      f.manual !== null || (f.fix.length === 0 && f.coveredBy.length === 0)
    ),
  };
}

function comment(text: string): string {
  return text.split("\n").map((line) => `-- ${line}`).join("\n");
}

/** The patch as one SQL script. */
export function patch(findings: readonly Finding[], options: PatchOptions = {}): string {
  const plan = planPatch(findings, options);
  const lines: string[] = [
    comment(`Drift patch: ${findings.length} findings, ${plan.statements.length} statements.`),
  ];
  if (plan.skippedDestructive.length > 0) {
    lines.push(comment(
      "Left out, destructive (rerun with allowDestructive to include):\n" +
        plan.skippedDestructive.map((f) => `  ${f.id} ${f.check} ${f.resource}`).join("\n"),
    ));
  }
  const manual = plan.manual.filter((f) => !plan.skippedDestructive.includes(f));
  if (manual.length > 0) {
    lines.push(comment(
      "Notes for a person:\n" +
        manual.map((f) => `  ${f.id} ${f.resource}: ${f.manual ?? "no automatic fix"}`).join("\n"),
    ));
  }
  const transaction = options.transaction ?? true;
  let statements = plan.statements;
  if (transaction) {
    // A new enum value cannot be used in the transaction that adds it: commit them first.
    const enumValues = statements.filter((s) => s.phase === "enum value");
    if (enumValues.length > 0) {
      lines.push(
        "",
        comment("enum value (committed before the rest, which may use the new values)"),
        "begin;",
      );
      for (const s of enumValues) lines.push(comment(`fixes ${s.gaps.join(", ")}`), s.sql);
      lines.push("commit;");
      statements = statements.filter((s) => s.phase !== "enum value");
    }
    lines.push("", "begin;");
  }
  // Bodies of SQL functions may name objects created later in the patch.
  lines.push("select pg_catalog.set_config('check_function_bodies', 'off', true);");
  let phase: string | null = null;
  for (const s of statements) {
    if (s.phase !== phase) {
      lines.push("", comment(`${s.phase}`));
      phase = s.phase;
    }
    lines.push(
      comment(`fixes ${s.gaps.join(", ")}${s.destructive ? " — DESTRUCTIVE: loses data" : ""}`),
    );
    lines.push(s.sql);
  }
  if (transaction) lines.push("", "commit;");
  return `${lines.join("\n")}\n`;
}
