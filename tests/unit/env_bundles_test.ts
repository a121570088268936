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
import { recordedHash, sourceHash } from "../../stack/env_bundles.ts";

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
