/**
 * @module The deployed size of a control-plane function, measured the way the Supabase CLI and
 * the edge runtime build it (their sources: supabase/cli `pkg/function/bundle.go`,
 * supabase/edge-runtime `crates/deno_facade/eszip`):
 *
 * - the module graph is resolved from the entry point with the function's import map and
 *   without deno.lock (the CLI ignores it, so `npm:` versions resolve as the registry has them);
 * - the eszip holds every local module's source, and for npm every file of every package in
 *   the resolution (`build_npm_vfs` adds each package folder recursively, not just the files
 *   the graph imports: READMEs, type declarations, source maps and all);
 * - the CLI writes `EZBR` and brotli-compresses the eszip (andybalholm/brotli's default:
 *   quality 6, 4 MiB window); that compressed body is the "script size" it prints and what
 *   the platform's limits apply to: 20 MB bundled locally, 5 MB bundled server-side.
 *
 * Local sources are counted as written (the eszip stores them transpiled, a little smaller),
 * so the figure errs high.
 *
 *   deno run -A stack/function_size.ts [sessions worker drift_check]
 */
import { brotliCompressSync, constants } from "node:zlib";
import { paths, readSettings } from "./settings.ts";

/** The server-side bundling limit (Management API / dashboard deploys, `--use-api`). */
export const SERVER_SIDE_LIMIT_BYTES = 5 * 1000 * 1000;

/** The control-plane functions: every `[functions.<name>]` of supabase/config.toml. */
export const CONTROL_PLANE_FUNCTIONS: readonly string[] = Object.keys(readSettings().functions);

/** One function's measured size. */
export interface FunctionSize {
  name: string;
  /** Local modules in the graph and their bytes. */
  localModules: number;
  localBytes: number;
  /** npm packages in the resolution (a package at two versions counts twice). */
  npmPackages: number;
  npmBytes: number;
  /** Everything the eszip holds, uncompressed. */
  eszipBytes: number;
  /** `EZBR` + brotli(eszip): what the CLI uploads and reports. */
  compressedBytes: number;
  /** The largest packages, biggest first: `name@version` and uncompressed bytes. */
  largest: { name: string; bytes: number }[];
}

interface DenoDependency {
  code?: { specifier: string };
}

export interface DenoInfo {
  roots: string[];
  modules: {
    specifier: string;
    kind?: string;
    npmPackage?: string;
    dependencies?: DenoDependency[];
  }[];
  redirects: Record<string, string>;
  npmPackages?: Record<
    string,
    { name: string; version: string; dependencies: string[]; localPath?: string }
  >;
}

/**
 * What a code-only module graph holds (the bundler builds one: no type checking, so
 * `@ts-types` and `import type` targets stay out): the local modules reachable through code
 * imports, and the npm packages they import with all those packages' dependencies.
 */
export function codeOnlyGraph(info: DenoInfo): { local: string[]; npm: string[] } {
  const modules = new Map(info.modules.map((m) => [m.specifier, m]));
  const resolve = (specifier: string) => {
    let s = specifier;
    for (let i = 0; i < 10 && info.redirects[s]; i++) s = info.redirects[s]!;
    return s;
  };
  const local = new Set<string>();
  const npmRoots = new Set<string>();
  const queue = info.roots.map(resolve);
  while (queue.length > 0) {
    const specifier = queue.pop()!;
    const module = modules.get(specifier);
    if (!module || local.has(specifier)) continue;
    if (module.kind === "npm") {
      if (module.npmPackage) npmRoots.add(module.npmPackage);
      continue;
    }
    if (!specifier.startsWith("file://")) continue;
    local.add(specifier);
    for (const dep of module.dependencies ?? []) {
      if (dep.code) queue.push(resolve(dep.code.specifier));
    }
  }
  const npm = new Set<string>();
  const pending = [...npmRoots];
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (npm.has(id) || !info.npmPackages?.[id]) continue;
    npm.add(id);
    pending.push(...info.npmPackages[id]!.dependencies);
  }
  return { local: [...local].sort(), npm: [...npm].sort() };
}

