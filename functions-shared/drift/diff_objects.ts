/**
 * @module The remaining object kinds: schemas, extensions, enums, sequences, views and
 * materialized views, default privileges and Storage buckets.
 */
import { diffGrants } from "./diff_privileges.ts";
import { diffIndexes, diffTriggers } from "./diff_tables.ts";
import {
  anonHolds,
  apiGrantees,
  describeGrants,
  type DiffContext,
  isApiGrantee,
  matchByKey,
  restoreGrants,
} from "./diff_support.ts";
import {
  bucketEvidence,
  defaultPrivilegesEvidence,
  enumEvidence,
  extensionEvidence,
  schemaEvidence,
  sequenceEvidence,
  viewEvidence,
} from "./evidence_sql.ts";
import { type Finding, finding, fix, type FixStatement } from "./findings.ts";
import {
  addEnumValueSql,
  alterExtensionSchemaSql,
  alterSequenceSql,
  createEnumSql,
  createExtensionSql,
  createSchemaSql,
  createSequenceSql,
  createTriggerSql,
  createViewSql,
  dropExtensionSql,
  dropTypeSql,
  dropViewSql,
  ensureIndexSql,
  grantDefaultSql,
  ownerSql,
  privateBucketSql,
  revokeAllSql,
  revokeDefaultSql,
  sequenceOwnedBySql,
  updateExtensionSql,
  upsertBucketSql,
  viewSecuritySql,
} from "./fix_sql.ts";
import {
  type Bucket,
  type DefaultPrivilege,
  type Grant,
  qualifiedKey,
  type Sequence,
  type View,
} from "./model.ts";
import { PLATFORM_EXTENSIONS } from "./platform.ts";

const key = (o: { schema: string; name: string }) => qualifiedKey(o.schema, o.name);

export function diffSchemas(ctx: DiffContext): Finding[] {
  const inScope = (s: { name: string }) => ctx.inScope(s.name);
  const matched = matchByKey(
    ctx.expected.schemas.filter(inScope),
    ctx.actual.schemas.filter(inScope),
    (s) => s.name,
  );
  const findings: Finding[] = [];
  for (const s of matched.missing) {
    findings.push(finding({
      check: "schema.missing",
      category: "A",
      severity: "high",
      objectKind: "schema",
      resource: s.name,
      issue: `Schema ${s.name} is missing.`,
      expected: `owned by ${s.owner}; ${describeGrants(s.grants)}`,
      actual: null,
      evidence: schemaEvidence(s.name),
      impact: "Every object the contract places in it is missing too.",
      fix: [
        ...fix("schema", createSchemaSql(s.name)),
        ...restoreGrants(ctx, { kind: "schema", name: s.name }, s.grants, null, null),
      ],
    }));
  }
  if (ctx.reportUnexpected) {
    for (const s of matched.unexpected) {
      const users = apiGrantees(s.grants);
      if (users.length === 0) {
        ctx.acknowledge({
          objectKind: "schema",
          resource: s.name,
          reason: "not in the contract; no USAGE or CREATE for anon, authenticated or PUBLIC",
        });
        continue;
      }
      findings.push(finding({
        check: "schema.unexpected",
        category: "F",
        severity: s.grants.some((g) => isApiGrantee(g.grantee) && g.privilege === "CREATE")
          ? "high"
          : "medium",
        objectKind: "schema",
        resource: s.name,
        issue: `Schema ${s.name} is not in the contract and ${users.join(", ")} can use it.`,
        expected: null,
        actual: describeGrants(s.grants),
        evidence: schemaEvidence(s.name),
        impact: "Objects in it are reachable by the API roles wherever their own privileges allow.",
        fix: fix(
          "privilege",
          revokeAllSql({ kind: "schema", name: s.name }, ["PUBLIC", "anon", "authenticated"]),
        ),
      }));
    }
  }
  for (const [e, a] of matched.both) {
    if (ctx.compareOwners && e.owner !== a.owner) {
      findings.push(finding({
        check: "schema.owner",
        category: "B",
        severity: "low",
        objectKind: "schema",
        resource: e.name,
        issue: `Schema ${e.name} is owned by ${a.owner}.`,
        expected: e.owner,
        actual: a.owner,
        evidence: schemaEvidence(e.name),
        impact: "Another role can create, change or drop objects in it.",
        fix: fix("schema", ownerSql("schema", null, e.name, e.owner)),
      }));
    }
    findings.push(...diffGrants(
      ctx,
      {
        target: { kind: "schema", name: e.name },
        objectKind: "schema",
        resource: e.name,
        // USAGE only lets a role name the schema's objects; CREATE lets it add its own.
        unexpectedSeverity: (g: Grant) =>
          g.privilege === "CREATE" ? (isApiGrantee(g.grantee) ? "critical" : "high") : "medium",
      },
      e.grants,
      a.grants,
    ));
  }
  return findings;
}

