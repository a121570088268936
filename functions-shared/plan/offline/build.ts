/**
 * @module Writing the entity model into the plan: one table per new entity (uuid key, the
 * organization in SaaS, the owner where a person acts, foreign keys to what it refers to,
 * columns for the people it names, its fields, created_at), an index on every foreign key,
 * and policies in the shapes the validator accepts — owner policies, access through a parent
 * row for rows no single person owns, organization membership in SaaS, public reading for what
 * a marketplace puts on offer — with exactly the grants those policies need. Template tables
 * the vibe extends get new nullable columns and their indexes.
 */

import {
  ALL_PRIVILEGES,
  authUserKey,
  column,
  createdAtColumn,
  CURRENT_USER_ID,
  idColumn,
  ownerColumn,
  policyExpressions,
} from "../elements.ts";
import type { Column, Index, Plan, Policy, PolicyCommand, Table } from "../schema.ts";
import type { Entity } from "./model.ts";
import { ownerColumnOf } from "./interpret.ts";
import { addGrant } from "./plan_edits.ts";

/** How rows of a table are tied to a user, for writes. */
export type Ownership =
  | { readonly kind: "owner"; readonly column: string }
  | { readonly kind: "through"; readonly column: string; readonly parent: Table }
  | { readonly kind: "org" };

const MAX_NAME = 63;

/** A name cut to Postgres' 63 characters, keeping it unique with a short suffix. */
export function boundedName(name: string): string {
  if (name.length <= MAX_NAME) return name;
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `${name.slice(0, MAX_NAME - 7)}_${hash.toString(36).slice(0, 6)}`;
}

function indexFor(table: string, columns: readonly string[], unique = false): Index {
  return {
    name: boundedName(`${table}_${columns.join("_")}_${unique ? "key" : "idx"}`),
    columns: [...columns],
    unique,
  };
}

/** Adds an index on `columns` unless one already leads with them. */
export function ensureIndex(
  table: Table,
  columns: readonly string[],
  unique = false,
): Index | null {
  const covered =
    table.indexes.some((i) =>
      i.columns.length >= columns.length && columns.every((c, k) => i.columns[k] === c) &&
      (!unique || (i.unique && i.columns.length === columns.length))
    ) || (!unique && columns.length === 1 && table.columns.some((c) =>
      c.name === columns[0] && (c.unique || c.primaryKey)
    ));
  if (covered) return null;
  const index = indexFor(table.name, columns, unique);
  if (table.indexes.some((i) => i.name === index.name)) return null;
  table.indexes.push(index);
  return index;
}

function insertBeforeCreatedAt(table: Table, columns: readonly Column[]): void {
  const at = table.columns.findIndex((c) => c.name === "created_at");
  table.columns.splice(at >= 0 ? at : table.columns.length, 0, ...columns);
}

/** The columns of a new entity's table, in order. */
function entityColumns(entity: Entity, saas: boolean): { columns: Column[]; owner: string | null } {
  const columns: Column[] = [idColumn()];
  if (saas) {
    columns.push(column("org_id", "uuid", {
      nullable: false,
      references: { schema: "public", table: "organizations", column: "id", onDelete: "cascade" },
    }));
  }
  let owner = ownerColumnOf(entity);
  const ownedThrough = entity.links.some((l) => l.target === entity.actorEntity) &&
    entity.actorEntity !== null;
  if (owner === null && !saas && !ownedThrough && !hasOwningParent(entity)) owner = "owner_id";
  const names = new Set(columns.map((c) => c.name));
  if (owner !== null) {
    columns.push(ownerColumn(owner));
    names.add(owner);
  }
  for (const link of entity.links) {
    if (names.has(link.column)) continue;
    columns.push(column(link.column, "uuid", {
      nullable: !link.required,
      references: {
        schema: "public",
        table: link.target.table,
        column: "id",
        onDelete: link.required ? "cascade" : "set null",
      },
    }));
    names.add(link.column);
  }
  for (const person of entity.persons) {
    if (names.has(person.column)) continue;
    columns.push(column(person.column, "uuid", {
      nullable: !person.required,
      references: authUserKey(person.required ? "cascade" : "set null"),
    }));
    names.add(person.column);
  }
  for (const field of entity.fields) {
    if (names.has(field.name)) continue;
    columns.push(column(field.name, field.type, {
      nullable: !field.required,
      ...(field.default === null ? {} : { default: field.default }),
      ...(field.unique ? { unique: true } : {}),
      ...(field.check === null ? {} : { check: field.check }),
    }));
    names.add(field.name);
  }
  columns.push(createdAtColumn());
  return { columns, owner };
}

