/**
 * @module SQL expression fragments (policy USING/WITH CHECK, column CHECK and DEFAULT):
 * a tokenizer that proves a fragment cannot escape its parentheses (the lexer of
 * `expression_parser.ts`), a canonical form for comparing fragments, and top-level OR splitting.
 */

/** One lexical token of an expression. Words are lowercased; string literals keep their quotes. */
export interface ExpressionToken {
  readonly kind: "word" | "number" | "string" | "punct" | "operator";
  readonly text: string;
}

/** Outcome of {@linkcode tokenizeExpression}. */
export type ExpressionTokens =
  | { readonly ok: true; readonly tokens: readonly ExpressionToken[] }
  | { readonly ok: false; readonly reason: string };

const OPERATOR_CHARS = new Set("+-*/<>=~!@#%^&|?");
const WORD_START = /[A-Za-z_]/;
const WORD_PART = /[A-Za-z0-9_]/;
const DIGIT = /[0-9]/;

/**
 * Splits a SQL expression into tokens, refusing anything that could end the surrounding
 * statement or hide text from a reader: semicolons, comments, dollar quoting, double-quoted
 * identifiers, backslashes, unterminated strings and unbalanced parentheses. A fragment that
 * tokenizes can be embedded as `(<fragment>)` without changing the statement around it.
 */
export function tokenizeExpression(text: string): ExpressionTokens {
  const tokens: ExpressionToken[] = [];
  let depth = 0;
  let i = 0;
  const fail = (reason: string): ExpressionTokens => ({ ok: false, reason });
  // Anywhere, even inside a literal: an E'...' string would let \' end the literal elsewhere
  // than a reader (and this tokenizer) thinks.
  if (text.includes("\\")) return fail("it contains a backslash; remove it");
  while (i < text.length) {
    const ch = text.charAt(i);
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "'") {
      let j = i + 1;
      for (;;) {
        if (j >= text.length) return fail("it has an unterminated string literal");
        if (text.charAt(j) === "'") {
          if (text.charAt(j + 1) === "'") j += 2;
          else break;
        } else j++;
      }
      tokens.push({ kind: "string", text: text.slice(i, j + 1) });
      i = j + 1;
    } else if (WORD_START.test(ch)) {
      let j = i + 1;
      while (j < text.length && WORD_PART.test(text.charAt(j))) j++;
      tokens.push({ kind: "word", text: text.slice(i, j).toLowerCase() });
      i = j;
    } else if (DIGIT.test(ch)) {
      const match = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i));
      const literal = match?.[0] ?? ch;
      tokens.push({ kind: "number", text: literal });
      i += literal.length;
    } else if (ch === ";") {
      return fail("it contains a semicolon; write a single expression");
    } else if (text.startsWith("--", i) || text.startsWith("/*", i)) {
      return fail("it contains a SQL comment; remove it");
    } else if (ch === "$") {
      return fail("it contains a dollar sign; use single-quoted literals");
    } else if (ch === '"') {
      return fail("it contains a double-quoted identifier; use unquoted snake_case names");
    } else if (ch === "(" || ch === ")") {
      depth += ch === "(" ? 1 : -1;
      if (depth < 0) {
        return fail("it has unbalanced parentheses; write one self-contained expression");
      }
      tokens.push({ kind: "punct", text: ch });
      i++;
    } else if (ch === ":" && text.charAt(i + 1) === ":") {
      tokens.push({ kind: "punct", text: "::" });
      i += 2;
    } else if (ch === "," || ch === "." || ch === "[" || ch === "]") {
      tokens.push({ kind: "punct", text: ch });
      i++;
    } else if (OPERATOR_CHARS.has(ch)) {
      let j = i + 1;
      while (j < text.length && OPERATOR_CHARS.has(text.charAt(j))) {
        if (text.startsWith("--", j) || text.startsWith("/*", j)) break;
        j++;
      }
      tokens.push({ kind: "operator", text: text.slice(i, j) });
      i = j;
    } else {
      return fail(`it contains the character "${ch}" outside a string literal`);
    }
  }
  if (depth !== 0) {
    return fail("it has unbalanced parentheses; write one self-contained expression");
  }
  if (tokens.length === 0) return fail("it is empty");
  return { ok: true, tokens };
}

/** Why `text` is not a safe expression fragment, or `null` when it is. */
export function expressionProblem(text: string): string | null {
  const result = tokenizeExpression(text);
  return result.ok ? null : result.reason;
}

function render(tokens: readonly ExpressionToken[]): string {
  return tokens.map((token) => token.text).join(" ");
}

/** Whether the first token's parenthesis closes at the last token. */
function isWrapped(tokens: readonly ExpressionToken[]): boolean {
  if (tokens.length < 2 || tokens[0]?.text !== "(" || tokens.at(-1)?.text !== ")") return false;
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const text = tokens[i]?.text;
    if (text === "(") depth++;
    if (text === ")") depth--;
    if (depth === 0 && i < tokens.length - 1) return false;
  }
  return true;
}

function unwrap(tokens: readonly ExpressionToken[]): readonly ExpressionToken[] {
  let inner = tokens;
  while (isWrapped(inner)) inner = inner.slice(1, -1);
  return inner;
}

function splitTopLevelOr(tokens: readonly ExpressionToken[]): ExpressionToken[][] {
  const parts: ExpressionToken[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (token.text === "(") depth++;
    if (token.text === ")") depth--;
    if (depth === 0 && token.kind === "word" && token.text === "or") parts.push([]);
    else parts.at(-1)?.push(token);
  }
  return parts;
}

function tokensOrThrow(text: string): readonly ExpressionToken[] {
  const result = tokenizeExpression(text);
  if (!result.ok) throw new TypeError(`Cannot read expression "${text}": ${result.reason}`);
  return result.tokens;
}

/**
 * The canonical text of an expression: tokens separated by single spaces, keywords and names
 * lowercased, redundant outer parentheses removed. Two fragments that differ only in layout
 * or case have the same canonical text.
 *
 * @throws {TypeError} when the text is not a safe expression (see {@linkcode tokenizeExpression}).
 */
export function canonicalExpression(text: string): string {
  return render(unwrap(tokensOrThrow(text)));
}

function flattenOr(tokens: readonly ExpressionToken[]): (readonly ExpressionToken[])[] {
  const inner = unwrap(tokens);
  const parts = splitTopLevelOr(inner);
  return parts.length === 1 ? [inner] : parts.flatMap(flattenOr);
}

/**
 * The canonical texts of the `or` operands of an expression, nested parenthesised `or`s
 * flattened; a single-element list when it has none. `(a or b) or (c and d)` gives
 * `["a", "b", "c and d"]`.
 *
 * @throws {TypeError} when the text is not a safe expression.
 */
export function topLevelDisjuncts(text: string): string[] {
  return flattenOr(tokensOrThrow(text)).map(render);
}

/** Joins expressions with `or`, parenthesising each operand when there is more than one. */
export function disjunction(expressions: readonly string[]): string {
  return expressions.length === 1
    ? expressions[0] ?? ""
    : expressions.map((expression) => `(${expression})`).join(" or ");
}
