/**
 * @module What statements mean for the data: each predicate is read by the kind of its verb —
 * describing ("Boxes have a name"), linking ("Invoices belong to a client"), creating
 * ("Sellers post bikes with a price"), relating ("Customers subscribe to a box"), approving,
 * changing, reading — or by its copula ("Slugs are unique", "Bookings are private") into the
 * entity model and a list of rules applied once the tables exist. Each clause records what it
 * changed or why it could not, in words a user can act on.
 */

import { checkIdentifier } from "../../sql/identifier.ts";
import { singular, snakeCase, tableNameFor } from "../../text/inflection.ts";
import type { Word } from "../../text/nlp.ts";
import type { RequirementChange, Template } from "../schema.ts";
import { entityWords, fieldFromPhrase, type FieldSpec, valueText } from "./fields.ts";
import {
  closeSpelling,
  type Entity,
  type EntityRegistry,
  type Hindsight,
  isPersonWord,
} from "./model.ts";
import { EMPTY_PHRASE, type NounPhrase, type Predicate, type Statement } from "./reading.ts";
import {
  APPROVAL_VERBS,
  CHANGE_VERBS,
  CREATE_VERBS,
  EVERYONE_WORDS,
  FIELD_VERBS,
  GENERIC_BOOKED,
  HAVE_VERBS,
  LIST_FIELDS,
  OFFER_VERBS,
  ORGANIZATION_NOUNS,
  PRODUCT_NOUNS,
  PUBLIC_WORDS,
  READ_VERBS,
  RELATION_CREATES_OBJECT,
  RELATION_NOUNS,
} from "./vocabulary.ts";

/** How one clause was handled. */
export interface ClauseOutcome {
  /** What was done, sentence case. */
  readonly done: string[];
  /** Why something was not done, sentence case, with how to rephrase. */
  readonly failed: string[];
  readonly changes: RequirementChange[];
  /** Something was already as asked. */
  already: boolean;
}

/** A rule applied after the tables exist. */
export type Rule =
  | {
    readonly kind: "unique";
    readonly sentence: number;
    readonly subject: NounPhrase;
    readonly scope: NounPhrase | null;
  }
  | {
    readonly kind: "required" | "optional";
    readonly sentence: number;
    readonly subject: NounPhrase;
  }
  | {
    readonly kind: "check";
    readonly sentence: number;
    readonly subject: NounPhrase;
    readonly words: readonly Word[];
    readonly range: readonly [number, number] | null;
  }
  | {
    readonly kind: "values";
    readonly sentence: number;
    readonly subject: NounPhrase;
    readonly values: readonly string[];
  }
  | {
    readonly kind: "one_per";
    readonly sentence: number;
    readonly entity: Entity | NounPhrase;
    readonly scopes: readonly (NounPhrase | "actor")[];
  }
  | {
    readonly kind: "public" | "private";
    readonly sentence: number;
    readonly entity: Entity;
    readonly flag: string | null;
  }
  | {
    readonly kind: "reads_related";
    readonly sentence: number;
    readonly entity: Entity;
    readonly role: string;
    readonly through: Entity | null;
  }
  | {
    readonly kind: "approve";
    readonly sentence: number;
    readonly entity: Entity;
    readonly role: string | null;
    readonly states: readonly string[];
  }
  | {
    readonly kind: "change";
    readonly sentence: number;
    readonly entity: Entity;
    readonly command: "update" | "delete";
    readonly role: string | null;
  };

const ANYONE = new Set([...EVERYONE_WORDS, "everybody", "all", "people"]);
/** Objects too vague to be tables. */
const GENERIC_OBJECTS = new Set([
  "work",
  "stuff",
  "thing",
  "data",
  "information",
  "content",
  "everything",
  "anything",
  "detail",
  "info",
  "it",
  "them",
]);
/** Field heads whose "of" list is the values: "a status of pending, approved or rejected". */
/** Verbs that set a value on something: "Owners set an hourly rate for their spaces". */
const SETTING_VERBS = new Set([
  "set",
  "specify",
  "enter",
  "choose",
  "pick",
  "select",
  "define",
  "configure",
  "provide",
  "give",
]);
/** Verbs by which someone deals with rows others create. */
const HANDLE_VERBS = new Set([
  "handle",
  "receive",
  "process",
  "fulfil",
  "fulfill",
  "triage",
  "resolve",
]);
const ENUM_HEADS = new Set([
  "status",
  "type",
  "kind",
  "category",
  "stage",
  "level",
  "priority",
  "state",
  "role",
  "mode",
  "tier",
  "grade",
  "severity",
  "size",
  "plan",
]);
/** Prepositions and participles that introduce fields: "..., giving the plant name". */
const FIELD_PREPS = new Set([
  "with",
  "including",
  "giving",
  "listing",
  "specifying",
  "providing",
  "showing",
  "containing",
  "having",
  "stating",
  "noting",
]);
/** Prepositions and participles that introduce links: "using their recipes". */
const USE_PREPS = new Set(["using", "via", "through", "from"]);
/** Words the reader may misspell in rules, and the word meant. */
const RULE_WORDS = ["required", "mandatory", "optional", "unique", "public", "private", "positive"];
/** Verbs whose passive with "can" is a yes/no state: "Monitors can be paused". */
const STATE_VERBS = new Set([
  "enable",
  "disable",
  "publish",
  "feature",
  "pin",
  "verify",
  "complete",
  "block",
  "hide",
  "lock",
  "archive",
  "pause",
  "flag",
  "star",
  "mark",
  "activate",
  "deactivate",
  "favorite",
  "favourite",
  "share",
  "schedule",
  "approve",
  "cancel",
  "close",
  "resolve",
  "sell",
  "rent",
  "book",
  "reserve",
  "accept",
]);
const GENERIC_PEOPLE = new Set(["people", "person", "someone", "somebody", "side", "party"]);
const SELF_WORDS = new Set(["we", "i", "you", "us"]);
const LINK_PREPS = new Set([
  "on",
  "for",
  "to",
  "in",
  "under",
  "about",
  "of",
  "into",
  "at",
  "after",
  "from",
  "within",
  "inside",
  "onto",
]);
const BELONG_VERBS = new Set([
  "belong",
  "reference",
  "link",
  "attach",
  "relate",
  "point",
  "tie",
  "associate",
]);
const GROUP_VERBS = new Set([
  "group",
  "organize",
  "organise",
  "file",
  "sort",
  "categorize",
  "categorise",
  "put",
  "store",
  "place",
  "nest",
]);
const SPLIT_VERBS = new Set(["split", "divide", "break", "separate"]);
const CONTENT_OWNERS: Readonly<Record<string, string>> = {
  review: "author_id",
  comment: "author_id",
  note: "author_id",
  post: "author_id",
  answer: "author_id",
  question: "author_id",
  reply: "author_id",
  feedback: "author_id",
  message: "sender_id",
};
const CONTENT_NOUNS = new Set([
  "review",
  "rating",
  "comment",
  "feedback",
  "note",
  "message",
  "reply",
  "question",
  "answer",
  "tip",
  "report",
  "post",
  "vote",
  "like",
]);
const INTERACTION_NOUNS = new Set([
  ...[...RELATION_NOUNS.values()].map((n) => singular(n)),
  "rental",
  "booking",
  "reservation",
  "loan",
  "swap",
  "trade",
  "order",
  "purchase",
  "subscription",
  "appointment",
  "session",
  "delivery",
  "pickup",
  "refund",
  "transfer",
  "quote",
  "estimate",
  "offer",
  "proposal",
  "application",
  "payment",
  "donation",
  "trip",
  "visit",
  "stay",
  "tour",
  "meeting",
  "interview",
  "consultation",
  "lesson",
  "ride",
  "job",
  "cleaning",
  "repair",
]);

/** Reads statements into the entity registry, rules and outcomes. */
export class Interpreter {
  readonly rules: Rule[] = [];
  /** Keys of phrases used as link targets, for the second reading. */
  readonly targets = new Set<string>();
  /** Things people call theirs ("their spaces"), by key, with the person's role. */
  readonly possessions = new Map<string, string>();
  readonly outcomes = new Map<number, ClauseOutcome>();
  private sentence = 0;
  /** The entity the previous predicate of the current statement created or described. */
  private focus: Entity | null = null;
  /** The most recent object phrase, for "accept or reject offers" (verbs sharing an object). */
  private pendingVerbs: Predicate[] = [];

  constructor(
    readonly registry: EntityRegistry,
    readonly template: Template,
    readonly hindsight: Hindsight | null,
    readonly limits: { readonly maxEntities: number; readonly maxFields: number },
  ) {}

  private outcome(): ClauseOutcome {
    let outcome = this.outcomes.get(this.sentence);
    if (outcome === undefined) {
      outcome = { done: [], failed: [], changes: [], already: false };
      this.outcomes.set(this.sentence, outcome);
    }
    return outcome;
  }