export function diffExtensions(ctx: DiffContext): Finding[] {
  const matched = matchByKey(ctx.expected.extensions, ctx.actual.extensions, (e) => e.name);
  const findings: Finding[] = [];
  for (const x of matched.missing) {
    findings.push(finding({
      check: "extension.missing",
      category: "A",
      severity: "high",
      objectKind: "extension",
      resource: x.name,
      issue: `Extension ${x.name} is not installed.`,
      expected: `${x.name} ${x.version} in ${x.schema}`,
      actual: null,
      evidence: extensionEvidence(x.name),
      impact: "Types, functions and operators it provides are missing.",
      fix: fix("extension", createExtensionSql(x)),
    }));
  }
  if (ctx.reportUnexpected) {
    for (const x of matched.unexpected) {
      if (PLATFORM_EXTENSIONS.includes(x.name)) continue;
      findings.push(finding({
        check: "extension.unexpected",
        category: "F",
        severity: x.schema === "public" ? "medium" : "low",
        objectKind: "extension",
        resource: x.name,
        issue: `Extension ${x.name} is installed but not in the contract.`,
        expected: null,
        actual: `${x.name} ${x.version} in ${x.schema}`,
        evidence: extensionEvidence(x.name),
        impact: x.schema === "public"
          ? "Its functions sit in the exposed public schema."
          : "It adds functions and types the contract does not expect.",
        fix: fix("drop", dropExtensionSql(x.name), true),
      }));
    }
  }
  for (const [e, a] of matched.both) {
    if (e.schema !== a.schema) {
      findings.push(finding({
        check: "extension.schema",
        category: "B",
        severity: a.schema === "public" ? "medium" : "low",
        objectKind: "extension",
        resource: e.name,
        issue: `Extension ${e.name} is installed in schema ${a.schema}.`,
        expected: e.schema,
        actual: a.schema,
        evidence: extensionEvidence(e.name),
        impact:
          "Qualified references to its objects fail; in public they are exposed through the API.",
        fix: fix("extension", alterExtensionSchemaSql(e)),
      }));
    }
    if (ctx.compareExtensionVersions && e.version !== a.version) {
      findings.push(finding({
        check: "extension.version",
        category: "B",
        severity: "low",
        objectKind: "extension",
        resource: e.name,
        issue: `Extension ${e.name} is at version ${a.version}.`,
        expected: e.version,
        actual: a.version,
        evidence: extensionEvidence(e.name),
        impact: "Its functions may behave differently from the contract's version.",
        fix: fix("extension", updateExtensionSql(e)),
      }));
    }
  }
  return findings;
}

