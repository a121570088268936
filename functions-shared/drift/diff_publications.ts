/**
 * @module Category E: publications — `supabase_realtime` membership (which tables stream
 * Postgres Changes), column lists and row filters, published operations, and publications the
 * contract does not have. Replica identity is compared with the table.
 */
import { type DiffContext, matchByKey } from "./diff_support.ts";
import { publicationEvidence, publicationTableEvidence } from "./evidence_sql.ts";
import { type Finding, finding, fix, type FixStatement } from "./findings.ts";
import {
  createPublicationSql,
  dropPublicationSql,
  publicationAddTableSql,
  publicationDropTableSql,
  publicationOptionsSql,
} from "./fix_sql.ts";
import { type Publication, type PublishedTable, qualifiedKey } from "./model.ts";

function optionsText(p: Publication): string {
  const ops = (["insert", "update", "delete", "truncate"] as const).filter((o) => p[o]);
  return `publish ${ops.join(", ") || "nothing"}${p.viaRoot ? ", via partition root" : ""}`;
}

function memberText(t: PublishedTable): string {
  return `${qualifiedKey(t.schema, t.name)}${t.columns ? ` (${t.columns.join(", ")})` : ""}` +
    `${t.rowFilter ? ` where ${t.rowFilter}` : ""}`;
}