  private did(text: string, ...changes: RequirementChange[]): void {
    const outcome = this.outcome();
    if (!outcome.done.includes(text)) outcome.done.push(text);
    for (const change of changes) {
      if (!outcome.changes.some((c) => c.kind === change.kind && c.target === change.target)) {
        outcome.changes.push(change);
      }
    }
  }

  private fail(text: string): void {
    const outcome = this.outcome();
    if (!outcome.failed.includes(text)) outcome.failed.push(text);
  }

  private already(text: string): void {
    this.outcome().already = true;
    this.did(text);
  }

  /** Reads one clause of sentence `sentence`. */
  read(statement: Statement, sentence: number): void {
    this.sentence = sentence;
    this.focus = null;
    this.pendingVerbs = [];
    const subject = statement.subject[0] ?? null;
    if (!statement.hasVerb) {
      this.readFragment(statement);
      return;
    }
    if (subject === null) {
      const first = statement.words[0]?.text ?? "";
      this.fail(
        SELF_WORDS.has(first) || first === "it"
          ? "Describes the product or the team, not its data, so nothing was built from it; say " +
            'what people do or what things have, e.g. "Sellers post bikes with a price".'
          : "Cannot tell who or what this is about: start with the thing or the people, " +
            'e.g. "Sellers post bikes" or "Bikes have a price".',
      );
      return;
    }
    for (const predicate of statement.predicates) {
      if (
        predicate.complements.length === 0 && predicate.adjectives.length === 0 &&
        !predicate.passive
      ) {
        // "accept or reject offers": this verb shares the next one's object.
        this.pendingVerbs.push(predicate);
        continue;
      }
      for (const pending of this.pendingVerbs) {
        this.readPredicate(statement.subject, {
          ...pending,
          complements: predicate.complements,
          only: predicate.only || pending.only,
        });
      }
      this.pendingVerbs = [];
      this.readPredicate(statement.subject, predicate);
    }
    for (const pending of this.pendingVerbs) this.readPredicate(statement.subject, pending);
  }

  // ---- fragments: titles and "Bikes: brand, size, price" --------------------------------

  private readFragment(statement: Statement): void {
    const subject = statement.subject[0];
    const withList = statement.predicates[0]?.complements.find((c) => c.prep === "with");
    if (subject && subject.values && subject.values.length > 0 && !this.isProductPhrase(subject)) {
      const entity = this.entityFor(subject, true);
      if (entity) this.addFields(entity, subject.values.map(valuePhrase));
      return;
    }
    if (subject && withList && !this.isProductPhrase(subject)) {
      const entity = this.entityFor(subject, true);
      if (entity) this.describe(entity, withList.items, true);
      return;
    }
    this.fail(
      "Reads as a title or a description of the product, not as data or a rule, so nothing was " +
        'built from it; say what people do or what things have, e.g. "Sellers post bikes with a ' +
        'price".',
    );
  }

  private isProductPhrase(phrase: NounPhrase): boolean {
    return phrase.words.some((w) => PRODUCT_NOUNS.has(w)) || SELF_WORDS.has(phrase.head);
  }

  // ---- entities ------------------------------------------------------------------------

  /** The role name of a person phrase ("pet owners" → pet_owner), or null when not a person. */
  private personRole(phrase: NounPhrase): string | null {
    if (ANYONE.has(phrase.head) && phrase.words.length === 1) return null;
    const existing = this.registry.find(phrase);
    if (existing && existing.described && !existing.baseline) return null;
    if (!isPersonWord(phrase.head)) return null;
    if (GENERIC_PEOPLE.has(phrase.head)) return "user";
    const words = entityWords(phrase).filter((w) => w !== "other" && w !== "both");
    return words.length === 0 ? null : snakeCase(words.join(" "));
  }

  /** The entity a phrase names, created when asked and allowed. */
  private entityFor(phrase: NounPhrase, create: boolean, stub = false): Entity | null {
    const found = this.registry.find(phrase);
    if (found) {
      this.adoptName(found, phrase, stub);
      return found;
    }
    if (!create) return null;
    const key = this.registry.keyOf(phrase);
    if (key === null || ANYONE.has(key) || SELF_WORDS.has(key)) return null;
    if (phrase.words.every((w) => PRODUCT_NOUNS.has(w))) return null;
    if (GENERIC_OBJECTS.has(key)) {
      this.fail(
        `"${key}" is too vague to become a table: name the thing, e.g. "tasks" or "invoices".`,
      );
      return null;
    }
    if (key.split(" ").length > 4) {
      this.fail(`Cannot name a table after "${key}": use a name of at most four words.`);
      return null;
    }
    const nameCheck = checkIdentifier(tableNameFor(key));
    if (!nameCheck.ok) {
      this.fail(
        `Cannot name a table "${
          tableNameFor(key).slice(0, 40)
        }": ${nameCheck.reason}; use another word.`,
      );
      return null;
    }
    if (
      this.template === "saas" && ORGANIZATION_NOUNS.has(key) && !this.registry.entityNouns.has(key)
    ) {
      return this.registry.find("organization") ?? null;
    }
    if (this.registry.added().length >= this.limits.maxEntities) {
      this.fail(
        `Cannot add a table for "${key}": the plan already has ${this.limits.maxEntities} new ` +
          "tables, the most the offline planner adds; describe fewer things, or use the LLM planner.",
      );
      return null;
    }
    const entity = this.registry.add(key, this.sentence);
    entity.stub = stub;
    const owner = this.possessor(key);
    if (owner !== null) entity.actor = owner;
    return entity;
  }

  /** A thing first named in passing takes the name the vibe describes it with. */
  private adoptName(entity: Entity, phrase: NounPhrase, stub: boolean): void {
    if (stub || !entity.stub) return;
    entity.stub = false;
    const key = this.registry.keyOf(phrase);
    if (key === null || key === entity.key) return;
    const words = key.split(" ");
    if (words.length < entity.key.split(" ").length && words.every((w) => entity.key.includes(w))) {
      this.registry.rename(entity, key);
    }
  }

  // ---- fields and links ------------------------------------------------------------------

  private addField(entity: Entity, field: FieldSpec): boolean {
    if (entity.fields.some((f) => f.name === field.name)) return false;
    if (field.name === "id" || field.name === "created_at") return false;
    if (entity.fields.length >= this.limits.maxFields) {
      this.fail(`Cannot add more than ${this.limits.maxFields} fields to ${entity.table}.`);
      return false;
    }
    if (field.name.length > 63) {
      this.fail(
        `Cannot name a column "${
          field.name.slice(0, 40)
        }...": it is longer than 63 characters; use a shorter name.`,
      );
      return false;
    }
    if (/_id$/.test(field.name)) {
      this.fail(
        `Skipped field "${field.name}": say which table it points to, e.g. "${
          entity.table.replaceAll("_", " ")
        } belong to a ${field.name.slice(0, -3).replaceAll("_", " ")}".`,
      );
      return false;
    }
    entity.fields.push({ ...field, sentence: this.sentence });
    return true;
  }

  /** Adds fields named by phrases; phrases naming entities or people become links. */
  private addFields(entity: Entity, phrases: readonly NounPhrase[], required = false): string[] {
    const added: string[] = [];
    for (const phrase of phrases) {
      if (phrase.words.length === 0 && phrase.whether === null) continue;
      const target = this.registry.find(phrase);
      if (
        target && target !== entity && !target.baseline && phrase.values === null &&
        !LIST_FIELDS.has(phrase.words.at(-1) ?? "")
      ) {
        if (this.link(entity, target, { required })) added.push(`${singular(target.table)}_id`);
        continue;
      }
      const role = phrase.whether === null && phrases.length === 1 ? this.personRole(phrase) : null;
      if (role !== null && phrase.words.length <= 2 && !["author", "owner"].includes(role)) {
        this.personRef(entity, role, required);
        added.push(`${role}_id`);
        continue;
      }
      const field = fieldFromPhrase(phrase, required);
      if (field === null) continue;
      if (this.addField(entity, field)) added.push(field.name);
      // "the quantity of a product": the product is linked too.
      const related = phrase.ofRelated ? this.registry.find(phrase.ofRelated) : undefined;
      if (related && related !== entity && !related.baseline && related.table !== "organizations") {
        this.link(entity, related, { required });
      }
    }
    if (added.length > 0) {
      entity.described = true;
      this.did(
        `Added to ${entity.table}: ${added.join(", ")}.`,
        ...added.map((name) => ({ kind: "column" as const, target: `${entity.table}.${name}` })),
      );
    }
    return added;
  }

