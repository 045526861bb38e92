/**
 * Who is connected to a {@linkcode Signal}, for which sender, in what order,
 * and the lists a send walks. Internal: not exported from `mod.ts`.
 *
 * ## What refers to what
 *
 * ```
 * Signal ──▶ Registry ──▶ anySender: Bucket
 *               │ ├─▶ Map: primitive sender ──▶ Bucket
 *               │ └─▶ WeakMap: object sender ┄┄(held by the sender)┄┄▶ Bucket
 *               └┄┄weak┄┄▶ Set of WeakRef<Bucket> (object buckets, to walk them)
 *
 * Bucket ──▶ key ──▶ Entry: an order number, or a Registration / Waiter
 *        ──▶ callList (cached; replaced, never mutated)
 *        ──▶ AbortGroups (see _abort.ts: AbortSignals reach them only weakly)
 * Connection ┄┄weak┄┄▶ Bucket, plus its key and order: nothing strong
 * ```
 *
 * ## Data model
 *
 * A Registry (one per Signal) holds Buckets: `anySender` for receivers
 * connected without a sender, and one per sender (a `WeakMap` for objects, a
 * `Map` for primitives). A Bucket maps a registration's key (its `uniqueId`,
 * or else its receiver) to an Entry: just its order number when the key is
 * the receiver and nothing else is asked of it, or a Registration record
 * when it has a `uniqueId`, `once` or an AbortSignal. A Waiter (`next()`,
 * `events()`) is an Entry too, under its hooks: it takes its place in
 * connection order but is no receiver. Whether something is connected is
 * one fact: its bucket holds its order under its key. Order numbers come
 * from one counter, so they also merge any-sender and per-sender entries
 * into connection order. Each Bucket caches the CallList a send from its
 * sender walks; a per-sender list is fresh while its own entries are
 * unchanged (`callList` not null) and it was merged with the any-sender list
 * now cached (`mergedWith`). Lists are replaced, never mutated, so a send in
 * progress keeps its snapshot.
 *
 * ## How a registration ends, and where
 *
 * - `Connection.disconnect()`, `Signal.disconnect()`: `Registry.end()`.
 * - `once`: `Registration.hearSend()` ends it before its first call; a
 *   Waiter for `next()` ends when it has heard a send.
 * - abort: the AbortSignal's watch calls each member's `abort()`.
 * - `disconnectAll()`: `Registry.disconnectAll()` ends each registration.
 * - its sender collected: the bucket goes with it (a WeakMap value), and its
 *   abort groups with the bucket.
 * Every explicit end goes through `Registry.#remove()`.
 *
 * ## What must not refer to what, so that garbage can be collected
 *
 * - Nothing the user holds refers to a Bucket, Registry or sender strongly:
 *   a Connection has its bucket's WeakRef, its key and its order.
 * - An AbortSignal reaches registrations only weakly: a receiver may close
 *   over its sender.
 * - The Registry reaches object senders only through the WeakMap and WeakRefs
 *   (`#objectBuckets`, swept of collected buckets as it grows).
 * - A Bucket refers to its sender strongly; only the WeakMap entry keyed by
 *   that sender, and the CallLists of sends in progress, refer to the Bucket.
 *
 * @module
 */

import {
  type Abortable,
  abortedOf,
  AbortGroups,
  AbortWatch,
  reasonOf,
} from "./_abort.ts";
import type { ConnectChoices, WaitChoices } from "./_options.ts";
import type { Connection } from "./types.ts";

// deno-lint-ignore no-explicit-any -- receivers of every Signal share one shape here
type AnyReceiver = (args: any) => unknown;

/**
 * What a send meets in a CallList where more than a call is needed: a
 * `once` registration, or a Waiter in its place in connection order.
 */
export interface Stop {
  /**
   * Hears the send's argument; returns the receiver to call, if any: a
   * `once` registration its receiver on its first send only (ending it
   * first), a Waiter never.
   */
  hearSend(args: unknown): AnyReceiver | undefined;
}

