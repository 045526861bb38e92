/**
 * The machinery behind {@linkcode Signal}: who is connected, for which
 * sender, in what order, and the lists a send walks. Internal: not exported
 * from `mod.ts`.
 *
 * ## Data model
 *
 * A Registry (one per Signal) holds Buckets: `anySender` for receivers
 * connected without a sender, and one per sender (a `WeakMap` for objects, a
 * `Map` for primitives). A Bucket maps a registration's key (its `uniqueId`,
 * or else its receiver) to an Entry: just its order number when the key is
 * the receiver and nothing else is asked of it, or a Registration record
 * when it has a `uniqueId`, `once` or an AbortSignal. Whether a registration
 * is connected is one fact: its bucket holds its order under its key. Order
 * numbers come from one counter, so they also merge any-sender and
 * per-sender entries into connection order. Each Bucket caches the CallList
 * a send from its sender walks; a per-sender list is fresh while its own
 * entries are unchanged (`callList` not null) and it was merged with the
 * any-sender list now cached (`mergedWith`). Lists are replaced, never
 * mutated, so a send in progress keeps its snapshot.
 *
 * An AbortWatch (one per AbortSignal, shared by every Signal) is the only
 * listener signalry puts on that AbortSignal. It reaches, weakly, one
 * AbortGroup per bucket listening (a Waiter gets a group of its own); a
 * group holds its registrations and its bucket holds the group, so a group
 * goes with its bucket. The listener is there exactly while a group is, and
 * a group exactly while it holds a registration.
 *
 * ## How a registration ends, and where
 *
 * - `Connection.disconnect()`, `Signal.disconnect()`: `Registry.end()`.
 * - `once`: `Registration.claim()` before its first call, then `end()`;
 *   a Waiter for `next()` when it hears a send (`Waiter.claim()`).
 * - abort: `AbortWatch.handleEvent()` aborts each record of each group.
 * - `disconnectAll()`: `Registry.disconnectAll()` ends each entry.
 * - its sender collected: the bucket goes with it (a WeakMap value), its
 *   groups with the bucket, and `COLLECTED_GROUPS` takes them off their
 *   watches.
 * Every explicit end goes through `Registry.#remove()`.
 *
 * ## What must not refer to what, so that garbage can be collected
 *
 * - Nothing the user holds refers to a Bucket, Registry or sender strongly:
 *   a Connection has its bucket's WeakRef, its key and its order.
 * - An AbortSignal reaches only its watch, and the watch its groups only
 *   weakly: a receiver may close over its sender.
 * - The Registry reaches object senders only through the WeakMap and WeakRefs
 *   (`#objectBuckets`, swept of collected buckets as it grows).
 * - A Bucket refers to its sender strongly; only the WeakMap entry keyed by
 *   that sender, and the CallLists of sends in progress, refer to the Bucket.
 *
 * @module
 */

import type { Connection } from "./signal.ts";

// deno-lint-ignore no-explicit-any -- receivers of every Signal share one shape here
export type AnyReceiver = (args: any) => unknown;

/**
 * A registration that needs more than its order number: one made under a
 * `uniqueId`, `once`, or with an AbortSignal.
 */
export class Registration {
  /** For `once`: whether its one call has been claimed. */
  #called = false;
  /** While it listens to an AbortSignal: the group it listens in. */
  group: AbortGroup | undefined = undefined;

  constructor(
    readonly receiver: AnyReceiver,
    readonly key: unknown,
    readonly order: number,
    readonly bucketRef: WeakRef<Bucket>,
    readonly once: boolean,
  ) {}

  /** Ends it, if it is still connected; true if this call ended it. */
  end(): boolean {
    const bucket = this.bucketRef.deref();
    return bucket !== undefined &&
      bucket.registry.end(bucket, this.key, this.order);
  }

