/**
 * @module Where the PostgreSQL cluster's files live. The server runs as the `postgres` OS user,
 * which cannot reach a checkout inside a directory only root may enter (a 0700 temporary
 * directory, /root/...): there the cluster goes under postgres's own home instead. The decision
 * is a pure function of the directories' permissions, so it is unit-tested.
 */

/** The permission bits and owner of one path. */
export interface PathStat {
  mode: number;
  uid: number;
  gid: number;
}

export interface OsUser {
  uid: number;
  gid: number;
}

/** Each directory from `/` down to `path`, the path itself included. */
export function ancestors(path: string): string[] {
  const parts = path.split("/").filter(Boolean);
  return ["/", ...parts.map((_, i) => `/${parts.slice(0, i + 1).join("/")}`)];
}

/**
 * True when `user` may search every existing directory on the way to `path` (paths not created
 * yet are made world-searchable by the stack). Supplementary groups are not considered.
 */
export function canTraverse(
  path: string,
  stat: (p: string) => PathStat | null,
  user: OsUser,
): boolean {
  for (const dir of ancestors(path)) {
    const s = stat(dir);
    if (!s) break;
    if (user.uid === 0) continue;
    const bit = s.uid === user.uid ? 0o100 : s.gid === user.gid ? 0o010 : 0o001;
    if ((s.mode & bit) === 0) return false;
  }
  return true;
}

/** Unix socket paths are limited to 107 bytes; the longest one the cluster makes. */
export function socketPathFits(home: string): boolean {
  return `${home}/run/.s.PGSQL.65535`.length <= 100;
}

/** A short, stable name for a checkout's stack directory. */
export function stackId(stackDir: string): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < stackDir.length; i++) {
    const c = stackDir.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return [a, b].map((n) => (n >>> 0).toString(16).padStart(8, "0")).join("");
}

export interface LocationFacts {
  stackDir: string;
  /** `VIBE_CLUSTER_DIR`, when set. */
  override?: string;
  /** Home of clusters the postgres user cannot reach in their checkout. */
  fallbackRoot: string;
  /** Running as root (the server then runs as the postgres OS user). */
  root: boolean;
  /** The postgres OS user, when it exists. */
  postgres?: OsUser;
  /** True when this directory holds an initialised cluster (`pgdata/PG_VERSION`). */
  hasCluster(home: string): boolean;
  stat(path: string): PathStat | null;
}

export interface ClusterLocation {
  home: string;
  why: string;
}

/** Picks the directory that holds pgdata/, run/ (the socket) and logs/postgres.log. */
export function chooseClusterHome(f: LocationFacts): ClusterLocation {
  if (f.override) return { home: f.override, why: "VIBE_CLUSTER_DIR" };
  const fallback = `${f.fallbackRoot}/${stackId(f.stackDir)}`;
  if (f.hasCluster(f.stackDir)) return { home: f.stackDir, why: "the checkout's cluster" };
  if (f.hasCluster(fallback)) return { home: fallback, why: "the checkout's cluster" };
  if (!socketPathFits(f.stackDir)) {
    return { home: fallback, why: `${f.stackDir} is too long for a Unix socket path` };
  }
  if (!f.root || !f.postgres) return { home: f.stackDir, why: "in the checkout" };
  if (canTraverse(f.stackDir, f.stat, f.postgres)) {
    return { home: f.stackDir, why: "in the checkout" };
  }
  return {
    home: fallback,
    why: `the postgres OS user cannot enter ${f.stackDir} (a parent directory is closed to it)`,
  };
}