async function denoJson<T>(args: string[]): Promise<T> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: paths.root,
    stdout: "piped",
    stderr: "piped",
    env: { DENO_NO_PACKAGE_JSON: "1" },
  }).output();
  if (!out.success) {
    throw new Error(`deno ${args.join(" ")} failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout)) as T;
}

async function filesUnder(dir: string, out: { path: string; bytes: Uint8Array }[]) {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.startsWith(".deno")) continue; // Deno's cache markers, not package files
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) await filesUnder(path, out);
    else if (entry.isFile) out.push({ path, bytes: await Deno.readFile(path) });
  }
}

/** Brotli as the CLI's Go writer does it by default: quality 6, 22-bit window. */
export function ezbr(eszip: Uint8Array): Uint8Array {
  const body = brotliCompressSync(eszip, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 6,
      [constants.BROTLI_PARAM_LGWIN]: 22,
      [constants.BROTLI_PARAM_SIZE_HINT]: eszip.byteLength,
    },
  });
  const out = new Uint8Array(4 + body.byteLength);
  out.set(new TextEncoder().encode("EZBR"));
  out.set(body, 4);
  return out;
}

/** Measures `supabase/functions/<name>/index.ts` with `import_map.json`, as the CLI deploys it. */
export async function measureFunction(name: string): Promise<FunctionSize> {
  const { npmCache } = await denoJson<{ npmCache: string }>(["info", "--json"]);
  const info = await denoJson<DenoInfo>([
    "info",
    "--json",
    "--no-config",
    "--no-lock",
    "--import-map",
    "import_map.json",
    `supabase/functions/${name}/index.ts`,
  ]);
  const graph = codeOnlyGraph(info);
  const parts: Uint8Array[] = [];
  const encoder = new TextEncoder();
  let localBytes = 0;
  for (const specifier of graph.local) {
    const bytes = await Deno.readFile(new URL(specifier));
    localBytes += bytes.byteLength;
    parts.push(encoder.encode(specifier), bytes);
  }
  let npmBytes = 0;
  const largest: { name: string; bytes: number }[] = [];
  for (const id of graph.npm) {
    const pkg = info.npmPackages![id]!;
    const files: { path: string; bytes: Uint8Array }[] = [];
    await filesUnder(
      pkg.localPath ?? `${npmCache}/registry.npmjs.org/${pkg.name}/${pkg.version}`,
      files,
    );
    files.sort((a, b) => (a.path < b.path ? -1 : 1));
    let bytes = 0;
    for (const file of files) {
      bytes += file.bytes.byteLength;
      parts.push(encoder.encode(file.path.slice(npmCache.length)), file.bytes);
    }
    npmBytes += bytes;
    largest.push({ name: `${pkg.name}@${pkg.version}`, bytes });
  }
  parts.push(encoder.encode(JSON.stringify(graph.npm))); // the npm snapshot
  const eszipBytes = parts.reduce((n, p) => n + p.byteLength, 0);
  const eszip = new Uint8Array(eszipBytes);
  let offset = 0;
  for (const part of parts) {
    eszip.set(part, offset);
    offset += part.byteLength;
  }
  largest.sort((a, b) => b.bytes - a.bytes);
  return {
    name,
    localModules: graph.local.length,
    localBytes,
    npmPackages: graph.npm.length,
    npmBytes,
    eszipBytes,
    compressedBytes: ezbr(eszip).byteLength,
    largest: largest.slice(0, 8),
  };
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

/** One line per function, as `deno task bench` and the CLI entry print it. */
export function describe(size: FunctionSize): string {
  const verdict = size.compressedBytes <= SERVER_SIDE_LIMIT_BYTES ? "within" : "OVER";
  return `${size.name}: ${mb(size.compressedBytes)} compressed (EZBR+brotli), ` +
    `${mb(size.eszipBytes)} eszip (${size.localModules} local modules ${mb(size.localBytes)}, ` +
    `${size.npmPackages} npm packages ${mb(size.npmBytes)}), ${verdict} the 5 MB ` +
    `server-side limit; largest: ${
      size.largest.slice(0, 4).map((p) => `${p.name} ${mb(p.bytes)}`).join(", ")
    }`;
}

if (import.meta.main) {
  const names = Deno.args.length ? Deno.args : [...CONTROL_PLANE_FUNCTIONS];
  let over = false;
  for (const name of names) {
    const size = await measureFunction(name);
    console.log(describe(size));
    over ||= size.compressedBytes > SERVER_SIDE_LIMIT_BYTES;
  }
  Deno.exit(over ? 1 : 0);
}
