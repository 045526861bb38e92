/**
 * The benchmark rows every runtime times: `deno bench` through the
 * `*_bench.ts` files, Node and Bun through `node/run.mjs` (mitata).
 *
 * This module loads nothing at run time. Signalry and its peers come in as a
 * {@linkcode Libraries} object, so each runtime imports them its own way
 * (`npm:` specifiers in Deno, `node_modules` in Node and Bun) and the rows stay
 * the same code everywhere.
 *
 * Every receiver in every row runs the same body: it keeps its argument in a
 * module variable, so the engine cannot drop the work, and counts the call.
 * Each row's `check` runs one call before anything is timed and throws unless
 * exactly the receivers it should were called, with the payload.
 *
 * @module
 */

import type { Connection, Signal } from "../mod.ts";

/** What a sender passes: the emitters' event and signalry's params. */
export interface Payload {
  readonly value: number;
}

/** The payload of every send and emit. */
export const PAYLOAD: Payload = { value: 42 };

/** Every row's receiver (listener, handler): one body for all. */
export type Listener = (arg: unknown) => number;

/** An async receiver, for `sendAsync` and emittery. */
export type AsyncListener = (arg: unknown) => Promise<number>;

/** How the peers' interfaces take a receiver: they ignore what it returns. */
export type PeerListener = (arg: unknown) => void;

/** An emitter with named events and `on`/`off`: eventemitter3, tseep, mitt, node:events. */
export interface NamedEmitter {
  on(name: string, listener: PeerListener): unknown;
  off(name: string, listener: PeerListener): unknown;
  emit(name: string, payload: Payload): unknown;
}

/** nanoevents: `on` returns the way to unbind, there is no `off`. */
export interface NanoEmitter {
  on(name: string, listener: PeerListener): () => void;
  emit(name: string, payload: Payload): void;
}

/** A typed-signals `Signal`: one per event, no names. */
export interface TypedSignal {
  connect(listener: PeerListener): { disconnect(): boolean };
  emit(payload: Payload): void;
}

/** A typed-signals `CollectorArray`: emits and keeps every handler's result. */
export interface TypedCollector {
  emit(payload: Payload): void;
  getResult(): unknown[];
  reset(): void;
}

/**
 * emittery: async `emit`; `on` returns the way to unsubscribe; `once` and
 * `events` hand out `{ name, data }` event objects.
 */
export interface AsyncEmitter {
  on(name: string, listener: PeerListener): () => void;
  off(name: string, listener: PeerListener): void;
  emit(name: string, payload: Payload): Promise<void>;
  once(name: string): Promise<unknown>;
  events(name: string): AsyncIterableIterator<unknown>;
  /** Its listeners for `name`, iterators (producers) included. */
  listenerCount(name: string): number;
}

/** A `node:events` EventEmitter, as `events.on` and `events.once` wait on it. */
export interface NodeEmitter {
  emit(name: string, payload: Payload): unknown;
  listenerCount(name: string): number;
}

/**
 * `node:events`' `on` and `once`, which wait on any of its EventEmitters and
 * hand out each emit's arguments as an array.
 */
export interface NodeEvents {
  emitter(): NodeEmitter;
  on(emitter: NodeEmitter, name: string): AsyncIterableIterator<unknown[]>;
  once(emitter: NodeEmitter, name: string): Promise<unknown[]>;
}

/** Signalry and the peers, loaded by the runtime that times the rows. */
export interface Libraries {
  readonly Signal: typeof Signal;
  /** Factories for the peers with named events and `on`/`off`. */
  readonly named: Readonly<Record<NamedPeer, () => NamedEmitter>>;
  readonly nanoevents: () => NanoEmitter;
  readonly typedSignal: () => TypedSignal;
  readonly typedCollector: (signal: TypedSignal) => TypedCollector;
  readonly emittery: () => AsyncEmitter;
  readonly nodeEvents: NodeEvents;
}