  /**
   * Called by a send in its place, before its receiver: whether to call the
   * receiver. For `once`, only the first claim does, and ends it first.
   */
  claim(_args: unknown): boolean {
    if (this.#called) return false;
    this.#called = true;
    this.end();
    return true;
  }

  /** Its AbortSignal aborted with `reason`. */
  abort(_reason: unknown): void {
    this.end();
  }

  /** Stops listening to its AbortSignal, if it does; the last to leave its group ends the group. */
  leaveGroup(): void {
    const group = this.group;
    if (group === undefined) return;
    this.group = undefined;
    group.registrations.delete(this);
    if (group.registrations.size === 0) group.end();
  }
}

/** What a Waiter does with what it hears. */
export interface WaiterHooks {
  /** Hears a send's receiver argument; returns whether to go on listening. */
  hear(args: unknown): boolean;
  /** Its AbortSignal aborted with `reason`; it no longer listens. */
  aborted(reason: unknown): void;
}

/** Stands in a CallList for a Waiter, which is not a receiver: never called. */
function waiting(): never {
  throw new Error("unreachable: a waiter is not a receiver");
}

/**
 * One who waits for sends (`next()`, `events()`): it takes its place in
 * connection order, but is not a receiver, so it is in no send's results,
 * in no `receivers()` list, and `disconnectAll()` leaves it alone.
 */
export class Waiter extends Registration {
  constructor(
    readonly hooks: WaiterHooks,
    order: number,
    bucketRef: WeakRef<Bucket>,
  ) {
    super(waiting, hooks, order, bucketRef, false);
  }

  /** Hands the send's argument to its hooks; never asks for a call. */
  override claim(args: unknown): boolean {
    // One that stopped listening during this send (a nested send resolved
    // it, or its iterator returned) hears no more.
    if (!this.connected) return false;
    if (!this.hooks.hear(args)) this.end();
    return false;
  }

  override abort(reason: unknown): void {
    this.end();
    this.hooks.aborted(reason);
  }

  get connected(): boolean {
    return this.bucketRef.deref()?.get(this.key) === this;
  }
}

/** Its order number alone, or the record of a registration that needs one. */
type Entry = number | Registration;

function orderOf(entry: Entry): number {
  return typeof entry === "number" ? entry : entry.order;
}

/**
 * Who a send calls, in connection order. Built on the first send after a
 * change and shared by every send until the next one; never mutated.
 */
export class CallList {
  constructor(
    readonly receivers: readonly AnyReceiver[],
    /**
     * The record to claim before each receiver's call (`once`, or a
     * Waiter in its place), or null when there is none: only then must a
     * send look at more than the receivers.
     */
    readonly claims: readonly (Registration | undefined)[] | null,
  ) {}
}

/** The call list with nobody in it. */
export const NO_RECEIVERS: CallList = new CallList([], null);

/**
 * What a send walks: a CallList, or, for a sender whose list holds one
 * receiver and no `once`, that receiver alone (a sender with one receiver
 * then costs no list).
 */
export type Callees = CallList | AnyReceiver;

/** The registrations for one sender (or for any sender), by key, in connection order. */
class Bucket {
  /** The one entry, or, once there are two, a Map of them by key. */
  #entries: Entry | Map<unknown, Entry> | undefined = undefined;
  /** The one entry's key, while there is one. */
  #onlyKey: unknown = undefined;
  /** What a send from this bucket's sender walks; null when stale. */
  callList: Callees | null = null;
  /** The any-sender list `callList` was merged with. */
  mergedWith: CallList | null = null;
  /** Its registrations that listen to an AbortSignal, by the signal's watch. */
  abortGroups: Map<AbortWatch, AbortGroup> | undefined = undefined;
  /** The one weak way to this bucket, shared by its Connections and the Registry. */
  readonly ref: WeakRef<Bucket> = new WeakRef(this);

  constructor(readonly registry: Registry, readonly sender: unknown) {}

  get size(): number {
    const entries = this.#entries;
    if (entries instanceof Map) return entries.size;
    return entries === undefined ? 0 : 1;
  }