  /** Links `entity` to `target` through `<target>_id`; returns whether it is new. */
  private link(
    entity: Entity,
    target: Entity,
    options: { required?: boolean; ownedByActor?: boolean } = {},
  ): boolean {
    if (target === entity) return false;
    const existing = entity.links.find((l) => l.target === target);
    if (existing) {
      if (options.ownedByActor) existing.ownedByActor = true;
      return false;
    }
    if (entity.baseline && this.registry.baselineLinks(entity.table).includes(target.table)) {
      return false;
    }
    if (this.wouldCycle(target, entity)) {
      this.fail(
        `Cannot link ${entity.table} to ${target.table}: ${target.table} already depends on ${entity.table}.`,
      );
      return false;
    }
    let column = `${singular(target.table)}_id`;
    if (
      entity.fields.some((f) => f.name === column) ||
      entity.persons.some((p) => p.column === column)
    ) {
      column = `${singular(target.table)}_ref_id`;
    }
    entity.links.push({
      target,
      column,
      required: options.required ?? !entity.baseline,
      ownedByActor: options.ownedByActor ?? false,
      sentence: this.sentence,
    });
    this.did(`Linked ${entity.table} to ${target.table} through ${column}.`, {
      kind: "column",
      target: `${entity.table}.${column}`,
    });
    return true;
  }

  private wouldCycle(from: Entity, to: Entity, depth = 0): boolean {
    if (from === to) return true;
    if (depth > 20) return false;
    return from.links.some((l) => this.wouldCycle(l.target, to, depth + 1)) ||
      (from.actorEntity !== null && this.wouldCycle(from.actorEntity, to, depth + 1));
  }

  private personRef(entity: Entity, role: string, required = false, column = `${role}_id`): void {
    if (entity.persons.some((p) => p.column === column)) return;
    if (ownerColumnOf(entity) === column) {
      column = role === "user" ? "recipient_id" : `other_${role}_id`;
    }
    if (entity.persons.some((p) => p.column === column)) return;
    entity.persons.push({ column, role, required, reads: true, sentence: this.sentence });
    this.did(`Added ${entity.table}.${column} for the ${role.replaceAll("_", " ")} it concerns.`, {
      kind: "column",
      target: `${entity.table}.${column}`,
    });
  }

  private setActor(entity: Entity, subject: NounPhrase): void {
    if (entity.baseline) return;
    if (entity.actor !== null || entity.actorEntity !== null) return;
    let actorEntity = this.registry.find(subject);
    const known = this.hindsightKey(subject);
    if (actorEntity === undefined && known !== null && !isPersonWord(subject.head)) {
      actorEntity = this.registry.add(known, this.sentence);
    }
    const described = actorEntity !== undefined &&
      (actorEntity.described || this.hindsight?.entities.get(actorEntity.key)?.described === true);
    if (actorEntity && actorEntity !== entity && described && !actorEntity.baseline) {
      entity.actorEntity = actorEntity;
      this.link(entity, actorEntity, { required: true });
      return;
    }
    const role = this.personRole(subject) ?? this.actorRole(subject);
    if (role !== null) {
      entity.actor = role;
      this.did(
        `Rows belong to the ${role.replaceAll("_", " ")} who adds them (${ownerColumnOf(entity)}).`,
      );
    }
  }

  /** Who calls the thing with this key theirs, by the first reading (head noun allowed). */
  private possessor(key: string): string | null {
    const possessions = this.hindsight?.possessions;
    if (possessions === undefined || key === "") return null;
    const exact = possessions.get(key);
    if (exact !== undefined) return exact;
    const head = key.split(" ").at(-1);
    const byHead = [...possessions].filter(([k]) => k.split(" ").at(-1) === head);
    return byHead.length === 1 ? byHead[0]?.[1] ?? null : null;
  }

  /** The key the first reading gave a described entity this phrase names, or null. */
  private hindsightKey(phrase: NounPhrase): string | null {
    const key = this.registry.keyOf(phrase);
    if (key === null || this.hindsight === null) return null;
    if (this.hindsight.entities.get(key)?.described) return key;
    const head = key.split(" ").at(-1) ?? key;
    const matches = [...this.hindsight.entities].filter(([k, v]) =>
      v.described && k.split(" ").at(-1) === head
    );
    return matches.length === 1 ? matches[0]?.[0] ?? null : null;
  }

  /** A non-person subject that still acts ("Farms offer boxes"), or null for the product. */
  private actorRole(subject: NounPhrase): string | null {
    if (this.isProductPhrase(subject) || ANYONE.has(subject.head)) return null;
    if (this.template === "saas" && ORGANIZATION_NOUNS.has(subject.head)) return null;
    const words = entityWords(subject);
    return words.length === 0 ? null : snakeCase(words.join(" "));
  }

  // ---- predicates --------------------------------------------------------------------------

  private readPredicate(subjects: readonly NounPhrase[], predicate: Predicate): void {
    const subject = subjects[0] as NounPhrase;
    const object = predicate.complements.find((c) => c.prep === null)?.items[0];
    const limited = object !== undefined && (predicate.only || object.one || predicate.once) &&
      (object.per !== null || predicate.once) &&
      (this.isActing(subject) || this.registry.find(subject) !== undefined ||
        this.hindsightKey(subject) !== null);
    if (limited && object && (predicate.verb === "have" || predicate.verb === "be")) {
      // "A customer can only have one subscription per box".
      const scopes: (NounPhrase | "actor")[] = ["actor"];
      if (object.per) scopes.push({ ...EMPTY_PHRASE, words: [object.per], head: object.per });
      this.rules.push({
        kind: "one_per",
        sentence: this.sentence,
        entity: { ...object, per: null },
        scopes,
      });
      return;
    }
    const role = this.personRole(subject);
    if (role !== null) {
      for (const item of predicate.complements.flatMap((c) => c.items)) {
        const key = this.registry.keyOf(item);
        if (item.possessive && key !== null && !this.possessions.has(key)) {
          this.possessions.set(key, role);
        }
      }
    }
    this.dispatch(subject, predicate);
    const focus = this.focus as Entity | null;
    if (limited && object && focus !== null) {
      const scopes: (NounPhrase | "actor")[] = ["actor"];
      if (object.per) scopes.push({ ...EMPTY_PHRASE, words: [object.per], head: object.per });
      else if (focus.relation || focus.key !== this.registry.keyOf(object)) {
        scopes.push({ ...object, per: null });
      }
      this.rules.push({ kind: "one_per", sentence: this.sentence, entity: focus, scopes });
    }
  }

  private dispatch(subject: NounPhrase, predicate: Predicate): void {
    const verb = predicate.verb;
    const by = predicate.complements.find((c) => c.prep === "by");
    if (
      by && !predicate.passive && (by.items[0]?.words[0] ?? "").endsWith("ing") &&
      (by.items[0]?.words.length ?? 0) > 1
    ) {
      return this.readGerund(subject, by, predicate);
    }
    if (predicate.negated && !predicate.only) {
      this.fail(
        `Says what should not happen ("not ${verb}"); the plan already allows only what ` +
          "the vibe asks for, so nothing was added.",
      );
      return;
    }
    if (verb === "be" && !predicate.passive) return this.readCopula(subject, predicate);
    if (predicate.passive) return this.readPassive(subject, predicate);
    if (verb === "have" || (HAVE_VERBS.has(verb) && !this.isActing(subject))) {
      return this.readHave(subject, predicate);
    }
    if (BELONG_VERBS.has(verb)) return this.readBelong(subject, predicate);
    if (HANDLE_VERBS.has(verb)) return this.readHandle(predicate);
    if (["move", "go", "progress", "pass", "flow", "cycle"].includes(verb)) {
      // "Applications move through stages: applied, screening, hired".
      const through = predicate.complements.find((c) =>
        c.prep === "through" || c.prep === "between"
      )?.items[0];
      const entity = this.entityFor(subject, false);
      if (through && entity && through.values && through.values.length > 1) {
        const name = snakeCase(singular(through.words.at(-1) ?? "stage"));
        this.addFields(entity, [{
          ...EMPTY_PHRASE,
          words: [name],
          head: name,
          values: through.values,
        }]);
        return;
      }
    }
    if (verb === "mark" || verb === "tag" && predicate.complements.some((c) => c.prep === "as")) {
      return this.readMark(subject, predicate);
    }
    if (APPROVAL_VERBS.has(verb)) return this.readApproval(subject, predicate);
    if (READ_VERBS.has(verb) && !RELATION_NOUNS.has(verb) || (verb === "see" || verb === "view")) {
      return this.readVisibility(subject, predicate);
    }
    if (verb === "follow" || verb === "watch") return this.readRelation(subject, predicate);
    if (
      CHANGE_VERBS.has(verb) && this.isActing(subject) && this.ownsObject(predicate) &&
      (!CREATE_VERBS.has(verb) || this.possessiveObject(predicate))
    ) {
      return this.readChange(subject, predicate);
    }
    const forTarget = predicate.complements.find((c) => c.prep === "for" || c.prep === "on")
      ?.items[0];
    const forEntity = forTarget ? this.resolve(forTarget) : null;
    if (
      SETTING_VERBS.has(verb) && this.focus === null && forEntity !== null && !forEntity.baseline &&
      !this.makesContent(predicate)
    ) {
      // "Owners set an hourly rate and availability for their spaces".
      const objects = predicate.complements.filter((c) => c.prep === null).flatMap((c) => c.items);
      this.focus = forEntity;
      this.addFields(forEntity, objects);
      return;
    }
    if (
      FIELD_VERBS.has(verb) && this.focus !== null && !this.isNewThingVerb(verb, predicate) &&
      !this.makesContent(predicate)
    ) {
      const objects = predicate.complements.filter((c) => c.prep === null).flatMap((c) => c.items);
      this.addFields(this.focus, objects);
      return;
    }
    if (RELATION_NOUNS.has(verb) && !CREATE_VERBS.has(verb)) {
      return this.readRelation(subject, predicate);
    }
    if (RELATION_NOUNS.has(verb) && RELATION_CREATES_OBJECT.has(verb)) {
      return this.readRelation(subject, predicate);
    }
    if (CREATE_VERBS.has(verb) || CREATE_VERBS.has(`${verb} ${predicate.particle ?? ""}`.trim())) {
      return this.readCreate(subject, predicate);
    }
    if (RELATION_NOUNS.has(verb)) return this.readRelation(subject, predicate);
    if (CHANGE_VERBS.has(verb)) return this.readChange(subject, predicate);
    if (HAVE_VERBS.has(verb)) return this.readHave(subject, predicate);
    this.fail(
      `Cannot tell what "${verb}" should change in the data: the offline planner understands ` +
        "things having fields, belonging to other things, people creating, booking, rating, " +
        'commenting on or subscribing to things, and rules like "unique per" or "between 1 and ' +
        '5"; rephrase it that way, or set OPENAI_API_KEY to use the LLM planner.',
    );
  }