/** The peers that {@linkcode Libraries.named} builds, in table order. */
export type NamedPeer = "eventemitter3" | "tseep" | "mitt" | "node:events";

const NAMED_PEERS: readonly NamedPeer[] = [
  "eventemitter3",
  "tseep",
  "mitt",
  "node:events",
];

/** One benchmark: a name in a group, a timed call and its check. */
export interface Row {
  readonly group: string;
  readonly name: string;
  /** The row the group's others are compared with. */
  readonly baseline: boolean;
  /** One timed call. */
  readonly fn: () => void | Promise<void>;
  /** Runs one call untimed; throws unless it ran exactly the right receivers. */
  readonly check: () => void | Promise<void>;
}

/**
 * How long a row's check may take before runners time it only once or twice:
 * quadratic removals make some peers' 100,000 churn take a minute per call.
 */
export const SLOW_CHECK_MS = 1_000;

/**
 * Where receivers keep their arguments: a ring, not one variable, so that an
 * engine that inlines a run of receivers (tseep's generated emit) cannot fold
 * their stores into one.
 */
const SINK: unknown[] = new Array<unknown>(1024).fill(undefined);
/** How many receivers ran since a check reset it; also the next slot in `SINK`. */
let calls = 0;
/** Where rows keep what a send returned, so the engine must build it. */
let kept: unknown;

/** The last argument a receiver got and the last send result, for a reader outside. */
export function escaped(): [unknown, unknown] {
  return [SINK[(calls - 1) & 1023], kept];
}

/** A receiver with the body every row's receivers share. */
export function makeReceiver(): Listener {
  return (arg) => {
    SINK[calls & 1023] = arg;
    return ++calls;
  };
}

function makeAsyncReceiver(): AsyncListener {
  // deno-lint-ignore require-await -- an async receiver that has nothing to wait for
  return async (arg) => {
    SINK[calls & 1023] = arg;
    return ++calls;
  };
}

function makeReceivers(count: number): Listener[] {
  return Array.from({ length: count }, makeReceiver);
}

/** Whether a receiver got the payload: as its argument, inside signalry's, or as emittery's `data`. */
function carriesPayload(arg: unknown): boolean {
  if (typeof arg !== "object" || arg === null) return false;
  const { value, data } = arg as {
    value?: unknown;
    data?: { value?: unknown };
  };
  return value === PAYLOAD.value || data?.value === PAYLOAD.value;
}

function checkCalls(row: string, expected: number): void {
  if (calls !== expected) {
    throw new Error(
      `Bench row "${row}" is wrong: one call ran ${calls} receivers, expected ${expected}`,
    );
  }
  if (expected > 0 && !carriesPayload(escaped()[0])) {
    throw new Error(
      `Bench row "${row}" is wrong: the receivers missed the payload`,
    );
  }
}

/** A check that runs `call` once and expects `expected` receivers to run. */
export function expectCalls(
  row: string,
  expected: number,
  call: () => void | Promise<void>,
): () => void | Promise<void> {
  return () => {
    calls = 0;
    SINK.fill(undefined);
    const done = call();
    if (done === undefined) return checkCalls(row, expected);
    return done.then(() => checkCalls(row, expected));
  };
}

/** Keeps what a send returned, so the engine must build it. */
export function keep(result: unknown): void {
  kept = result;
}

/** The rows of one group; its first row is the baseline. */
export class Group {
  readonly rows: Row[] = [];
  constructor(readonly name: string) {}

  /** Adds a row whose one call must run `expected` receivers. */
  add(name: string, expected: number, fn: () => void | Promise<void>): void {
    this.addChecked(
      name,
      fn,
      expectCalls(`${this.name} / ${name}`, expected, fn),
    );
  }

  /** Adds a row with a check of its own. */
  addChecked(
    name: string,
    fn: () => void | Promise<void>,
    check: () => void | Promise<void>,
  ): void {
    const baseline = this.rows.length === 0;
    this.rows.push({ group: this.name, name, baseline, fn, check });
  }
}

