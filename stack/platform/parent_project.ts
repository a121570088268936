/**
 * @module The parent project branches are made from (`main`, or VIBE_PARENT_PROJECT_REF):
 * created by `stack up` with the registry, idempotently, in the default organization.
 */
import { DEFAULT_ORGANIZATION, ensureRegistry, registryClient } from "./registry.ts";
import { assertRef, databaseName, insertEnvironment } from "./environments.ts";
import { createDatabase } from "../compat.ts";

/** Creates the registry and the parent project (its row and its database) if missing. */
export async function ensureParentProject(port: number, ref: string): Promise<boolean> {
  assertRef(ref);
  await ensureRegistry(port);
  const client = await registryClient(port);
  let created = false;
  try {
    const found = await client.query<{ status: string }>(
      "select status from platform.environments where ref = $1",
      [ref],
    );
    // A paused parent refuses connections; it stays as it is until restored.
    if (found.rows[0]?.status === "INACTIVE") return false;
    if (found.rowCount === 0) {
      await insertEnvironment(client, {
        ref,
        kind: "project",
        name: ref,
        organization_id: DEFAULT_ORGANIZATION.id,
        region: "local",
        status: "ACTIVE_HEALTHY",
      });
      created = true;
    }
  } finally {
    await client.end();
  }
  await createDatabase(port, databaseName(ref));
  return created;
}
