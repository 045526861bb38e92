/**
 * The AbortSignal machinery: the one listener signalry puts on each
 * AbortSignal, and the groups of registrations it ends when that aborts.
 * Internal.
 *
 * ## What refers to what
 *
 * ```
 * AbortSignal ──listener──▶ AbortWatch ┄┄weak┄┄▶ AbortGroup ──▶ its members
 *                                                    ▲
 *                            AbortGroups ────────────┘ (a bucket's, or a Waiter's own)
 * ```
 *
 * An AbortWatch (one per AbortSignal, shared by every Signal) reaches a
 * bucket's groups only weakly, so that a receiver may close over its
 * sender: the strong way to such a group is from its owner's AbortGroups,
 * and a group goes with its owner (its bucket goes with its sender).
 * `COLLECTED_GROUPS` then takes the collected group off its watch.
 *
 * A Waiter's group is the exception: the watch holds it strongly (`held`),
 * because what the user holds is the promise that `next()` or `events()`
 * handed out, and only the path from the AbortSignal to the promise's
 * reject can settle it once the Signal or the sender is collected. It
 * holds the Waiter, its hooks and that promise, never the Signal or the
 * sender, and lets go as soon as the Waiter ends.
 *
 * ## Invariants, each kept by one class
 *
 * - AbortGroups: a group exists exactly while it holds a member.
 * - AbortWatch: it listens to its AbortSignal exactly while it holds a group.
 *
 * @module
 */

/** The getter of AbortSignal's own `name`: it works on a genuine AbortSignal only. */
function abortSignalGetter<Value>(name: string): (this: AbortSignal) => Value {
  return Object.getOwnPropertyDescriptor(AbortSignal.prototype, name)!
    .get as (this: AbortSignal) => Value;
}

/** Whether an AbortSignal aborted, read past any `aborted` of its own. */
export const abortedOf: (this: AbortSignal) => boolean = abortSignalGetter(
  "aborted",
);

/** Why an AbortSignal aborted, read past any `reason` of its own. */
export const reasonOf: (this: AbortSignal) => unknown = abortSignalGetter(
  "reason",
);

/**
 * Whether `value` is a genuine AbortSignal, by a brand check: a look-alike
 * made from its prototype, or a revoked Proxy, is not.
 */
export function isAbortSignal(value: unknown): value is AbortSignal {
  try {
    abortedOf.call(value as AbortSignal);
    return true;
  } catch {
    return false;
  }
}

/** What an AbortGroup holds: something that ends when its AbortSignal aborts. */
export interface Abortable {
  /** Its AbortSignal aborted with `reason`. */
  abort(reason: unknown): void;
}

/**
 * The members of one owner that listen to one AbortSignal. Its owner's
 * AbortGroups holds it; its watch reaches it only through `ref`.
 */
class AbortGroup {
  readonly members = new Set<Abortable>();
  readonly ref: AbortGroupRef;

  constructor(watch: AbortWatch) {
    this.ref = new AbortGroupRef(this, watch);
  }
}

/** The weak way from an AbortWatch to a group. */
class AbortGroupRef extends WeakRef<AbortGroup> {
  constructor(group: AbortGroup, readonly watch: AbortWatch) {
    super(group);
  }
}

/**
 * One owner's members that listen to AbortSignals, in one group per
 * AbortSignal: a group exists exactly while it holds a member.
 */
export class AbortGroups {
  #byWatch: Map<AbortWatch, AbortGroup> | undefined = undefined;

  /**
   * @param held Whether its watches hold its groups strongly: a Waiter's
   * must settle its promise on abort, whatever else was collected, and
   * lets go once it settles.
   */
  constructor(readonly held = false) {}