  get(key: unknown): Entry | undefined {
    const entries = this.#entries;
    if (entries instanceof Map) return entries.get(key);
    return entries !== undefined && sameValueZero(this.#onlyKey, key)
      ? entries
      : undefined;
  }

  set(key: unknown, entry: Entry): void {
    const entries = this.#entries;
    if (entries instanceof Map) {
      entries.set(key, entry);
    } else if (entries === undefined) {
      this.#onlyKey = key;
      this.#entries = entry;
    } else {
      this.#entries = new Map([[this.#onlyKey, entries], [key, entry]]);
      this.#onlyKey = undefined;
    }
    this.callList = null;
  }

  delete(key: unknown): void {
    const entries = this.#entries;
    if (entries instanceof Map) {
      entries.delete(key);
      if (entries.size === 0) this.#entries = undefined;
    } else {
      this.#entries = this.#onlyKey = undefined;
    }
    this.callList = null;
  }

  dropGroup(watch: AbortWatch): void {
    this.abortGroups?.delete(watch);
    if (this.abortGroups?.size === 0) this.abortGroups = undefined;
  }

  /** Calls `visit` for each entry, in connection order. */
  forEach(visit: (entry: Entry, key: unknown) => void): void {
    const entries = this.#entries;
    if (entries instanceof Map) entries.forEach(visit);
    else if (entries !== undefined) visit(entries, this.#onlyKey);
  }
}

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

/**
 * The registrations of one bucket that listen to one AbortSignal (or a
 * Waiter alone). Its bucket holds it; the AbortSignal's watch reaches it
 * only through `ref`, so that it goes with its bucket.
 */
class AbortGroup {
  readonly registrations = new Set<Registration>();
  readonly ref: AbortGroupRef;

  /** @param bucket The bucket that holds it; none for a Waiter's own group. */
  constructor(readonly watch: AbortWatch, readonly bucket?: Bucket) {
    // In the constructor, not as a field: tsc sets fields before the
    // parameter properties, so a field would see no watch yet.
    this.ref = new AbortGroupRef(this, watch);
  }

  add(registration: Registration): void {
    this.registrations.add(registration);
    registration.group = this;
  }

  /** Called when its last registration leaves. */
  end(): void {
    this.bucket?.dropGroup(this.watch);
    this.watch.leave(this.ref);
  }
}

/** The weak way from an AbortWatch to a group. */
class AbortGroupRef extends WeakRef<AbortGroup> {
  constructor(group: AbortGroup, readonly watch: AbortWatch) {
    super(group);
  }
}

/**
 * Takes a group collected with its bucket (its sender, or its whole Signal,
 * went) off its watch. Module-wide, so that it outlives any Registry.
 */
const COLLECTED_GROUPS = new FinalizationRegistry<AbortGroupRef>((ref) =>
  ref.watch.leave(ref)
);

/** The one AbortWatch of each AbortSignal, shared by every Signal. */
const ABORT_WATCHES = new WeakMap<AbortSignal, AbortWatch>();

/**
 * The one listener signalry puts on an AbortSignal, however many
 * registrations of however many Signals listen: it listens exactly while it
 * holds a group.
 */
class AbortWatch {
  readonly #groups = new Set<AbortGroupRef>();

  private constructor(readonly abortSignal: AbortSignal) {}

  static of(abortSignal: AbortSignal): AbortWatch {
    let watch = ABORT_WATCHES.get(abortSignal);
    if (watch === undefined) {
      watch = new AbortWatch(abortSignal);
      ABORT_WATCHES.set(abortSignal, watch);
    }
    return watch;
  }

  /** Starts listening unless it already does; if that throws, nothing changed. */
  prepare(): void {
    if (this.#groups.size === 0) {
      this.abortSignal.addEventListener("abort", this);
    }
  }

  /** Stops listening, and goes, if no group came after `prepare()`. */
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

  join(group: AbortGroup): void {
    this.#groups.add(group.ref);
    COLLECTED_GROUPS.register(group, group.ref, group.ref);
  }

  leave(ref: AbortGroupRef): void {
    if (!this.#groups.delete(ref)) return;
    COLLECTED_GROUPS.unregister(ref);
    this.settle();
  }

  /** Called by the AbortSignal when it aborts, or by whoever dispatches an abort event. */
  handleEvent(): void {
    const abortSignal = this.abortSignal;
    if (!abortedOf.call(abortSignal)) return; // a dispatched event, not an abort
    const reason = reasonOf.call(abortSignal);
    for (const ref of [...this.#groups]) {
      for (const registration of [...ref.deref()?.registrations ?? []]) {
        registration.abort(reason);
      }
      // Its registrations left it as they ended; one held by an iterator
      // after its bucket was collected ends nothing, so leave for it.
      this.leave(ref);
    }
  }
}

/** Object buckets the Registry keeps before it first sweeps out collected ones. */
const FIRST_SWEEP = 64;

/** Every registration of one Signal: the any-sender bucket and one per sender. */
export class Registry {
  readonly anySender: Bucket = new Bucket(this, undefined);
  readonly #objectSenders = new WeakMap<object, Bucket>();
  /**
   * The object buckets, weakly, so that `disconnectAll()` can reach them
   * (a WeakMap cannot be walked). Collected ones are swept out whenever it
   * has doubled since the last sweep: O(1) amortized per bucket.
   */
  readonly #objectBuckets = new Set<WeakRef<Bucket>>();
  #sweepAt = FIRST_SWEEP;
  readonly #primitiveSenders = new Map<unknown, Bucket>();
  #nextOrder = 0;

  /** The bucket for `sender`, or undefined if nothing is connected for it. */
  bucketOf(sender: unknown): Bucket | undefined {
    if (sender === undefined) return this.anySender;
    // Skip the lookup while no sender of that kind is connected.
    if (isObject(sender)) {
      return this.#objectBuckets.size === 0
        ? undefined
        : this.#objectSenders.get(sender);
    }
    return this.#primitiveSenders.size === 0
      ? undefined
      : this.#primitiveSenders.get(sender);
  }

  #bucketFor(sender: unknown): Bucket {
    const existing = this.bucketOf(sender);
    if (existing !== undefined) return existing;
    const bucket = new Bucket(this, sender);
    if (isObject(sender)) {
      this.#objectSenders.set(sender, bucket);
      if (this.#objectBuckets.size >= this.#sweepAt) this.#sweep();
      this.#objectBuckets.add(bucket.ref);
    } else {
      this.#primitiveSenders.set(sender, bucket);
    }
    return bucket;
  }

  #sweep(): void {
    for (const ref of this.#objectBuckets) {
      if (ref.deref() === undefined) this.#objectBuckets.delete(ref);
    }
    this.#sweepAt = Math.max(FIRST_SWEEP, 2 * this.#objectBuckets.size);
  }

  /** Drops an emptied per-sender bucket, so that a sender costs nothing once unused. */
  #forget(bucket: Bucket): void {
    const sender = bucket.sender;
    if (bucket === this.anySender) return;
    if (isObject(sender)) {
      this.#objectSenders.delete(sender);
      this.#objectBuckets.delete(bucket.ref);
    } else {
      this.#primitiveSenders.delete(sender);
    }
  }

  /**
   * Connects `receiver` under `key` for `sender`, or returns the connection
   * of the registration already there. Its arguments are already checked;
   * `abortSignal` is not aborted. If listening to it throws, nothing changed.
   */
  connect(
    receiver: AnyReceiver,
    key: unknown,
    sender: unknown,
    once: boolean,
    abortSignal: AbortSignal | undefined,
  ): Connection {
    // First: adding the abort listener runs the AbortSignal's own code,
    // which may change this Signal, or abort.
    const watch = this.#watchFor(abortSignal);
    if (watch !== undefined && abortedOf.call(watch.abortSignal)) {
      watch.settle();
      return neverConnected();
    }
    const existingBucket = this.bucketOf(sender);
    const existing = existingBucket?.get(key);
    if (existing !== undefined) {
      watch?.settle();
      return new SignalConnection(existingBucket!.ref, key, orderOf(existing));
    }
    const bucket = existingBucket ?? this.#bucketFor(sender);
    const order = this.#nextOrder++;
    if (key === receiver && !once && watch === undefined) {
      bucket.set(key, order);
    } else {
      const registration = new Registration(
        receiver,
        key,
        order,
        bucket.ref,
        once,
      );
      bucket.set(key, registration);
      if (watch !== undefined) this.#groupFor(bucket, watch).add(registration);
    }
    return new SignalConnection(bucket.ref, key, order);
  }

  /**
   * Adds a Waiter for sends from `sender` (or every sender), last in
   * connection order. If listening to `abortSignal` throws, nothing changed;
   * if it aborted meanwhile, `hooks.aborted()` hears so and nothing waits.
   */
  wait(
    hooks: WaiterHooks,
    sender: unknown,
    abortSignal: AbortSignal | undefined,
  ): Waiter | undefined {
    const watch = this.#watchFor(abortSignal);
    if (watch !== undefined && abortedOf.call(watch.abortSignal)) {
      watch.settle();
      hooks.aborted(reasonOf.call(watch.abortSignal));
      return undefined;
    }
    const bucket = this.#bucketFor(sender);
    // Its hooks are its key: unique, and cheaper to make than a Symbol.
    const waiter = new Waiter(hooks, this.#nextOrder++, bucket.ref);
    bucket.set(hooks, waiter);
    if (watch !== undefined) {
      // A group of its own: an iterator that holds the Waiter keeps its
      // group alive, and so must keep nothing else.
      const group = new AbortGroup(watch);
      watch.join(group);
      group.add(waiter);
    }
    return waiter;
  }

  /** The group of `bucket`'s registrations on `watch`'s AbortSignal. */
  #groupFor(bucket: Bucket, watch: AbortWatch): AbortGroup {
    let group = bucket.abortGroups?.get(watch);
    if (group === undefined) {
      group = new AbortGroup(watch, bucket);
      (bucket.abortGroups ??= new Map()).set(watch, group);
      watch.join(group);
    }
    return group;
  }

  /** The watch on `abortSignal`, listening; throws what addEventListener throws. */
  #watchFor(abortSignal: AbortSignal | undefined): AbortWatch | undefined {
    if (abortSignal === undefined) return undefined;
    const watch = AbortWatch.of(abortSignal);
    watch.prepare();
    return watch;
  }

  /** Ends the registration under `key` in `bucket` if it is still the one numbered `order`. */
  end(bucket: Bucket, key: unknown, order: number): boolean {
    const entry = bucket.get(key);
    if (entry === undefined || orderOf(entry) !== order) return false;
    this.#remove(bucket, key, entry);
    return true;
  }

  /** Ends the registration under `key` for `sender`, whichever it is. */
  disconnect(key: unknown, sender: unknown): boolean {
    const bucket = this.bucketOf(sender);
    const entry = bucket?.get(key);
    if (entry === undefined) return false;
    this.#remove(bucket!, key, entry);
    return true;
  }

  #remove(bucket: Bucket, key: unknown, entry: Entry): void {
    bucket.delete(key);
    if (bucket.size === 0) this.#forget(bucket);
    // Last: it may run the AbortSignal's removeEventListener.
    if (typeof entry !== "number") entry.leaveGroup();
  }