export function diffEnums(ctx: DiffContext): Finding[] {
  const inScope = (e: { schema: string }) => ctx.inScope(e.schema);
  const matched = matchByKey(
    ctx.expected.enums.filter(inScope),
    ctx.actual.enums.filter(inScope),
    key,
  );
  const findings: Finding[] = [];
  for (const e of matched.missing) {
    findings.push(finding({
      check: "enum.missing",
      category: "A",
      severity: "high",
      objectKind: "enum",
      resource: key(e),
      issue: `Enum type ${key(e)} is missing.`,
      expected: e.values.join(", "),
      actual: null,
      evidence: enumEvidence(e.schema, e.name),
      impact: "Columns and functions of this type cannot be created or used.",
      fix: fix("type", createEnumSql(e)),
    }));
  }
  if (ctx.reportUnexpected) {
    for (const e of matched.unexpected) {
      findings.push(finding({
        check: "enum.unexpected",
        category: "F",
        severity: "low",
        objectKind: "enum",
        resource: key(e),
        issue: `Enum type ${key(e)} is not in the contract.`,
        expected: null,
        actual: e.values.join(", "),
        evidence: enumEvidence(e.schema, e.name),
        impact: "Harmless by itself; columns using it store values the contract does not know.",
        fix: fix("drop", dropTypeSql(e.schema, e.name), true),
      }));
    }
  }
  for (const [e, a] of matched.both) {
    const resource = key(e);
    const missing = e.values.filter((v) => !a.values.includes(v));
    const extra = a.values.filter((v) => !e.values.includes(v));
    if (missing.length > 0) {
      const statements: FixStatement[] = missing.map((v) => {
        const i = e.values.indexOf(v);
        return {
          phase: "enum value",
          sql: addEnumValueSql(
            e,
            v,
            i > 0 ? e.values[i - 1] ?? null : null,
            i === 0 ? e.values[1] ?? null : null,
          ),
          destructive: false,
        };
      });
      findings.push(finding({
        check: "enum.values_missing",
        category: "A",
        severity: "medium",
        objectKind: "enum",
        resource,
        issue: `Enum ${resource} lacks ${missing.map((v) => `'${v}'`).join(", ")}.`,
        expected: e.values.join(", "),
        actual: a.values.join(", "),
        evidence: enumEvidence(e.schema, e.name),
        impact: "Writes using these values fail.",
        fix: statements,
      }));
    }
    if (ctx.reportUnexpected && extra.length > 0) {
      findings.push(finding({
        check: "enum.values_unexpected",
        category: "F",
        severity: "low",
        objectKind: "enum",
        resource,
        issue: `Enum ${resource} has values the contract does not: ${
          extra.map((v) => `'${v}'`).join(", ")
        }.`,
        expected: e.values.join(", "),
        actual: a.values.join(", "),
        evidence: enumEvidence(e.schema, e.name),
        impact: "Rows can hold states the application does not handle.",
        fix: [],
        manual:
          "Postgres cannot drop an enum value: recreate the type without it and migrate the columns.",
      }));
    }
    const common = (values: readonly string[], other: readonly string[]) =>
      values.filter((v) => other.includes(v));
    if (
      missing.length === 0 &&
      common(e.values, a.values).join("\u0000") !== common(a.values, e.values).join("\u0000")
    ) {
      findings.push(finding({
        check: "enum.order",
        category: "B",
        severity: "low",
        objectKind: "enum",
        resource,
        issue: `Enum ${resource} orders its values differently.`,
        expected: e.values.join(", "),
        actual: a.values.join(", "),
        evidence: enumEvidence(e.schema, e.name),
        impact: "Comparisons and ORDER BY on this type give another order.",
        fix: [],
        manual: "Recreate the type with the contract's order and migrate the columns.",
      }));
    }
  }
  return findings;
}

function sequenceText(s: Sequence): string {
  return `${s.dataType} start ${s.start} increment ${s.increment} min ${s.min} max ${s.max} cache ${s.cache}` +
    `${s.cycle ? " cycle" : ""}`;
}

function ownedByText(s: Sequence): string {
  return s.ownedBy ? `${s.ownedBy.schema}.${s.ownedBy.table}.${s.ownedBy.column}` : "(none)";
}