  /** Adds `member` to the group of `watch`'s AbortSignal. */
  join(watch: AbortWatch, member: Abortable): void {
    let group = this.#byWatch?.get(watch);
    if (group === undefined) {
      group = new AbortGroup(watch);
      (this.#byWatch ??= new Map()).set(watch, group);
      watch.add(group, this.held);
    }
    group.members.add(member);
  }

  /** Takes `member` out of the group of `watch`'s AbortSignal; the last to leave ends it. */
  leave(watch: AbortWatch, member: Abortable): void {
    const group = this.#byWatch?.get(watch);
    if (group === undefined || !group.members.delete(member)) return;
    if (group.members.size > 0) return;
    this.#byWatch!.delete(watch);
    if (this.#byWatch!.size === 0) this.#byWatch = undefined;
    watch.remove(group.ref);
  }
}

/**
 * Takes a group collected with its owner (a sender, or a whole Signal,
 * went) off its watch. Module-wide, so that it outlives any Registry.
 */
const COLLECTED_GROUPS = new FinalizationRegistry<AbortGroupRef>((ref) =>
  ref.watch.remove(ref)
);

/** The one AbortWatch of each AbortSignal, shared by every Signal. */
const ABORT_WATCHES = new WeakMap<AbortSignal, AbortWatch>();

/**
 * The one listener signalry puts on an AbortSignal, however many
 * registrations of however many Signals listen: it listens exactly while it
 * holds a group.
 */
export class AbortWatch {
  readonly #groups = new Set<AbortGroupRef>();
  /** The groups among them it holds strongly (Waiters'). */
  readonly #held = new Set<AbortGroup>();

  private constructor(readonly abortSignal: AbortSignal) {}

  /**
   * The watch of `abortSignal`, listening, or undefined if it has aborted
   * (then nothing listens). If listening throws, nothing changed.
   */
  static listening(abortSignal: AbortSignal): AbortWatch | undefined {
    let watch = ABORT_WATCHES.get(abortSignal);
    if (watch === undefined) {
      watch = new AbortWatch(abortSignal);
      ABORT_WATCHES.set(abortSignal, watch);
    }
    // Listen first: adding the listener runs the AbortSignal's own code,
    // which may abort it.
    if (watch.#groups.size === 0) {
      try {
        abortSignal.addEventListener("abort", watch);
      } catch (error) {
        ABORT_WATCHES.delete(abortSignal);
        throw error;
      }
    }
    if (!abortedOf.call(abortSignal)) return watch;
    watch.settle();
    return undefined;
  }

  /** Stops listening, and goes, if it holds no group. */
  settle(): void {
    if (this.#groups.size > 0) return;
    // Delete, not leave to the collector: V8 reclaims a WeakMap entry whose
    // key died only lazily, which churn through short-lived signals shows.
    ABORT_WATCHES.delete(this.abortSignal);
    try {
      this.abortSignal.removeEventListener("abort", this);
    } catch {
      // A listener left behind holds no group: an abort then reaches nobody.
    }
  }

  add(group: AbortGroup, held: boolean): void {
    this.#groups.add(group.ref);
    if (held) this.#held.add(group);
    else COLLECTED_GROUPS.register(group, group.ref, group.ref);
  }

  remove(ref: AbortGroupRef): void {
    if (!this.#groups.delete(ref)) return;
    const group = ref.deref();
    if (group === undefined || !this.#held.delete(group)) {
      COLLECTED_GROUPS.unregister(ref);
    }
    this.settle();
  }

  /** Called by the AbortSignal when it aborts, or by whoever dispatches an abort event. */
  handleEvent(): void {
    const abortSignal = this.abortSignal;
    if (!abortedOf.call(abortSignal)) return; // a dispatched event, not an abort
    const reason = reasonOf.call(abortSignal);
    for (const ref of [...this.#groups]) {
      for (const member of [...ref.deref()?.members ?? []]) {
        member.abort(reason);
      }
      // Its members left it as they ended; a group whose owner was
      // collected ends nothing, so take it off here.
      this.remove(ref);
    }
  }
}
