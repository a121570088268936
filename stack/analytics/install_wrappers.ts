/**
 * @module Installs the local `wrappers` extension's moving parts next to its control file:
 * `wrappers.so` (built from stack/analytics/fdw with PGXS), the Iceberg reader bundled into one
 * file, the launcher the FDW runs (the only program it runs), and the demo analytics bucket.
 * Idempotent: a digest of every input decides whether anything is redone.
 */
import type { BuiltPiece } from "../prerequisites.ts";
import type { PostgresLayout } from "../postgres_version.ts";
import { run } from "../process.ts";
import { paths } from "../settings.ts";

const SOURCES = `${paths.root}/stack/analytics`;
const READER_ENTRY = `${SOURCES}/iceberg/reader_entry.ts`;
export const WAREHOUSE_SOURCE = `${SOURCES}/warehouse`;

/** Where the installed pieces live (under `pg_config --sharedir`/extension and pkglibdir). */
export interface WrappersLayout {
  library: string;
  launcher: string;
  bundle: string;
  warehouse: string;
  marker: string;
}

export function wrappersLayout(pg: PostgresLayout): WrappersLayout {
  const ext = `${pg.share}/extension`;
  return {
    library: `${pg.pkglib}/wrappers.so`,
    launcher: `${ext}/wrappers_iceberg_reader`,
    bundle: `${ext}/wrappers_iceberg_reader.mjs`,
    warehouse: `${ext}/wrappers_iceberg_warehouse`,
    marker: `${ext}/wrappers_iceberg.sha256`,
  };
}

async function* files(dir: string): AsyncGenerator<string> {
  const entries = [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) yield* files(path);
    else if (e.isFile) yield path;
  }
}

/** A digest of every input: the C source, the reader's sources and the dataset. */
async function inputsDigest(): Promise<string> {
  const parts: Uint8Array[] = [];
  for (const dir of [`${SOURCES}/fdw`, `${SOURCES}/iceberg`, WAREHOUSE_SOURCE]) {
    for await (const file of files(dir)) {
      parts.push(new TextEncoder().encode(file.slice(paths.root.length)));
      parts.push(await Deno.readFile(file));
    }
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The stack installer's view of the extension: its files and the digest they must match. */
export async function wrappersPiece(pg: PostgresLayout): Promise<BuiltPiece> {
  const layout = wrappersLayout(pg);
  return {
    id: "build:wrappers",
    what: "wrappers (compatibility extension: Iceberg FDW and reader)",
    files: [layout.library, layout.launcher, layout.bundle],
    marker: layout.marker,
    digest: await inputsDigest(),
    manual: `run \`deno task stack up\` as root (builds stack/analytics/fdw with ` +
      `postgresql-server-dev-${pg.major} and installs it into ${pg.share}/extension)`,
  };
}

/** A JavaScript runtime the postgres OS user can run: Node, else a copy of this Deno. */
async function runtimeFor(layout: WrappersLayout): Promise<string[]> {
  const which = await run("sh", ["-c", "command -v node"], { allowFailure: true });
  const node = which.stdout.trim();
  if (node) {
    const probe = await run(node, ["--version"], { asUser: "postgres", allowFailure: true });
    if (probe.code === 0) return [node];
  }
  const deno = `${layout.warehouse}_deno`;
  await Deno.copyFile(Deno.execPath(), deno);
  await Deno.chmod(deno, 0o755);
  return [deno, "run", "--quiet", "--no-prompt", "--no-config", "--allow-read"];
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/** Builds and installs everything; `log` reports progress. */
export async function installWrappers(
  pg: PostgresLayout,
  log: (m: string) => void,
): Promise<void> {
  const layout = wrappersLayout(pg);
  const pgConfig = `PG_CONFIG=${pg.bin}/pg_config`;
  const build = `${paths.stackDir}/build/wrappers`;
  await Deno.remove(build, { recursive: true }).catch(() => {});
  await Deno.mkdir(build, { recursive: true });
  for await (const file of files(`${SOURCES}/fdw`)) {
    await Deno.copyFile(file, `${build}/${file.slice(file.lastIndexOf("/") + 1)}`);
  }
  log("building the wrappers extension (Iceberg FDW)");
  await run("make", [pgConfig], { cwd: build });
  await run("make", ["install", pgConfig], { cwd: build });

  log("bundling the Iceberg reader");
  await run(Deno.execPath(), [
    "bundle",
    "--quiet",
    "--platform=deno",
    "--minify",
    "-o",
    layout.bundle,
    READER_ENTRY,
  ]);
  await Deno.remove(layout.warehouse, { recursive: true }).catch(() => {});
  for await (const file of files(WAREHOUSE_SOURCE)) {
    const target = `${layout.warehouse}${file.slice(WAREHOUSE_SOURCE.length)}`;
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    await Deno.copyFile(file, target);
  }
  const runtime = await runtimeFor(layout);
  await Deno.writeTextFile(
    layout.launcher,
    [
      "#!/bin/sh",
      "# vibe-architect local stack: the Iceberg reader the wrappers extension runs per scan.",
      `exec ${[...runtime, layout.bundle].map(shellQuote).join(" ")} --root ${
        shellQuote(layout.warehouse)
      } "$@"`,
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  await Deno.chmod(layout.launcher, 0o755);
  await Deno.writeTextFile(layout.marker, `${await inputsDigest()}\n`);
}
