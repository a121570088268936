/** @module The environment functions' bundles are generated from the current sources, and each
 * carries exactly one contract placeholder. */
import assert from "node:assert/strict";
import { BUNDLES } from "../../functions-shared/env_functions/bundles.generated.ts";
import {
  CONTRACT_PLACEHOLDER,
  embedContract,
  parseEmbeddedContract,
} from "../../functions-shared/env_functions/embedded_contract.ts";
import type { EnvironmentContract } from "../../functions-shared/env_functions/source.ts";
import { recordedHash, sourceHash, withNodeRequire } from "../../stack/env_bundles.ts";

Deno.test("the generated bundles match the environment functions' sources", async () => {
  assert.equal(
    await recordedHash(),
    await sourceHash(),
    "functions-shared/env_functions changed since the bundles were generated: run `deno task bundle-env`",
  );
});

Deno.test("a contract embeds once per bundle and round-trips", () => {
  const contract = {
    sessionId: "s",
    reportToken: "t\"'`${x}</script>",
  } as unknown as EnvironmentContract;
  for (const [slug, bundle] of Object.entries(BUNDLES)) {
    assert.equal(
      bundle.split(JSON.stringify(CONTRACT_PLACEHOLDER)).length,
      2,
      `${slug}: one placeholder`,
    );
    const embedded = embedContract(bundle, contract);
    const literal = embedded.match(/\("(\{\\"sessionId[^]*?\})"\)/)?.[1];
    assert.ok(literal, `${slug}: the contract literal is in the bundle`);
    assert.deepEqual(parseEmbeddedContract(JSON.parse(`"${literal}"`)), contract);
  }
  assert.throws(() => embedContract("no placeholder", contract), /regenerate the bundles/);
  assert.throws(() => parseEmbeddedContract(CONTRACT_PLACEHOLDER), /no contract embedded/);
});

Deno.test("a minified require shim the bundler left in place becomes Node's createRequire", () => {
  const shim = `var $=(e=>typeof require<"u"?require:typeof Proxy<"u"?new Proxy(e,{get:(t,n)=>` +
    `(typeof require<"u"?require:t)[n]}):e)(function(e){if(typeof require<"u")return ` +
    `require.apply(this,arguments);throw Error('Dynamic require of "'+e+'" is not supported')});`;
  const fixed = withNodeRequire(`var a=1;${shim}var p=$("node:events");`);
  assert.equal(
    fixed,
    'import{createRequire as __vibe_createRequire}from"node:module";var a=1;' +
      'var $=__vibe_createRequire(import.meta.url);var p=$("node:events");',
  );
  assert.equal(withNodeRequire("var a=1;"), "var a=1;");
  for (const bundle of Object.values(BUNDLES)) {
    assert.ok(!bundle.includes("Dynamic require of"), "no bundle keeps the throwing shim");
  }
});