/** What every record in a bucket has: its key, its order, and the way to end it. */
abstract class Entrant implements Abortable, Stop {
  /** While it listens to an AbortSignal: that signal's watch. */
  #watch: AbortWatch | undefined = undefined;

  constructor(
    readonly key: unknown,
    readonly order: number,
    readonly bucketRef: WeakRef<Bucket>,
    /** Whether it hears only sends made in this process, none a relay brings. */
    readonly local: boolean,
  ) {}

  abstract hearSend(args: unknown): AnyReceiver | undefined;

  /** Ends it, if it is still connected; true if this call ended it. */
  end(): boolean {
    const bucket = this.bucketRef.deref();
    return bucket !== undefined &&
      bucket.registry.end(bucket, this.key, this.order);
  }

  /** Its AbortSignal aborted with `reason`: it ends. */
  abstract abort(reason: unknown): void;

  /** Whether it listens to an AbortSignal, so that a send must ask it first. */
  get listening(): boolean {
    return this.#watch !== undefined;
  }

  /**
   * Whether its AbortSignal has aborted, though the abort has not reached it
   * yet (an earlier abort listener is sending); if so, it is aborted now.
   */
  protected abortedUnheard(): boolean {
    const abortSignal = this.#watch?.abortSignal;
    if (abortSignal === undefined || !abortedOf.call(abortSignal)) return false;
    this.abort(reasonOf.call(abortSignal));
    return true;
  }

  /** The groups it joins when it listens to an AbortSignal. */
  protected abstract abortGroups(bucket: Bucket): AbortGroups;

  listenTo(watch: AbortWatch, bucket: Bucket): void {
    this.abortGroups(bucket).join(watch, this);
    this.#watch = watch;
  }

  /** Stops listening to its AbortSignal, if it does. */
  stopListening(bucket: Bucket): void {
    const watch = this.#watch;
    if (watch === undefined) return;
    this.#watch = undefined;
    this.abortGroups(bucket).leave(watch, this);
  }
}

/**
 * A registration that needs more than its order number: one made under a
 * `uniqueId`, `once`, or with an AbortSignal.
 */
class Registration extends Entrant {
  /** For `once`: whether its one call has been taken. */
  #called = false;

  constructor(
    /** Its receiver; `replace` swaps it in place. */
    public receiver: AnyReceiver,
    key: unknown,
    order: number,
    bucketRef: WeakRef<Bucket>,
    readonly once: boolean,
    local: boolean,
  ) {
    super(key, order, bucketRef, local);
  }

  /**
   * Its receiver, unless its AbortSignal has aborted; for `once`, the
   * first time only, ended first.
   */
  hearSend(): AnyReceiver | undefined {
    if (this.abortedUnheard()) return undefined;
    if (!this.once) return this.receiver;
    if (this.#called) return undefined;
    this.#called = true;
    this.end();
    return this.receiver;
  }

  abort(): void {
    this.end();
  }

  protected abortGroups(bucket: Bucket): AbortGroups {
    return bucket.abortGroups;
  }
}

/** What a Waiter does with what it hears. */
export interface WaiterHooks {
  /** Hears a send's receiver argument; returns whether to go on listening. */
  hear(args: unknown): boolean;
  /** Its AbortSignal aborted with `reason`; it no longer listens. */
  aborted(reason: unknown): void;
}

/**
 * One who waits for sends (`next()`, `events()`): it takes its place in
 * connection order, but it is no receiver, so it is in no send's results,
 * in no `receivers()` list, and `disconnectAll()` leaves it alone.
 */
class Waiter extends Entrant {
  /** Its own abort group, held by the AbortSignal's watch while it waits. */
  readonly #abortGroups = new AbortGroups(true);

  constructor(
    readonly hooks: WaiterHooks,
    order: number,
    bucketRef: WeakRef<Bucket>,
    local: boolean,
  ) {
    // Its hooks are its key: unique, and cheaper to make than a Symbol.
    super(hooks, order, bucketRef, local);
  }

