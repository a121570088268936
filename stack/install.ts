/**
 * @module Installs what the local stack needs, idempotently: PostgreSQL 15, pg_cron (Debian),
 * pgvector (built from Debian's source package) and the stack's own compatibility extensions.
 */
import { wrappersNeed } from "./analytics/install_wrappers.ts";
import { exists, isRoot, run } from "./process.ts";
import { paths } from "./settings.ts";

export const PG_BIN = "/usr/lib/postgresql/15/bin";
const PG_CONFIG = `${PG_BIN}/pg_config`;

/** Our compatibility extensions, installed only where no real one exists. */
const COMPAT_EXTENSIONS = ["pgmq", "pg_net", "supabase_vault", "wrappers"] as const;
const COMPAT_MARKER = "vibe-architect local stack";

interface Need {
  what: string;
  missing: () => Promise<boolean>;
  /** Debian packages that provide it (installed with apt-get). */
  packages?: string[];
  /** How to provide it when it is not a plain package. */
  install?: () => Promise<void>;
  manual: string;
}

async function sharedir(): Promise<string> {
  return (await run(PG_CONFIG, ["--sharedir"])).stdout.trim();
}

async function extensionMissing(name: string): Promise<boolean> {
  if (!(await exists(PG_CONFIG))) return true;
  return !(await exists(`${await sharedir()}/extension/${name}.control`));
}

function debianSourceUri(): string {
  for (const file of ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]) {
    try {
      const text = Deno.readTextFileSync(file);
      const m = text.match(/(https?:\/\/[^\s]+\/debian)\/?(\s|$)/);
      if (m?.[1]) return m[1];
    } catch { /* not present */ }
  }
  return "http://deb.debian.org/debian";
}

/** pgvector: Debian 12 ships no binary, so build the trixie source package against PG 15. */
async function buildPgvector(log: (m: string) => void): Promise<void> {
  const aptDir = `${paths.stackDir}/apt`;
  const build = `${paths.stackDir}/build/pgvector`;
  await Deno.mkdir(`${aptDir}/lists/partial`, { recursive: true });
  await Deno.mkdir(`${aptDir}/sources.list.d`, { recursive: true });
  await Deno.remove(build, { recursive: true }).catch(() => {});
  await Deno.mkdir(build, { recursive: true });
  await Deno.writeTextFile(`${aptDir}/sources.list`, `deb-src ${debianSourceUri()} trixie main\n`);
  const aptOpts = [
    "-o",
    `Dir::Etc::SourceList=${aptDir}/sources.list`,
    "-o",
    `Dir::Etc::SourceParts=${aptDir}/sources.list.d`,
    "-o",
    `Dir::State::Lists=${aptDir}/lists`,
  ];
  log("fetching pgvector source (Debian trixie)");
  await run("apt-get", [...aptOpts, "update", "-q"]);
  await run("apt-get", [...aptOpts, "source", "--download-only", "pgvector"], { cwd: build });
  const tarball = [...Deno.readDirSync(build)].find((e) => e.name.endsWith(".orig.tar.gz"));
  if (!tarball) throw new Error("Cannot build pgvector: apt-get source fetched no .orig.tar.gz");
  await run("tar", ["xzf", tarball.name, "--strip-components=1"], { cwd: build });
  log("building pgvector");
  await run("make", ["-j2", `PG_CONFIG=${PG_CONFIG}`], { cwd: build });
  await run("make", ["install", `PG_CONFIG=${PG_CONFIG}`], { cwd: build });
}

/**
 * Hosted Supabase lets `postgres` create these through supautils; locally their control
 * files are marked trusted so the non-superuser `postgres` can create them the same way.
 */
const TRUSTED_FOR_POSTGRES = ["vector", "pg_cron"] as const;

async function untrusted(name: string): Promise<boolean> {
  const control = `${await sharedir()}/extension/${name}.control`;
  return !/^trusted\s*=\s*true/m.test(await Deno.readTextFile(control).catch(() => ""));
}

async function markTrusted(name: string): Promise<void> {
  const control = `${await sharedir()}/extension/${name}.control`;
  const text = (await Deno.readTextFile(control)).replace(/^trusted\s*=.*\n?/m, "");
  await Deno.writeTextFile(control, `${text.replace(/\n?$/, "\n")}trusted = true\n`);
}

