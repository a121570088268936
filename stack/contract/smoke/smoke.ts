/**
 * @module `contract smoke`: behavioural checks of row-level security inside one transaction
 * that is always rolled back. Two synthetic users are inserted into auth.users, every user
 * table gets one row owned by each (parents first, so foreign keys hold), and then anon, each
 * user and the service role try to create, read, update and delete their own and the other
 * user's rows, and to execute the functions the Data API exposes. Each attempt runs in a
 * savepoint as the role PostgREST would use (`set local role`, `request.jwt.claims`) and is
 * rolled back, so every attempt sees the same seeded rows.
 */
import type pg from "../../../functions-shared/db/pg.ts";
import { isPlatformSchema } from "../../../functions-shared/drift/platform.ts";
import type { Model, Routine, Table } from "../../../functions-shared/drift/model.ts";
import { qualifiedName, quoteName } from "../../../functions-shared/drift/names.ts";
import { type Operation, routineRules, tableRules } from "./access_rules.ts";
import {
  type Access,
  accessFromCounts,
  type Actor,
  actorRole,
  ACTORS,
  type Cell,
  type Counts,
  type FunctionCell,
  type FunctionMatrix,
  isDenial,
  OPERATIONS,
  type SmokeFlag,
  type SmokeReport,
  type TableMatrix,
  violationOf,
} from "./crud_matrix.ts";
import { rowInsert, type SeededRow } from "./row_values.ts";
import { ownerColumn, seedOrder } from "./table_shape.ts";

/** Options of {@linkcode smoke}. */
export interface SmokeOptions {
  /** The intended model; a violation the contract grants is not flagged. */
  readonly contract?: Model | null;
  /** Shown in the report. */
  readonly databaseLabel?: string;
}

interface PgError {
  code?: string;
  message: string;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: PgError };

interface Users {
  a: string;
  b: string;
}

/** A value returned by `returning *`, as the text a later cast accepts. */
function asText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function seededRow(row: Record<string, unknown>): SeededRow {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, asText(v)]));
}

class SmokeSession {
  statements = 0;
  constructor(readonly client: pg.Client, readonly users: Users) {}

  async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []) {
    this.statements++;
    return await this.client.query<R>(text, values);
  }

  /** Runs `fn` in a savepoint as `actor`, always rolled back. */
  async as<T>(actor: Actor, fn: () => Promise<T>): Promise<Outcome<T>> {
    await this.query("savepoint smoke_attempt");
    try {
      const claims = actor === "anon"
        ? { role: "anon" }
        : actor === "service_role"
        ? { role: "service_role" }
        : {
          role: "authenticated",
          aud: "authenticated",
          sub: this.self(actor),
          email: `${actor}@smoke.invalid`,
        };
      await this.query("select pg_catalog.set_config('request.jwt.claims', $1, true)", [
        JSON.stringify(claims),
      ]);
      await this.query(`set local role ${actorRole(actor)}`);
      return { ok: true, value: await fn() };
    } catch (e) {
      return { ok: false, error: e as PgError };
    } finally {
      await this.query("rollback to savepoint smoke_attempt");
    }
  }

  /** The actor's own user id (anon acts on user A's rows). */
  self(actor: Actor): string {
    return actor === "user_b" ? this.users.b : this.users.a;
  }

  /** The other user's id. */
  other(actor: Actor): string {
    return actor === "user_b" ? this.users.a : this.users.b;
  }
}

/** The tables to test: ordinary tables in user schemas. */
function userTables(model: Model): Table[] {
  return model.tables.filter((t) => t.kind !== "foreign" && !isPlatformSchema(t.schema));
}

/** A column every role that may update the table may set to itself (owner first). */
function updatableColumn(table: Table, owner: string | null): string | null {
  if (owner) return owner;
  return table.columns.find((c) => c.identity !== "always" && c.generated === null)?.name ?? null;
}

function denialOrError(error: PgError): Cell {
  return {
    access: isDenial(error.code) ? "denied" : "error",
    detail: error.message,
    flagged: false,
  };
}