  /** Hands the send's argument to its hooks; never asks for a call. */
  hearSend(args: unknown): undefined {
    // One that stopped listening during this send (a nested send resolved
    // it, or its iterator returned) hears no more.
    if (!this.connected || this.abortedUnheard()) return;
    if (!this.hooks.hear(args)) this.end();
  }

  /** Ends it, and tells its hooks why. */
  abort(reason: unknown): void {
    this.end();
    this.hooks.aborted(reason);
  }

  get connected(): boolean {
    return this.bucketRef.deref()?.get(this.key) === this;
  }

  protected abortGroups(): AbortGroups {
    return this.#abortGroups;
  }
}

/** Its order number alone, or the record of one that needs more. */
type Entry = number | Entrant;

function orderOf(entry: Entry): number {
  return typeof entry === "number" ? entry : entry.order;
}

/**
 * Who a send calls, in connection order. Built on the first send after a
 * change and shared by every send until the next one; never mutated.
 */
export class CallList {
  constructor(
    /** The receivers, in call order; Waiters are no receivers, so never here. */
    readonly receivers: readonly AnyReceiver[],
    /**
     * Every step in connection order, each a receiver or a Stop that hears
     * the send in its place; null when every step is a plain receiver. A
     * send walks this list whenever it is not null.
     */
    readonly steps: readonly (AnyReceiver | Stop)[] | null,
    /**
     * The list a send from another process walks, which leaves out what was
     * connected `local`; null when nothing was, so that it is this one.
     */
    readonly remote: CallList | null = null,
  ) {}
}

const NO_RECEIVERS = new CallList([], null);

/**
 * What a bucket caches for its sends: a CallList, or, for a sender whose
 * list is one plain receiver, that receiver alone (bench:memory: a sender
 * with one receiver then costs no list).
 */
type Callees = CallList | AnyReceiver;

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
  #abortGroups: AbortGroups | undefined = undefined;
  /** The one weak way to this bucket, shared by its Connections and the Registry. */
  readonly ref: WeakRef<Bucket> = new WeakRef(this);

  constructor(readonly registry: Registry, readonly sender: unknown) {}

  /** Its registrations that listen to AbortSignals, grouped by signal. */
  get abortGroups(): AbortGroups {
    return this.#abortGroups ??= new AbortGroups();
  }

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

