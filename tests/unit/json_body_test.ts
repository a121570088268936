/** @module Strict JSON bodies: content types, UTF-8, JSON; field errors that survive hostile keys. */
import assert from "node:assert/strict";
import { HttpError } from "../../functions-shared/http/errors.ts";
import { isJsonContentType, parseJsonBytes } from "../../functions-shared/http/json_body.ts";
import { CreateSessionSchema, fieldErrors } from "../../functions-shared/sessions/body.ts";

Deno.test("JSON content types: application/json with parameters and +json types only", () => {
  for (
    const t of ["application/json", "Application/JSON; charset=utf-8", "application/vnd.x+json"]
  ) {
    assert.equal(isJsonContentType(t), true, t);
  }
  for (
    const t of [
      undefined,
      "",
      "text/plain",
      "application/jsonx",
      "text/json",
      "multipart/form-data",
    ]
  ) {
    assert.equal(isJsonContentType(t), false, String(t));
  }
});

Deno.test("bytes that are not UTF-8 or not JSON are a 400 naming the problem", () => {
  assert.deepEqual(parseJsonBytes(new TextEncoder().encode('{"a":1}')), { a: 1 });
  const notUtf8 = () => parseJsonBytes(new Uint8Array([0x7b, 0xff, 0x7d]));
  assert.throws(
    notUtf8,
    (e) => e instanceof HttpError && e.status === 400 && /UTF-8/.test(e.message),
  );
  const notJson = () => parseJsonBytes(new TextEncoder().encode("{"));
  assert.throws(notJson, (e) => e instanceof HttpError && /valid JSON/.test(e.message));
});

Deno.test("field errors name hostile keys instead of throwing", () => {
  const body = JSON.parse(
    '{"vibeText":"\\ud83d","template":"saas","__proto__":{"a":1},"constructor":1,"toString":2}',
  );
  const parsed = CreateSessionSchema.safeParse(body);
  assert.equal(parsed.success, false);
  const errors = fieldErrors(parsed.error!);
  assert.deepEqual(Object.keys(errors).sort(), [
    "__proto__",
    "constructor",
    "toString",
    "vibeText",
  ]);
  assert.match(errors.vibeText![0]!, /valid Unicode/);
  assert.deepEqual(JSON.parse(JSON.stringify(errors)).constructor, ["is not a known field"]);
});
