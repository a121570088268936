/** @module The repository's shape: npm-only imports, matching import maps, strict compiler
 * options, and function entry points that never reach local-only tooling. */
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url).pathname;
const readJson = (path: string) => JSON.parse(Deno.readTextFileSync(`${root}${path}`));

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of Deno.readDirSync(`${root}${dir}`)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* sourceFiles(path);
    else if (/\.(ts|tsx|js|mjs)$/.test(entry.name)) yield path;
  }
}

Deno.test("deno.json and import_map.json declare the same imports", () => {
  assert.deepEqual(readJson("import_map.json").imports, readJson("deno.json").imports);
});

Deno.test("every import pins an exact version (the Supabase CLI ignores deno.lock)", () => {
  for (
    const [name, target] of Object.entries(readJson("deno.json").imports as Record<string, string>)
  ) {
    // npm:<name>@<version>, a trailing / (a prefix) or a subpath (npm:compromise@14.18.0/two).
    const version = target.match(/^npm:\/?(?:@[^/@]+\/)?[^/@]+@([^/]+)(?:\/.*)?$/)?.[1];
    assert.match(
      version ?? "",
      /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/,
      `${name} maps to ${target}: pin an exact version (no ^, ~, ranges or tags)`,
    );
  }
});

Deno.test("every import is an npm: specifier", () => {
  for (
    const [name, target] of Object.entries(readJson("deno.json").imports as Record<string, string>)
  ) {
    assert(target.startsWith("npm:"), `${name} maps to ${target}; only npm: specifiers resolve`);
  }
  const remote = /(from\s+|import\()\s*["'](jsr:|https?:)/;
  for (const dir of ["supabase/functions", "functions-shared", "stack", "tests"]) {
    for (const file of sourceFiles(dir)) {
      const text = Deno.readTextFileSync(`${root}${file}`);
      assert(!remote.test(text), `${file} imports a jsr: or https: module`);
    }
  }
});

Deno.test("compiler options are strict", () => {
  const opts = readJson("deno.json").compilerOptions;
  assert.deepEqual(opts.strict, true);
  assert.deepEqual(opts.noUncheckedIndexedAccess, true);
  assert.deepEqual(opts.exactOptionalPropertyTypes, true);
});

const FUNCTIONS = ["sessions", "worker", "drift_check"];

Deno.test("function entry points reach only supabase/functions, functions-shared and npm", async () => {
  for (const fn of FUNCTIONS) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", `supabase/functions/${fn}/index.ts`],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(out.success, new TextDecoder().decode(out.stderr));
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      modules: { specifier: string }[];
    };
    const local = info.modules.map((m) => m.specifier).filter((s) => s.startsWith("file://"));
    assert(local.length > 1, `${fn}: expected a module graph`);
    for (const spec of local) {
      const path = new URL(spec).pathname.slice(root.length);
      assert(
        path.startsWith("supabase/functions/") || path.startsWith("functions-shared/"),
        `${fn} imports ${path}, which is not deployable (local-only tooling?)`,
      );
    }
  }
});

Deno.test("config.toml declares every function with its verify_jwt", () => {
  const toml = Deno.readTextFileSync(`${root}supabase/config.toml`);
  for (const fn of FUNCTIONS) {
    assert(toml.includes(`[functions.${fn}]`), `config.toml lacks [functions.${fn}]`);
    assert(Deno.statSync(`${root}supabase/functions/${fn}/index.ts`).isFile);
  }
});

Deno.test("the pg driver is imported only through functions-shared/db/pg.ts (which types it)", () => {
  const direct = /from\s+["']pg["']/;
  for (const dir of ["supabase/functions", "functions-shared", "stack", "tests", "bench"]) {
    try {
      Deno.statSync(`${root}${dir}`);
    } catch {
      continue;
    }
    for (const file of sourceFiles(dir)) {
      if (file === "functions-shared/db/pg.ts") continue;
      const text = Deno.readTextFileSync(`${root}${file}`);
      assert.ok(
        !direct.test(text),
        `${file} imports "pg" directly; import functions-shared/db/pg.ts`,
      );
    }
  }
});

Deno.test("the size measurement follows code imports only, and every npm dependency", async () => {
  const { codeOnlyGraph } = await import("../../stack/function_size.ts");
  const graph = codeOnlyGraph({
    roots: ["file:///a.ts"],
    redirects: { "npm:pg@^8": "npm:/pg@8.0.0" },
    modules: [
      {
        specifier: "file:///a.ts",
        dependencies: [
          { code: { specifier: "npm:pg@^8" } },
          { code: { specifier: "file:///b.ts" } },
          {}, // a type-only import (`import type`, `@ts-types`): not in the bundle
        ],
      },
      { specifier: "file:///b.ts", dependencies: [] },
      { specifier: "file:///types.ts", dependencies: [] },
      { specifier: "npm:/pg@8.0.0", kind: "npm", npmPackage: "pg@8.0.0" },
    ],
    npmPackages: {
      "pg@8.0.0": { name: "pg", version: "8.0.0", dependencies: ["pg-types@1.0.0"] },
      "pg-types@1.0.0": { name: "pg-types", version: "1.0.0", dependencies: [] },
      "@types/pg@8.0.0": { name: "@types/pg", version: "8.0.0", dependencies: [] },
    },
  });
  assert.deepEqual(graph, {
    local: ["file:///a.ts", "file:///b.ts"],
    npm: ["pg-types@1.0.0", "pg@8.0.0"],
  });
});

Deno.test("the vendored LangGraph build matches its entry and the pinned versions", async () => {
  const { vendorHash, vendoredHash } = await import("../../stack/vendor_langchain.ts");
  assert.equal(
    await vendoredHash(),
    await vendorHash(),
    "functions-shared/langchain/runtime.generated.js is stale: run `deno task vendor-langchain`",
  );
});

Deno.test("deployed code takes LangChain values only from the vendored build", () => {
  const valueImport = /^import\s+(?!type\b)[^;]*from\s+"@langchain\//m;
  for (const dir of ["supabase/functions", "functions-shared"]) {
    for (const file of sourceFiles(dir)) {
      if (file.endsWith("langchain/runtime_entry.ts")) continue;
      const text = Deno.readTextFileSync(`${root}${file}`);
      assert(
        !valueImport.test(text),
        `${file} imports a value from @langchain/*: import it from functions-shared/langchain/` +
          "runtime.ts (add it to runtime_entry.ts and run `deno task vendor-langchain`)",
      );
    }
  }
});
