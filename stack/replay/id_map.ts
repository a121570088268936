/**
 * @module The original environment's identifiers (refs, branch ids) and the ones replay created
 * for them: applied to every string of a call's arguments before it is re-run (SQL or files
 * that name the environment included), and reversed on the replay's snapshot so the two
 * environments compare equal when only their ids differ.
 */

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function replaceStrings(value: unknown, pattern: RegExp, map: Map<string, string>): unknown {
  if (typeof value === "string") return value.replace(pattern, (m) => map.get(m) ?? m);
  if (Array.isArray(value)) return value.map((v) => replaceStrings(v, pattern, map));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, replaceStrings(v, pattern, map)]),
    );
  }
  return value;
}

function patternOf(map: Map<string, string>): RegExp | undefined {
  if (!map.size) return undefined;
  const keys = [...map.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return new RegExp(keys.join("|"), "g");
}

export class IdMap {
  readonly #forward = new Map<string, string>();
  readonly #backward = new Map<string, string>();

  /** Records that `replay` stands in for `original`. */
  set(original: string, replay: string): void {
    if (original.length < 4) {
      throw new Error(
        `Cannot map the id "${original}": ids shorter than 4 characters are ambiguous`,
      );
    }
    this.#forward.set(original, replay);
    this.#backward.set(replay, original);
  }

  get(original: string): string | undefined {
    return this.#forward.get(original);
  }

  has(original: string): boolean {
    return this.#forward.has(original);
  }

  /** A copy with every original id replaced by its replay counterpart. */
  apply<T>(value: T): T {
    const pattern = patternOf(this.#forward);
    return pattern ? replaceStrings(value, pattern, this.#forward) as T : value;
  }

  /** A copy with every replay id replaced by the original. */
  reverse<T>(value: T): T {
    const pattern = patternOf(this.#backward);
    return pattern ? replaceStrings(value, pattern, this.#backward) as T : value;
  }

  entries(): [string, string][] {
    return [...this.#forward.entries()];
  }
}