export function diffSequences(ctx: DiffContext): Finding[] {
  const inScope = (s: { schema: string }) => ctx.inScope(s.schema);
  const matched = matchByKey(
    ctx.expected.sequences.filter(inScope),
    ctx.actual.sequences.filter(inScope),
    key,
  );
  const findings: Finding[] = [];
  const seqTarget = (s: Sequence) => ({
    kind: "sequence" as const,
    schema: s.schema,
    name: s.name,
  });
  for (const s of matched.missing) {
    findings.push(finding({
      check: "sequence.missing",
      category: "A",
      severity: "high",
      objectKind: "sequence",
      resource: key(s),
      issue: `Sequence ${key(s)} is missing.`,
      expected: sequenceText(s),
      actual: null,
      evidence: sequenceEvidence(s.schema, s.name),
      impact: "Inserts relying on its nextval() default fail.",
      fix: [
        ...fix("sequence", createSequenceSql(s)),
        ...(ctx.compareOwners
          ? fix("sequence", ownerSql("sequence", s.schema, s.name, s.owner))
          : []),
        ...(s.ownedBy ? fix("sequence owner", sequenceOwnedBySql(s)) : []),
        ...restoreGrants(ctx, seqTarget(s), s.grants, s.schema, "sequences"),
      ],
    }));
  }
  if (ctx.reportUnexpected) {
    for (const s of matched.unexpected) {
      const users = apiGrantees(s.grants);
      if (users.length === 0) {
        ctx.acknowledge({
          objectKind: "sequence",
          resource: key(s),
          reason: "not in the contract; no privileges for anon, authenticated or PUBLIC",
        });
        continue;
      }
      findings.push(finding({
        check: "sequence.unexpected",
        category: "F",
        severity: "medium",
        objectKind: "sequence",
        resource: key(s),
        issue: `Sequence ${key(s)} is not in the contract and ${users.join(", ")} can use it.`,
        expected: null,
        actual: describeGrants(s.grants),
        evidence: sequenceEvidence(s.schema, s.name),
        impact: "API roles can advance or read it.",
        fix: fix("privilege", revokeAllSql(seqTarget(s), ["PUBLIC", "anon", "authenticated"])),
      }));
    }
  }
  for (const [e, a] of matched.both) {
    const resource = key(e);
    if (sequenceText(e) !== sequenceText(a)) {
      findings.push(finding({
        check: "sequence.definition",
        category: "B",
        severity: "low",
        objectKind: "sequence",
        resource,
        issue: `Sequence ${resource} has other parameters.`,
        expected: sequenceText(e),
        actual: sequenceText(a),
        evidence: sequenceEvidence(e.schema, e.name),
        impact: "Generated numbers follow another range or step; it may run out or cycle.",
        fix: fix("sequence", alterSequenceSql(e)),
      }));
    }
    if (ownedByText(e) !== ownedByText(a)) {
      findings.push(finding({
        check: "sequence.owned_by",
        category: "B",
        severity: "low",
        objectKind: "sequence",
        resource,
        issue: `Sequence ${resource} belongs to another column.`,
        expected: ownedByText(e),
        actual: ownedByText(a),
        evidence: sequenceEvidence(e.schema, e.name),
        impact: "Dropping the column no longer drops the sequence, or drops it unexpectedly.",
        fix: fix("sequence owner", sequenceOwnedBySql(e)),
      }));
    }
    if (ctx.compareOwners && e.owner !== a.owner) {
      findings.push(finding({
        check: "sequence.owner",
        category: "B",
        severity: "low",
        objectKind: "sequence",
        resource,
        issue: `Sequence ${resource} is owned by ${a.owner}.`,
        expected: e.owner,
        actual: a.owner,
        evidence: sequenceEvidence(e.schema, e.name),
        impact: "Another role can reset or drop it.",
        fix: fix("sequence", ownerSql("sequence", e.schema, e.name, e.owner)),
      }));
    }
    findings.push(
      ...diffGrants(
        ctx,
        {
          target: seqTarget(e),
          objectKind: "sequence",
          resource,
          unexpectedSeverity: (g: Grant) => (isApiGrantee(g.grantee) ? "high" : "medium"),
        },
        e.grants,
        a.grants,
      ),
    );
  }
  return findings;
}