  /** "leave a rating", "write a review": the object is a row of its own. */
  private makesContent(predicate: Predicate): boolean {
    const object = predicate.complements.find((c) => c.prep === null)?.items[0];
    return object !== undefined && (object.range !== null || CONTENT_NOUNS.has(object.head));
  }

  private isNewThingVerb(verb: string, predicate: Predicate): boolean {
    const objects = predicate.complements.filter((c) => c.prep === null).flatMap((c) => c.items);
    return verb === "add" && objects.some((o) =>
      o.plural && this.registry.find(o) === undefined &&
      predicate.complements.some((c) => c.prep === "with")
    );
  }

  private isActing(subject: NounPhrase): boolean {
    if (
      this.template === "saas" && ORGANIZATION_NOUNS.has(subject.head) &&
      !this.registry.entityNouns.has(subject.head)
    ) return true;
    if (this.registry.find(subject)?.described && !isPersonWord(subject.head)) return false;
    return this.personRole(subject) !== null || this.isProductPhrase(subject) ||
      ORGANIZATION_NOUNS.has(subject.head) || ANYONE.has(subject.head);
  }

  private possessiveObject(predicate: Predicate): boolean {
    return predicate.complements.some((c) => c.items.some((i) => i.possessive));
  }

  private ownsObject(predicate: Predicate): boolean {
    const objects = predicate.complements.flatMap((c) => c.items);
    return objects.length > 0;
  }

  // ---- "X have a, b and c" / "X have Y with a, b" ----------------------------------------

  private readHave(subject: NounPhrase, predicate: Predicate): void {
    if (this.isProductPhrase(subject) && !this.registry.find(subject)) {
      // "The app has bikes with a price": the object is the entity.
      const withList = predicate.complements.find((c) => c.prep === "with");
      for (
        const object of predicate.complements.filter((c) => c.prep === null).flatMap((c) => c.items)
      ) {
        const fields = withList?.items ?? object.values?.map(valuePhrase) ?? [];
        const entity = this.entityFor(object, true, fields.length === 0);
        if (entity && fields.length === 0) this.announce(entity);
        else if (entity) this.describe(entity, fields, true);
      }
      return;
    }
    const entity = this.entityFor(subject, true);
    if (entity === null) {
      this.fail(`Cannot find a table for "${subject.words.join(" ")}": describe what it is first.`);
      return;
    }
    this.focus = entity;
    this.announce(entity);
    const required = predicate.modal === "must" || predicate.modal === "should";
    const objects = predicate.complements.filter((c) => c.prep === null).flatMap((c) => c.items);
    const withList = predicate.complements.find((c) => c.prep === "with" || c.prep === "including");
    const like = predicate.complements.find((c) => c.prep === "like");
    const fieldPhrases: NounPhrase[] = [];
    const first = objects[0];
    if (
      first && first.of !== null && ENUM_HEADS.has(first.head) && objects.length >= 2 &&
      objects.slice(1).every((o) => o.words.length <= 2)
    ) {
      // "a status of pending, approved or rejected".
      const values = [first.of.words.join(" "), ...objects.slice(1).map((o) => o.words.join(" "))];
      objects.splice(0, objects.length, { ...first, of: null, values });
    }
    for (const object of objects) {
      if (this.isChild(object, entity, withList !== undefined || like !== undefined, predicate)) {
        const child = this.entityFor(object, true);
        if (child === null) continue;
        const wasNew = !child.described;
        this.link(child, entity, { required: true });
        const fields = withList?.items ?? (object.values?.map(valuePhrase) ?? []);
        this.describe(child, fields, wasNew);
        continue;
      }
      fieldPhrases.push(object);
    }
    if (fieldPhrases.length > 0) {
      const added = this.addFields(entity, fieldPhrases, required);
      if (
        added.length === 0 &&
        fieldPhrases.some((p) => entity.fields.some((f) => f.name === fieldFromPhrase(p)?.name))
      ) {
        this.already(`Already in ${entity.table}.`);
      }
    }
    this.readComplements(entity, {
      ...predicate,
      complements: predicate.complements.filter((c) =>
        c.prep !== "with" && c.prep !== "including" && c.prep !== "like"
      ),
    }, null);
    // "Each ticket has a unique code" style constraints ride on the phrase itself.
    for (const object of fieldPhrases) {
      if (object.words.includes("unique")) {
        this.rules.push({
          kind: "unique",
          sentence: this.sentence,
          subject: {
            ...object,
            words: [...subject.words, ...object.words.filter((w) => w !== "unique")],
          },
          scope: null,
        });
      }
    }
    entity.described = true;
  }

  /** Whether an object of "have" is a child entity rather than a field. */
  private isChild(
    object: NounPhrase,
    parent: Entity,
    hasList: boolean,
    predicate: Predicate,
  ): boolean {
    if (object.whether !== null || object.range !== null) return false;
    const name = object.words.at(-1) ?? "";
    if (LIST_FIELDS.has(name) && !hasList) return false;
    const known = this.registry.find(object);
    if (known && known !== parent && !known.baseline && known.described) return true;
    if (known && known !== parent && known.baseline && (object.plural || object.many)) return true;
    if (
      known?.baseline !== true &&
      this.hindsight?.entities.get(this.registry.keyOf(object) ?? "")?.described
    ) {
      return true;
    }
    if (!object.plural && !object.many) return false;
    if (
      object.values && object.values.length > 1 &&
      object.values.every((v) => v.split(" ").length <= 3)
    ) {
      return predicate.complements.length === 1 && hasFieldLikeValues(object.values);
    }
    return hasList || object.many;
  }

  /** Reports a table added for a thing named in passing (a link target). */
  private announce(entity: Entity): void {
    if (entity.baseline || entity.sentence !== this.sentence) return;
    if (this.outcome().changes.some((c) => c.target === entity.table)) return;
    this.did(`Added table ${entity.table}.`, { kind: "table", target: entity.table });
  }

  /** Adds fields to an entity described by phrases (and marks it described). */
  private describe(entity: Entity, phrases: readonly NounPhrase[], announce: boolean): void {
    if (
      announce && !entity.baseline && entity.sentence === this.sentence &&
      !this.outcome().changes.some((c) => c.target === entity.table)
    ) {
      this.did(`Added table ${entity.table}.`, { kind: "table", target: entity.table });
    }
    entity.described = true;
    if (phrases.length > 0) this.addFields(entity, phrases);
  }

  // ---- "Agents handle support tickets": the thing exists; someone else makes it ----------------

  private readHandle(predicate: Predicate): void {
    const objects = predicate.complements.filter((c) => c.prep === null).flatMap((c) => c.items);
    if (objects.length === 0) {
      this.fail(
        `Cannot tell what is ${predicate.verb}d: name the thing, e.g. "Agents ${predicate.verb} tickets".`,
      );
      return;
    }
    for (const object of objects) {
      const known = this.registry.find(object);
      if (known) {
        this.already(`Already planned: table ${known.table}.`);
        continue;
      }
      const entity = this.entityFor(object, true, true);
      if (entity) this.announce(entity);
    }
  }

  // ---- "X belong to Y" ----------------------------------------------------------------------

