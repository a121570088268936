/**
 * @module What the local stack needs on the machine, checked against the real files (the server
 * binary, the server headers, each extension's library and control file), and how each missing
 * piece is provided. The checks read the machine only through a `MachineProbe`, so tests feed
 * them machines without headers, without pg_cron, with PostgreSQL 17 only, and so on.
 */
import type { PostgresLayout } from "./postgres_version.ts";

/** Read-only access to the machine. */
export interface MachineProbe {
  exists(path: string): Promise<boolean>;
  /** A file's text, or undefined when it does not exist. */
  read(path: string): Promise<string | undefined>;
  /** True when the distribution's package lists offer this package. */
  packaged(pkg: string): Promise<boolean>;
}

/** A compatibility extension file shipped in stack/compat/extensions/. */
export interface CompatFile {
  extension: string;
  name: string;
  content: string;
}

/**
 * Something the stack builds from its own sources (the local `wrappers` FDW): installed when its
 * files exist and the marker holds the digest of the sources they were built from.
 */
export interface BuiltPiece {
  id: string;
  what: string;
  files: string[];
  marker: string;
  digest: string;
  manual: string;
}

/** How a missing prerequisite is provided. */
export type Remedy =
  | { kind: "packages"; packages: string[] }
  | { kind: "build-pgvector" }
  | { kind: "build"; id: string }
  | { kind: "mark-trusted"; extension: string; control: string }
  | { kind: "copy-compat"; extension: string; files: CompatFile[]; into: string };

export interface Prerequisite {
  /** Stable id (`server`, `headers`, `toolchain`, `pg_cron`, `vector`, `trusted:vector`, …). */
  id: string;
  what: string;
  state: "ok" | "missing" | "not needed";
  /** The files checked, or why it is not needed. */
  detail: string;
  remedy?: Remedy;
  /** What to install by hand where the stack cannot install it itself. */
  manual: string;
}

/** Marker in the control files of our own compatibility extensions. */
export const COMPAT_MARKER = "vibe-architect local stack";

async function allExist(probe: MachineProbe, files: string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const f of files) if (!(await probe.exists(f))) missing.push(f);
  return missing;
}

function describe(files: string[], missing: string[]): string {
  return missing.length ? `missing ${missing.join(", ")}` : files.join(", ");
}

/** Extensions `postgres` may create without superuser, as supautils allows on hosted. */
const TRUSTED_FOR_POSTGRES = ["vector", "pg_cron"] as const;

/**
 * Checks every prerequisite of PostgreSQL `layout.major`. Headers and a C toolchain are needed
 * only when something must be built: pgvector where the distribution has no
 * `postgresql-<N>-pgvector`, or one of the stack's own `built` pieces that is missing or stale.
 */
