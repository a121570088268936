/**
 * @module Reissuing an environment's reporting token after a revocation (or a leak): the next
 * generation's token is embedded in a redeployed `drift_check` (through MCP
 * `deploy_edge_function`, with the session's plan and contract), and only once that deployment
 * succeeded does the control plane switch to the new token's hash and lift the revocation — in
 * one transaction that holds the token row, so two reissues cannot interleave. Every earlier
 * token stays dead. The reissue is recorded as a `report_token_reissued` event with its tool
 * calls.
 */
import type pg from "../../db/pg.ts";
import { inTransaction } from "../../db/pool.ts";
import { firstRow, rows } from "../../db/query.ts";
import { reportToken } from "../../env_functions/report_token.ts";
import { sha256Hex } from "../../auth/digest.ts";
import {
  lockReportTokenForReissue,
  reissueReportToken,
} from "../../env_functions/report_token_sql.ts";
import type { EnvironmentFunctions } from "../../env_functions/source.ts";
import type { Plan } from "../../plan/schema.ts";
import { redact } from "../../redact.ts";
import { modelFromJson } from "../model.ts";
import { DRIFT_EVENT_NODE } from "./alerts.ts";
import type { SentinelConnection } from "./sentinel.ts";
import { appendDriftEvents } from "./sql.ts";

/** What reissuing needs. */
export interface TokenReissueDeps {
  readonly pool: pg.Pool;
  /** `VIBE_REPORT_TOKEN_SECRET`: tokens derive from it, the session id and the generation. */
  readonly reportTokenSecret: string;
  /** The control plane's URL; environments report to `${url}/functions/v1/drift_check/report`. */
  readonly controlPlaneUrl: string;
  /** The bundled functions deployed into environments. */
  readonly environmentFunctions: EnvironmentFunctions;
  /** Opens a writable MCP connection (the sentinel's own is read-only). */
  readonly connectWritable: () => Promise<SentinelConnection>;
  readonly secrets?: readonly string[];
}

/** Why a token could not be reissued; `status` is the HTTP status to answer with. */
export class TokenReissueError extends Error {
  override name = "TokenReissueError";
  constructor(readonly status: 404 | 409 | 502, message: string) {
    super(message);
  }
}

/** A reissued token (never the token itself: it lives only in the environment's function). */
export interface ReissuedToken {
  readonly sessionId: string;
  readonly environmentRef: string;
  readonly generation: number;
  readonly functionVersion: number;
  readonly reissuedAt: string;
}

interface TokenRow {
  generation: number;
  environment_ref: string;
  revoked_at: Date | null;
  status: string;
  session_environment_ref: string | null;
  plan: string | null;
  contract: string | null;
}

/** Reissues the session's reporting token; throws TokenReissueError when it cannot. */
export function reissueEnvironmentToken(
  deps: TokenReissueDeps,
  sessionId: string,
): Promise<ReissuedToken> {
  return inTransaction(deps.pool, async (db) => {
    const row = await firstRow<TokenRow>(db, lockReportTokenForReissue(sessionId));
    if (!row) {
      throw new TokenReissueError(
        404,
        "No environment token for this session: its build has not deployed drift_check yet",
      );
    }
    if (row.status !== "succeeded" || !row.plan || !row.contract) {
      throw new TokenReissueError(
        409,
        `Cannot reissue the token of session ${sessionId}: its build is ${row.status}; ` +
          "only a succeeded build's environment runs drift_check",
      );
    }
    if (row.session_environment_ref && row.session_environment_ref !== row.environment_ref) {
      throw new TokenReissueError(
        409,
        `Cannot reissue: the token belongs to environment ${row.environment_ref}, the session ` +
          `to ${row.session_environment_ref}`,
      );
    }
    const generation = row.generation + 1;
    const token = await reportToken(deps.reportTokenSecret, sessionId, generation);
    const files = deps.environmentFunctions.files("drift_check", {
      sessionId,
      plan: JSON.parse(row.plan) as Plan,
      model: modelFromJson(row.contract),
      reportUrl: `${deps.controlPlaneUrl.replace(/\/$/, "")}/functions/v1/drift_check/report`,
      reportToken: token,
    });
    const secrets = deps.secrets ?? [];
    let deployed: Awaited<ReturnType<SentinelConnection["provisioner"]["deployFunction"]>>;
    const connection = await deps.connectWritable().catch((e) => {
      throw new TokenReissueError(
        502,
        `Cannot reach MCP: ${redact((e as Error).message, { secrets })}`,
      );
    });
    try {
      deployed = await connection.provisioner.deployFunction(row.environment_ref, {
        slug: "drift_check",
        files: files.files,
        entrypoint: files.entrypoint,
        verifyJwt: files.verifyJwt,
      });
    } catch (e) {
      throw new TokenReissueError(
        502,
        `Cannot redeploy drift_check into ${row.environment_ref}: ` +
          redact((e as Error).message, { secrets }),
      );
    } finally {
      await connection.close().catch(() => {});
    }
    const updated = await firstRow<{ reissued_at: Date }>(
      db,
      reissueReportToken(sessionId, generation, await sha256Hex(token)),
    );
    if (!updated) throw new Error(`Token of session ${sessionId} changed during its reissue`);
    await rows(
      db,
      appendDriftEvents(sessionId, [{
        node: DRIFT_EVENT_NODE,
        key: `report_token_reissued:${generation}`,
        type: "report_token_reissued",
        message: `Reissued the reporting token of environment ${row.environment_ref} ` +
          `(generation ${generation}); earlier tokens stay refused`,
        payload: redact({
          environmentRef: row.environment_ref,
          generation,
          functionVersion: deployed.value.version,
          wasRevoked: row.revoked_at !== null,
          tool_calls: deployed.records,
        }, { secrets }),
      }]),
    );
    return {
      sessionId,
      environmentRef: row.environment_ref,
      generation,
      functionVersion: deployed.value.version,
      reissuedAt: updated.reissued_at.toISOString(),
    };
  });
}