/** Statements that create a view (or materialized view) with its indexes, triggers and grants. */
function createView(ctx: DiffContext, v: View): FixStatement[] {
  return [
    ...fix("view", createViewSql(v)),
    ...(ctx.compareOwners
      ? fix(
        "view",
        ownerSql(v.materialized ? "materialized view" : "view", v.schema, v.name, v.owner),
      )
      : []),
    ...v.indexes.map((i) => ({
      phase: "index" as const,
      sql: ensureIndexSql(v.schema, i),
      destructive: false,
    })),
    ...v.triggers.map((t) => ({
      phase: "trigger" as const,
      sql: createTriggerSql(v.schema, v.name, t),
      destructive: false,
    })),
    ...restoreGrants(
      ctx,
      { kind: "table", schema: v.schema, name: v.name },
      v.grants,
      v.schema,
      "tables",
    ),
  ];
}

export function diffViews(ctx: DiffContext): Finding[] {
  const inScope = (v: { schema: string }) => ctx.inScope(v.schema);
  const viewKey = (v: View) => `${key(v)}${v.materialized ? " (materialized)" : ""}`;
  const matched = matchByKey(
    ctx.expected.views.filter(inScope),
    ctx.actual.views.filter(inScope),
    viewKey,
  );
  const findings: Finding[] = [];
  const kind = (v: View) => (v.materialized ? "materialized view" as const : "view" as const);
  for (const v of matched.missing) {
    findings.push(finding({
      check: "view.missing",
      category: "A",
      severity: "high",
      objectKind: kind(v),
      resource: key(v),
      issue: `${v.materialized ? "Materialized view" : "View"} ${key(v)} is missing.`,
      expected: v.definition,
      actual: null,
      evidence: viewEvidence(v.schema, v.name),
      impact: "Queries reading it fail.",
      fix: createView(ctx, v),
    }));
  }
  if (ctx.reportUnexpected) {
    for (const v of matched.unexpected) {
      const users = apiGrantees(v.grants);
      if (users.length === 0) {
        ctx.acknowledge({
          objectKind: kind(v),
          resource: key(v),
          reason: "not in the contract; no privileges for anon, authenticated or PUBLIC",
        });
        continue;
      }
      const bypassesRls = v.materialized || !v.securityInvoker;
      findings.push(finding({
        check: "view.unexpected",
        category: "F",
        severity: bypassesRls && (anonHolds(v.grants) || v.readsAuthUsers) ? "critical" : "high",
        objectKind: kind(v),
        resource: key(v),
        issue:
          `${v.materialized ? "Materialized view" : "View"} ${key(v)} is not in the contract and ` +
          `${users.join(", ")} can read it.`,
        expected: null,
        actual: `${v.securityInvoker ? "security invoker" : "security definer"}; ${
          describeGrants(v.grants)
        }`,
        evidence: viewEvidence(v.schema, v.name),
        impact: bypassesRls
          ? `It reads its tables with ${v.owner}'s rights: ${
            users.join(", ")
          } see rows RLS would hide.`
          : `${users.join(", ")} can read it through the Data API.`,
        fix: fix(
          "privilege",
          revokeAllSql({ kind: "table", schema: v.schema, name: v.name }, [
            "PUBLIC",
            "anon",
            "authenticated",
          ]),
        ),
      }));
    }
  }
  for (const [e, a] of matched.both) {
    const resource = key(e);
    const evidence = viewEvidence(e.schema, e.name);
    const definitionChanged = e.definition !== a.definition ||
      e.options.join() !== a.options.join();
    if (definitionChanged) {
      findings.push(finding({
        check: "view.definition",
        category: "B",
        severity: "high",
        objectKind: kind(e),
        resource,
        issue: `${
          e.materialized ? "Materialized view" : "View"
        } ${resource} has another definition.`,
        expected: e.definition,
        actual: a.definition,
        evidence,
        impact: "It returns other rows or columns than the contract specifies.",
        fix: e.materialized
          ? [...fix("drop", dropViewSql(e.schema, e.name, true)), ...createView(ctx, e)]
          : fix("view", createViewSql(e)),
        manual: e.materialized
          ? null
          : "If columns were removed or renamed, drop the view first (CREATE OR REPLACE cannot).",
      }));
    }
    if (!e.materialized && e.securityInvoker !== a.securityInvoker) {
      const exposed = apiGrantees(a.grants).length > 0;
      findings.push(finding({
        check: "view.security_invoker",
        category: "C",
        severity: !a.securityInvoker ? (exposed ? "critical" : "high") : "medium",
        objectKind: "view",
        resource,
        issue: `View ${resource} ${
          a.securityInvoker
            ? "runs as the caller"
            : "runs with its owner's rights (security_invoker off)"
        }.`,
        expected: e.securityInvoker ? "security_invoker=true" : "security_invoker=false",
        actual: a.securityInvoker ? "security_invoker=true" : "security_invoker=false",
        evidence,
        impact: !a.securityInvoker
          ? "RLS of the underlying tables is evaluated for the view owner: callers see rows their policies hide."
          : "Callers' own RLS now filters the view: rows the contract shows them are hidden.",
        fix: fix("view", viewSecuritySql(e)),
      }));
    }
    if (!e.materialized && e.securityBarrier !== a.securityBarrier) {
      findings.push(finding({
        check: "view.security_barrier",
        category: "B",
        severity: "medium",
        objectKind: "view",
        resource,
        issue: `View ${resource} has security_barrier ${a.securityBarrier ? "on" : "off"}.`,
        expected: String(e.securityBarrier),
        actual: String(a.securityBarrier),
        evidence,
        impact:
          "Without the barrier, leaky functions in a caller's WHERE can see rows the view filters out.",
        fix: fix("view", viewSecuritySql(e)),
      }));
    }
    if (ctx.compareOwners && e.owner !== a.owner) {
      findings.push(finding({
        check: "view.owner",
        category: "B",
        severity: e.securityInvoker ? "low" : "high",
        objectKind: kind(e),
        resource,
        issue: `View ${resource} is owned by ${a.owner}.`,
        expected: e.owner,
        actual: a.owner,
        evidence,
        impact: e.securityInvoker
          ? "Another role can change or drop it."
          : `It reads its tables with ${a.owner}'s rights.`,
        fix: fix(
          "view",
          ownerSql(e.materialized ? "materialized view" : "view", e.schema, e.name, e.owner),
        ),
      }));
    }
    if (definitionChanged && e.materialized) continue; // rebuilt with indexes and grants
    findings.push(...diffIndexes(ctx, e.schema, resource, e.indexes, a.indexes));
    findings.push(...diffTriggers(ctx, e.schema, e.name, e.triggers, a.triggers));
    findings.push(...diffGrants(
      ctx,
      { target: { kind: "table", schema: e.schema, name: e.name }, objectKind: kind(e), resource },
      e.grants,
      a.grants,
    ));
  }
  return findings;
}