/**
 * The floor `send` can reach: one argument object, a plain loop, a
 * `[receiver, response]` pair per receiver.
 */
function callAll(
  receivers: readonly Listener[],
  signal: unknown,
  sender: unknown,
  params: Payload,
): Array<[Listener, number]> {
  const count = receivers.length;
  // Sized up front: as fast as push() or faster on all three runtimes.
  const responses = new Array<[Listener, number]>(count);
  const args = { signal, sender, ...params };
  for (let i = 0; i < count; i++) {
    const receiver = receivers[i]!;
    responses[i] = [receiver, receiver(args)];
  }
  return responses;
}

/** The object every send rows' receivers hear from. */
export const SENDER = { name: "sender" };

/**
 * Send to `count` receivers connected for any sender; every peer emits one
 * event that `count` listeners hear.
 */
export function sendRows(libraries: Libraries, count: number): Row[] {
  const group = new Group(`send to ${count}`);
  const receivers = makeReceivers(count);

  const signal = new libraries.Signal<Payload, object, number>();
  for (const receiver of receivers) signal.connect(receiver);
  if (count === 0) {
    group.add("limit: fresh empty array", 0, () => {
      kept = [];
    });
  } else {
    group.add("limit: loop + pairs", count, () => {
      kept = callAll(receivers, signal, SENDER, PAYLOAD);
    });
  }
  group.add("signalry", count, () => {
    kept = signal.send(SENDER, PAYLOAD);
  });

  for (const peer of NAMED_PEERS) {
    const emitter = libraries.named[peer]();
    for (const receiver of receivers) emitter.on("event", receiver);
    group.add(peer, count, () => {
      emitter.emit("event", PAYLOAD);
    });
  }
  const nano = libraries.nanoevents();
  for (const receiver of receivers) nano.on("event", receiver);
  group.add("nanoevents", count, () => {
    nano.emit("event", PAYLOAD);
  });
  const typed = libraries.typedSignal();
  for (const receiver of receivers) typed.connect(receiver);
  group.add("typed-signals", count, () => {
    typed.emit(PAYLOAD);
  });
  const collector = libraries.typedCollector(typed);
  group.add("typed-signals + collector", count, () => {
    collector.reset();
    collector.emit(PAYLOAD);
    kept = collector.getResult();
  });
  return group.rows;
}

/** How many senders the sender-filtered send has receivers for. */
export const SENDER_COUNT = 1_000;

/**
 * Sender-filtered send: 1,000 senders with one receiver each, plus one
 * receiver for any sender; one send from one sender calls two receivers.
 *
 * Peers have no senders, so each sender gets an event name and the
 * any-sender receiver is registered on every name: one emit then does what
 * signalry's send does (one lookup, two listeners in order). Peers get the
 * name, or typed-signals its per-sender collector, without a lookup.
 */
