/**
 * Sequence tracking per origin: which sends of a message are new, and how
 * many were lost before it. One fact per origin, the next sequence number
 * expected, in a Map whose insertion order is its recency, bounded so that
 * relays that come and go (restarts, short-lived workers) cannot grow it
 * without end. A forgotten origin starts again as a new one: its next message
 * sets the base and is not a gap.
 *
 * @module
 */

/** How many origins a relay remembers unless told otherwise. */
export const DEFAULT_MAX_ORIGINS = 1024;

/** What {@linkcode Origins.accept} decides for a message. */
export interface Accepted {
  /** How many leading sends were seen before: dropped as duplicates. */
  readonly duplicates: number;
  /** How many sends are missing before this message: a gap when above 0. */
  readonly missing: number;
}

/** The next sequence number expected from each origin heard lately. */
export class Origins {
  readonly #next = new Map<string, number>();
  readonly #limit: number;

  constructor(limit: number = DEFAULT_MAX_ORIGINS) {
    this.#limit = limit;
  }

  /** How many origins are remembered. */
  get size(): number {
    return this.#next.size;
  }

  /**
   * Records a message of `count` sends from `origin`, the first numbered
   * `sequence`, and says which of them are duplicates and what was missed.
   */
  accept(origin: string, sequence: number, count: number): Accepted {
    const expected = this.#next.get(origin);
    const end = sequence + count;
    if (expected === undefined) {
      if (this.#next.size >= this.#limit) {
        // The least recently heard origin goes first.
        this.#next.delete(this.#next.keys().next().value!);
      }
      this.#next.set(origin, end);
      return { duplicates: 0, missing: 0 };
    }
    // Delete then set: the origin becomes the most recently heard.
    this.#next.delete(origin);
    this.#next.set(origin, Math.max(expected, end));
    if (sequence >= expected) {
      return { duplicates: 0, missing: sequence - expected };
    }
    return { duplicates: Math.min(count, expected - sequence), missing: 0 };
  }
}
