/** @module The install check on machines of every shape: it reads files, not the presence of a tool. */
import assert from "node:assert/strict";
import {
  assessPrerequisites,
  COMPAT_MARKER,
  type CompatFile,
  formatPrerequisites,
  type MachineProbe,
  packagesToInstall,
  type Prerequisite,
} from "../../stack/prerequisites.ts";
import { choosePostgresMajor, debianLayout } from "../../stack/postgres_version.ts";

/** A machine as a set of files and the packages its apt lists offer. */
function machine(files: Record<string, string>, packaged: string[] = []): MachineProbe {
  return {
    exists: (p) => Promise.resolve(p in files),
    read: (p) => Promise.resolve(files[p]),
    packaged: (pkg) => Promise.resolve(packaged.includes(pkg)),
  };
}

const COMPAT: CompatFile[] = [
  { extension: "pgmq", name: "pgmq.control", content: `# ${COMPAT_MARKER}\ntrusted = true\n` },
  { extension: "pgmq", name: "pgmq--1.5.1.sql", content: "create table pgmq.meta();" },
];

/** What each piece installs, by major version. */
function server(v: number) {
  const l = debianLayout(v);
  return {
    [`${l.bin}/postgres`]: "",
    [`${l.bin}/initdb`]: "",
    [`${l.bin}/pg_ctl`]: "",
    [`${l.bin}/pg_config`]: "", // shipped with the client package, headers or not
  };
}
const headers = (v: number) => ({ [`${debianLayout(v).includeServer}/postgres.h`]: "" });
const toolchain = { "/usr/bin/make": "", "/usr/bin/gcc": "", "/usr/bin/dpkg-source": "" };
const cron = (v: number, trusted = true) => ({
  [`${debianLayout(v).pkglib}/pg_cron.so`]: "",
  [`${debianLayout(v).share}/extension/pg_cron.control`]: trusted ? "trusted = true\n" : "x\n",
});
const vector = (v: number, trusted = true) => ({
  [`${debianLayout(v).pkglib}/vector.so`]: "",
  [`${debianLayout(v).share}/extension/vector.control`]: trusted ? "trusted = true\n" : "x\n",
});
const compat = (v: number) =>
  Object.fromEntries(
    COMPAT.map((f) => [`${debianLayout(v).share}/extension/${f.name}`, f.content]),
  );

const state = (list: Prerequisite[], id: string) => list.find((p) => p.id === id)?.state;

Deno.test("a complete Debian 12 machine needs nothing", async () => {
  const list = await assessPrerequisites(
    machine({ ...server(15), ...cron(15), ...vector(15), ...compat(15) }),
    debianLayout(15),
    COMPAT,
  );
  assert.deepEqual(list.filter((p) => p.state === "missing"), []);
  assert.equal(state(list, "headers"), "not needed");
  assert.deepEqual(packagesToInstall(list), []);
});

Deno.test("pg_config without server headers: pgvector must be built, so the headers are installed", async () => {
  // postgresql-15 preinstalled, postgresql-server-dev-15 not: pg_config exists, postgres.h does not.
  const list = await assessPrerequisites(
    machine({ ...server(15), ...cron(15), ...compat(15) }),
    debianLayout(15),
    COMPAT,
  );
  assert.equal(state(list, "headers"), "missing");
  assert.match(list.find((p) => p.id === "headers")!.detail, /server\/postgres\.h/);
  assert.equal(state(list, "toolchain"), "missing");
  assert.deepEqual(list.find((p) => p.id === "vector")!.remedy, { kind: "build-pgvector" });
  assert.deepEqual(packagesToInstall(list), [
    "postgresql-server-dev-15",
    "build-essential",
    "dpkg-dev",
  ]);
});

Deno.test("headers present but no pg_cron: only pg_cron's package is installed", async () => {
  const list = await assessPrerequisites(
    machine({ ...server(15), ...headers(15), ...toolchain, ...vector(15), ...compat(15) }),
    debianLayout(15),
    COMPAT,
  );
  assert.equal(state(list, "pg_cron"), "missing");
  assert.equal(state(list, "trusted:pg_cron"), "missing");
  assert.deepEqual(packagesToInstall(list), ["postgresql-15-cron"]);
});

Deno.test("a library without its control file (or the reverse) is missing, not installed", async () => {
  const l = debianLayout(15);
  const half = { ...server(15), ...compat(15), [`${l.share}/extension/vector.control`]: "" };
  const list = await assessPrerequisites(machine(half), l, COMPAT);
  assert.equal(state(list, "vector"), "missing");
  assert.match(list.find((p) => p.id === "vector")!.detail, /vector\.so/);
});

Deno.test("a fresh Debian 13 machine: PostgreSQL 17 and pgvector from packages, nothing built", async () => {
  const packaged = ["postgresql-17", "postgresql-17-cron", "postgresql-17-pgvector"];
  const choice = choosePostgresMajor({ installed: [], packaged: [17], preferred: 15 });
  assert.equal(choice.major, 17);
  const list = await assessPrerequisites(machine({}, packaged), debianLayout(17), COMPAT);
  assert.equal(state(list, "headers"), "not needed");
  assert.equal(state(list, "toolchain"), "not needed");
  assert.deepEqual(packagesToInstall(list), [
    "postgresql-17",
    "postgresql-client-17",
    "postgresql-17-cron",
    "postgresql-17-pgvector",
  ]);
});