  private readBelong(subject: NounPhrase, predicate: Predicate): void {
    const entity = this.entityFor(subject, true);
    if (entity === null) return;
    if (!entity.baseline && !entity.described) this.describe(entity, [], true);
    const targets = predicate.complements.filter((c) =>
      c.prep === "to" || c.prep === "with" || c.prep === null
    )
      .flatMap((c) => c.items);
    if (targets.length === 0) {
      this.fail(
        `Cannot tell what ${entity.table} belong to: name it, e.g. "${
          entity.table.replaceAll("_", " ")
        } belong to a project".`,
      );
      return;
    }
    for (const target of targets) this.linkTo(entity, target, predicate, true);
  }

  /** Links `entity` to what `phrase` names: an entity (foreign key) or a person (owner/ref). */
  private linkTo(
    entity: Entity,
    phrase: NounPhrase,
    predicate: Predicate | null,
    ownership: boolean,
  ): void {
    const targetKey = this.registry.keyOf(phrase);
    if (targetKey !== null) this.targets.add(targetKey);
    const role = this.personRole(phrase);
    const actsSomewhere = role !== null &&
      ([...(this.hindsight?.entities.values() ?? [])].some((e) => e.actor === role) ||
        ["user", "member", "owner", "author", "creator", "seller", "buyer"].includes(role) ||
        this.template === "marketplace");
    if (role !== null && actsSomewhere && this.registry.find(phrase)?.described !== true) {
      if (ownership && !entity.baseline) {
        if (entity.actor === null && entity.actorEntity === null) {
          entity.actor = role;
          this.did(
            `Made ${entity.table} owned by the ${role.replaceAll("_", " ")} who creates them.`,
          );
        } else this.already(`Already owned: ${entity.table} belong to the user who creates them.`);
        return;
      }
      if (entity.baseline && ownership) {
        this.already(`Already owned: ${entity.table} belong to the user who creates them.`);
        return;
      }
      this.personRef(entity, role);
      return;
    }
    const target = this.entityFor(phrase, true, true);
    if (target === null) return;
    if (target.table === "organizations" && this.template === "saas") {
      this.already(
        `Already scoped: every ${
          entity.baseline ? "template" : "new"
        } table belongs to an organization.`,
      );
      return;
    }
    this.announce(target);
    const owned = phrase.possessive ||
      phrase.clause.some((w) => ["they", "he", "she"].includes(w.text));
    if (
      !this.link(entity, target, {
        required: !entity.baseline,
        ownedByActor: owned && predicate !== null,
      })
    ) {
      if (entity.links.some((l) => l.target === target)) {
        this.already(`Already linked: ${entity.table} to ${target.table}.`);
      }
    }
  }

  // ---- "Sellers post bikes with a price" ------------------------------------------------------

  private readCreate(subject: NounPhrase, predicate: Predicate): void {
    const verb = predicate.particle ? `${predicate.verb} ${predicate.particle}` : predicate.verb;
    const objects = predicate.complements.filter((c) => c.prep === null).flatMap((c) => c.items);
    if (objects.length === 0) {
      const by = predicate.complements.find((c) => c.prep === "by");
      if (by) return this.readGerund(subject, by, predicate);
      if (RELATION_NOUNS.has(predicate.verb)) return this.readRelation(subject, predicate);
      this.fail(
        `Cannot tell what is ${
          predicate.verb === "set" ? "set" : `${predicate.verb}ed`
        }: name the thing, e.g. "${subject.words.join(" ")} ${predicate.verb} listings".`,
      );
      return;
    }
    const subjectEntity = this.registry.find(subject);
    const subjectIsThing = subjectEntity !== undefined && subjectEntity.described &&
      !isPersonWord(subject.head) && !this.isActing(subject);
    const [lead, ...others] = objects;
    if (
      lead && others.length > 0 &&
      (lead.range !== null || ["rating", "review", "score"].includes(lead.head)) &&
      others.every((o) => CONTENT_NOUNS.has(o.head) && !o.plural)
    ) {
      // "leave a rating from 1 to 5 and a comment": the comment goes with the rating.
      objects.splice(1);
      predicate = {
        ...predicate,
        complements: [...predicate.complements, { prep: "with", items: others }],
      };
    }
    for (const object of objects) {
      if (object.words.length === 0) continue;
      if (this.personRole(object) !== null && !this.registry.find(object)?.described) {
        // "Freelancers manage clients" where clients are people without fields: a relation.
        if (RELATION_NOUNS.has(predicate.verb)) {
          this.readRelation(subject, {
            ...predicate,
            complements: [{ prep: null, items: [object] }],
          });
          continue;
        }
      }
      const existing = this.registry.find(object);
      const role = this.personRole(subject) ?? this.actorRole(subject);
      const container = predicate.complements.find((c) =>
        c.prep === "to" || c.prep === "into" || c.prep === "in"
      )?.items[0];
      if (
        existing && !existing.baseline && container &&
        ["add", "save", "put", "place", "collect", "pin", "move"].includes(predicate.verb) &&
        ((existing.actor !== null && existing.actor !== role) || existing.actorEntity !== null) &&
        this.registry.find(container) === undefined && !this.hindsightKey(container)
      ) {
        // "Buyers can add products to a cart": the cart holds products someone else made.
        this.addItems(existing, container, subject);
        continue;
      }
      // What the product itself keeps ("We manage a fleet of delivery vans") is named in
      // passing: the sentence that describes it may name it more plainly ("Vans have ...").
      const byProduct = this.isProductPhrase(subject);
      const entity = this.entityFor(object, true, byProduct);
      if (entity === null) continue;
      const wasDescribed = entity.described;
      if (byProduct && !wasDescribed) this.announce(entity);
      else if (!entity.baseline && !wasDescribed) this.describe(entity, [], true);
      if (entity.baseline) {
        this.already(`Already in the ${this.template} template: table ${entity.table}.`);
      } else if (wasDescribed) this.already(`Already planned: table ${entity.table}.`);
      if (subjectIsThing && subjectEntity) {
        this.link(entity, subjectEntity, { required: true });
      } else this.setActor(entity, subject);
      if (OFFER_VERBS.has(verb) || OFFER_VERBS.has(predicate.verb)) entity.offered = true;
      if (object.values && object.values.length > 0) {
        this.addFields(entity, object.values.map(valuePhrase));
      }
      if (object.range) this.addRating(entity, object.range, "rating");
      if (object.ofRelated) this.linkTo(entity, object.ofRelated, null, false);
      this.linkFromClause(entity, object);
      this.focus = entity;
      this.readComplements(entity, predicate, object);
    }
  }

  /** "questions that learners ask on a course": the asker creates them, on the course. */
  private linkFromClause(entity: Entity, object: NounPhrase): void {
    const clause = object.clause;
    for (let i = 0; i < clause.length; i++) {
      const word = clause[i];
      if (word === undefined) continue;
      if (
        i > 0 && isPersonWord(word.text) && entity.actor === null && !entity.baseline &&
        clause[i - 1]?.text === "that"
      ) {
        entity.actor = snakeCase(singular(word.text));
      }
      if (!["on", "for", "in", "about", "to", "under"].includes(word.text)) continue;
      const noun = clause.slice(i + 1).find((w) =>
        w.tags.has("Noun") && !["them", "it"].includes(w.text)
      );
      if (noun === undefined) continue;
      const phrase = { ...EMPTY_PHRASE, words: [noun.text], head: singular(noun.text) };
      const target = this.registry.find(phrase) ??
        (this.hindsightKey(phrase) ? this.entityFor(phrase, true) : undefined);
      if (target && target !== entity && !target.baseline) {
        this.link(entity, target, { required: false });
      }
    }
  }

  /** "<items> in a <container>" for things the user collects: cart_items, wishlist_items. */
  private addItems(item: Entity, container: NounPhrase, subject: NounPhrase): void {
    const head = entityWords(container).at(-1) ?? "list";
    const table = `${snakeCase(head)}_items`;
    let relation = this.registry.entities.find((e) => e.table === table) ?? null;
    if (relation === null) {
      relation = this.registry.add(`${head} item`, this.sentence, table);
      relation.relation = true;
      relation.described = true;
      this.did(`Added table ${table}.`, { kind: "table", target: table });
    }
    if (relation.actor === null) this.setActor(relation, subject);
    this.link(relation, item, { required: true });
    this.focus = relation;
  }

  /** "by sending a trade offer": the gerund is the verb, the rest its object. */
  private readGerund(
    subject: NounPhrase,
    by: { readonly items: readonly NounPhrase[] },
    predicate: Predicate,
  ): void {
    const [phrase] = by.items;
    const gerund = phrase?.words[0] ?? "";
    const verb = gerund.replace(/ing$/, "").replace(/(.)\1$/, "$1");
    if (phrase === undefined || phrase.words.length < 2) {
      this.fail(`Cannot tell what "${predicate.verb}" makes: name the thing.`);
      return;
    }
    const object: NounPhrase = { ...phrase, words: phrase.words.slice(1) };
    const others = predicate.complements.filter((c) => c.prep !== "by");
    this.readCreate(subject, {
      ...predicate,
      verb: CREATE_VERBS.has(verb) ? verb : "create",
      complements: [{ prep: null, items: [object] }, ...others],
    });
  }

