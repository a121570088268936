/**
 * @module The drift engine runs inside an Edge Function: its modules use no Deno API and no
 * local tooling (scratch databases and the contract CLI live under stack/contract/). Models
 * survive a JSON round trip.
 */
import assert from "node:assert/strict";
import { emptyModel, modelFromJson } from "../../functions-shared/drift/model.ts";

const dir = new URL("../../functions-shared/drift/", import.meta.url).pathname;

function* modules(path: string): Generator<string> {
  for (const entry of Deno.readDirSync(`${dir}${path}`)) {
    if (entry.isDirectory) yield* modules(`${path}${entry.name}/`);
    else if (entry.name.endsWith(".ts")) yield `${path}${entry.name}`;
  }
}

Deno.test("drift modules are portable: no Deno API, no stack/ import, a @module doc", () => {
  for (const name of modules("")) {
    const text = Deno.readTextFileSync(`${dir}${name}`);
    assert.ok(text.startsWith("/**") && text.slice(0, 400).includes("@module"), `${name} @module`);
    assert.ok(!/\bDeno\./.test(text), `${name} uses a Deno API`);
    assert.ok(!/from\s+["'][./]*stack\//.test(text), `${name} imports local tooling`);
  }
});

Deno.test("models read back from JSON, other JSON is refused", () => {
  const m = emptyModel();
  assert.deepEqual(modelFromJson(JSON.stringify(m)), m);
  assert.throws(() => modelFromJson(JSON.stringify({ ...m, format: 99 })), /"format": 1/);
  assert.throws(
    () => modelFromJson(JSON.stringify({ ...m, tables: {} })),
    /"tables" is not a list/,
  );
});