export function diffDefaultPrivileges(ctx: DiffContext): Finding[] {
  const inScope = (d: DefaultPrivilege) => ctx.inScope(d.schema);
  const flatten = (list: readonly DefaultPrivilege[]) =>
    list.filter(inScope).flatMap((d) => d.grants.map((g) => ({ d, g })));
  const entryKey = ({ d, g }: { d: DefaultPrivilege; g: Grant }) =>
    `${d.role}@${d.schema}:${d.objects} ${g.grantee} ${g.privilege}`;
  const matched = matchByKey(
    flatten(ctx.expected.defaultPrivileges),
    flatten(ctx.actual.defaultPrivileges),
    entryKey,
  );
  const findings: Finding[] = [];
  const resource = (d: DefaultPrivilege) => `${d.role}@${d.schema}:${d.objects}`;
  for (const { d, g } of matched.missing) {
    findings.push(finding({
      check: "default_privilege.missing",
      category: "D",
      severity: "medium",
      objectKind: "default privileges",
      resource: resource(d),
      key: `${g.grantee} ${g.privilege}`,
      issue:
        `New ${d.objects} ${d.role} creates in ${d.schema} no longer grant ${g.privilege} to ${g.grantee}.`,
      expected: `${g.grantee} ${g.privilege}`,
      actual: "not granted",
      evidence: defaultPrivilegesEvidence(d.role, d.schema),
      impact: `${d.objects} created by later migrations lack privileges the API relies on.`,
      fix: fix("default privileges", grantDefaultSql(d, g)),
    }));
  }
  if (ctx.reportUnexpected) {
    for (const { d, g } of matched.unexpected) {
      findings.push(finding({
        check: "default_privilege.unexpected",
        category: "D",
        severity: isApiGrantee(g.grantee) ? "high" : "medium",
        objectKind: "default privileges",
        resource: resource(d),
        key: `${g.grantee} ${g.privilege}`,
        issue:
          `New ${d.objects} ${d.role} creates in ${d.schema} grant ${g.privilege} to ${g.grantee}.`,
        expected: "not granted",
        actual: `${g.grantee} ${g.privilege}`,
        evidence: defaultPrivilegesEvidence(d.role, d.schema),
        impact: `Every ${
          d.objects.replace(/s$/, "")
        } created from now on is open to ${g.grantee} before any policy exists.`,
        fix: fix("default privileges", revokeDefaultSql(d, g)),
      }));
    }
  }
  return findings;
}