  /** Fields and links from a predicate's prepositional phrases. */
  private readComplements(entity: Entity, predicate: Predicate, object: NounPhrase | null): void {
    for (const complement of predicate.complements) {
      if (complement.prep === null) continue;
      if (FIELD_PREPS.has(complement.prep)) {
        const linked: NounPhrase[] = [];
        const fields: NounPhrase[] = [];
        const sole = complement.items.length === 1;
        for (const item of complement.items) {
          if (
            item.values !== null && item.values.length >= 2 && !ENUM_HEADS.has(item.head) &&
            hasFieldLikeValues(item.values) && item.values.every((v) => !/^\d/.test(v))
          ) {
            // "reply with a quote (price, estimated days)": a thing with fields of its own.
            const child = this.entityFor({ ...item, values: null }, true);
            if (child && child !== entity) {
              this.describe(child, item.values.map(valuePhrase), true);
              if (child.actor === null && entity.actor !== null && !child.baseline) {
                child.actor = entity.actor;
              }
              this.link(child, entity, { required: false });
            }
            continue;
          }
          const target = this.registry.find(item);
          const role = this.personRole(item);
          if (
            target && target !== entity && !LIST_FIELDS.has(item.words.at(-1) ?? "") &&
            item.values === null
          ) linked.push(item);
          else if (role !== null && item.words.length <= 2 && sole) linked.push(item);
          else fields.push(item);
        }
        for (const item of linked) this.linkTo(entity, item, predicate, false);
        if (fields.length > 0) this.addFields(entity, fields);
        continue;
      }
      if (complement.prep === "range") {
        const range = complement.items[0]?.range;
        if (range) this.addRating(entity, range, "rating");
        continue;
      }
      if (
        complement.prep === "as" || complement.prep === "like" || complement.prep === "by" ||
        complement.prep === "per"
      ) continue;
      if (USE_PREPS.has(complement.prep)) {
        for (const item of complement.items) {
          const target = this.registry.find(item) ??
            (this.hindsightKey(item) ? this.entityFor(item, true) : null);
          if (target && target !== entity && !target.baseline) {
            this.link(entity, target, { required: false, ownedByActor: item.possessive });
          }
        }
        continue;
      }
      if (!LINK_PREPS.has(complement.prep)) continue;
      for (const item of complement.items) this.readPlace(entity, complement.prep, item, object);
    }
  }

  /** "on a ride", "for a date", "to sellers", "after a booking", "about a bike". */
  private readPlace(
    entity: Entity,
    prep: string,
    item: NounPhrase,
    object: NounPhrase | null,
  ): void {
    if (item.words.length === 0) return;
    if (item.range) this.addRating(entity, item.range, "rating");
    const known = this.registry.find(item);
    const role = this.personRole(item);
    if (role !== null && !(known?.described && !known.baseline)) {
      if (entity.baseline) return;
      this.personRef(entity, role);
      return;
    }
    if (
      known || this.hindsight?.entities.has(this.registry.keyOf(item) ?? "") || prep === "after" ||
      prep === "on" || prep === "to" || prep === "about" || prep === "in" || prep === "under"
    ) {
      if (known?.table === "organizations") return;
      const isField = !known && (prep === "in" || prep === "at") && !item.plural &&
        !this.hindsight?.entities.get(this.registry.keyOf(item) ?? "")?.described;
      if (isField) {
        this.addFields(entity, [item]);
        return;
      }
      if (
        !known && prep === "to" && object !== null &&
        !this.hindsight?.entities.has(this.registry.keyOf(item) ?? "")
      ) {
        // "add products to a cart": a thing the vibe never describes; link anyway.
      }
      this.linkTo(entity, item, null, false);
      const link = entity.links.find((l) => l.target === this.registry.find(item));
      if (
        link && (item.possessive || item.clause.some((w) => ["they", "he", "she"].includes(w.text)))
      ) {
        link.ownedByActor = true;
      }
      return;
    }
    // "for a date", "at a time": a field.
    this.addFields(entity, [item]);
  }

  private addRating(entity: Entity, range: readonly [number, number], name: string): void {
    const existing = entity.fields.find((f) => f.name === name || f.name === "score");
    if (existing) return;
    this.addField(entity, {
      name,
      type: "integer",
      required: true,
      unique: false,
      check: `${name} between ${range[0]} and ${range[1]}`,
      default: null,
    });
    this.did(`Added ${entity.table}.${name} between ${range[0]} and ${range[1]}.`, {
      kind: "constraint",
      target: `${entity.table}.${name}`,
    });
  }

  // ---- "Customers subscribe to a box" ---------------------------------------------------------

  private readRelation(subject: NounPhrase, predicate: Predicate): void {
    const verb = predicate.verb;
    const direct = predicate.complements.filter((c) => c.prep === null).flatMap((c) => c.items);
    const viaPrep = predicate.complements.filter((c) =>
      c.prep !== null && LINK_PREPS.has(c.prep) && c.prep !== "after"
    )
      .flatMap((c) => c.items);
    let objects = direct.length > 0 ? direct : viaPrep.slice(0, 1);
    if (objects.length === 0) {
      // "Agents reply to tickets" has its object after "to"; "customers can reply too" has none.
      const existing = this.registry.find(tableNameFor(RELATION_NOUNS.get(verb) ?? verb));
      if (existing) {
        this.already(`Already in the plan: ${existing.table}.`);
        return;
      }
      objects = [];
    }
    const role = this.personRole(subject) ?? this.actorRole(subject);
    const rest = direct.length > 0 ? predicate : {
      ...predicate,
      complements: predicate.complements.filter((c) => !c.items.includes(objects[0] as NounPhrase)),
    };
    if (objects[0]?.whether) {
      // "vote on whether an article was helpful": the vote is on the article, with a yes/no.
      const whether = objects[0];
      objects = whether.ofRelated ? [whether.ofRelated] : [];
      const noun = RELATION_NOUNS.get(verb) ?? `${verb}s`;
      const rest2 = {
        ...predicate,
        complements: [...predicate.complements, { prep: "with", items: [whether] }],
      };
      if (objects.length === 0) {
        const relation = this.registry.entities.find((e) => e.table === noun);
        if (relation) this.addFields(relation, [whether]);
        return;
      }
      return this.readRelation(subject, {
        ...rest2,
        complements: [{ prep: null, items: objects }, {
          prep: "with",
          items: [{ ...whether, ofRelated: null }],
        }],
      });
    }
    for (const object of objects.length > 0 ? objects : [null]) {
      const known = object === null ? undefined : this.registry.find(object);
      const person = object === null ? null : this.personRole(object);
      const knownElsewhere = object !== null &&
        this.hindsight?.entities.get(this.registry.keyOf(object) ?? "");
      const createdByOther = (known?.baseline ?? false) ||
        (known !== undefined &&
          ((known.actor !== null && known.actor !== role) || known.actorEntity !== null)) ||
        (knownElsewhere && knownElsewhere.actor !== null && knownElsewhere.actor !== role) ||
        (known !== undefined && known.stub === false && !RELATION_CREATES_OBJECT.has(verb)) ||
        (object !== null &&
          ![null, role].includes(this.possessor(this.registry.keyOf(object) ?? "")));
      const generic = object !== null && GENERIC_BOOKED.has(object.head) && !known &&
        object.words.length === 1;
      const makesObject = object !== null && person === null && !createdByOther && !generic &&
        RELATION_CREATES_OBJECT.has(verb) && direct.length > 0;
      if (makesObject && object !== null) {
        const isInteraction = INTERACTION_NOUNS.has(object.head) || known !== undefined ||
          (knownElsewhere && knownElsewhere.described);
        const renamed = verb === "request" && !isInteraction
          ? { ...object, words: [...entityWords(object), "request"], plural: true, head: "request" }
          : object;
        this.readCreate(subject, {
          ...predicate,
          verb: "create",
          complements: [
            { prep: null, items: [renamed] },
            ...predicate.complements.filter((c) => c.prep !== null),
          ],
        });
        return;
      }
      const noun = RELATION_NOUNS.get(verb) ?? `${verb}s`;
      let table = noun;
      const baseline = this.registry.entities.find((e) => e.baseline && e.table === noun);
      if (baseline && this.template === "saas" && object !== null) {
        table = `${singular(tableNameFor(this.registry.keyOf(object) ?? object.head))}_${noun}`;
      }
      let relation = this.registry.entities.find((e) => e.table === table) ?? null;
      if (relation === null) {
        if (this.registry.added().length >= this.limits.maxEntities) {
          this.entityFor({ ...EMPTY_PHRASE, words: [table], head: table }, true);
          return;
        }
        relation = this.registry.add(singular(table).replaceAll("_", " "), this.sentence, table);
        relation.relation = true;
        this.did(`Added table ${table}.`, { kind: "table", target: table });
      }
      relation.described = true;
      if (!relation.baseline && relation.actor === null && relation.actorEntity === null) {
        if (role !== null) relation.actor = role;
        else this.setActor(relation, subject);
      }
      if (object !== null) {
        if (generic) {
          // "book a spot in a class": the booking is of the class.
        } else if (person !== null && !(known?.described && !known.baseline)) {
          this.personRef(relation, person, !relation.baseline);
        } else {
          const target = known ?? this.entityFor(object, true, true);
          if (target && target !== relation) {
            this.announce(target);
            this.link(relation, target, {
              required: !relation.baseline,
              ownedByActor: object.possessive,
            });
          }
        }
        if (object.range) {
          this.addRating(relation, object.range, verb === "rate" ? "rating" : "rating");
        }
      }
      if (verb === "rate" && !relation.fields.some((f) => f.name === "rating")) {
        this.addRating(
          relation,
          predicate.complements.find((c) => c.prep === "range")?.items[0]?.range ?? [1, 5],
          "rating",
        );
      }
      if (verb === "review" && !relation.fields.some((f) => f.name === "rating")) {
        this.addField(relation, {
          name: "rating",
          type: "integer",
          required: false,
          unique: false,
          check: "rating between 1 and 5",
          default: null,
        });
      }
      if (
        ["comment", "reply", "answer", "message", "review", "respond"].includes(verb) &&
        !relation.fields.some((f) => f.name === "body")
      ) {
        this.addField(relation, {
          name: "body",
          type: "text",
          required: true,
          unique: false,
          check: null,
          default: null,
        });
      }
      this.focus = relation;
      this.readComplements(relation, rest, object);
    }
  }

