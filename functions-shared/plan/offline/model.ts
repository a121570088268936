/**
 * @module The domain model the offline planner builds from a vibe before it writes a plan:
 * entities (new tables, or template tables the vibe extends) with their fields, links to other
 * entities, people they point at, who creates their rows, and whether they are on offer; plus
 * how a noun phrase resolves to an entity (exact name, template table, head noun, a close
 * spelling). Every change remembers the sentence that asked for it.
 */

import { plural, singular, snakeCase, tableNameFor } from "../../text/inflection.ts";
import type { Plan, Template } from "../schema.ts";
import type { FieldSpec } from "./fields.ts";
import { entityWords } from "./fields.ts";
import type { NounPhrase } from "./reading.ts";
import { ORGANIZATION_NOUNS, PERSON_NOUNS } from "./vocabulary.ts";

/** A link from one entity to another (a foreign key). */
export interface Link {
  readonly target: Entity;
  column: string;
  required: boolean;
  /** The user must own the target row to link to it ("on an order they placed"). */
  ownedByActor: boolean;
  readonly sentence: number;
}

/** A column pointing at a person (auth.users), e.g. `tutor_id`, `assignee_id`. */
export interface PersonRef {
  readonly column: string;
  readonly role: string;
  required: boolean;
  /** Whether the person it names may read the row (a message's recipient). */
  reads: boolean;
  readonly sentence: number;
}

/** A field with the sentence that asked for it. */
export interface EntityField extends FieldSpec {
  readonly sentence: number;
}

/** A thing the vibe talks about. */
export interface Entity {
  /** Singular words naming it, e.g. "parking spot". */
  readonly key: string;
  /** Whether the vibe said how it is named only in passing (a target, not described). */
  stub: boolean;
  table: string;
  /** A template table (listings, tasks, ...) the vibe extends. */
  readonly baseline: boolean;
  /** Made by a relating verb ("subscribe" → subscriptions). */
  relation: boolean;
  /** The person role that creates rows (owner column `<role>_id`), or null. */
  actor: string | null;
  /** An entity whose rows create these rows ("Shops send quotes" when shops is a table). */
  actorEntity: Entity | null;
  /** Created by an offering verb (post, list, sell): readable by anyone in a marketplace. */
  offered: boolean;
  readonly fields: EntityField[];
  readonly links: Link[];
  readonly persons: PersonRef[];
  /** Explicit visibility from the vibe. */
  visibility: "public" | "private" | null;
  /** Sentence that introduced it. */
  readonly sentence: number;
  /** Whether it was described (fields, creator) rather than only referred to. */
  described: boolean;
}

/** What a first reading of the vibe learned, used to read it again with hindsight. */
export interface Hindsight {
  /** Entity keys with the sentence that made each and its creator role. */
  readonly entities: ReadonlyMap<
    string,
    { readonly actor: string | null; readonly described: boolean }
  >;
  /** Keys of phrases used as link targets ("belong to a company"). */
  readonly targets: ReadonlySet<string>;
  /** Who calls a thing theirs: "Owners set a rate for their spaces" → space: owner. */
  readonly possessions: ReadonlyMap<string, string>;
}

const BASELINE_KEYS: Readonly<Record<Template, readonly string[]>> = {
  marketplace: ["profile", "listing", "bid", "order"],
  saas: ["profile", "organization", "membership", "project", "task", "subscription"],
};

/** Whether a word is a person noun. */
export function isPersonWord(word: string): boolean {
  return PERSON_NOUNS.has(word) || PERSON_NOUNS.has(singular(word));
}

/** Edit distance, capped: enough to forgive one or two typos. */
export function editDistance(a: string, b: string, cap = 3): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      current.push(value);
      best = Math.min(best, value);
    }
    if (best > cap) return cap + 1;
    previous = current;
  }
  return previous[b.length] ?? cap + 1;
}

/** Whether two words are the same allowing for a typo (longer words allow more). */
export function closeSpelling(a: string, b: string): boolean {
  if (a === b) return true;
  if (/\d/.test(a) || /\d/.test(b)) return false;
  const length = Math.min(a.length, b.length);
  if (length < 5) return false;
  return editDistance(a, b, 2) <= (length >= 8 ? 2 : 1);
}

/** Head nouns that stand for the thing they record: "a bike listing" is a bike. */
const RECORD_WORDS = new Set([
  "listing",
  "entry",
  "record",
  "post",
  "ad",
  "advert",
  "page",
  "detail",
  "details",
  "info",
  "profile",
]);

/** Whether two names have the same words up to a typo each; words with digits must match. */
function sameWordsClosely(a: string, b: string): boolean {
  const x = a.split(" ");
  const y = b.split(" ");
  return x.length === y.length &&
    x.every((w, i) => {
      const v = y[i] ?? "";
      return /\d/.test(w) || /\d/.test(v) ? w === v : closeSpelling(w, v);
    });
}

/** The entities of one vibe and how names resolve to them. */
export class EntityRegistry {
  readonly entities: Entity[] = [];
  /** Tables renamed after they were first reported: old name → new name. */
  readonly renamed = new Map<string, string>();
  /** Tenant words ("company") the vibe uses as things of their own, not as the organization. */
  readonly entityNouns = new Set<string>();

  private readonly baselineFks = new Map<string, string[]>();

