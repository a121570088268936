/** @module Where the cluster goes when the postgres OS user cannot enter the checkout. */
import assert from "node:assert/strict";
import {
  ancestors,
  canTraverse,
  chooseClusterHome,
  type LocationFacts,
  type PathStat,
  stackId,
} from "../../stack/cluster_location.ts";

const POSTGRES = { uid: 105, gid: 110 };
const dir = (mode: number, uid = 0, gid = 0): PathStat => ({ mode, uid, gid });

function facts(tree: Record<string, PathStat>, extra: Partial<LocationFacts> = {}): LocationFacts {
  return {
    stackDir: "/tmp/vibe-abc/repo/.stack",
    fallbackRoot: "/var/lib/postgresql/vibe-architect",
    root: true,
    postgres: POSTGRES,
    hasCluster: () => false,
    stat: (p) => tree[p] ?? null,
    ...extra,
  };
}

const open = { "/": dir(0o755), "/tmp": dir(0o1777) };

Deno.test("ancestors lists every directory from the root down", () => {
  assert.deepEqual(ancestors("/a/b/c"), ["/", "/a", "/a/b", "/a/b/c"]);
  assert.deepEqual(ancestors("/"), ["/"]);
});

Deno.test("search permission follows owner, group and other bits", () => {
  const stat = (m: PathStat) => (p: string) => p === "/d" ? m : dir(0o755);
  assert.equal(canTraverse("/d", stat(dir(0o700, POSTGRES.uid)), POSTGRES), true);
  assert.equal(canTraverse("/d", stat(dir(0o770, 0, POSTGRES.gid)), POSTGRES), true);
  assert.equal(canTraverse("/d", stat(dir(0o700)), POSTGRES), false);
  assert.equal(canTraverse("/d", stat(dir(0o701)), POSTGRES), true);
  // Directories not created yet are made searchable by the stack.
  assert.equal(canTraverse("/d/new/deeper", stat(dir(0o755)), POSTGRES), true);
});

Deno.test("a clone in a 0700 temporary directory keeps its cluster under postgres's home", () => {
  const f = facts({ ...open, "/tmp/vibe-abc": dir(0o700), "/tmp/vibe-abc/repo": dir(0o755) });
  const where = chooseClusterHome(f);
  assert.equal(where.home, `/var/lib/postgresql/vibe-architect/${stackId(f.stackDir)}`);
  assert.match(where.why, /cannot enter/);
});

Deno.test("a clone under /root (0700) does the same; an open clone keeps .stack", () => {
  const rootClone = facts({ "/": dir(0o755), "/root": dir(0o700) }, {
    stackDir: "/root/vibe/.stack",
  });
  assert.match(chooseClusterHome(rootClone).home, /^\/var\/lib\/postgresql\/vibe-architect\//);
  const openClone = facts({ ...open, "/tmp/vibe-abc": dir(0o755) });
  assert.equal(chooseClusterHome(openClone).home, "/tmp/vibe-abc/repo/.stack");
});

Deno.test("an existing cluster stays where it is; non-root and overrides are honoured", () => {
  const closed = { ...open, "/tmp/vibe-abc": dir(0o700) };
  const f = facts(closed, { hasCluster: (h) => h === "/tmp/vibe-abc/repo/.stack" });
  assert.equal(chooseClusterHome(f).home, "/tmp/vibe-abc/repo/.stack");
  assert.equal(chooseClusterHome(facts(closed, { root: false })).home, "/tmp/vibe-abc/repo/.stack");
  assert.equal(chooseClusterHome(facts(closed, { override: "/srv/pg" })).home, "/srv/pg");
  // Before PostgreSQL is installed there is no postgres user: decided again later.
  const { postgres: _p, ...noUser } = facts(closed);
  assert.equal(chooseClusterHome(noUser).home, "/tmp/vibe-abc/repo/.stack");
});

Deno.test("a checkout path too long for a Unix socket uses the short home", () => {
  const long = `/tmp/${"x".repeat(90)}/.stack`;
  const where = chooseClusterHome(facts(open, { stackDir: long }));
  assert.match(where.home, /^\/var\/lib\/postgresql\/vibe-architect\/[0-9a-f]{16}$/);
  assert.match(where.why, /too long/);
});

Deno.test("stack ids are stable and differ between checkouts", () => {
  assert.equal(stackId("/a/.stack"), stackId("/a/.stack"));
  assert.notEqual(stackId("/a/.stack"), stackId("/b/.stack"));
  assert.match(stackId("/a/.stack"), /^[0-9a-f]{16}$/);
});
