/**
 * @module Installs what the local stack needs, idempotently: PostgreSQL 15 or 17, pg_cron and
 * pgvector (Debian packages, or pgvector built from Debian's source package where no binary is
 * packaged), and the stack's own compatibility extensions (the `wrappers` FDW built from
 * stack/analytics/fdw). Every check reads the real files
 * (prerequisites.ts); `stack doctor` prints the same checks without installing anything.
 */
import { parse as parseToml } from "smol-toml";
import { installWrappers, wrappersPiece } from "./analytics/install_wrappers.ts";
import {
  assessPrerequisites,
  assessTestTools,
  type BuiltPiece,
  type CompatFile,
  formatPrerequisites,
  type MachineProbe,
  packagesToInstall,
  type Prerequisite,
} from "./prerequisites.ts";
import {
  choosePostgresMajor,
  debianLayout,
  type PostgresLayout,
  SUPPORTED_MAJORS,
  type VersionChoice,
} from "./postgres_version.ts";
import { exists, isRoot, run } from "./process.ts";
import { clusterLocation, paths } from "./settings.ts";

/** Our compatibility extensions, installed only where no real one exists. */
const COMPAT_EXTENSIONS = ["pgmq", "pg_net", "supabase_vault", "wrappers"] as const;

/** What the stack builds from its own sources for this PostgreSQL. */
async function builtPieces(layout: PostgresLayout): Promise<BuiltPiece[]> {
  return [await wrappersPiece(layout)];
}

/** apt waits for another apt/dpkg (an unattended upgrade, another checkout) instead of failing. */
const APT_LOCK_WAIT = ["-o", "DPkg::Lock::Timeout=600"];

const readText = (path: string) => Deno.readTextFile(path).catch(() => undefined);

/** The real machine: files on disk and apt's package lists. */
const machine: MachineProbe = {
  exists,
  read: readText,
  async packaged(pkg) {
    const r = await run("apt-cache", ["policy", pkg], { allowFailure: true }).catch(() => null);
    const candidate = r?.stdout.match(/Candidate:\s*(\S+)/)?.[1];
    return candidate !== undefined && candidate !== "(none)";
  },
};