export function diffPublications(ctx: DiffContext): Finding[] {
  const matched = matchByKey(ctx.expected.publications, ctx.actual.publications, (p) => p.name);
  const actualTables = new Set(ctx.actual.tables.map((t) => qualifiedKey(t.schema, t.name)));
  const expectedTables = new Set(ctx.expected.tables.map((t) => qualifiedKey(t.schema, t.name)));
  const findings: Finding[] = [];
  for (const p of matched.missing) {
    const statements: FixStatement[] = [
      ...fix("publication", createPublicationSql(p)),
      ...p.tables.filter((t) => actualTables.has(qualifiedKey(t.schema, t.name)))
        .flatMap((t) => fix("publication", publicationAddTableSql(p.name, t))),
    ];
    findings.push(finding({
      check: "publication.missing",
      category: "E",
      severity: p.name === "supabase_realtime" ? "high" : "medium",
      objectKind: "publication",
      resource: p.name,
      issue: `Publication ${p.name} is missing.`,
      expected: `${
        p.allTables ? "all tables" : p.tables.map(memberText).join(", ") || "no tables"
      }; ${optionsText(p)}`,
      actual: null,
      evidence: publicationEvidence(p.name),
      impact: p.name === "supabase_realtime"
        ? "Realtime Postgres Changes stop for every table."
        : "Subscribers of this publication receive nothing.",
      fix: statements,
      manual: p.allTables ? "FOR ALL TABLES publications need a superuser to create." : null,
    }));
  }
  if (ctx.reportUnexpected) {
    for (const p of matched.unexpected) {
      findings.push(finding({
        check: "publication.unexpected",
        category: "E",
        severity: p.allTables ? "high" : "medium",
        objectKind: "publication",
        resource: p.name,
        issue: `Publication ${p.name} is not in the contract.`,
        expected: null,
        actual: `${
          p.allTables ? "all tables" : p.tables.map(memberText).join(", ") || "no tables"
        }; ${optionsText(p)}`,
        evidence: publicationEvidence(p.name),
        impact: "Row changes of its tables can be streamed to whoever subscribes to it.",
        fix: fix("drop", dropPublicationSql(p.name)),
      }));
    }
  }
  for (const [e, a] of matched.both) {
    if (optionsText(e) !== optionsText(a)) {
      findings.push(finding({
        check: "publication.options",
        category: "E",
        severity: "medium",
        objectKind: "publication",
        resource: e.name,
        issue: `Publication ${e.name} publishes other operations.`,
        expected: optionsText(e),
        actual: optionsText(a),
        evidence: publicationEvidence(e.name),
        impact: "Realtime subscribers miss events, or receive events the contract does not send.",
        fix: fix("publication", publicationOptionsSql(e)),
      }));
    }
    if (e.allTables !== a.allTables) {
      findings.push(finding({
        check: "publication.all_tables",
        category: "E",
        severity: a.allTables ? "high" : "medium",
        objectKind: "publication",
        resource: e.name,
        issue: `Publication ${e.name} ${
          a.allTables ? "publishes every table" : "no longer publishes every table"
        }.`,
        expected: e.allTables ? "for all tables" : "listed tables",
        actual: a.allTables ? "for all tables" : "listed tables",
        evidence: publicationEvidence(e.name),
        impact: "Tables stream changes the contract does not publish, or stop streaming.",
        fix: [],
        manual:
          `Recreate the publication (drop publication ${e.name}; create publication ...) as a superuser.`,
      }));
      continue;
    }
    if (e.allTables) continue;
    const tableKey = (t: { schema: string; name: string }) => qualifiedKey(t.schema, t.name);
    const scoped = (list: readonly PublishedTable[]) => list.filter((t) => ctx.inScope(t.schema));
    const members = matchByKey(scoped(e.tables), scoped(a.tables), tableKey);
    for (const t of members.missing) {
      // A missing table's own finding re-adds it to its publications.
      if (!actualTables.has(tableKey(t))) continue;
      findings.push(finding({
        check: "publication.table_missing",
        category: "E",
        severity: "medium",
        objectKind: "publication",
        resource: `${e.name}:${tableKey(t)}`,
        issue: `Table ${tableKey(t)} is not in publication ${e.name}.`,
        expected: memberText(t),
        actual: null,
        evidence: publicationTableEvidence(e.name, t.schema, t.name),
        impact: e.name === "supabase_realtime"
          ? "Realtime clients subscribed to this table receive no changes."
          : "Subscribers no longer receive its changes.",
        fix: fix("publication", publicationAddTableSql(e.name, t)),
      }));
    }
    if (ctx.reportUnexpected) {
      for (const t of members.unexpected) {
        // Unexpected tables are judged (and neutralised) as tables.
        if (!expectedTables.has(tableKey(t))) continue;
        const table = ctx.actual.tables.find((x) => tableKey(x) === tableKey(t));
        findings.push(finding({
          check: "publication.table_unexpected",
          category: "E",
          severity: table && !table.rls ? "high" : "medium",
          objectKind: "publication",
          resource: `${e.name}:${tableKey(t)}`,
          issue: `Table ${
            tableKey(t)
          } is in publication ${e.name}, which the contract does not specify.`,
          expected: null,
          actual: memberText(t),
          evidence: publicationTableEvidence(e.name, t.schema, t.name),
          impact: e.name === "supabase_realtime"
            ? "Its row changes are broadcast to Realtime subscribers" +
              (table && !table.rls ? " with no RLS to filter them." : ".")
            : "Its row changes stream to the publication's subscribers.",
          fix: fix("publication", publicationDropTableSql(e.name, t)),
        }));
      }
    }
    for (const [et, at] of members.both) {
      if (memberText(et) === memberText(at)) continue;
      findings.push(finding({
        check: "publication.table_definition",
        category: "E",
        severity: "medium",
        objectKind: "publication",
        resource: `${e.name}:${tableKey(et)}`,
        issue: `Table ${
          tableKey(et)
        } is published by ${e.name} with another column list or row filter.`,
        expected: memberText(et),
        actual: memberText(at),
        evidence: publicationTableEvidence(e.name, et.schema, et.name),
        impact: "Subscribers receive other columns or rows than specified.",
        fix: fix("publication", publicationAddTableSql(e.name, et, true)),
      }));
    }
    if (e.schemas.join() !== a.schemas.join()) {
      findings.push(finding({
        check: "publication.schemas",
        category: "E",
        severity: "medium",
        objectKind: "publication",
        resource: e.name,
        issue: `Publication ${e.name} publishes other schemas.`,
        expected: e.schemas.join(", ") || "(none)",
        actual: a.schemas.join(", ") || "(none)",
        evidence: publicationEvidence(e.name),
        impact: "Every table of the added schemas streams its changes.",
        fix: [],
        manual:
          `Use alter publication ${e.name} add/drop tables in schema ... to match the contract.`,
      }));
    }
  }
  return findings;
}