async function seed(
  s: SmokeSession,
  model: Model,
  tables: readonly Table[],
): Promise<{ rows: Map<string, Map<string, SeededRow>>; errors: Map<string, string> }> {
  const rows = new Map<string, Map<string, SeededRow>>();
  const errors = new Map<string, string>();
  for (const table of seedOrder(tables)) {
    const key = `${table.schema}.${table.name}`;
    const owner = ownerColumn(table)?.column ?? null;
    const perUser = new Map<string, SeededRow>();
    for (const [label, userId] of [["a", s.users.a], ["b", s.users.b]] as const) {
      await s.query("savepoint smoke_seed");
      try {
        // A row the user already owns (a profile created by a trigger on auth.users) is reused.
        const existing = owner
          ? (await s.query(
            `select * from ${qualifiedName(table.schema, table.name)} where ${
              quoteName(owner)
            } = $1 limit 1`,
            [userId],
          )).rows[0]
          : undefined;
        const row = existing ?? (await (async () => {
          const insert = rowInsert(table, model, {
            userId,
            ownerColumn: owner,
            label,
            parent: (schema, name) => rows.get(`${schema}.${name}`)?.get(userId),
          });
          return (await s.query(insert.text, insert.values)).rows[0];
        })());
        await s.query("release savepoint smoke_seed");
        if (row) perUser.set(userId, seededRow(row));
      } catch (e) {
        await s.query("rollback to savepoint smoke_seed");
        errors.set(key, (e as Error).message);
        break;
      }
      if (!owner) break; // one row is enough when rows have no owner
    }
    rows.set(key, perUser);
  }
  return { rows, errors };
}

async function countRows(
  s: SmokeSession,
  table: Table,
  owner: string | null,
  actor: Actor,
): Promise<Outcome<Counts>> {
  const target = qualifiedName(table.schema, table.name);
  return await s.as(actor, async () => {
    if (!owner) {
      const r = await s.query<{ n: number }>(`select count(*)::int as n from ${target}`);
      return { own: 0, others: r.rows[0]!.n };
    }
    const r = await s.query<Counts>(
      `select count(*) filter (where ${quoteName(owner)} = $1)::int as own,
              count(*) filter (where ${quoteName(owner)} is distinct from $1)::int as others
         from ${target}`,
      [actor === "anon" ? null : s.self(actor)],
    );
    return r.rows[0]!;
  });
}

/** Rows an UPDATE or DELETE reaches for `who`; a foreign key blocking the change still counts. */
async function changeRows(
  s: SmokeSession,
  table: Table,
  owner: string | null,
  actor: Actor,
  op: "U" | "D",
  who: string | null,
): Promise<Outcome<number>> {
  const target = qualifiedName(table.schema, table.name);
  const column = updatableColumn(table, owner);
  const where = owner && who ? ` where ${quoteName(owner)} = $1` : "";
  const values = owner && who ? [who] : [];
  return await s.as(actor, async () => {
    try {
      const text = op === "U"
        ? `update ${target} set ${quoteName(column!)} = ${quoteName(column!)}${where}`
        : `delete from ${target}${where}`;
      return (await s.query(text, values)).rowCount ?? 0;
    } catch (e) {
      if ((e as PgError).code === "23503") return 1; // allowed, held back by a foreign key
      throw e;
    }
  });
}

async function insertRow(
  s: SmokeSession,
  model: Model,
  table: Table,
  owner: string | null,
  actor: Actor,
  userId: string,
  rows: Map<string, Map<string, SeededRow>>,
): Promise<Outcome<number>> {
  const insert = rowInsert(table, model, {
    userId,
    ownerColumn: owner,
    label: `${actor}-${userId.slice(0, 4)}`,
    parent: (schema, name) => rows.get(`${schema}.${name}`)?.get(userId),
  });
  return await s.as(actor, async () => {
    try {
      return (await s.query(insert.text, insert.values)).rowCount ?? 0;
    } catch (e) {
      // Allowed by privileges and policies, refused only by a key the seeded row holds.
      if ((e as PgError).code === "23505") return 1;
      throw e;
    }
  });
}

