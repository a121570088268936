/**
 * @module The drift engine runs inside an Edge Function: its modules use no Deno API and no
 * local tooling, except the one module that provides local scratch databases. Models survive
 * a JSON round trip.
 */
import assert from "node:assert/strict";
import { emptyModel, modelFromJson } from "../../functions-shared/drift/model.ts";

const dir = new URL("../../functions-shared/drift/", import.meta.url).pathname;
const LOCAL_ONLY = new Set(["scratch_database.ts"]);

Deno.test("drift modules are portable: no Deno API, no stack/ import, a @module doc", () => {
  for (const entry of Deno.readDirSync(dir)) {
    if (!entry.name.endsWith(".ts")) continue;
    const text = Deno.readTextFileSync(`${dir}${entry.name}`);
    assert.ok(
      text.startsWith("/**") && text.slice(0, 400).includes("@module"),
      `${entry.name} @module`,
    );
    if (LOCAL_ONLY.has(entry.name)) continue;
    assert.ok(!/\bDeno\./.test(text), `${entry.name} uses a Deno API`);
    assert.ok(!/from\s+["'][./]*stack\//.test(text), `${entry.name} imports local tooling`);
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