  /** Its entries changed in place: its list is stale. */
  changed(): void {
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

  /** Calls `visit` for each entry, in connection order. */
  forEach(visit: (entry: Entry, key: unknown) => void): void {
    const entries = this.#entries;
    if (entries instanceof Map) entries.forEach(visit);
    else if (entries !== undefined) visit(entries, this.#onlyKey);
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
   * Connects `receiver` under `key` for `sender`, or returns a connection
   * to the registration already there. Its arguments are already checked.
   * If listening to `abortSignal` throws, nothing changed; if it has
   * aborted, nothing is connected.
   */
  connect(
    receiver: AnyReceiver,
    key: unknown,
    { sender, once, abortSignal, local, replace }: ConnectChoices<unknown>,
  ): Connection {
    // First: listening runs the AbortSignal's own code, which may change
    // this Signal, or abort.
    const watch = abortSignal === undefined
      ? null
      : AbortWatch.listening(abortSignal);
    if (watch === undefined) return neverConnected();
    const existingBucket = this.bucketOf(sender);
    const existing = existingBucket?.get(key);
    if (existing !== undefined) {
      watch?.settle();
      if (replace && existing instanceof Registration) {
        existing.receiver = receiver;
        existingBucket!.changed();
      }
      return new SignalConnection(existingBucket!.ref, key, orderOf(existing));
    }
    const bucket = existingBucket ?? this.#bucketFor(sender);
    const order = this.#nextOrder++;
    if (key === receiver && !once && watch === null && !local) {
      bucket.set(key, order);
    } else {
      const registration = new Registration(
        receiver,
        key,
        order,
        bucket.ref,
        once,
        local,
      );
      bucket.set(key, registration);
      if (watch !== null) registration.listenTo(watch, bucket);
    }
    return new SignalConnection(bucket.ref, key, order);
  }

  /**
   * Adds a Waiter for sends from `sender` (or every sender), last in
   * connection order. If listening to `abortSignal` throws, nothing changed;
   * if it has aborted, `hooks.aborted()` hears so and nothing waits.
   */
  wait(
    hooks: WaiterHooks,
    { sender, abortSignal, local }: WaitChoices<unknown>,
  ): Waiter | undefined {
    const watch = abortSignal === undefined
      ? null
      : AbortWatch.listening(abortSignal);
    if (watch === undefined) {
      hooks.aborted(reasonOf.call(abortSignal!));
      return undefined;
    }
    const bucket = this.#bucketFor(sender);
    const waiter = new Waiter(hooks, this.#nextOrder++, bucket.ref, local);
    bucket.set(hooks, waiter);
    if (watch !== null) waiter.listenTo(watch, bucket);
    return waiter;
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
    if (typeof entry !== "number") entry.stopListening(bucket);
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

  /**
   * What a send from `sender` walks, in connection order: a CallList, or
   * the one receiver it calls when that is all there is. Only `send()`,
   * which calls a lone receiver at once, takes this form; every other send
   * takes {@linkcode Registry.callListFor}.
   */
  calleesFor(sender: unknown): Callees {
    const anySender = this.anySender;
    const anyList = (anySender.callList ??= listOf(anySender)) as CallList;
    if (sender === undefined) return anyList;
    const bucket = this.bucketOf(sender);
    if (bucket === undefined) return anyList;
    if (bucket.callList === null || bucket.mergedWith !== anyList) {
      bucket.callList = loneReceiverOf(listOf(anySender, bucket));
      bucket.mergedWith = anyList;
    }
    return bucket.callList;
  }

  /** The receivers a send from `sender` would call, in call order, as a new array. */
  receiversFor(sender: unknown): AnyReceiver[] {
    const callees = this.calleesFor(sender);
    return typeof callees === "function" ? [callees] : [...callees.receivers];
  }

  /** What a send from `sender` walks, in connection order. */
  callListFor(sender: unknown): CallList {
    const callees = this.calleesFor(sender);
    if (typeof callees !== "function") return callees;
    // A sender that sends this way keeps its list, as a sender with more
    // than one receiver does.
    const bucket = this.bucketOf(sender)!;
    return bucket.callList = new CallList([callees], null);
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
  const inOrder: [Entry, unknown][] = new Array(size);
  let i = 0;
  let j = split;
  for (let n = 0; n < size; n++) {
    const takeFirst = j === size ||
      (i < split && orderOf(entries[i]!) < orderOf(entries[j]!));
    const at = takeFirst ? i++ : j++;
    inOrder[n] = [entries[at]!, keys[at]];
  }
  const list = callListOf(inOrder);
  if (!inOrder.some(([entry]) => typeof entry !== "number" && entry.local)) {
    return list;
  }
  const remote = callListOf(
    inOrder.filter(([entry]) => typeof entry === "number" || !entry.local),
  );
  return new CallList(list.receivers, list.steps, remote);
}

/** The CallList of entries already in connection order, each with its key. */
function callListOf(inOrder: readonly [Entry, unknown][]): CallList {
  if (inOrder.length === 0) return NO_RECEIVERS;
  const receivers: AnyReceiver[] = [];
  const steps: (AnyReceiver | Stop)[] = [];
  let needsSteps = false;
  for (const [entry, key] of inOrder) {
    if (typeof entry === "number") {
      receivers.push(key as AnyReceiver);
      steps.push(key as AnyReceiver);
    } else if (
      entry instanceof Registration && !entry.once && !entry.listening
    ) {
      receivers.push(entry.receiver);
      steps.push(entry.receiver);
    } else {
      if (entry instanceof Registration) receivers.push(entry.receiver);
      steps.push(entry);
      needsSteps = true;
    }
  }
  return new CallList(receivers, needsSteps ? steps : null);
}

/** A list of one plain receiver is that receiver alone. */
function loneReceiverOf(list: CallList): Callees {
  return list.receivers.length === 1 && list.steps === null
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
function neverConnected(): Connection {
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