function compatFiles(): CompatFile[] {
  const files: CompatFile[] = [];
  for (const entry of Deno.readDirSync(`${paths.compatDir}/extensions`)) {
    const extension = COMPAT_EXTENSIONS.find((n) =>
      entry.name.startsWith(`${n}.`) || entry.name.startsWith(`${n}--`)
    );
    if (!extension) continue;
    const content = Deno.readTextFileSync(`${paths.compatDir}/extensions/${entry.name}`);
    files.push({ extension, name: entry.name, content });
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

function preferredMajor(): number | undefined {
  try {
    const toml = parseToml(Deno.readTextFileSync(paths.configToml)) as {
      db?: { major_version?: number };
    };
    return toml.db?.major_version;
  } catch {
    return undefined;
  }
}

async function versionFacts(probe: MachineProbe, askPackages: boolean) {
  const installed: number[] = [];
  const packaged: number[] = [];
  for (const major of SUPPORTED_MAJORS) {
    if (await probe.exists(`${debianLayout(major).bin}/postgres`)) installed.push(major);
  }
  // The package lists matter only when no supported server is installed.
  if (askPackages && installed.length === 0) {
    for (const major of SUPPORTED_MAJORS) {
      if (await probe.packaged(`postgresql-${major}`)) packaged.push(major);
    }
  }
  const clusterVersion = await probe.read(`${paths.pgdata}/PG_VERSION`);
  const override = Deno.env.get("VIBE_PG_VERSION");
  const preferred = preferredMajor();
  return {
    installed,
    packaged,
    ...(clusterVersion ? { clusterMajor: Number(clusterVersion.trim()) } : {}),
    ...(override ? { override } : {}),
    ...(preferred ? { preferred } : {}),
  };
}

let chosen: { choice: VersionChoice; layout: PostgresLayout } | undefined;

/** The PostgreSQL version the stack runs and where its files are. */
export async function postgresLayout(): Promise<PostgresLayout> {
  if (chosen) return chosen.layout;
  const facts = await versionFacts(machine, true);
  const choice = choosePostgresMajor(facts);
  chosen = { choice, layout: debianLayout(choice.major) };
  return chosen.layout;
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

/** pgvector where no binary is packaged: build Debian trixie's source package. */
async function buildPgvector(layout: PostgresLayout, log: (m: string) => void): Promise<void> {
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
  log(`building pgvector for PostgreSQL ${layout.major}`);
  const pgConfig = `PG_CONFIG=${layout.bin}/pg_config`;
  await run("make", ["-j2", pgConfig], { cwd: build });
  await run("make", ["install", pgConfig], { cwd: build });
}

async function markTrusted(control: string): Promise<void> {
  const text = (await Deno.readTextFile(control)).replace(/^trusted\s*=.*\n?/m, "");
  await Deno.writeTextFile(control, `${text.replace(/\n?$/, "\n")}trusted = true\n`);
}

async function applyRemedy(
  p: Prerequisite,
  layout: PostgresLayout,
  log: (m: string) => void,
): Promise<void> {
  const remedy = p.remedy;
  if (!remedy || remedy.kind === "packages") return;
  log(`installing ${p.what}`);
  if (remedy.kind === "build-pgvector") await buildPgvector(layout, log);
  if (remedy.kind === "build" && remedy.id === "build:wrappers") await installWrappers(layout, log);
  if (remedy.kind === "mark-trusted") await markTrusted(remedy.control);
  if (remedy.kind === "copy-compat") {
    for (const f of remedy.files) await Deno.writeTextFile(`${remedy.into}/${f.name}`, f.content);
  }
}

async function aptUpdate(log: (m: string) => void): Promise<void> {
  log("apt-get update");
  await run("apt-get", [...APT_LOCK_WAIT, "update", "-q"], { allowFailure: true });
}

const missingOf = (list: Prerequisite[]) => list.filter((p) => p.state === "missing");

/**
 * Installs whatever is missing and returns the PostgreSQL layout the stack runs. Idempotent: a
 * complete machine runs no installer at all. Without root or off Debian it stops with the exact
 * list of what to install.
 */
export async function ensureInstalled(
  log: (m: string) => void,
  opts: { testTools?: boolean } = {},
): Promise<PostgresLayout> {
  const canInstall = isRoot() && await isDebian();
  let updated = false;
  let facts = await versionFacts(machine, true);
  if (canInstall && facts.installed.length === 0 && facts.packaged.length === 0) {
    // A fresh machine may have empty package lists.
    await aptUpdate(log);
    updated = true;
    facts = await versionFacts(machine, true);
  }
  const choice = choosePostgresMajor(facts);
  const layout = debianLayout(choice.major);
  chosen = { choice, layout };
  const files = compatFiles();
  const built = await builtPieces(layout);
  const assess = async () => [
    ...await assessPrerequisites(machine, layout, files, built),
    ...(opts.testTools ? await assessTestTools(machine) : []),
  ];
  let list = await assess();
  if (missingOf(list).length === 0) return layout;
  if (!canInstall) {
    const why = !isRoot() ? "not running as root" : "this is not a Debian/Ubuntu system";
    throw new Error(
      `Cannot install the local stack's prerequisites (${why}). Install these, then run again:\n` +
        missingOf(list).map((n) => `  - ${n.manual}`).join("\n"),
    );
  }
  if (!updated && packagesToInstall(list).length > 0) {
    await aptUpdate(log);
    // Fresh lists may offer a package (pgvector) the stale ones did not.
    list = await assess();
  }
  const packages = packagesToInstall(list);
  if (packages.length > 0) {
    await preventDefaultCluster();
    log(`installing ${packages.join(" ")}`);
    await run(
      "apt-get",
      [...APT_LOCK_WAIT, "install", "-y", "-q", "--no-install-recommends", ...packages],
      { env: { DEBIAN_FRONTEND: "noninteractive" } },
    );
    list = await assess();
  }
  // Builds, trusted marks and compat copies, in order (pgvector before its trusted mark).
  for (const p of missingOf(list)) {
    await applyRemedy(p, layout, log);
    list = await assess();
  }
  const still = missingOf(list);
  if (still.length > 0) {
    throw new Error(
      "Installed the local stack's prerequisites, but these are still missing:\n" +
        still.map((p) => `  - ${p.what}: ${p.detail} (${p.manual})`).join("\n"),
    );
  }
  return layout;
}

/** What `stack doctor` reports: the version choice, where the cluster lives, each check. */
export interface DoctorReport {
  postgres: { major: number; reason: string } | { error: string };
  cluster: { home: string; why: string };
  prerequisites: DoctorLine[];
  ok: boolean;
}

/** One check as the doctor reports it: the remedy named, not its payload. */
export type DoctorLine = Omit<Prerequisite, "remedy"> & { fix?: string };

function doctorLine({ remedy, ...p }: Prerequisite): DoctorLine {
  if (!remedy) return p;
  return { ...p, fix: remedy.kind === "packages" ? remedy.packages.join(" ") : remedy.kind };
}

/** Checks every prerequisite without installing anything. */
export async function doctor(): Promise<DoctorReport> {
  const cluster = clusterLocation();
  let choice: VersionChoice;
  try {
    choice = choosePostgresMajor(await versionFacts(machine, true));
  } catch (e) {
    return {
      postgres: { error: (e as Error).message },
      cluster,
      prerequisites: [],
      ok: false,
    };
  }
  const layout = debianLayout(choice.major);
  const prerequisites = await assessPrerequisites(
    machine,
    layout,
    compatFiles(),
    await builtPieces(layout),
  );
  const testTools = await assessTestTools(machine);
  return {
    postgres: { major: choice.major, reason: choice.reason },
    cluster,
    prerequisites: [...prerequisites, ...testTools].map(doctorLine),
    // Test tools are reported, not required: `deno task test` installs them.
    ok: missingOf(prerequisites).length === 0,
  };
}

export function formatDoctor(report: DoctorReport): string {
  const head = "error" in report.postgres
    ? `PostgreSQL: ${report.postgres.error}`
    : `PostgreSQL ${report.postgres.major} (${report.postgres.reason})`;
  return [
    head,
    `cluster: ${report.cluster.home} (${report.cluster.why})`,
    ...(report.prerequisites.length ? [formatPrerequisites(report.prerequisites)] : []),
    report.ok
      ? "everything is in place"
      : "missing pieces: `deno task stack up` installs them (as root on Debian/Ubuntu)",
  ].join("\n");
}
