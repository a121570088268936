/**
 * @module The local stack's analytics bucket, as the worker sees it (VIBE_ANALYTICS_*): the
 * demo warehouse served by the local `wrappers` extension, with credentials derived from the
 * stack's JWT secret (stable across restarts, distinct per stack, and secret like the real ones).
 */
import { hmacSha256, toHex } from "../../functions-shared/auth/digest.ts";
import { DEMO_DATASET } from "../../functions-shared/analytics/demo_dataset.generated.ts";

async function derived(secret: string, label: string): Promise<string> {
  return toHex(await hmacSha256(secret, `vibe-analytics:${label}`));
}

/** The worker's VIBE_ANALYTICS_* variables for the local stack at `apiUrl`. */
export async function localAnalyticsEnv(
  apiUrl: string,
  jwtSecret: string,
): Promise<Record<string, string>> {
  return {
    VIBE_ANALYTICS_CATALOG_URI: `${apiUrl}/storage/v1/iceberg`,
    VIBE_ANALYTICS_WAREHOUSE: DEMO_DATASET.warehouse,
    VIBE_ANALYTICS_S3_ENDPOINT: `${apiUrl}/storage/v1/s3`,
    VIBE_ANALYTICS_REGION: "local",
    VIBE_ANALYTICS_ACCESS_KEY_ID: `LOCAL${(await derived(jwtSecret, "key-id")).slice(0, 20)}`
      .toUpperCase(),
    VIBE_ANALYTICS_SECRET_ACCESS_KEY: await derived(jwtSecret, "secret-access-key"),
    VIBE_ANALYTICS_CATALOG_TOKEN: `sb_secret_${(await derived(jwtSecret, "catalog")).slice(0, 40)}`,
  };
}