/** Whether the entity's rows are owned through a required link to a parent (no owner of its own). */
function hasOwningParent(entity: Entity): boolean {
  return entity.actor === null && !entity.relation &&
    entity.links.some((l) => l.required && !l.target.baseline) &&
    entity.links.some((l) =>
      l.required &&
      (l.target.actor !== null || l.target.actorEntity !== null || hasOwningParent(l.target))
    );
}

function policy(
  table: string,
  command: PolicyCommand,
  suffix: string,
  condition: { using?: string; check?: string },
  roles: Policy["roles"],
  basis: Policy["basis"],
  description: string,
): Policy {
  const expressions = policyExpressions(command, condition.using ?? condition.check ?? "true");
  return {
    name: boundedName(`${table}_${command}_${suffix}`),
    table,
    command,
    roles,
    using: expressions.using === null ? null : condition.using ?? expressions.using,
    withCheck: expressions.withCheck === null ? null : condition.check ?? expressions.withCheck,
    basis,
    rule: null,
    description,
  };
}

/** The condition that ties a row of `table` (called `alias`) to the user, or null. */
export function bindingOf(
  table: Table,
  alias: string,
  tables: ReadonlyMap<string, Table>,
  depth = 0,
): string | null {
  const ref = (name: string) => `${alias}.${name}`;
  if (table.ownerColumn !== null) return `${ref(table.ownerColumn)} = ${CURRENT_USER_ID}`;
  const org = table.columns.find((c) =>
    c.references?.schema === "public" && c.references.table === "organizations"
  );
  if (org) return `private.is_org_member(${ref(org.name)})`;
  if (table.name === "organizations") return `private.is_org_member(${ref("id")})`;
  if (depth >= 2) return null;
  for (const c of table.columns) {
    if (c.references?.schema !== "public" || c.nullable) continue;
    const parent = tables.get(c.references.table);
    if (parent === undefined || parent === table) continue;
    const inner = `${alias}${depth + 1}`;
    const binding = bindingOf(parent, inner, tables, depth + 1);
    if (binding !== null) {
      return `exists (select 1 from public.${parent.name} ${inner} where ${inner}.id = ${
        ref(c.name)
      } and ${binding})`;
    }
  }
  return null;
}

/** The alias a subquery gives a parent table: its first letter ("l" for listings). */
export function aliasFor(parent: string, table: string): string {
  const letter = parent.charAt(0);
  return letter === table.charAt(0) && parent !== table ? `${letter}2` : letter;
}

/** `exists (select 1 from public.<parent> p where p.id = <table>.<column>[ and <owned>])`. */
function parentExists(
  table: string,
  column: string,
  parent: Table,
  tables: ReadonlyMap<string, Table>,
  owned: boolean,
  sameOrg: boolean,
): string {
  const alias = aliasFor(parent.name, table);
  const conditions = [`${alias}.id = ${table}.${column}`];
  if (owned) {
    const binding = bindingOf(parent, alias, tables);
    if (binding !== null) conditions.push(binding);
  }
  if (sameOrg && parent.columns.some((c) => c.name === "org_id")) {
    conditions.push(`${alias}.org_id = ${table}.org_id`);
  }
  return `exists (select 1 from public.${parent.name} ${alias} where ${conditions.join(" and ")})`;
}

/** Everything the builder decided about one new table, for the rules that follow. */
export interface BuiltTable {
  readonly entity: Entity;
  readonly table: Table;
  readonly ownership: Ownership;
  readonly publicRead: boolean;
}

/**
 * Adds the model's new tables (and new columns of template tables) to `plan` with their
 * policies and grants. Tables are added in the order the vibe introduced them.
 */