  constructor(readonly template: Template, baseline: Plan) {
    for (const table of baseline.tables) {
      this.baselineFks.set(
        table.name,
        table.columns.flatMap((c) => c.references?.schema === "public" ? [c.references.table] : []),
      );
    }
    for (const key of BASELINE_KEYS[template]) {
      const table = plural(key).replace(/ /g, "_");
      if (!baseline.tables.some((t) => t.name === table)) continue;
      this.entities.push({
        key,
        table,
        baseline: true,
        relation: false,
        actor: null,
        actorEntity: null,
        offered: false,
        fields: [],
        links: [],
        persons: [],
        visibility: null,
        sentence: -1,
        described: true,
        stub: false,
      });
    }
  }

  /** The key a phrase would have as an entity ("parking spot"), or null. */
  keyOf(phrase: NounPhrase): string | null {
    const words = entityWords(phrase);
    return words.length === 0 ? null : words.join(" ");
  }

  private readonly found = new Map<string, Entity | undefined>();

  /** Tables a template table already references. */
  baselineLinks(table: string): readonly string[] {
    return this.baselineFks.get(table) ?? [];
  }

  /** The entity a phrase names, if any; never creates one. */
  find(phrase: NounPhrase | string): Entity | undefined {
    const key = typeof phrase === "string" ? phrase : this.keyOf(phrase);
    if (key === null || key === "") return undefined;
    if (this.found.has(key)) return this.found.get(key);
    const entity = this.lookup(key);
    this.found.set(key, entity);
    return entity;
  }

  private lookup(key: string): Entity | undefined {
    const words = key.split(" ");
    if (words.length >= 2 && RECORD_WORDS.has(words.at(-1) ?? "")) {
      // "a bike listing" is the bike; "a recipe entry" the recipe.
      const thing = this.lookupExact(words.slice(0, -1).join(" "));
      if (thing) return thing;
    }
    return this.lookupExact(key);
  }

  private lookupExact(key: string): Entity | undefined {
    const exact = this.entities.find((e) => e.key === key || e.table === snakeCase(key));
    if (exact) return exact;
    const asTable = tableNameFor(key);
    const byTable = this.entities.find((e) => e.table === asTable);
    if (byTable) return byTable;
    const head = key.split(" ").at(-1) ?? key;
    // "box" for "vegetable box", "flag keys" → "feature flag" (head of the subject's words).
    const byHead = this.entities.filter((e) => e.key.split(" ").at(-1) === head);
    if (byHead.length === 1 && (key === head || byHead[0]?.key.endsWith(key))) return byHead[0];
    const byWords = this.entities.filter((e) => key.split(" ").every((w) => e.key.includes(w)));
    if (byWords.length === 1 && key.split(" ").length > 1) return byWords[0];
    if (
      this.template === "saas" && ORGANIZATION_NOUNS.has(head) && key === head &&
      !this.entityNouns.has(key)
    ) {
      return this.entities.find((e) => e.table === "organizations");
    }
    const close = this.entities.filter((e) =>
      sameWordsClosely(e.key, key) ||
      (key === head && closeSpelling(e.key.split(" ").at(-1) ?? "", head))
    );
    return close.length === 1 ? close[0] : undefined;
  }

  /**
   * Like {@linkcode find}, and when nothing matches, the one entity with the same head noun:
   * for rules that refer back to a thing under another name ("leave requests" for the "time
   * off requests" described earlier). Never used to decide whether to create a table.
   */
  findLoosely(phrase: NounPhrase | string): Entity | undefined {
    const found = this.find(phrase);
    if (found) return found;
    const key = typeof phrase === "string" ? phrase : this.keyOf(phrase);
    const head = key?.split(" ").at(-1);
    if (head === undefined) return undefined;
    const byHead = this.entities.filter((e) => !e.baseline && e.key.split(" ").at(-1) === head);
    return byHead.length === 1 ? byHead[0] : undefined;
  }

  /** Adds an entity for `key` with table name `table` (derived from the key by default). */
  add(key: string, sentence: number, table = tableNameFor(key)): Entity {
    this.found.clear();
    const entity: Entity = {
      key,
      table,
      baseline: false,
      relation: false,
      actor: null,
      actorEntity: null,
      offered: false,
      fields: [],
      links: [],
      persons: [],
      visibility: null,
      sentence,
      described: false,
      stub: false,
    };
    this.entities.push(entity);
    return entity;
  }

  /**
   * Renames an entity to the words the vibe describes it with ("cuttings" rather than the
   * "houseplant cuttings" it was first mentioned as), updating the links that point at it.
   */
  rename(entity: Entity, key: string): void {
    const table = tableNameFor(key);
    const before = entity.table;
    if (
      entity.baseline ||
      this.entities.some((e) => e !== entity && (e.table === table || e.key === key))
    ) return;
    const oldColumn = `${singular(entity.table)}_id`;
    const newColumn = `${singular(table)}_id`;
    (entity as { key: string }).key = key;
    entity.table = table;
    this.renamed.set(before, table);
    for (const other of this.entities) {
      for (const link of other.links) {
        if (link.target === entity && link.column === oldColumn) link.column = newColumn;
      }
    }
    this.found.clear();
  }

  /** New entities, in the order the vibe introduced them. */
  added(): Entity[] {
    return this.entities.filter((e) => !e.baseline);
  }
}