export function senderRows(libraries: Libraries): Row[] {
  const group = new Group("send from 1 of 1,000 senders");
  const senders = Array.from({ length: SENDER_COUNT }, (_, id) => ({ id }));
  const names = senders.map(({ id }) => `sender${id}`);
  const anyReceiver = makeReceiver();
  const receivers = makeReceivers(SENDER_COUNT);
  const target = 777;
  const sender = senders[target]!;
  const name = names[target]!;

  const signal = new libraries.Signal<Payload, object, number>();
  signal.connect(anyReceiver);
  senders.forEach((sender, i) => signal.connect(receivers[i]!, { sender }));

  const callLists = new WeakMap<object, Listener[]>();
  senders.forEach((sender, i) =>
    callLists.set(sender, [anyReceiver, receivers[i]!])
  );
  group.add("limit: WeakMap + loop + pairs", 2, () => {
    kept = callAll(callLists.get(sender)!, signal, sender, PAYLOAD);
  });
  group.add("signalry", 2, () => {
    kept = signal.send(sender, PAYLOAD);
  });

  for (const peer of NAMED_PEERS) {
    const emitter = libraries.named[peer]();
    names.forEach((name, i) => {
      emitter.on(name, anyReceiver);
      emitter.on(name, receivers[i]!);
    });
    group.add(peer, 2, () => {
      emitter.emit(name, PAYLOAD);
    });
  }
  const nano = libraries.nanoevents();
  names.forEach((name, i) => {
    nano.on(name, anyReceiver);
    nano.on(name, receivers[i]!);
  });
  group.add("nanoevents", 2, () => {
    nano.emit(name, PAYLOAD);
  });
  const typedSignals = senders.map((_, i) => {
    const typed = libraries.typedSignal();
    typed.connect(anyReceiver);
    typed.connect(receivers[i]!);
    return typed;
  });
  const typed = typedSignals[target]!;
  group.add("typed-signals", 2, () => {
    typed.emit(PAYLOAD);
  });
  const collector = libraries.typedCollector(typed);
  group.add("typed-signals + collector", 2, () => {
    collector.reset();
    collector.emit(PAYLOAD);
    kept = collector.getResult();
  });
  return group.rows;
}

/** A seeded generator (mulberry32), so every runtime churns in the same order. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 0 … count − 1 in a random order that is the same on every run. */
function shuffled(count: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: count }, (_, i) => i);
  const next = random(seed);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Lets the listenerAdded/listenerRemoved emits that emittery starts per on/off finish. */
async function settleMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await null;
}

/**
 * Churn: `size` connects, then `size` disconnects in a random order that was
 * drawn before timing. Every row's receivers are distinct functions.
 */
