/** @module SQL identifiers and literals: validation into a branded type, quoting, qualification. */

declare const identifierBrand: unique symbol;

/** A lowercase snake_case Postgres identifier that is not a reserved keyword. */
export type Identifier = string & { readonly [identifierBrand]: true };

/** Longest identifier Postgres keeps without truncating (NAMEDATALEN - 1). */
export const MAX_IDENTIFIER_LENGTH = 63;

/**
 * Keywords Postgres reserves for table and column names: the `RESERVED_KEYWORD` and
 * `TYPE_FUNC_NAME_KEYWORD` categories of `src/include/parser/kwlist.h` (PostgreSQL 15 to 17).
 */
export const RESERVED_KEYWORDS: ReadonlySet<string> = new Set([
  "all",
  "analyse",
  "analyze",
  "and",
  "any",
  "array",
  "as",
  "asc",
  "asymmetric",
  "authorization",
  "binary",
  "both",
  "case",
  "cast",
  "check",
  "collate",
  "collation",
  "column",
  "concurrently",
  "constraint",
  "create",
  "cross",
  "current_catalog",
  "current_date",
  "current_role",
  "current_schema",
  "current_time",
  "current_timestamp",
  "current_user",
  "default",
  "deferrable",
  "desc",
  "distinct",
  "do",
  "else",
  "end",
  "except",
  "false",
  "fetch",
  "for",
  "foreign",
  "freeze",
  "from",
  "full",
  "grant",
  "group",
  "having",
  "ilike",
  "in",
  "initially",
  "inner",
  "intersect",
  "into",
  "is",
  "isnull",
  "join",
  "lateral",
  "leading",
  "left",
  "like",
  "limit",
  "localtime",
  "localtimestamp",
  "natural",
  "not",
  "notnull",
  "null",
  "offset",
  "on",
  "only",
  "or",
  "order",
  "outer",
  "overlaps",
  "placing",
  "primary",
  "references",
  "returning",
  "right",
  "select",
  "session_user",
  "similar",
  "some",
  "symmetric",
  "system_user",
  "table",
  "tablesample",
  "then",
  "to",
  "trailing",
  "true",
  "union",
  "unique",
  "user",
  "using",
  "variadic",
  "verbose",
  "when",
  "where",
  "window",
  "with",
]);

const IDENTIFIER_PATTERN = /^[a-z_][a-z0-9_]*$/;

/** Outcome of {@linkcode checkIdentifier}: the branded identifier, or why the value is not one. */
export type IdentifierCheck =
  | { readonly ok: true; readonly identifier: Identifier }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks that `value` is a lowercase snake_case identifier of at most 63 characters
 * (`[a-z_][a-z0-9_]{0,62}`) and not a reserved keyword. The reason, when there is one,
 * completes a sentence such as `Cannot use table name "x": <reason>`.
 */
export function checkIdentifier(value: string): IdentifierCheck {
  if (value.length === 0) return { ok: false, reason: "it is empty" };
  if (value.length > MAX_IDENTIFIER_LENGTH) {
    return {
      ok: false,
      reason:
        `it is ${value.length} characters long; Postgres allows at most ${MAX_IDENTIFIER_LENGTH}`,
    };
  }
  if (!IDENTIFIER_PATTERN.test(value)) {
    return {
      ok: false,
      reason:
        "it is not lowercase snake_case (a letter or underscore, then letters, digits or underscores)",
    };
  }
  if (RESERVED_KEYWORDS.has(value)) return { ok: false, reason: "it is a reserved word" };
  return { ok: true, identifier: value as Identifier };
}

/** Whether `value` is a valid {@linkcode Identifier}. */
export function isIdentifier(value: string): value is Identifier {
  return checkIdentifier(value).ok;
}

/**
 * Brands `value` as an {@linkcode Identifier}.
 *
 * @throws {TypeError} when the value is not a valid identifier.
 */
export function toIdentifier(value: string): Identifier {
  const check = checkIdentifier(value);
  if (!check.ok) throw new TypeError(`Cannot use identifier "${value}": ${check.reason}`);
  return check.identifier;
}

/** Double-quotes an identifier for SQL text, e.g. `"listings"`. */
export function quoteIdent(identifier: Identifier): string {
  return `"${identifier}"`;
}

/** A schema-qualified, quoted name, e.g. `"public"."listings"`. */
export function qualified(schema: Identifier, name: Identifier): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/**
 * Quotes a string as a SQL literal the way Postgres' `quote_literal` does: single quotes are
 * doubled, and a value containing backslashes becomes an escape string (`E'...'`) with them
 * doubled, so the literal means the same whatever `standard_conforming_strings` is.
 *
 * @throws {TypeError} when the value contains a NUL character, which Postgres text cannot hold.
 */
export function quoteLiteral(value: string): string {
  if (value.includes("\0")) {
    throw new TypeError("Cannot quote a SQL literal containing a NUL character: remove it");
  }
  const quoted = value.replaceAll("'", "''");
  return value.includes("\\") ? `E'${quoted.replaceAll("\\", "\\\\")}'` : `'${quoted}'`;
}
