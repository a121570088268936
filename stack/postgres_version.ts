/**
 * @module Which PostgreSQL major version the local stack runs: 15 or 17 (hosted Supabase's
 * default for new projects), whichever the machine has or its distribution packages. A pure
 * choice over facts the installer gathers, so every machine shape is unit-tested.
 */

/** The majors the stack supports, in the order they are preferred when nothing else decides. */
export const SUPPORTED_MAJORS = [15, 17] as const;
export type PostgresMajor = typeof SUPPORTED_MAJORS[number];

/** What the installer knows about the machine when it picks a version. */
export interface VersionFacts {
  /** `VIBE_PG_VERSION`, when set. */
  override?: string;
  /** The major of an existing cluster (`PG_VERSION` in its data directory). */
  clusterMajor?: number;
  /** `[db] major_version` of supabase/config.toml. */
  preferred?: number;
  /** Majors whose server binaries are installed. */
  installed: number[];
  /** Majors the distribution's package lists offer (`postgresql-<N>` has a candidate). */
  packaged: number[];
}

export interface VersionChoice {
  major: PostgresMajor;
  /** Why this version, for `stack doctor`. */
  reason: string;
}

function supported(n: number): n is PostgresMajor {
  return (SUPPORTED_MAJORS as readonly number[]).includes(n);
}

function pick(candidates: number[], preferred: number | undefined): PostgresMajor | undefined {
  const ok = candidates.filter(supported);
  const wanted = ok.find((n) => n === preferred);
  if (wanted !== undefined) return wanted;
  return ok.sort((a, b) => a - b)[0];
}

/** Picks the major version; throws with what to do when none can be used. */
export function choosePostgresMajor(facts: VersionFacts): VersionChoice {
  const list = SUPPORTED_MAJORS.join(" or ");
  if (facts.override !== undefined && facts.override !== "") {
    const n = Number(facts.override);
    if (!supported(n)) {
      throw new Error(
        `Cannot use VIBE_PG_VERSION=${facts.override}: the stack supports PostgreSQL ${list}. ` +
          "Unset it or set one of those.",
      );
    }
    return { major: n, reason: "VIBE_PG_VERSION" };
  }
  if (facts.clusterMajor !== undefined) {
    if (!supported(facts.clusterMajor)) {
      throw new Error(
        `Cannot run the existing cluster: it was created by PostgreSQL ${facts.clusterMajor}, ` +
          `the stack supports ${list}. Run \`deno task stack reset\` to recreate it.`,
      );
    }
    return { major: facts.clusterMajor, reason: "the existing cluster's version" };
  }
  const installed = pick(facts.installed, facts.preferred);
  if (installed !== undefined) return { major: installed, reason: "installed" };
  const packaged = pick(facts.packaged, facts.preferred);
  if (packaged !== undefined) {
    return { major: packaged, reason: "packaged by the distribution" };
  }
  throw new Error(
    `Cannot find PostgreSQL ${list}: none is installed and the package lists offer neither ` +
      `(postgresql-15, postgresql-17). Install one (on Debian 12: postgresql-15; on Debian 13: ` +
      "postgresql-17), or add the PostgreSQL apt repository (https://wiki.postgresql.org/wiki/Apt).",
  );
}

/** Where Debian puts one major's files (`pg_config` reports the same on Debian and Ubuntu). */
export interface PostgresLayout {
  major: number;
  bin: string;
  pkglib: string;
  share: string;
  includeServer: string;
}

export function debianLayout(major: number): PostgresLayout {
  return {
    major,
    bin: `/usr/lib/postgresql/${major}/bin`,
    pkglib: `/usr/lib/postgresql/${major}/lib`,
    share: `/usr/share/postgresql/${major}`,
    includeServer: `/usr/include/postgresql/${major}/server`,
  };
}