export function buildEntities(plan: Plan, entities: readonly Entity[]): BuiltTable[] {
  const saas = plan.template === "saas";
  const tables = new Map(plan.tables.map((t) => [t.name, t]));
  const built: BuiltTable[] = [];
  for (const entity of entities.filter((e) => !e.baseline)) {
    const { columns, owner } = entityColumns(entity, saas);
    const table: Table = {
      name: entity.table,
      comment: null,
      columns,
      ownerColumn: owner,
      indexes: [],
    };
    for (const c of columns) {
      if (c.references !== null && !c.primaryKey) ensureIndex(table, [c.name]);
    }
    plan.tables.push(table);
    tables.set(table.name, table);
  }
  for (const entity of entities) {
    if (!entity.baseline) continue;
    const table = tables.get(entity.table);
    if (table === undefined) continue;
    const names = new Set(table.columns.map((c) => c.name));
    const added: Column[] = [];
    for (const link of entity.links) {
      if (names.has(link.column)) continue;
      added.push(column(link.column, "uuid", {
        references: {
          schema: "public",
          table: link.target.table,
          column: "id",
          onDelete: "set null",
        },
      }));
      names.add(link.column);
    }
    for (const person of entity.persons) {
      if (names.has(person.column)) continue;
      added.push(column(person.column, "uuid", { references: authUserKey("set null") }));
      names.add(person.column);
    }
    for (const field of entity.fields) {
      if (names.has(field.name)) continue;
      added.push(column(field.name, field.type, {
        ...(field.default === null ? {} : { default: field.default, nullable: !field.required }),
        ...(field.check === null ? {} : { check: field.check }),
        ...(field.unique ? { unique: true } : {}),
      }));
      names.add(field.name);
    }
    insertBeforeCreatedAt(table, added);
    for (const c of added) if (c.references !== null) ensureIndex(table, [c.name]);
  }
  for (const entity of entities.filter((e) => !e.baseline)) {
    const table = tables.get(entity.table);
    if (table === undefined) continue;
    built.push(addAccess(plan, entity, table, tables));
  }
  return built;
}