async function tableCells(
  s: SmokeSession,
  model: Model,
  table: Table,
  owner: string | null,
  actor: Actor,
  seeded: boolean,
  rows: Map<string, Map<string, SeededRow>>,
): Promise<Record<Operation, Access | Cell>> {
  const self = s.self(actor);
  const other = s.other(actor);
  // C: a row of its own (anon: user A's); a row of the other user (users only).
  const createOwn = await insertRow(s, model, table, owner, actor, self, rows);
  let create: Access | Cell = "all";
  if (!createOwn.ok) create = denialOrError(createOwn.error);
  else if (owner && (actor === "user_a" || actor === "user_b")) {
    const createOther = await insertRow(s, model, table, owner, actor, other, rows);
    create = createOther.ok ? "all" : "own";
  }
  if (!seeded) return { C: create, R: "skipped", U: "skipped", D: "skipped" };

  const read = await countRows(s, table, owner, actor);
  const readCell = read.ok ? accessFromCounts(read.value) : denialOrError(read.error);
  const change = async (op: "U" | "D"): Promise<Access | Cell> => {
    if (!owner) {
      const all = await changeRows(s, table, null, actor, op, null);
      return all.ok ? accessFromCounts({ own: 0, others: all.value }) : denialOrError(all.error);
    }
    const mine = actor === "anon"
      ? { ok: true as const, value: 0 }
      : await changeRows(s, table, owner, actor, op, self);
    const theirs = await changeRows(
      s,
      table,
      owner,
      actor,
      op,
      actor === "anon" ? s.users.a : other,
    );
    if (!mine.ok) return denialOrError(mine.error);
    if (!theirs.ok) return mine.value > 0 ? "own" : denialOrError(theirs.error);
    return accessFromCounts({ own: mine.value, others: theirs.value });
  };
  return { C: create, R: readCell, U: await change("U"), D: await change("D") };
}

interface ExposedFunction {
  schema: string;
  name: string;
  identity_args: string;
  arg_types: string[];
  variadic: boolean;
}

async function exposedFunctions(s: SmokeSession, schemas: readonly string[]) {
  return (await s.query<ExposedFunction>(
    `select n.nspname as schema, p.proname as name,
            pg_catalog.pg_get_function_identity_arguments(p.oid) as identity_args,
            array(select pg_catalog.format_type(t, null) from unnest(p.proargtypes) t)
              as arg_types,
            p.provariadic <> 0 as variadic
       from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
      where n.nspname = any($1) and p.prokind = 'f'
        and p.prorettype not in ('trigger'::regtype, 'event_trigger'::regtype)
        and not exists (select 1 from pg_catalog.pg_depend d
                         where d.objid = p.oid and d.deptype = 'e')
      order by 1, 2, 3`,
    [schemas],
  )).rows;
}

async function functionCell(
  s: SmokeSession,
  f: ExposedFunction,
  actor: Actor,
): Promise<{ access: "executable" | "denied"; detail?: string }> {
  const target = `${qualifiedName(f.schema, f.name)}(${f.arg_types.join(", ")})`;
  const outcome = await s.as(actor, async () => {
    const allowed = (await s.query<{ ok: boolean }>(
      "select pg_catalog.has_function_privilege($1::regprocedure, 'EXECUTE') as ok",
      [target],
    )).rows[0]!.ok;
    if (!allowed) return { access: "denied" as const };
    if (f.variadic) return { access: "executable" as const, detail: "not called (variadic)" };
    await s.query("savepoint smoke_call");
    try {
      await s.query(
        `select ${qualifiedName(f.schema, f.name)}(${
          f.arg_types.map((t) => `null::${t}`).join(", ")
        })`,
      );
      return { access: "executable" as const, detail: "called with nulls" };
    } catch (e) {
      await s.query("rollback to savepoint smoke_call");
      if (isDenial((e as PgError).code)) {
        return { access: "executable" as const, detail: `refused inside: ${(e as Error).message}` };
      }
      return { access: "executable" as const, detail: `ran and failed: ${(e as Error).message}` };
    }
  });
  return outcome.ok ? outcome.value : { access: "denied", detail: outcome.error.message };
}

function judged(
  access: Access | Cell,
  violation: string | undefined,
  rulesDiffer: boolean,
): Cell {
  const cell = typeof access === "string" ? { access, flagged: false } : access;
  if (!violation) return cell;
  return { ...cell, violation, flagged: rulesDiffer };
}

