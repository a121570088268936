/**
 * @module Renders a verification as Markdown (the evidence template: Gap ID, Category, Severity,
 * Object, Issue, Evidence query, Expected, Actual, Impact, Fix) or as JSON.
 */
import { CATEGORY_NAMES, type Finding, fixSql, SEVERITIES } from "./findings.ts";
import type { Verification } from "./verify.ts";

/** Options of {@linkcode renderMarkdown}. */
export interface MarkdownOptions {
  /** Heading of the report. */
  readonly title?: string;
  /** Lines added under the summary, e.g. `Catalog queries: 14`. */
  readonly notes?: readonly string[];
}

function fenced(language: string, text: string): string {
  const fence = text.includes("```") ? "~~~~" : "```";
  return `${fence}${language}\n${text.trimEnd()}\n${fence}`;
}

function inline(text: string | null): string {
  if (text === null) return "(absent)";
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.includes("`") ? oneLine : `\`${oneLine}\``;
}

function findingMarkdown(f: Finding): string {
  const fixText = f.fix.length > 0
    ? fenced("sql", fixSql(f))
    : f.coveredBy.length > 0
    ? `_Covered by the fix of ${f.coveredBy.join(", ")}._`
    : "_No automatic fix._";
  const lines = [
    `### ${f.id} — ${f.severity} — ${f.issue}`,
    "",
    `- **Gap ID:** ${f.id} (fingerprint \`${f.fingerprint}\`)`,
    `- **Category:** ${f.category} — ${CATEGORY_NAMES[f.category]}`,
    `- **Severity:** ${f.severity}`,
    `- **Object:** ${f.objectKind} \`${f.resource}\``,
    `- **Issue:** ${f.issue}`,
    `- **Evidence query:**`,
    "",
    fenced("sql", f.evidence),
    "",
    `- **Expected:** ${inline(f.expected)}`,
    `- **Actual:** ${inline(f.actual)}`,
    `- **Impact:** ${f.impact}`,
    ...(f.lints.length > 0
      ? [`- **Advisor lints:** ${f.lints.map((l) => `\`${l}\``).join(", ")} (same root cause)`]
      : []),
    `- **Fix:**${f.destructive ? " ⚠️ destructive — only applied with the allow flag" : ""}`,
    "",
    fixText,
  ];
  if (f.manual) lines.push("", `> ${f.manual}`);
  return lines.join("\n");
}

/** The verification as a Markdown report. */
export function renderMarkdown(v: Verification, options: MarkdownOptions = {}): string {
  const s = v.summary;
  const out: string[] = [`# ${options.title ?? "Contract verification"}`, ""];
  out.push(
    s.drift === 0
      ? "**No drift.** The database matches its contract."
      : `**${s.drift} finding${s.drift === 1 ? "" : "s"} of drift** — ` +
        SEVERITIES.filter((sev) => s.bySeverity[sev] > 0).map((sev) =>
          `${s.bySeverity[sev]} ${sev}`
        ).join(", ") +
        (s.destructive > 0 ? `; ${s.destructive} need the destructive allow flag` : "") + ".",
    "",
    `Inherited from the contract: ${s.inherited}. Acknowledged: ${s.acknowledged}.` +
      (s.baseline > 0 ? ` Platform baseline (informational): ${s.baseline}.` : ""),
  );
  for (const note of options.notes ?? []) out.push(`${note}  `);
  if (v.findings.length > 0) {
    out.push("", "| Gap ID | Category | Severity | Object | Issue |", "|---|---|---|---|---|");
    for (const f of v.findings) {
      out.push(
        `| ${f.id} | ${f.category} | ${f.severity} | \`${f.resource}\` | ${
          f.issue.replaceAll("|", "\\|")
        } |`,
      );
    }
    out.push("", "## Findings", "");
    out.push(v.findings.map(findingMarkdown).join("\n\n"));
  }
  if (v.inherited.length > 0) {
    out.push("", "## Inherited from the contract (not drift)", "");
    for (const l of v.inherited) out.push(`- \`${l.name}\` (${l.level}): ${l.detail}`);
  }
  if (v.baseline.length > 0) {
    out.push(
      "",
      "## Platform baseline (informational, not drift)",
      "",
      "The scratch database had these before any migration ran and the migrations did not " +
        "change them: this database's platform differs there. They do not fail verification " +
        "and are not in the patch.",
      "",
    );
    for (const f of v.baseline) {
      out.push(
        `- ${f.objectKind} \`${f.resource}\`: ${f.issue} Expected ${inline(f.expected)}, ` +
          `actual ${inline(f.actual)}.`,
      );
    }
  }
  if (v.acknowledged.length > 0) {
    out.push("", "## Acknowledged (neutralised, not drift)", "");
    for (const a of v.acknowledged) out.push(`- ${a.objectKind} \`${a.resource}\`: ${a.reason}`);
  }
  return `${out.join("\n")}\n`;
}

/** The verification as JSON, each finding with its fix as one SQL text (`fixSql`). */
export function renderJson(v: Verification): string {
  return JSON.stringify(
    { ...v, findings: v.findings.map((f) => ({ ...f, fixSql: fixSql(f) })) },
    null,
    2,
  );
}