  /**
   * Ends every registration, or every one for `sender`; Waiters stay.
   *
   * @returns How many it ended; senders already collected count none.
   */
  disconnectAll(sender?: unknown): number {
    if (sender !== undefined) {
      const bucket = this.bucketOf(sender);
      return bucket === undefined ? 0 : this.#endAll(bucket);
    }
    let ended = this.#endAll(this.anySender);
    for (const bucket of [...this.#primitiveSenders.values()]) {
      ended += this.#endAll(bucket);
    }
    for (const ref of [...this.#objectBuckets]) {
      const bucket = ref.deref();
      if (bucket === undefined) this.#objectBuckets.delete(ref);
      else ended += this.#endAll(bucket);
    }
    return ended;
  }

  #endAll(bucket: Bucket): number {
    const keys: unknown[] = [];
    const entries: Entry[] = [];
    bucket.forEach((entry, key) => {
      if (entry instanceof Waiter) return;
      keys.push(key);
      entries.push(entry);
    });
    for (let i = 0; i < keys.length; i++) {
      this.#remove(bucket, keys[i], entries[i]!);
    }
    return keys.length;
  }

  /** Whether a send from `sender` would reach anyone, Waiters included; O(1). */
  hasReceivers(sender: unknown): boolean {
    if (this.anySender.size > 0) return true;
    return sender !== undefined && (this.bucketOf(sender)?.size ?? 0) > 0;
  }

  /** What a send from `sender` walks, in connection order. */
  callListFor(sender: unknown): Callees {
    const anySender = this.anySender;
    const anyList = (anySender.callList ??= listOf(anySender)) as CallList;
    if (sender === undefined) return anyList;
    const bucket = this.bucketOf(sender);
    if (bucket === undefined) return anyList;
    if (bucket.callList === null || bucket.mergedWith !== anyList) {
      bucket.callList = compact(listOf(anySender, bucket));
      bucket.mergedWith = anyList;
    }
    return bucket.callList;
  }
}

/**
 * The CallList of one bucket, or of two merged by order number: each is in
 * connection order already, as a Map keeps insertion order.
 */
function listOf(first: Bucket, second?: Bucket): CallList {
  const size = first.size + (second?.size ?? 0);
  if (size === 0) return NO_RECEIVERS;
  const keys: unknown[] = [];
  const entries: Entry[] = [];
  const collect = (entry: Entry, key: unknown) => {
    keys.push(key);
    entries.push(entry);
  };
  first.forEach(collect);
  const split = keys.length;
  second?.forEach(collect);
  const receivers: AnyReceiver[] = new Array(size);
  let claims: (Registration | undefined)[] | null = null;
  let i = 0;
  let j = split;
  for (let n = 0; n < size; n++) {
    const takeFirst = j === size ||
      (i < split && orderOf(entries[i]!) < orderOf(entries[j]!));
    const at = takeFirst ? i++ : j++;
    const entry = entries[at]!;
    if (typeof entry === "number") {
      receivers[n] = keys[at] as AnyReceiver;
    } else {
      receivers[n] = entry.receiver;
      if (entry.once || entry instanceof Waiter) {
        (claims ??= new Array(size))[n] = entry;
      }
    }
  }
  return new CallList(receivers, claims);
}

/** A list of one receiver and no `once` is that receiver alone. */
function compact(list: CallList): Callees {
  return list.receivers.length === 1 && list.claims === null
    ? list.receivers[0]!
    : list;
}

/** The handle `connect()` returns: the registration's bucket (weakly), key and order, and nothing else. */
class SignalConnection implements Connection {
  #bucketRef: WeakRef<Bucket> | undefined;
  #key: unknown;
  readonly #order: number;