/** Runs the smoke test on the database behind `client`, whose model is `model`. */
export async function smoke(
  client: pg.Client,
  model: Model,
  options: SmokeOptions = {},
): Promise<SmokeReport> {
  const started = performance.now();
  const contract = options.contract ?? null;
  const users = { a: crypto.randomUUID(), b: crypto.randomUUID() };
  const s = new SmokeSession(client, users);
  await s.query("begin");
  try {
    await s.query("set local statement_timeout = '10s'");
    for (const [label, id] of [["a", users.a], ["b", users.b]] as const) {
      await s.query(
        "insert into auth.users (id, email, aud, role) values ($1, $2, 'authenticated', 'authenticated')",
        [id, `smoke-${label}-${id.slice(0, 8)}@smoke.invalid`],
      );
    }
    const tables = userTables(model);
    const { rows, errors } = await seed(s, model, tables);
    const flags: SmokeFlag[] = [];
    const rulesDiffer = (schema: string, name: string, actor: Actor, op: Operation) =>
      contract === null ||
      tableRules(contract, schema, name, actorRole(actor), op) !==
        tableRules(model, schema, name, actorRole(actor), op);

    const matrices: TableMatrix[] = [];
    for (const table of tables) {
      const key = `${table.schema}.${table.name}`;
      const owner = ownerColumn(table);
      const seeded = !errors.has(key) && (rows.get(key)?.size ?? 0) > 0;
      const cells = {} as Record<Actor, Record<Operation, Cell>>;
      for (const actor of ACTORS) {
        const raw = await tableCells(s, model, table, owner?.column ?? null, actor, seeded, rows);
        const row = {} as Record<Operation, Cell>;
        for (const op of OPERATIONS) {
          const access = typeof raw[op] === "string" ? raw[op] as Access : (raw[op] as Cell).access;
          const violation = violationOf(actor, op, access, owner !== null);
          const differ = violation ? rulesDiffer(table.schema, table.name, actor, op) : false;
          row[op] = judged(raw[op], violation, differ);
          if (violation && differ) {
            flags.push({
              object: key,
              actor,
              operation: op,
              access,
              violation,
              reason: contract
                ? `The ${actorRole(actor)} role's ${op} rules on ${key} differ from the contract's.`
                : "No contract was given to grant it.",
            });
          }
        }
        cells[actor] = row;
      }
      matrices.push({
        table: key,
        owner: owner?.column ?? null,
        ownerSource: owner?.source ?? null,
        ...(errors.has(key) ? { seedError: errors.get(key)! } : {}),
        cells,
      });
    }

    const apiSchemas = model.platform.apiSchemas ?? ["public"];
    const functions: FunctionMatrix[] = [];
    for (const f of await exposedFunctions(s, apiSchemas)) {
      const routine = model.routines.find((r) =>
        r.schema === f.schema && r.name === f.name && r.identityArgs === f.identity_args
      );
      const definer = routine?.securityDefiner ?? false;
      const cells = {} as Record<Actor, FunctionCell>;
      for (const actor of ACTORS) {
        const cell = await functionCell(s, f, actor);
        const violation = definer && cell.access === "executable" && actor !== "service_role"
          ? `${actorRole(actor)} executes a SECURITY DEFINER function`
          : undefined;
        const differ = violation !== undefined &&
          (contract === null || !routine ||
            routineRules(contract, routine as Routine, actorRole(actor)) !==
              routineRules(model, routine as Routine, actorRole(actor)));
        cells[actor] = { ...cell, ...(violation ? { violation } : {}), flagged: differ };
        if (violation && differ) {
          flags.push({
            object: `${f.schema}.${f.name}(${f.identity_args})`,
            actor,
            operation: "EXECUTE",
            access: cell.access,
            violation,
            reason: contract
              ? "Its EXECUTE rules differ from the contract's."
              : "No contract was given to grant it.",
          });
        }
      }
      functions.push({
        function: `${f.schema}.${f.name}(${f.identity_args})`,
        securityDefiner: definer,
        cells,
      });
    }
    return {
      database: options.databaseLabel ?? "",
      contract: contract !== null,
      tables: matrices,
      functions,
      flags,
      statements: s.statements,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await client.query("rollback").catch(() => {});
  }
}