  // ---- "Students can mark a lesson as completed" ------------------------------------------------

  private readMark(subject: NounPhrase, predicate: Predicate): void {
    const objects = predicate.complements.filter((c) => c.prep === null).flatMap((c) => c.items);
    const as = predicate.complements.find((c) => c.prep === "as")?.items[0];
    const state = as?.words.at(-1);
    const target = objects[0] ? this.entityFor(objects[0], false) : this.registry.find(subject);
    if (target === null || target === undefined || state === undefined) {
      this.fail('Cannot tell what is marked: say e.g. "Students can mark a lesson as completed".');
      return;
    }
    const role = this.personRole(subject);
    if (role !== null && target.actor !== null && target.actor !== role && state) {
      // Someone else's row: record the mark per user in its own table.
      const table = `${singular(target.table)}_${
        state === "completed" || state === "complete" || state === "done"
          ? "completions"
          : `${state}_marks`
      }`;
      let relation = this.registry.entities.find((e) => e.table === table) ?? null;
      if (relation === null) {
        relation = this.registry.add(table.replaceAll("_", " "), this.sentence, table);
        relation.relation = true;
        relation.actor = role;
        relation.described = true;
        this.did(`Added table ${table}.`, { kind: "table", target: table });
        this.link(relation, target, { required: true });
      }
      return;
    }
    this.addFields(target, [{ ...EMPTY_PHRASE, words: [state], head: state, whether: state }]);
  }

  // ---- copula: "Slugs are unique", "Bookings are private", "Stages are a, b or c" --------------

  private readCopula(subject: NounPhrase, predicate: Predicate): void {
    const adjectives = predicate.adjectives.map((a) =>
      RULE_WORDS.find((w) => closeSpelling(w, a)) ?? a
    );
    const words = predicate.rest.map((w) => w.text);
    const per =
      predicate.complements.find((c) => c.prep === "per" || c.prep === "within" || c.prep === "for")
        ?.items[0] ??
        (subject.per ? { ...EMPTY_PHRASE, words: [subject.per], head: subject.per } : null);
    const subjectWithoutPer: NounPhrase = { ...subject, per: null };
    if (adjectives.some((a) => a === "unique" || a === "distinct")) {
      this.rules.push({
        kind: "unique",
        sentence: this.sentence,
        subject: subjectWithoutPer,
        scope: per,
      });
      return;
    }
    if (adjectives.some((a) => a === "required" || a === "mandatory")) {
      this.rules.push({ kind: "required", sentence: this.sentence, subject });
      return;
    }
    if (adjectives.includes("optional")) {
      this.rules.push({ kind: "optional", sentence: this.sentence, subject });
      return;
    }
    const entity = this.registry.find(subject);
    const visibility = this.visibilityWords(words);
    if (visibility !== null) {
      const target = entity ?? this.resolve(subject) ??
        this.registry.find({ ...subject, words: entityWords(subject).slice(-1) });
      if (target === undefined || target === null) {
        this.fail(
          `Cannot find a table for "${subject.words.join(" ")}": describe it first, e.g. "${
            subject.words.join(" ")
          } have a name".`,
        );
        return;
      }
      const flag = subject.adjectives.size > 0 && entity === undefined
        ? [...subject.adjectives][0] ?? null
        : subject.words.length > entityWords(subject).length
        ? subject.words.find((w) => subject.adjectives.has(w)) ?? null
        : null;
      this.rules.push({ kind: visibility, sentence: this.sentence, entity: target, flag });
      return;
    }
    const range = predicate.complements.find((c) => c.prep === "range")?.items[0]?.range ?? null;
    if (range !== null || isValueRule(words)) {
      this.rules.push({
        kind: "check",
        sentence: this.sentence,
        subject,
        words: predicate.rest,
        range,
      });
      return;
    }
    if (adjectives.length >= 2) {
      const values = adjectives.filter((a) => !["one", "of", "either"].includes(a));
      if (entity && !entity.baseline && entity.described) {
        this.addStatus(entity, values);
        return;
      }
      if (entity?.baseline) {
        this.rules.push({
          kind: "values",
          sentence: this.sentence,
          subject: { ...subject, words: [...subject.words, "status"] },
          values,
        });
        return;
      }
      this.rules.push({ kind: "values", sentence: this.sentence, subject, values });
      return;
    }
    if (adjectives.length === 1 && entity && predicate.modal !== null) {
      const state = adjectives[0] as string;
      this.addFields(entity, [{ ...EMPTY_PHRASE, words: [state], head: state, whether: state }]);
      return;
    }
    if (this.isProductPhrase(subject) || SELF_WORDS.has(subject.head)) {
      this.fail(
        'Describes the product, not its data; say what people do or what things have, e.g. "Sellers post bikes with a price".',
      );
      return;
    }
    this.fail(
      `Cannot tell what rule "${words.join(" ")}" sets: say e.g. "${
        subject.words.join(" ")
      } must be unique", "... between 1 and 5", "... are public" or "... are one of a, b or c".`,
    );
  }

  private addStatus(entity: Entity, values: readonly string[]): void {
    const name = entity.fields.some((f) => f.name === "status") ? "status" : "status";
    const existing = entity.fields.find((f) => f.name === name);
    const list = values.map(valueText);
    const check = `status in (${list.map((v) => `'${v.replaceAll("'", "''")}'`).join(", ")})`;
    if (existing) {
      const index = entity.fields.indexOf(existing);
      entity.fields[index] = {
        ...existing,
        type: "text",
        check,
        default: existing.default ?? `'${list[0]}'`,
      };
      this.did(`Limited ${entity.table}.status to ${list.join(", ")}.`, {
        kind: "constraint",
        target: `${entity.table}.status`,
      });
      return;
    }
    this.addField(entity, {
      name,
      type: "text",
      required: true,
      unique: false,
      check,
      default: `'${list[0]}'`,
    });
    this.did(`Added ${entity.table}.status (${list.join(", ")}).`, {
      kind: "column",
      target: `${entity.table}.status`,
    });
  }

  private visibilityWords(words: readonly string[]): "public" | "private" | null {
    if (
      words.includes("private") ||
      (words.includes("only") && (words.includes("visible") || words.includes("readable")))
    ) {
      return "private";
    }
    if (words.some((w) => PUBLIC_WORDS.has(w)) && !words.includes("not")) {
      if (
        words.includes("open") && !words.includes("public") && !words.includes("anyone") &&
        !words.includes("everyone")
      ) return null;
      return "public";
    }
    return null;
  }

  // ---- passive: "Bikes are posted by sellers", "A ticket can be assigned to one agent" -----------

