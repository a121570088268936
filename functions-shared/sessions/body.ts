/** @module What `POST /sessions` accepts, validated at the boundary. */
import { z } from "zod";

export const MAX_VIBE_CHARS = 20_000;
/** Bodies over this size are refused with 413 before parsing. */
export const MAX_BODY_BYTES = 64 * 1024;

export const SessionOptionsSchema = z.strictObject({
  enableAnalytics: z.boolean().default(false),
  enableDriftSentinel: z.boolean().default(true),
  environmentMode: z.enum(["branch", "project"]).default("branch"),
});
export type SessionOptions = z.infer<typeof SessionOptionsSchema>;

export const CreateSessionSchema = z.strictObject({
  vibeText: z.string()
    .refine((s) => s.trim().length > 0, "vibeText must not be empty")
    // Postgres text cannot hold U+0000: refused here rather than failing at the insert.
    .refine((s) => !s.includes("\u0000"), "vibeText must not contain NUL (\\u0000) characters")
    // A lone surrogate (`\ud83d` without its pair) is not text: refused, not stored as U+FFFD.
    .refine((s) => s.isWellFormed(), "vibeText must be valid Unicode (no unpaired surrogates)")
    .refine(
      (s) => s.length <= MAX_VIBE_CHARS,
      `vibeText must be at most ${MAX_VIBE_CHARS} characters`,
    ),
  template: z.enum(["marketplace", "saas"], {
    error: 'template must be "marketplace" or "saas"',
  }),
  options: SessionOptionsSchema.default({
    enableAnalytics: false,
    enableDriftSentinel: true,
    environmentMode: "branch",
  }),
});
export type CreateSession = z.infer<typeof CreateSessionSchema>;

/** Field-level messages: `{ "options.environmentMode": ["…"] }`. */
export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  // Field names come from the request ("constructor", "__proto__"): no inherited properties.
  const out: Record<string, string[]> = Object.create(null);
  for (const issue of error.issues) {
    const extra = issue.code === "unrecognized_keys" ? issue.keys : [undefined];
    for (const key of extra) {
      const path = [...issue.path, ...(key === undefined ? [] : [key])].join(".") || "(body)";
      const message = issue.code === "unrecognized_keys" ? "is not a known field" : issue.message;
      (out[path] ??= []).push(message);
    }
  }
  return out;
}
