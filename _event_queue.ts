/**
 * The queue behind `events()`: the sends an iterator heard and nobody took
 * yet, and the `next()` calls waiting for one. Internal.
 *
 * @module
 */

import type { WaiterHooks } from "./_registry.ts";

/** What an EventQueue holds of its Waiter: the way to end it. */
interface Listening {
  end(): unknown;
}

/**
 * A first-in, first-out queue whose `take()` is O(1) amortized, where
 * `Array.prototype.shift` copies a long array on every call.
 */
class Queue<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** The oldest item, removed; undefined when empty. */
  take(): T | undefined {
    if (this.#head === this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    // Drop the taken slots once they are half the array.
    if (this.#head >= 1024 && 2 * this.#head >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Every item, oldest first, removed. */
  takeAll(): T[] {
    const items = this.#items.slice(this.#head) as T[];
    this.#items = [];
    this.#head = 0;
    return items;
  }
}

/** A `next()` call of an EventQueue, waiting for a send. */
interface Taker<T> {
  resolve(result: IteratorResult<T, undefined>): void;
  reject(reason: unknown): void;
}

/**
 * What `events()` returns: a Waiter that stays, and the sends it heard but
 * nobody took yet, bounded by `limit`.
 */
export class EventQueue<T> implements AsyncIterableIterator<T>, Disposable {
  /** Its Waiter, while it listens. */
  #waiter: Listening | undefined = undefined;
  readonly #heard = new Queue<T>();
  readonly #takers = new Queue<Taker<T>>();
  /** Why every later `next()` rejects: it fell behind, or its AbortSignal aborted. */
  #failure: { readonly reason: unknown } | undefined = undefined;

  /** How its RangeError begins: the events() action of its signal. */
  readonly #action: string;
  readonly #limit: number;

  /**
   * @param action How its RangeError begins, naming the signal.
   * @param limit How many sends it may hold that nobody took.
   * @param start Adds its Waiter, which may throw, leaving nothing behind;
   * its hooks hear at once if its AbortSignal had already aborted.
   */
  constructor(
    action: string,
    limit: number,
    start: (hooks: WaiterHooks) => Listening | undefined,
  ) {
    this.#action = action;
    this.#limit = limit;
    this.#waiter = start({
      hear: (args) => this.#hear(args as T),
      aborted: (reason) => this.#fail(reason),
    });
  }

  #hear(args: T): boolean {
    const taker = this.#takers.take();
    if (taker !== undefined) {
      taker.resolve({ value: args, done: false });
      return true;
    }
    if (this.#heard.length < this.#limit) {
      this.#heard.push(args);
      return true;
    }
    // Not queued and not dropped silently: it stops listening and, once
    // what it heard is taken, rejects.
    this.#waiter = undefined;
    this.#failure = {
      reason: new RangeError(
        `${this.#action}: the events() iterator fell behind by more than its limit of ${this.#limit}`,
      ),
    };
    return false;
  }

  /** Stops listening, drops what it heard and rejects every `next()` with `reason`. */
  #fail(reason: unknown): void {
    this.#waiter = undefined;
    this.#heard.takeAll();
    this.#failure = { reason };
    for (const taker of this.#takers.takeAll()) taker.reject(reason);
  }

  /** The next send's receiver argument, the first one heard and not yet taken. */
  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#heard.length > 0) {
      return Promise.resolve({ value: this.#heard.take()!, done: false });
    }
    if (this.#failure !== undefined) {
      return Promise.reject(this.#failure.reason);
    }
    if (this.#waiter === undefined) {
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.#takers.push({ resolve, reject });
    });
  }

  /** Stops listening and drops what it heard; pending `next()` calls end the iteration. */
  return(): Promise<IteratorResult<T, undefined>> {
    this.#waiter?.end();
    this.#waiter = undefined;
    this.#heard.takeAll();
    this.#failure = undefined;
    const done = { value: undefined, done: true } as const;
    for (const taker of this.#takers.takeAll()) taker.resolve(done);
    return Promise.resolve(done);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Stops it, so that `using` ends the iteration with its block. */
  [Symbol.dispose](): void {
    this.return();
  }
}
