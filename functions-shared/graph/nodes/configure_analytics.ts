/**
 * @module configure_analytics: with analytics on, attaches the demo dataset (an Iceberg table in
 * an analytics bucket) through MCP with Supabase Wrappers' Iceberg FDW — the credentials into
 * Vault (execute_sql), the wrapper, server and foreign table as one migration, then a probe that
 * reads the rows. The attachment becomes part of the contract (drift watches it), so the
 * environment's functions are redeployed with it. Idempotent: every call looks before it acts.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import {
  ANALYTICS_SCHEMA,
  attachMigration,
  foreignTableName,
  ICEBERG_SERVER,
  ICEBERG_WRAPPER,
  probeSql,
  storeCredentialsSql,
} from "../../analytics/attach_sql.ts";
import { DEMO_DATASET } from "../../analytics/demo_dataset.generated.ts";
import type { EnvironmentFunctionSlug } from "../../env_functions/source.ts";
import type { ToolCallRecord } from "../../mcp/types.ts";
import { snapshotContract } from "../contract_snapshot.ts";
import { stepContext } from "../context.ts";
import { deployedReportToken } from "../../env_functions/report_token_store.ts";
import { environmentContract } from "../environment_contract.ts";
import { requireEnvironment, requirePlan } from "../require.ts";
import type { BuildStateType, BuildUpdate } from "../state.ts";

const FOCUS = { type: "analytics", name: "analytics" } as const;

export async function configureAnalytics(
  state: BuildStateType,
  config: LangGraphRunnableConfig,
): Promise<BuildUpdate> {
  const ctx = stepContext(config, "configure_analytics", state.sessionId);
  ctx.present(FOCUS, 0.85);
  if (!state.options.enableAnalytics) {
    ctx.emit("analytics_skipped", "Analytics is off for this session", {
      payload: { requested: false },
    });
    ctx.present(FOCUS, 0.9);
    return { analytics: null };
  }
  const source = ctx.deps.analytics;
  if (!source) {
    const reason = "Analytics was requested, but this control plane has no analytics bucket: " +
      "set the worker's VIBE_ANALYTICS_* secrets to attach the demo dataset";
    ctx.emit("analytics_skipped", reason, { payload: { requested: true, reason } });
    ctx.present(FOCUS, 0.9);
    return { analytics: null };
  }
  const plan = requirePlan(state);
  const environment = requireEnvironment(state);
  const { provisioner, settings } = ctx.deps;
  const dataset = DEMO_DATASET;
  const table = foreignTableName(dataset);
  const calls: ToolCallRecord[] = [];

  ctx.present({ type: "analytics", name: "vault" }, 0.86);
  calls.push(
    ...(await provisioner.executeSql(environment.ref, storeCredentialsSql(source))).records,
  );
  ctx.present({ type: "analytics", name: ICEBERG_SERVER }, 0.87);
  const migration = attachMigration(source, dataset);
  const applied = await provisioner.applyMigration(environment.ref, migration.name, migration.sql);
  calls.push(...applied.records);
  ctx.present({ type: "analytics", name: table }, 0.88);
  const probe = await provisioner.executeSql<{ rows: number }>(environment.ref, probeSql(dataset));
  calls.push(...probe.records);
  const rowsRead = Number(probe.value[0]?.rows ?? 0);
  if (rowsRead === 0) {
    throw new Error(`Cannot attach analytics: ${table} reads no rows from ${dataset.location}`);
  }

  // The contract now includes the attachment; the environment's functions carry the contract.
  const snapshot = await snapshotContract(provisioner, environment.ref);
  calls.push(...snapshot.records);
  const token = await deployedReportToken(
    ctx.db,
    settings.reportTokenKey,
    state.sessionId,
    environment.ref,
  );
  const contract = environmentContract(settings, state.sessionId, plan, snapshot.model, token);
  const functions: { slug: string; version: number }[] = [];
  for (const f of state.functions) {
    const fn = ctx.deps.environmentFunctions.files(f.slug as EnvironmentFunctionSlug, contract);
    const deployed = await provisioner.deployFunction(environment.ref, {
      slug: f.slug,
      files: fn.files,
      entrypoint: fn.entrypoint,
      verifyJwt: fn.verifyJwt,
    });
    calls.push(...deployed.records);
    functions.push({ slug: f.slug, version: deployed.value.version });
  }

  const analytics = {
    wrapper: ICEBERG_WRAPPER,
    server: ICEBERG_SERVER,
    schema: ANALYTICS_SCHEMA,
    foreignTables: [table],
    source: {
      catalogUri: source.catalogUri,
      warehouse: source.warehouse,
      table: `${dataset.namespace}.${dataset.table}`,
      location: dataset.location,
      snapshotId: dataset.snapshotId,
    },
    rows: rowsRead,
    migration: migration.name,
  };
  ctx.emit(
    "analytics_configured",
    `Attached Iceberg table ${dataset.namespace}.${dataset.table} as ${table} ` +
      `(${rowsRead} rows, snapshot ${dataset.snapshotId})`,
    { payload: { ...analytics, redeployed: functions }, toolCalls: ctx.recordCalls(calls) },
  );
  ctx.present({ type: "analytics", name: table }, 0.9);
  return { analytics, contract: snapshot.model, functions };
}
