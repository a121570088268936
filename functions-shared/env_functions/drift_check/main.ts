/**
 * @module `drift_check`, deployed into an environment: compares its own database with the
 * contract embedded at deploy time and reports the findings to the control plane with the
 * environment's reporting token. POST as the environment's service role (verified here: see
 * caller.ts); a CORS preflight is answered without running anything.
 */
import pg from "../../db/pg.ts";
import { introspect } from "../../drift/introspect.ts";
import { pgRunner } from "../../drift/sql_runner.ts";
import { verify } from "../../drift/verify.ts";
import { refuseUnlessServiceRolePost } from "../caller.ts";
import { parseEmbeddedContract } from "../embedded_contract.ts";

const CONTRACT = parseEmbeddedContract("__VIBE_ENVIRONMENT_CONTRACT__");

Deno.serve(async (req) => {
  const env = Deno.env.toObject();
  const refused = await refuseUnlessServiceRolePost(req, env);
  if (refused) return refused;
  const client = new pg.Client({ connectionString: env.SUPABASE_DB_URL });
  await client.connect();
  try {
    const { model } = await introspect(pgRunner(client));
    const verification = verify(CONTRACT.model, model);
    let reported: number | string;
    try {
      const res = await fetch(CONTRACT.reportUrl, {
        method: "POST",
        headers: {
          authorization: `Bearer ${CONTRACT.reportToken}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({
          sessionId: CONTRACT.sessionId,
          findings: verification.findings,
          summary: verification.summary,
        }),
      });
      await res.body?.cancel();
      reported = res.status;
    } catch (e) {
      reported = `Cannot reach the control plane: ${(e as Error).message}`;
    }
    return Response.json({
      sessionId: CONTRACT.sessionId,
      drift: verification.summary.drift,
      findings: verification.findings.map((f) => ({
        id: f.id,
        severity: f.severity,
        category: f.category,
        resource: f.resource,
        issue: f.issue,
      })),
      reported,
    });
  } finally {
    await client.end();
  }
});