Deno.test("untrusted control files and stale compatibility files are found", async () => {
  const l = debianLayout(15);
  const files = {
    ...server(15),
    ...cron(15, false),
    ...vector(15),
    ...compat(15),
    [`${l.share}/extension/pgmq--1.5.1.sql`]: "an older copy",
  };
  const list = await assessPrerequisites(machine(files), l, COMPAT);
  assert.equal(state(list, "trusted:pg_cron"), "missing");
  assert.equal(state(list, "trusted:vector"), "ok");
  assert.equal(state(list, "compat:pgmq"), "missing");
  assert.match(list.find((p) => p.id === "compat:pgmq")!.detail, /differs/);
});

Deno.test("a real extension of the same name is used, not overwritten", async () => {
  const l = debianLayout(15);
  const files = {
    ...server(15),
    ...cron(15),
    ...vector(15),
    [`${l.share}/extension/pgmq.control`]: "comment = 'pgmq'\n",
  };
  const list = await assessPrerequisites(machine(files), l, COMPAT);
  assert.equal(state(list, "compat:pgmq"), "ok");
});

Deno.test("the doctor's table names each check, its state and the fix", async () => {
  const list = await assessPrerequisites(
    machine({ ...server(15), ...compat(15) }),
    debianLayout(15),
    COMPAT,
  );
  const text = formatPrerequisites(list);
  assert.match(text, /^ok {2}PostgreSQL 15 server/m);
  assert.match(text, /^-- {2}pg_cron .*missing: missing .*pg_cron\.so/m);
  assert.match(text, /fix: pg_cron for PostgreSQL 15 \(apt-get install postgresql-15-cron\)/);
});

Deno.test("version choice: override, existing cluster, installed, packaged, none", () => {
  assert.equal(choosePostgresMajor({ override: "17", installed: [15], packaged: [] }).major, 17);
  assert.throws(
    () => choosePostgresMajor({ override: "16", installed: [15], packaged: [] }),
    /VIBE_PG_VERSION=16.*15 or 17/,
  );
  assert.equal(choosePostgresMajor({ clusterMajor: 17, installed: [15], packaged: [] }).major, 17);
  assert.throws(
    () => choosePostgresMajor({ clusterMajor: 14, installed: [15], packaged: [] }),
    /stack reset/,
  );
  // Both installed: the project's configured major wins; else the lower one.
  assert.equal(choosePostgresMajor({ preferred: 17, installed: [15, 17], packaged: [] }).major, 17);
  assert.equal(choosePostgresMajor({ installed: [17, 15], packaged: [] }).major, 15);
  // An unsupported server installed (Ubuntu 24.04's 16) does not count.
  assert.equal(
    choosePostgresMajor({ installed: [16], packaged: [15, 17], preferred: 15 }).major,
    15,
  );
  assert.equal(
    choosePostgresMajor({ installed: [], packaged: [17] }).reason,
    "packaged by the distribution",
  );
  assert.throws(
    () => choosePostgresMajor({ installed: [16], packaged: [16] }),
    /postgresql-15, postgresql-17/,
  );
});

Deno.test("a piece the stack builds itself needs the headers even where pgvector is packaged", async () => {
  const l = debianLayout(17);
  const piece = {
    id: "build:wrappers",
    what: "wrappers",
    files: [`${l.pkglib}/wrappers.so`],
    marker: `${l.share}/extension/wrappers.sha256`,
    digest: "abc",
    manual: "stack up",
  };
  const base = { ...server(17), ...cron(17), ...vector(17), ...compat(17) };
  const fresh = await assessPrerequisites(machine(base), l, COMPAT, [piece]);
  assert.equal(state(fresh, "build:wrappers"), "missing");
  assert.deepEqual(packagesToInstall(fresh), [
    "postgresql-server-dev-17",
    "build-essential",
    "dpkg-dev",
  ]);
  // Built from other sources: rebuilt.
  const stale = {
    ...base,
    ...headers(17),
    ...toolchain,
    [piece.files[0]!]: "",
    [piece.marker]: "old\n",
  };
  const rebuilt = await assessPrerequisites(machine(stale), l, COMPAT, [piece]);
  assert.match(rebuilt.find((p) => p.id === "build:wrappers")!.detail, /other sources/);
  const current = { ...stale, [piece.marker]: "abc\n" };
  const done = await assessPrerequisites(machine(current), l, COMPAT, [piece]);
  assert.equal(state(done, "build:wrappers"), "ok");
  assert.equal(state(done, "headers"), "not needed");
});

Deno.test("the test suite's browser is a test tool: Debian's chromium when missing", async () => {
  const { assessTestTools } = await import("../../stack/prerequisites.ts");
  const missing = await assessTestTools(machine({}));
  assert.equal(state(missing, "test:chromium"), "missing");
  assert.deepEqual(packagesToInstall(missing), ["chromium"]);
  const present = await assessTestTools(machine({ "/usr/bin/chromium": "" }));
  assert.equal(state(present, "test:chromium"), "ok");
});