  private readPassive(subject: NounPhrase, predicate: Predicate): void {
    const verb = predicate.verb;
    const by = predicate.complements.find((c) => c.prep === "by")?.items[0];
    const participle = verb.endsWith("e") ? `${verb}d` : `${verb}ed`;
    const known = CREATE_VERBS.has(verb) || RELATION_NOUNS.has(verb) || GROUP_VERBS.has(verb) ||
      BELONG_VERBS.has(verb) || SPLIT_VERBS.has(verb) || CHANGE_VERBS.has(verb) ||
      APPROVAL_VERBS.has(verb) || STATE_VERBS.has(verb) || verb === "assign" || verb === "tag";
    if (!known || (predicate.modal === null && !by && predicate.complements.length === 0)) {
      // "Bug titles are requried", "Prices are fixed": a rule word, not an action.
      const word = predicate.rest[0]?.text ?? participle;
      this.readCopula(subject, {
        ...predicate,
        passive: false,
        verb: "be",
        adjectives: [word, ...predicate.adjectives],
      });
      return;
    }
    const entity = this.entityFor(subject, true);
    if (entity === null) return;
    if (!entity.baseline && !entity.described) this.describe(entity, [], true);
    if (by && (CREATE_VERBS.has(verb) || RELATION_NOUNS.has(verb))) {
      this.setActor(entity, by);
      if (OFFER_VERBS.has(verb)) entity.offered = true;
      this.did(`Made ${entity.table} owned by the ${by.words.join(" ")} who ${verb} them.`);
      this.readComplements(entity, {
        ...predicate,
        complements: predicate.complements.filter((c) => c.prep !== "by"),
      }, null);
      return;
    }
    const to = predicate.complements.find((c) => c.prep === "to")?.items[0];
    if (verb === "assign" && to) {
      const role = this.personRole(to);
      if (role !== null) {
        this.personRef(
          entity,
          role,
          false,
          entity.fields.some((f) => f.name === "assignee_id") ? `${role}_id` : "assignee_id",
        );
        if (entity.baseline && entity.table === "tasks") {
          this.already("Already assignable: tasks.assignee_id.");
        }
      } else this.linkTo(entity, to, null, false);
      return;
    }
    const into = predicate.complements.find((c) =>
      ["into", "in", "under", "by", "to"].includes(c.prep ?? "")
    );
    if ((GROUP_VERBS.has(verb) || BELONG_VERBS.has(verb)) && into) {
      for (const item of into.items) this.linkTo(entity, item, null, false);
      return;
    }
    if (SPLIT_VERBS.has(verb) && into) {
      for (const item of into.items) {
        const child = this.entityFor(item, true);
        if (child === null) continue;
        if (!child.described && !child.baseline) this.describe(child, [], true);
        this.link(child, entity, { required: true });
      }
      const withList = predicate.complements.find((c) => c.prep === "with");
      const child = into.items[0] ? this.registry.find(into.items[0]) : undefined;
      if (withList && child) this.addFields(child, withList.items);
      return;
    }
    if (verb === "tag") {
      const as = predicate.complements.find((c) => c.prep === "as")?.items[0];
      if (as) {
        this.addFields(entity, [{
          ...EMPTY_PHRASE,
          words: as.words,
          head: as.head,
          whether: as.words.join(" "),
        }]);
      } else {this.addFields(entity, [{
          ...EMPTY_PHRASE,
          words: ["tags"],
          head: "tag",
          plural: true,
        }]);}
      return;
    }
    if (CREATE_VERBS.has(verb) && predicate.complements.length > 0) {
      // "Incidents are opened for a monitor with a start time".
      this.readComplements(entity, predicate, null);
      return;
    }
    // "Monitors can be paused": a yes/no state.
    const perScope = predicate.complements.find((c) => c.prep === "per");
    if (perScope) {
      this.fail(
        `Cannot keep a separate "${verb}" state per ${
          perScope.items[0]?.words.join(" ") ?? "scope"
        } offline: say e.g. "${
          entity.table.replaceAll("_", " ")
        } settings belong to a ${entity.key} and a ${
          perScope.items[0]?.words.join(" ") ?? "scope"
        } and have an enabled flag".`,
      );
    }
    this.addFields(entity, [{
      ...EMPTY_PHRASE,
      words: [participle],
      head: participle,
      whether: participle,
    }]);
  }

  // ---- approvals, changes, visibility ------------------------------------------------------------

  private objectEntity(predicate: Predicate): Entity | null {
    const objects = predicate.complements.filter((c) => c.prep === null).flatMap((c) => c.items);
    const object = objects[0] ?? predicate.complements.flatMap((c) => c.items)[0];
    if (object === undefined) return null;
    return this.resolve(object);
  }

  /** The entity a phrase names now, or will name once a later sentence describes it. */
  private resolve(phrase: NounPhrase): Entity | null {
    const found = this.registry.find(phrase);
    if (found) return found;
    const key = this.hindsightKey(phrase);
    if (key === null) return null;
    return this.registry.find(key) ?? this.registry.add(key, this.sentence);
  }

  private readApproval(subject: NounPhrase, predicate: Predicate): void {
    const entity = this.objectEntity(predicate);
    if (entity === null) {
      const object = predicate.complements.flatMap((c) => c.items)[0];
      this.fail(
        `Cannot find what is ${APPROVAL_VERBS.get(predicate.verb)}${
          object ? ` ("${object.words.join(" ")}")` : ""
        }: describe it first.`,
      );
      return;
    }
    const state = APPROVAL_VERBS.get(predicate.verb) as string;
    const existing = this.rules.find((r) =>
      r.kind === "approve" && r.entity === entity && r.sentence === this.sentence
    );
    if (existing && existing.kind === "approve") {
      (existing.states as string[]).push(state);
      return;
    }
    // "The person who posted the cutting": the owner of the cutting approves.
    const clauseThing = subject.clause.map((w) => w.text).filter((w) => w.length > 2).map((w) =>
      this.registry.find({ ...EMPTY_PHRASE, words: [w], head: singular(w) })
    ).find((e) => e !== undefined);
    const role = clauseThing ? "owner" : this.personRole(subject);
    this.rules.push({ kind: "approve", sentence: this.sentence, entity, role, states: [state] });
  }

  private readChange(subject: NounPhrase, predicate: Predicate): void {
    const entity = this.objectEntity(predicate);
    if (entity === null) {
      this.fail(
        `Cannot find what is changed: describe it first, e.g. "${
          subject.words.join(" ")
        } post listings".`,
      );
      return;
    }
    const command = CHANGE_VERBS.get(predicate.verb) ?? "update";
    this.rules.push({
      kind: "change",
      sentence: this.sentence,
      entity,
      command,
      role: this.personRole(subject),
    });
  }

  private readVisibility(subject: NounPhrase, predicate: Predicate): void {
    const objects = predicate.complements.filter((c) => c.prep === null).flatMap((c) => c.items);
    const object = objects[0];
    if (object === undefined) {
      this.fail(
        'Cannot tell what can be seen: name it, e.g. "Sellers can see bids on their listings".',
      );
      return;
    }
    const entity = this.resolve(object);
    if (entity === null) {
      this.fail(`Cannot find a table for "${object.words.join(" ")}": describe it first.`);
      return;
    }
    if (ANYONE.has(subject.head)) {
      this.rules.push({ kind: "public", sentence: this.sentence, entity, flag: null });
      return;
    }
    const role = this.personRole(subject) ?? "user";
    if (predicate.only || (object.possessive && predicate.rest.some((w) => w.text === "own"))) {
      this.rules.push({ kind: "private", sentence: this.sentence, entity, flag: null });
      return;
    }
    const on = predicate.complements.find((c) =>
      c.prep !== null && ["on", "for", "of", "in", "under", "about"].includes(c.prep)
    )?.items[0];
    const through = on ? this.resolve(on) : null;
    if (object.possessive && through === null) {
      this.rules.push({ kind: "private", sentence: this.sentence, entity, flag: null });
      return;
    }
    this.rules.push({ kind: "reads_related", sentence: this.sentence, entity, role, through });
  }
}

/** "with" lists in values: "(title, author, condition)" are fields when they are nouns. */
function hasFieldLikeValues(values: readonly string[]): boolean {
  return values.length > 0 && values.every((v) => /^[a-z_ ]+$/.test(v));
}

/** A listed value as a noun phrase. */
export function valuePhrase(value: string): NounPhrase {
  const words = value.split(/\s+/).filter((w) =>
    w.length > 0 && !["a", "an", "the", "their"].includes(w)
  );
  return {
    ...EMPTY_PHRASE,
    words,
    head: singular(words.at(-1) ?? ""),
    plural: (words.at(-1) ?? "").endsWith("s"),
  };
}

const VALUE_RULE_WORDS =
  /\b(?:positive|negative|zero|least|most|greater|less|more|fewer|above|below|over|under|characters?|between|non_negative)\b/;

function isValueRule(words: readonly string[]): boolean {
  return VALUE_RULE_WORDS.test(words.join(" "));
}

/** The owner column an entity will get (see build). */
export function ownerColumnOf(entity: Entity): string | null {
  if (entity.baseline || entity.actor === null) return null;
  const head = entity.key.split(" ").at(-1) ?? "";
  return CONTENT_OWNERS[head] ?? `${entity.actor}_id`;
}
