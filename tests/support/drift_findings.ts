/** @module Hand-built drift findings shared by the drift sentinel's unit and integration tests. */
import { type Finding, finding } from "../../functions-shared/drift/findings.ts";

/**
 * The diff finding for row-level security disabled on `public.orders`, with its idempotent fix;
 * `impact` is in the test's own words (it is part of the alert's embedded text).
 */
export function rlsDisabledOnOrders(impact: string): Finding {
  return finding({
    check: "table.rls_disabled",
    category: "C",
    severity: "critical",
    objectKind: "table",
    resource: "public.orders",
    issue: "Row-level security is disabled on public.orders.",
    expected: "enabled",
    actual: "disabled",
    evidence: "select relrowsecurity from pg_class where oid = 'public.orders'::regclass;",
    impact,
    fix: [{
      phase: "rls",
      sql: 'alter table "public"."orders" enable row level security;',
      destructive: false,
    }],
  });
}