function addAccess(
  plan: Plan,
  entity: Entity,
  table: Table,
  tables: ReadonlyMap<string, Table>,
): BuiltTable {
  const saas = plan.template === "saas";
  const name = table.name;
  const noun = name.replaceAll("_", " ");
  let ownership: Ownership;
  let write: string;
  if (saas) {
    ownership = { kind: "org" };
    write = "private.is_org_member(org_id)";
  } else if (table.ownerColumn !== null) {
    ownership = { kind: "owner", column: table.ownerColumn };
    write = `${CURRENT_USER_ID} = ${table.ownerColumn}`;
  } else {
    const link = entity.links.find((l) =>
      l.target === entity.actorEntity && entity.actorEntity !== null
    ) ??
      entity.links.find((l) => {
        const parent = tables.get(l.target.table);
        return l.required && parent !== undefined && bindingOf(parent, "p", tables) !== null;
      });
    const parent = link ? tables.get(link.target.table) : undefined;
    if (link === undefined || parent === undefined) {
      throw new TypeError(`Cannot tie rows of ${name} to a user: no owner and no owned parent`);
    }
    ownership = { kind: "through", column: link.column, parent };
    write = parentExists(name, link.column, parent, tables, true, false);
  }
  const owningColumn = ownership.kind === "through" ? ownership.column : null;
  const linkChecks = entity.links
    .filter((l) => l.column !== owningColumn)
    .map((l) => {
      const parent = tables.get(l.target.table);
      if (parent === undefined) return null;
      const exists = parentExists(name, l.column, parent, tables, l.ownedByActor, saas);
      return l.required ? exists : `(${name}.${l.column} is null or ${exists})`;
    })
    .filter((c): c is string => c !== null);
  const personReads = entity.persons.filter((p) => p.reads).map((p) =>
    `${CURRENT_USER_ID} = ${p.column}`
  );
  const policies: Policy[] = [];
  let publicRead = false;
  if (saas) {
    const member = write;
    const owner = table.ownerColumn;
    const change = owner === null
      ? member
      : `${CURRENT_USER_ID} = ${owner} or private.has_org_role(org_id, array['owner', 'admin'])`;
    const insert = [
      member,
      ...(owner === null ? [] : [`${CURRENT_USER_ID} = ${owner}`]),
      ...linkChecks,
    ].join(" and ");
    const check = [member, ...linkChecks].join(" and ");
    const basis: Policy["basis"] = owner ? ["owner", "membership"] : ["membership"];
    policies.push(
      policy(
        name,
        "select",
        "member",
        { using: member },
        ["authenticated"],
        ["membership"],
        `Members of the organization read its ${noun}.`,
      ),
      policy(
        name,
        "insert",
        "member",
        { check: insert },
        ["authenticated"],
        basis,
        `Members add ${noun} to their organization${owner ? " as themselves" : ""}.`,
      ),
      policy(
        name,
        "update",
        "member",
        { using: change, check },
        ["authenticated"],
        basis,
        owner
          ? `The author of each row, and organization admins, update ${noun}.`
          : `Members update their organization's ${noun}.`,
      ),
      policy(
        name,
        "delete",
        "member",
        { using: change },
        ["authenticated"],
        basis,
        owner
          ? `The author of each row, and organization admins, delete ${noun}.`
          : `Members delete their organization's ${noun}.`,
      ),
    );
  } else {
    const check = [write, ...linkChecks].join(" and ");
    const isPublic = entity.visibility === "public" ||
      (entity.visibility === null &&
        (entity.offered ||
          (entity.actor === null && !entity.relation && ownership.kind === "owner")));
    const basis: Policy["basis"] = ownership.kind === "owner" ? ["owner"] : ["related"];
    if (isPublic) {
      publicRead = true;
      policies.push(
        policy(
          name,
          "select",
          "public",
          { using: "true" },
          ["anon", "authenticated"],
          ["public"],
          `Anyone, signed in or not, can read ${noun}.`,
        ),
      );
    } else if (ownership.kind === "through") {
      const parentName = ownership.parent.name;
      const parentPublic = tableIsPublic(plan, parentName);
      const visible = `exists (select 1 from public.${parentName} ${
        aliasFor(parentName, name)
      } where ${aliasFor(parentName, name)}.id = ${name}.${ownership.column})`;
      policies.push(
        policy(
          name,
          "select",
          "related",
          { using: visible },
          parentPublic ? ["anon", "authenticated"] : ["authenticated"],
          ["related"],
          `Whoever can read the ${parentName.replaceAll("_", " ")} can read its ${noun}.`,
        ),
      );
      publicRead = parentPublic;
    } else {
      const reads = [write, ...personReads];
      policies.push(
        policy(
          name,
          "select",
          "own",
          { using: reads.length === 1 ? write : reads.map((r) => `(${r})`).join(" or ") },
          ["authenticated"],
          ["owner"],
          personReads.length
            ? `Users read the ${noun} they made or that name them.`
            : `Users read only their own ${noun}.`,
        ),
      );
    }
    const who = ownership.kind === "through"
      ? `Owners of the ${ownership.parent.name.replaceAll("_", " ")}`
      : "Users";
    policies.push(
      policy(
        name,
        "insert",
        "own",
        { check },
        ["authenticated"],
        basis,
        `${who} add ${noun}${ownership.kind === "owner" ? " as themselves" : ""}.`,
      ),
      policy(
        name,
        "update",
        "own",
        { using: write, check },
        ["authenticated"],
        basis,
        `Only the owner updates their ${noun}.`,
      ),
      policy(
        name,
        "delete",
        "own",
        { using: write },
        ["authenticated"],
        basis,
        `Only the owner deletes their ${noun}.`,
      ),
    );
  }
  plan.policies.push(...policies);
  addGrant(plan, name, "authenticated", ["select", "insert", "update", "delete"]);
  if (policies.some((p) => p.roles.includes("anon"))) addGrant(plan, name, "anon", ["select"]);
  addGrant(plan, name, "service_role", ALL_PRIVILEGES);
  return { entity, table, ownership, publicRead };
}

/** Whether anon may read `table` through a select policy. */
export function tableIsPublic(plan: Plan, table: string): boolean {
  return plan.policies.some((p) =>
    p.table === table && p.roles.includes("anon") && (p.command === "select" || p.command === "all")
  );
}