async function compatExtensionStale(name: string): Promise<boolean> {
  if (!(await exists(PG_CONFIG))) return true;
  const dir = `${await sharedir()}/extension`;
  const control = `${dir}/${name}.control`;
  if (!(await exists(control))) return true;
  const installed = await Deno.readTextFile(control);
  if (!installed.includes(COMPAT_MARKER)) return false; // a real extension: use it
  for (const entry of Deno.readDirSync(`${paths.compatDir}/extensions`)) {
    if (!entry.name.startsWith(`${name}.`) && !entry.name.startsWith(`${name}--`)) continue;
    const ours = await Deno.readTextFile(`${paths.compatDir}/extensions/${entry.name}`);
    const theirs = await Deno.readTextFile(`${dir}/${entry.name}`).catch(() => "");
    if (ours !== theirs) return true;
  }
  return false;
}

async function installCompatExtension(name: string): Promise<void> {
  const dir = `${await sharedir()}/extension`;
  for (const entry of Deno.readDirSync(`${paths.compatDir}/extensions`)) {
    if (entry.name.startsWith(`${name}.`) || entry.name.startsWith(`${name}--`)) {
      await Deno.copyFile(`${paths.compatDir}/extensions/${entry.name}`, `${dir}/${entry.name}`);
    }
  }
}

function needs(log: (m: string) => void): Need[] {
  return [
    {
      what: "PostgreSQL 15 server",
      missing: async () => !(await exists(`${PG_BIN}/postgres`)),
      packages: ["postgresql-15", "postgresql-client-15"],
      manual: "PostgreSQL 15 server and client (Debian/Ubuntu: apt-get install postgresql-15)",
    },
    {
      what: "PostgreSQL 15 server headers (to build pgvector)",
      missing: async () => !(await exists(PG_CONFIG)),
      packages: ["postgresql-server-dev-15", "build-essential", "dpkg-dev"],
      manual:
        "postgresql-server-dev-15 and a C toolchain (apt-get install postgresql-server-dev-15 build-essential)",
    },
    {
      what: "pg_cron",
      missing: () => extensionMissing("pg_cron"),
      packages: ["postgresql-15-cron"],
      manual: "pg_cron for PostgreSQL 15 (apt-get install postgresql-15-cron)",
    },
    {
      what: "pgvector",
      missing: () => extensionMissing("vector"),
      install: () => buildPgvector(log),
      manual:
        "pgvector for PostgreSQL 15 (build https://github.com/pgvector/pgvector with `make && make install`)",
    },
    ...TRUSTED_FOR_POSTGRES.map((name): Need => ({
      what: `${name} creatable by postgres`,
      missing: () => untrusted(name),
      install: () => markTrusted(name),
      manual: `append \`trusted = true\` to ${name}.control in \`pg_config --sharedir\`/extension`,
    })),
    ...COMPAT_EXTENSIONS.map((name): Need => ({
      what: `${name} (compatibility extension)`,
      missing: () => compatExtensionStale(name),
      install: () => installCompatExtension(name),
      manual: `copy stack/compat/extensions/${name}* into \`pg_config --sharedir\`/extension`,
    })),
    wrappersNeed(log),
  ];
}

async function isDebian(): Promise<boolean> {
  return await exists("/etc/debian_version") && await exists("/usr/bin/apt-get");
}

/** Prevents Debian's postgresql-common from creating and starting its own cluster on install. */
async function preventDefaultCluster(): Promise<void> {
  const dir = "/etc/postgresql-common/createcluster.d";
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/vibe-architect.conf`, "create_main_cluster = false\n");
}

/**
 * Installs whatever is missing. Idempotent: a complete machine runs no installer at all.
 * Without root or off Debian it stops with the exact list of what to install.
 */
export async function ensureInstalled(log: (m: string) => void): Promise<void> {
  const list = needs(log);
  const missing: Need[] = [];
  for (const need of list) if (await need.missing()) missing.push(need);
  if (missing.length === 0) return;
  if (!isRoot() || !(await isDebian())) {
    const why = !isRoot() ? "not running as root" : "this is not a Debian/Ubuntu system";
    throw new Error(
      `Cannot install the local stack's prerequisites (${why}). Install these, then run again:\n` +
        missing.map((n) => `  - ${n.manual}`).join("\n"),
    );
  }
  let updated = false;
  for (const need of list) {
    if (!(await need.missing())) continue;
    if (need.packages) {
      if (!updated) {
        log("apt-get update");
        await run("apt-get", ["update", "-q"], { allowFailure: true });
        await preventDefaultCluster();
        updated = true;
      }
      log(`installing ${need.what}: ${need.packages.join(" ")}`);
      await run("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...need.packages], {
        env: { DEBIAN_FRONTEND: "noninteractive" },
      });
    } else if (need.install) {
      log(`installing ${need.what}`);
      await need.install();
    }
    if (await need.missing()) throw new Error(`Installed ${need.what}, but it is still missing`);
  }
}