  constructor(
    bucketRef: WeakRef<Bucket> | undefined,
    key: unknown,
    order: number,
  ) {
    this.#bucketRef = bucketRef;
    this.#key = key;
    this.#order = order;
  }

  get connected(): boolean {
    const entry = this.#bucketRef?.deref()?.get(this.#key);
    return entry !== undefined && orderOf(entry) === this.#order;
  }

  disconnect(): boolean {
    const bucket = this.#bucketRef?.deref();
    const ended = bucket !== undefined &&
      bucket.registry.end(bucket, this.#key, this.#order);
    // Keep nothing of the signal once disconnected.
    this.#bucketRef = undefined;
    this.#key = undefined;
    return ended;
  }

  [Symbol.dispose](): void {
    this.disconnect();
  }

  /** What Deno's `console.log` and `Deno.inspect` print. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.#inspect();
  }

  /** What Node's `console.log` and `util.inspect` print. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.#inspect();
  }

  #inspect(): string {
    return `Connection { connected: ${this.connected} }`;
  }
}

/** The connection of a registration that was never made (its AbortSignal had aborted). */
export function neverConnected(): Connection {
  return new SignalConnection(undefined, undefined, -1);
}

export function isObject(value: unknown): value is object {
  return typeof value === "object"
    ? value !== null
    : typeof value === "function";
}

/** Map's key equality: `===`, except that NaN equals NaN. */
function sameValueZero(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}

/** The receivers of `callees` in call order, Waiters left out, as a new array. */
export function receiversOf(callees: Callees): AnyReceiver[] {
  if (typeof callees === "function") return [callees];
  const { receivers, claims } = callees;
  return claims === null
    ? [...receivers]
    : receivers.filter((_, i) => !(claims[i] instanceof Waiter));
}

/** The Callees as a CallList, for the sends that need one. */
export function asCallList(callees: Callees): CallList {
  return typeof callees === "function"
    ? new CallList([callees], null)
    : callees;
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
  /** While it listens. */
  #waiter: Waiter | undefined = undefined;
  readonly #heard = new Queue<T>();
  readonly #takers = new Queue<Taker<T>>();
  /** Why every later `next()` rejects: it fell behind, or its AbortSignal aborted. */
  #failure: { readonly reason: unknown } | undefined = undefined;

  readonly #signalName: string;
  readonly #limit: number;

  /**
   * @param signalName How its RangeError names the signal.
   * @param limit How many sends it may hold that nobody took.
   * @param start Adds its Waiter (and may throw, leaving nothing behind);
   * or, when its AbortSignal had already aborted, the reason to reject with.
   */
  constructor(
    signalName: string,
    limit: number,
    start:
      | ((hooks: WaiterHooks) => Waiter | undefined)
      | { readonly reason: unknown },
  ) {
    this.#signalName = signalName;
    this.#limit = limit;
    if (typeof start !== "function") {
      this.#failure = start;
      return;
    }
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
        `Cannot queue a send of ${this.#signalName}: the events() iterator fell behind by more than its limit of ${this.#limit}`,
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