export async function assessPrerequisites(
  probe: MachineProbe,
  layout: PostgresLayout,
  compatFiles: CompatFile[],
  built: BuiltPiece[] = [],
): Promise<Prerequisite[]> {
  const v = layout.major;
  const ext = `${layout.share}/extension`;
  const result: Prerequisite[] = [];
  const add = async (
    p: Omit<Prerequisite, "state" | "detail"> & { files: string[] },
  ): Promise<boolean> => {
    const missing = await allExist(probe, p.files);
    const { files: _files, ...rest } = p;
    result.push({
      ...rest,
      state: missing.length ? "missing" : "ok",
      detail: describe(p.files, missing),
    });
    return missing.length === 0;
  };

  await add({
    id: "server",
    what: `PostgreSQL ${v} server`,
    files: [`${layout.bin}/postgres`, `${layout.bin}/initdb`, `${layout.bin}/pg_ctl`],
    remedy: { kind: "packages", packages: [`postgresql-${v}`, `postgresql-client-${v}`] },
    manual: `PostgreSQL ${v} server and client (apt-get install postgresql-${v})`,
  });
  await add({
    id: "pg_cron",
    what: "pg_cron",
    files: [`${layout.pkglib}/pg_cron.so`, `${ext}/pg_cron.control`],
    remedy: { kind: "packages", packages: [`postgresql-${v}-cron`] },
    manual: `pg_cron for PostgreSQL ${v} (apt-get install postgresql-${v}-cron)`,
  });

  const vectorPackage = `postgresql-${v}-pgvector`;
  const vectorPackaged = await probe.packaged(vectorPackage);
  const vectorOk = await add({
    id: "vector",
    what: "pgvector",
    files: [`${layout.pkglib}/vector.so`, `${ext}/vector.control`],
    remedy: vectorPackaged
      ? { kind: "packages", packages: [vectorPackage] }
      : { kind: "build-pgvector" },
    manual: vectorPackaged
      ? `pgvector (apt-get install ${vectorPackage})`
      : `pgvector for PostgreSQL ${v} (build https://github.com/pgvector/pgvector with ` +
        "`make && make install`)",
  });
  const builtState = new Map<string, string | null>();
  for (const piece of built) {
    const missing = await allExist(probe, piece.files);
    const marker = (await probe.read(piece.marker))?.trim();
    builtState.set(
      piece.id,
      missing.length
        ? `missing ${missing.join(", ")}`
        : marker !== piece.digest
        ? `${piece.marker} records other sources: rebuild`
        : null,
    );
  }
  const buildsPending = [...builtState.values()].filter((v) => v !== null).length;
  const mustBuild = (!vectorOk && !vectorPackaged) || buildsPending > 0;
  const buildTools = [
    {
      id: "headers",
      what: `PostgreSQL ${v} server headers (to build pgvector)`,
      files: [`${layout.includeServer}/postgres.h`, `${layout.bin}/pg_config`],
      remedy: { kind: "packages", packages: [`postgresql-server-dev-${v}`] } as Remedy,
      manual: `postgresql-server-dev-${v} (apt-get install postgresql-server-dev-${v})`,
    },
    {
      id: "toolchain",
      what: "a C toolchain and dpkg-dev (to build pgvector)",
      files: ["/usr/bin/make", "/usr/bin/gcc", "/usr/bin/dpkg-source"],
      remedy: { kind: "packages", packages: ["build-essential", "dpkg-dev"] } as Remedy,
      manual: "build-essential and dpkg-dev (apt-get install build-essential dpkg-dev)",
    },
  ];
  for (const tool of buildTools) {
    if (mustBuild) {
      await add(tool);
    } else {
      const { files: _files, remedy: _remedy, ...rest } = tool;
      result.push({
        ...rest,
        state: "not needed",
        detail: (vectorOk ? "pgvector is installed" : `pgvector comes from ${vectorPackage}`) +
          (built.length ? ", nothing else to build" : ""),
      });
    }
  }

  for (const name of TRUSTED_FOR_POSTGRES) {
    const control = `${ext}/${name}.control`;
    const text = await probe.read(control);
    const trusted = text !== undefined && /^trusted\s*=\s*true/m.test(text);
    result.push({
      id: `trusted:${name}`,
      what: `${name} creatable by postgres`,
      state: trusted ? "ok" : "missing",
      detail: trusted ? `${control} says trusted = true` : `${control} is not marked trusted`,
      remedy: { kind: "mark-trusted", extension: name, control },
      manual: `append \`trusted = true\` to ${control}`,
    });
  }

  const byExtension = new Map<string, CompatFile[]>();
  for (const f of compatFiles) {
    byExtension.set(f.extension, [...(byExtension.get(f.extension) ?? []), f]);
  }
  for (const [name, files] of byExtension) {
    const control = await probe.read(`${ext}/${name}.control`);
    let state: Prerequisite["state"] = "ok";
    let detail = `${ext}/${name}.control is ours and current`;
    if (control === undefined) {
      state = "missing";
      detail = `missing ${ext}/${name}.control`;
    } else if (!control.includes(COMPAT_MARKER)) {
      detail = `a real ${name} extension is installed: it is used`;
    } else {
      for (const f of files) {
        if ((await probe.read(`${ext}/${f.name}`)) !== f.content) {
          state = "missing";
          detail = `${ext}/${f.name} differs from stack/compat/extensions/${f.name}`;
          break;
        }
      }
    }
    result.push({
      id: `compat:${name}`,
      what: `${name} (compatibility extension)`,
      state,
      detail,
      remedy: { kind: "copy-compat", extension: name, files, into: ext },
      manual: `copy stack/compat/extensions/${name}* into ${ext}`,
    });
  }
  for (const piece of built) {
    const problem = builtState.get(piece.id) ?? null;
    result.push({
      id: piece.id,
      what: piece.what,
      state: problem === null ? "ok" : "missing",
      detail: problem ?? `${piece.files.join(", ")} (built from the current sources)`,
      remedy: { kind: "build", id: piece.id },
      manual: piece.manual,
    });
  }
  return result;
}

/** Tools the test suite needs beyond the stack: Chromium for the console's browser test. */
export async function assessTestTools(probe: MachineProbe): Promise<Prerequisite[]> {
  const file = "/usr/bin/chromium";
  const ok = await probe.exists(file);
  return [{
    id: "test:chromium",
    what: "Chromium (the console's browser test)",
    state: ok ? "ok" : "missing",
    detail: ok ? file : `missing ${file}`,
    remedy: { kind: "packages", packages: ["chromium"] },
    manual: "Debian's chromium (apt-get install chromium)",
  }];
}

/** The Debian packages that provide what is missing, in one list, without repeats. */
export function packagesToInstall(prerequisites: Prerequisite[]): string[] {
  const packages: string[] = [];
  for (const p of prerequisites) {
    if (p.state !== "missing" || p.remedy?.kind !== "packages") continue;
    for (const pkg of p.remedy.packages) if (!packages.includes(pkg)) packages.push(pkg);
  }
  return packages;
}

/** The prerequisites table `stack doctor` prints. */
export function formatPrerequisites(
  prerequisites: Pick<Prerequisite, "what" | "state" | "detail" | "manual">[],
): string {
  const width = Math.max(...prerequisites.map((p) => p.what.length));
  return prerequisites.map((p) => {
    const mark = p.state === "ok" ? "ok " : p.state === "missing" ? "-- " : "   ";
    const fix = p.state === "missing" ? `\n${" ".repeat(width + 6)}fix: ${p.manual}` : "";
    return `${mark} ${p.what.padEnd(width)}  ${
      p.state === "ok" ? "" : `${p.state}: `
    }${p.detail}${fix}`;
  }).join("\n");
}
