/**
 * @module configure_rls: row-level security on every domain table and the plan's policies
 * (written with `(select auth.uid())`), then the client-role grants, as one migration.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { rlsMigration } from "../../sql/rls_sql.ts";
import { stepContext } from "../context.ts";
import { requireEnvironment, requirePlan } from "../require.ts";
import type { BuildStateType, BuildUpdate } from "../state.ts";

export async function configureRls(
  state: BuildStateType,
  config: LangGraphRunnableConfig,
): Promise<BuildUpdate> {
  const ctx = stepContext(config, "configure_rls", state.sessionId);
  const plan = requirePlan(state);
  const environment = requireEnvironment(state);
  const rls = rlsMigration(plan, { name: "vibe_rls" });
  const policyName = (p: { table: string; name: string }) => `${p.table}.${p.name}`;
  const first = rls.policies[0];
  ctx.present({ type: "policy", name: first ? policyName(first) : "rls" }, 0.55);
  const { records } = await ctx.deps.provisioner.applyMigration(
    environment.ref,
    rls.migration.name,
    rls.migration.sql,
  );
  const calls = ctx.recordCalls(records);
  // The cursor walks the tables, then the policies, as each is recorded (live, throttled).
  rls.tables.forEach((t, i) => {
    ctx.present({ type: "table", name: t.table }, 0.55 + 0.04 * (i + 1) / rls.tables.length);
    ctx.emit("rls_enabled", `Enabled row-level security on public.${t.table}`, {
      key: `table:${t.table}`,
      payload: { table: t.table, migration: rls.migration.name },
      ...(i === 0 ? { toolCalls: calls } : {}),
    });
  });
  rls.policies.forEach((p, i) => {
    ctx.present(
      { type: "policy", name: policyName(p) },
      0.59 + 0.06 * (i + 1) / rls.policies.length,
    );
    ctx.emit("policy_created", `Created policy ${p.name} on public.${p.table}`, {
      key: `policy:${p.table}.${p.name}`,
      payload: { table: p.table, policy: p.name, command: p.command, roles: [...p.roles] },
    });
  });
  if (rls.policies.length === 0) ctx.present({ type: "policy", name: "rls" }, 0.65);
  return { migrations: [...new Set([...state.migrations, rls.migration.name])] };
}