function bucketText(b: Bucket): string {
  return `${b.public ? "public" : "private"}, limit ${b.fileSizeLimit ?? "none"}, types ` +
    `${b.allowedMimeTypes?.join(" ") ?? "any"}`;
}

export function diffBuckets(ctx: DiffContext): Finding[] {
  if (ctx.expected.buckets === null || ctx.actual.buckets === null) return [];
  const matched = matchByKey(ctx.expected.buckets, ctx.actual.buckets, (b) => b.id);
  const findings: Finding[] = [];
  const resource = (b: Bucket) => `storage.buckets.${b.id}`;
  for (const b of matched.missing) {
    findings.push(finding({
      check: "bucket.missing",
      category: "A",
      severity: "high",
      objectKind: "bucket",
      resource: resource(b),
      issue: `Storage bucket ${b.id} is missing.`,
      expected: bucketText(b),
      actual: null,
      evidence: bucketEvidence(b.id),
      impact: "Uploads and downloads to this bucket fail.",
      fix: fix("bucket", upsertBucketSql(b)),
    }));
  }
  if (ctx.reportUnexpected) {
    for (const b of matched.unexpected) {
      if (!b.public) {
        ctx.acknowledge({
          objectKind: "bucket",
          resource: resource(b),
          reason: "not in the contract; private",
        });
        continue;
      }
      findings.push(finding({
        check: "bucket.unexpected",
        category: "F",
        severity: "high",
        objectKind: "bucket",
        resource: resource(b),
        issue: `Public storage bucket ${b.id} is not in the contract.`,
        expected: null,
        actual: bucketText(b),
        evidence: bucketEvidence(b.id),
        impact: "Anyone with a file's URL can download it.",
        fix: fix("bucket", privateBucketSql(b.id)),
      }));
    }
  }
  for (const [e, a] of matched.both) {
    if (e.public !== a.public) {
      findings.push(finding({
        check: "bucket.public",
        category: "D",
        severity: a.public ? "critical" : "medium",
        objectKind: "bucket",
        resource: resource(e),
        issue: `Storage bucket ${e.id} is ${a.public ? "public" : "private"}.`,
        expected: e.public ? "public" : "private",
        actual: a.public ? "public" : "private",
        evidence: bucketEvidence(e.id),
        impact: a.public
          ? "Every file is downloadable by anyone with its URL."
          : "Public file URLs stop working.",
        fix: fix("bucket", upsertBucketSql(e)),
      }));
    } else if (bucketText(e) !== bucketText(a) || e.name !== a.name) {
      findings.push(finding({
        check: "bucket.definition",
        category: "B",
        severity: "low",
        objectKind: "bucket",
        resource: resource(e),
        issue: `Storage bucket ${e.id} has other limits.`,
        expected: bucketText(e),
        actual: bucketText(a),
        evidence: bucketEvidence(e.id),
        impact: "Uploads the contract refuses are accepted, or the reverse.",
        fix: fix("bucket", upsertBucketSql(e)),
      }));
    }
  }
  return findings;
}