export function churnRows(libraries: Libraries, size: number): Row[] {
  const group = new Group(`churn ${size.toLocaleString("en-US")}`);
  const receivers = makeReceivers(size);
  const order = shuffled(size, size);

  /** A row whose call is `connect()` then `disconnect()`; its check sends between them. */
  function add(
    name: string,
    connect: () => void,
    disconnect: () => void,
    send: () => void | Promise<void>,
    settle?: () => Promise<void>,
  ): void {
    const row = `${group.name} / ${name}`;
    const fn = settle === undefined
      ? () => {
        connect();
        disconnect();
      }
      : async () => {
        connect();
        disconnect();
        await settle();
      };
    group.addChecked(name, fn, async () => {
      await expectCalls(row, size, () => {
        connect();
        return send();
      })();
      await expectCalls(row, 0, () => {
        disconnect();
        return send();
      })();
      await settle?.();
    });
  }

  const registered = new Map<Listener, Listener>();
  add(
    "limit: Map set + delete",
    () => {
      for (let i = 0; i < size; i++) {
        registered.set(receivers[i]!, receivers[i]!);
      }
    },
    () => {
      for (let i = 0; i < size; i++) registered.delete(receivers[order[i]!]!);
    },
    () => {
      for (const receiver of registered.values()) receiver(PAYLOAD);
    },
  );

  const byReceiver = new libraries.Signal<Payload, object, number>();
  add(
    "signalry by receiver",
    () => {
      for (let i = 0; i < size; i++) byReceiver.connect(receivers[i]!);
    },
    () => {
      for (let i = 0; i < size; i++) {
        byReceiver.disconnect(receivers[order[i]!]!);
      }
    },
    () => {
      kept = byReceiver.send(SENDER, PAYLOAD);
    },
  );

  const byUniqueId = new libraries.Signal<Payload, object, number>();
  add(
    "signalry by uniqueId",
    () => {
      for (let i = 0; i < size; i++) {
        byUniqueId.connect(receivers[i]!, { uniqueId: i });
      }
    },
    () => {
      for (let i = 0; i < size; i++) {
        byUniqueId.disconnect({ uniqueId: order[i]! });
      }
    },
    () => {
      kept = byUniqueId.send(SENDER, PAYLOAD);
    },
  );

  const byHandle = new libraries.Signal<Payload, object, number>();
  const connections = new Array<Connection>(size);
  add(
    "signalry by handle",
    () => {
      for (let i = 0; i < size; i++) {
        connections[i] = byHandle.connect(receivers[i]!);
      }
    },
    () => {
      for (let i = 0; i < size; i++) connections[order[i]!]!.disconnect();
    },
    () => {
      kept = byHandle.send(SENDER, PAYLOAD);
    },
  );

  for (const peer of NAMED_PEERS) {
    const emitter = libraries.named[peer]();
    add(
      peer,
      () => {
        for (let i = 0; i < size; i++) emitter.on("event", receivers[i]!);
      },
      () => {
        for (let i = 0; i < size; i++) {
          emitter.off("event", receivers[order[i]!]!);
        }
      },
      () => {
        emitter.emit("event", PAYLOAD);
      },
    );
  }

  const nano = libraries.nanoevents();
  const unbinds = new Array<() => void>(size);
  add(
    "nanoevents",
    () => {
      for (let i = 0; i < size; i++) {
        unbinds[i] = nano.on("event", receivers[i]!);
      }
    },
    () => {
      for (let i = 0; i < size; i++) unbinds[order[i]!]!();
    },
    () => {
      nano.emit("event", PAYLOAD);
    },
  );

  const typed = libraries.typedSignal();
  const links = new Array<{ disconnect(): boolean }>(size);
  add(
    "typed-signals",
    () => {
      for (let i = 0; i < size; i++) links[i] = typed.connect(receivers[i]!);
    },
    () => {
      for (let i = 0; i < size; i++) links[order[i]!]!.disconnect();
    },
    () => {
      typed.emit(PAYLOAD);
    },
  );

  const emittery = libraries.emittery();
  add(
    "emittery",
    () => {
      for (let i = 0; i < size; i++) emittery.on("event", receivers[i]!);
    },
    () => {
      for (let i = 0; i < size; i++) {
        emittery.off("event", receivers[order[i]!]!);
      }
    },
    () => emittery.emit("event", PAYLOAD),
    settleMicrotasks,
  );
  return group.rows;
}

/** How many async receivers the `sendAsync` rows call. */
export const ASYNC_RECEIVER_COUNT = 10;

/**
 * `sendAsync` to 10 async receivers against emittery's `emit`. The limit
 * calls every receiver with one argument object, awaits the responses with
 * one `Promise.all` (awaiting each in turn is faster, but leaves a later
 * rejection unhandled while an earlier response is pending) and pairs them.
 */
export function sendAsyncRows(libraries: Libraries): Row[] {
  const count = ASYNC_RECEIVER_COUNT;
  const group = new Group(`sendAsync to ${count}`);
  const receivers = Array.from({ length: count }, makeAsyncReceiver);
  const signal = new libraries.Signal<Payload, object, Promise<number>>();
  for (const receiver of receivers) signal.connect(receiver);

  group.add("limit: loop + Promise.all + pairs", count, async () => {
    const args = { signal, sender: SENDER, ...PAYLOAD };
    const pending = new Array<Promise<number>>(count);
    for (let i = 0; i < count; i++) pending[i] = receivers[i]!(args);
    const values = await Promise.all(pending);
    const responses = new Array<[AsyncListener, number]>(count);
    for (let i = 0; i < count; i++) responses[i] = [receivers[i]!, values[i]!];
    kept = responses;
  });
  group.add("signalry sendAsync", count, async () => {
    kept = await signal.sendAsync(SENDER, PAYLOAD);
  });
  const emittery = libraries.emittery();
  for (const receiver of receivers) emittery.on("event", receiver);
  group.add("emittery", count, () => emittery.emit("event", PAYLOAD));
  return group.rows;
}
