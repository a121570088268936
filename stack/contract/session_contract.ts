/**
 * @module A session's contract as the pipeline stored it (`build_sessions.contract`, the model
 * of the environment right after schema and RLS were applied), read from the control plane.
 */
import pg from "../../functions-shared/db/pg.ts";
import { type Model, modelFromJson } from "../../functions-shared/drift/model.ts";
import { stackStatus } from "../lifecycle.ts";

/** The control plane's database URL: the one given, else the local stack's. */
export async function controlPlaneUrl(given?: string): Promise<string> {
  if (given) return given;
  const status = await stackStatus();
  if (!status.DB_RUNNING) {
    throw new Error(
      "Cannot read the session's contract: the local stack is not running " +
        "(run `deno task stack up`, or pass --control-db <url>)",
    );
  }
  return status.DB_URL;
}

/** Reads the contract of `sessionId`; throws with the reason when there is none. */
export async function sessionContract(sessionId: string, controlDb?: string): Promise<Model> {
  const client = new pg.Client({ connectionString: await controlPlaneUrl(controlDb) });
  await client.connect();
  try {
    const r = await client.query<{ status: string; contract: string | null }>(
      "select status, contract::text as contract from public.build_sessions where id = $1",
      [sessionId],
    );
    const row = r.rows[0];
    if (!row) throw new Error(`Cannot read the contract: session ${sessionId} does not exist`);
    if (!row.contract) {
      throw new Error(
        `Cannot read the contract: session ${sessionId} is ${row.status} and has none yet ` +
          "(it is stored once schema and RLS are applied)",
      );
    }
    return modelFromJson(row.contract);
  } finally {
    await client.end();
  }
}
