/**
 * @module Where the analytics demo dataset lives: an analytics bucket (Iceberg REST catalog plus
 * its S3 endpoint) and the credentials the environment's Iceberg wrapper reads it with. Read
 * from the worker's environment; all values or none.
 */
import { z } from "zod";

/** The bucket the demo dataset is in, and the credentials stored in each environment's Vault. */
export interface AnalyticsSource {
  /** Iceberg REST catalog, e.g. `https://<ref>.storage.supabase.co/storage/v1/iceberg`. */
  readonly catalogUri: string;
  /** The analytics bucket's name (the catalog's warehouse). */
  readonly warehouse: string;
  /** S3 endpoint, e.g. `https://<ref>.storage.supabase.co/storage/v1/s3`. */
  readonly s3Endpoint: string;
  readonly region: string;
  /** S3 access key of the bucket's project (secret: goes to Vault only). */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Catalog token: a key of the bucket's project (secret: goes to Vault only). */
  readonly catalogToken: string;
}

const schema = z.object({
  VIBE_ANALYTICS_CATALOG_URI: z.url(),
  VIBE_ANALYTICS_WAREHOUSE: z.string().regex(/^[a-z0-9][a-z0-9_.-]{1,62}$/),
  VIBE_ANALYTICS_S3_ENDPOINT: z.url(),
  VIBE_ANALYTICS_REGION: z.string().regex(/^[a-z0-9-]{2,32}$/),
  VIBE_ANALYTICS_ACCESS_KEY_ID: z.string().min(8),
  VIBE_ANALYTICS_SECRET_ACCESS_KEY: z.string().min(8),
  VIBE_ANALYTICS_CATALOG_TOKEN: z.string().min(8),
});

/** The variables {@link readAnalyticsSource} reads. */
export const ANALYTICS_VARIABLES = Object.keys(schema.shape);

/**
 * The configured source, or null when none of the variables is set (analytics is then skipped
 * with the reason). Some but not all set, or an invalid value, is an error that names them.
 */
export function readAnalyticsSource(
  env: Record<string, string | undefined>,
): AnalyticsSource | null {
  if (ANALYTICS_VARIABLES.every((k) => !env[k])) return null;
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`);
    throw new Error(
      `Cannot configure analytics: set all of ${ANALYTICS_VARIABLES.join(", ")} (${
        problems.join("; ")
      })`,
    );
  }
  const e = parsed.data;
  return {
    catalogUri: e.VIBE_ANALYTICS_CATALOG_URI,
    warehouse: e.VIBE_ANALYTICS_WAREHOUSE,
    s3Endpoint: e.VIBE_ANALYTICS_S3_ENDPOINT,
    region: e.VIBE_ANALYTICS_REGION,
    accessKeyId: e.VIBE_ANALYTICS_ACCESS_KEY_ID,
    secretAccessKey: e.VIBE_ANALYTICS_SECRET_ACCESS_KEY,
    catalogToken: e.VIBE_ANALYTICS_CATALOG_TOKEN,
  };
}

/** The source's secret values (redacted from every tool-call record). */
export function analyticsSecrets(source: AnalyticsSource | null): string[] {
  return source ? [source.accessKeyId, source.secretAccessKey, source.catalogToken] : [];
}
