/**
 * @module Quoting of names read from the catalog. Unlike `sql/identifier.ts` (which brands the
 * snake_case identifiers a plan may use), catalog names can be anything Postgres accepts, so
 * they are always double-quoted with inner quotes doubled.
 */
export { quoteLiteral } from "../sql/identifier.ts";

/** Double-quotes any Postgres name: `Order "x"` becomes `"Order ""x"""`. */
export function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A quoted, schema-qualified name: `"public"."listings"`. */
export function qualifiedName(schema: string, name: string): string {
  return `${quoteName(schema)}.${quoteName(name)}`;
}

/** A role in GRANT/REVOKE/TO: `PUBLIC`/`public` stay keywords, others are quoted. */
export function roleName(role: string): string {
  return role === "PUBLIC" || role === "public" ? "public" : quoteName(role);
}

/** A dollar-quote tag not occurring in `body`, e.g. `$fix$`. */
export function dollarQuote(body: string, base = "fix"): string {
  let tag = `$${base}$`;
  for (let i = 1; body.includes(tag); i++) tag = `$${base}${i}$`;
  return tag;
}
