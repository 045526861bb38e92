/**
 * Model-based property test of waiting: random programs of connects,
 * `next()`, `events()` and their iterators, `mute()`, aborts and sends, with
 * receivers that wait and send again from inside a send, run against
 * `Signal` and against a naive reference model; everything observable,
 * including how every promise settled, must match.
 *
 * Runs: `SIGNALRY_FC_RUNS` (this file runs a fifth of it, see below). Replay
 * a failure with the seed and path fast-check prints:
 * `SIGNALRY_FC_SEED=… SIGNALRY_FC_PATH=…`.
 */

import fc from "fast-check";
import {
  type ConnectedReceiver,
  type Connection,
  type ConnectOptions,
  type EventsOptions,
  type NextOptions,
  type Receiver,
  type ReceiverArgs,
  Signal,
} from "./mod.ts";
import { assertSameTrace, fcSettings } from "./_test_helpers.ts";

type Params = { n: number };
type TestReceiver = Receiver<Params, unknown, unknown>;
/** A receiver as a send hands it back: compared, never called. */
type SentReceiver = ConnectedReceiver<Params, unknown, unknown>;
type Args = ReceiverArgs<Params, unknown, unknown>;

/** What the programs use of a signal; `Signal` and the model both have it. */
interface WaitableSignal {
  connect(
    receiver: TestReceiver,
    options?: ConnectOptions<unknown>,
  ): Connection;
  send(sender: unknown, params: Params): Array<[SentReceiver, unknown]>;
  sendRobust(
    sender: unknown,
    params: Params,
  ): Array<[SentReceiver, PromiseSettledResult<unknown>]>;
  sendAsync(
    sender: unknown,
    params: Params,
  ): Promise<Array<[SentReceiver, unknown]>>;
  sendAsyncRobust(
    sender: unknown,
    params: Params,
  ): Promise<Array<[SentReceiver, PromiseSettledResult<unknown>]>>;
  next(options?: NextOptions<unknown>): Promise<Args>;
  events(options?: EventsOptions<unknown>): Events;
  mute(): Disposable;
  readonly muted: boolean;
  hasReceivers(sender?: unknown): boolean;
  receivers(sender?: unknown): SentReceiver[];
  disconnectAll(sender?: unknown): number;
}

interface Events {
  next(): Promise<IteratorResult<Args, undefined>>;
  return(): Promise<IteratorResult<Args, undefined>>;
}

// ---------------------------------------------------------------------------
// The reference model: one array of entries in connection order, scanned.

interface ModelReceiver {
  kind: "receiver";
  receiver: TestReceiver;
  sender: unknown;
  once: boolean;
  fired: boolean;
}

interface ModelWaiter {
  kind: "waiter";
  sender: unknown;
  resolve(args: Args): void;
  reject(reason: unknown): void;
}

interface ModelIterator {
  kind: "iterator";
  sender: unknown;
  limit: number;
  buffer: Args[];
  takers: Array<{
    resolve(result: IteratorResult<Args, undefined>): void;
    reject(reason: unknown): void;
  }>;
  /** Why every `next()` rejects once the buffer is empty. */
  failure: { reason: unknown } | undefined;
}

type ModelEntry = ModelReceiver | ModelWaiter | ModelIterator;

const DONE = { value: undefined, done: true } as const;

/** The RangeError of an iterator that fell behind; tests read only its limit. */
function fellBehind(limit: number): RangeError {
  return new RangeError(`fell behind by more than its limit of ${limit}`);
}

/** The model's one check of params: no reserved key (the only bad params here). */
function checkParams(params: Params): void {
  if (Object.hasOwn(params, "signal") || Object.hasOwn(params, "sender")) {
    throw new TypeError("Cannot send signal: params has a reserved key");
  }
}

class ReferenceSignal implements WaitableSignal {
  /** Receivers, waiters and iterators while they listen, in connection order. */
  readonly entries: ModelEntry[] = [];
  readonly #mutes = new Set<Disposable>();

  #remove(entry: ModelEntry): boolean {
    const index = this.entries.indexOf(entry);
    if (index === -1) return false;
    this.entries.splice(index, 1);
    return true;
  }

  #hears(entry: ModelEntry, sender: unknown): boolean {
    return entry.sender === undefined ||
      (sender !== undefined && entry.sender === sender);
  }

  connect(
    receiver: TestReceiver,
    options: ConnectOptions<unknown> = {},
  ): Connection {
    const entries = this.entries;
    if (options.signal?.aborted) {
      return {
        connected: false,
        disconnect: () => false,
        [Symbol.dispose]() {},
      };
    }
    let entry = entries.find((candidate): candidate is ModelReceiver =>
      candidate.kind === "receiver" && candidate.receiver === receiver &&
      candidate.sender === options.sender
    );
    if (entry === undefined) {
      const added: ModelReceiver = {
        kind: "receiver",
        receiver,
        sender: options.sender,
        once: options.once ?? false,
        fired: false,
      };
      entries.push(added);
      options.signal?.addEventListener("abort", () => this.#remove(added));
      entry = added;
    }
    const registered = entry;
    const remove = () => this.#remove(registered);
    return {
      get connected() {
        return entries.includes(registered);
      },
      disconnect: remove,
      [Symbol.dispose]: () => void remove(),
    };
  }

  /** Delivers a send's argument to a waiter or an iterator that still listens. */
  #deliver(entry: ModelWaiter | ModelIterator, args: Args): void {
    if (!this.entries.includes(entry)) return;
    if (entry.kind === "waiter") {
      this.#remove(entry);
      entry.resolve(args);
      return;
    }
    const taker = entry.takers.shift();
    if (taker !== undefined) {
      taker.resolve({ value: args, done: false });
    } else if (entry.buffer.length < entry.limit) {
      entry.buffer.push(args);
    } else {
      this.#remove(entry);
      entry.failure = { reason: fellBehind(entry.limit) };
    }
  }

  /** Calls or delivers to each entry of the snapshot; `call` runs a receiver. */
  #walk(
    sender: unknown,
    params: Params,
    call: (receiver: TestReceiver, args: Args) => void,
  ): void {
    const snapshot = this.entries.filter((entry) => this.#hears(entry, sender));
    const args = { signal: this, sender, ...params } as unknown as Args;
    for (const entry of snapshot) {
      if (entry.kind !== "receiver") {
        this.#deliver(entry, args);
        continue;
      }
      if (entry.once) {
        if (entry.fired) continue;
        entry.fired = true;
        this.#remove(entry);
      }
      call(entry.receiver, args);
    }
  }

  send(sender: unknown, params: Params): Array<[SentReceiver, unknown]> {
    checkParams(params);
    const responses: Array<[SentReceiver, unknown]> = [];
    if (this.muted) return responses;
    this.#walk(sender, params, (receiver, args) => {
      responses.push([receiver, receiver(args)]);
    });
    return responses;
  }

  sendRobust(
    sender: unknown,
    params: Params,
  ): Array<[SentReceiver, PromiseSettledResult<unknown>]> {
    checkParams(params);
    const outcomes: Array<[SentReceiver, PromiseSettledResult<unknown>]> = [];
    if (this.muted) return outcomes;
    this.#walk(sender, params, (receiver, args) => {
      try {
        outcomes.push([receiver, {
          status: "fulfilled",
          value: receiver(args),
        }]);
      } catch (reason) {
        outcomes.push([receiver, { status: "rejected", reason }]);
      }
    });
    return outcomes;
  }

  // Receivers here return plain values, so there is nothing to await.
  async sendAsync(
    sender: unknown,
    params: Params,
  ): Promise<Array<[SentReceiver, unknown]>> {
    return await Promise.resolve(this.send(sender, params));
  }

  async sendAsyncRobust(
    sender: unknown,
    params: Params,
  ): Promise<Array<[SentReceiver, PromiseSettledResult<unknown>]>> {
    return await Promise.resolve(this.sendRobust(sender, params));
  }

  next(options: NextOptions<unknown> = {}): Promise<Args> {
    const abortSignal = options.signal;
    if (abortSignal?.aborted) return Promise.reject(abortSignal.reason);
    return new Promise((resolve, reject) => {
      const waiter: ModelWaiter = {
        kind: "waiter",
        sender: options.sender,
        resolve,
        reject,
      };
      this.entries.push(waiter);
      abortSignal?.addEventListener("abort", () => {
        if (this.#remove(waiter)) reject(abortSignal.reason);
      });
    });
  }

  events(options: EventsOptions<unknown> = {}): Events {
    const abortSignal = options.signal;
    const iterator: ModelIterator = {
      kind: "iterator",
      sender: options.sender,
      limit: options.limit ?? Infinity,
      buffer: [],
      takers: [],
      failure: undefined,
    };
    if (abortSignal?.aborted) {
      iterator.failure = { reason: abortSignal.reason };
    } else {
      this.entries.push(iterator);
      abortSignal?.addEventListener("abort", () => {
        if (!this.#remove(iterator)) return;
        const reason = abortSignal.reason;
        iterator.buffer = [];
        iterator.failure = { reason };
        for (const taker of iterator.takers.splice(0)) taker.reject(reason);
      });
    }
    return {
      next: () => {
        if (iterator.buffer.length > 0) {
          return Promise.resolve({
            value: iterator.buffer.shift()!,
            done: false,
          });
        }
        if (iterator.failure !== undefined) {
          return Promise.reject(iterator.failure.reason);
        }
        if (!this.entries.includes(iterator)) return Promise.resolve(DONE);
        return new Promise((resolve, reject) => {
          iterator.takers.push({ resolve, reject });
        });
      },
      return: () => {
        this.#remove(iterator);
        iterator.buffer = [];
        iterator.failure = undefined;
        for (const taker of iterator.takers.splice(0)) taker.resolve(DONE);
        return Promise.resolve(DONE);
      },
    };
  }

  mute(): Disposable {
    const handle = { [Symbol.dispose]: () => void this.#mutes.delete(handle) };
    this.#mutes.add(handle);
    return handle;
  }

  get muted(): boolean {
    return this.#mutes.size > 0;
  }

  hasReceivers(sender?: unknown): boolean {
    return this.entries.some((entry) => this.#hears(entry, sender));
  }

  receivers(sender?: unknown): TestReceiver[] {
    return this.entries.flatMap((entry) =>
      entry.kind === "receiver" && this.#hears(entry, sender)
        ? [entry.receiver]
        : []
    );
  }

  disconnectAll(sender?: unknown): number {
    const doomed = this.entries.filter((entry) =>
      entry.kind === "receiver" &&
      (sender === undefined || entry.sender === sender)
    );
    for (const entry of doomed) this.#remove(entry);
    return doomed.length;
  }
}

// ---------------------------------------------------------------------------
// Programs: every value is an index into pools each run builds afresh.

/** Index 2 is `undefined`: as a send's sender it reaches any-sender entries only. */
const SENDER_NAMES = ["object", '"db"', "undefined"] as const;
const RECEIVER_COUNT = 4;
const CONTROLLER_COUNT = 3;
/** How deep receivers may act from inside a send. */
const MAX_DEPTH = 2;

type SendMethod = "send" | "sendRobust" | "sendAsync" | "sendAsyncRobust";

type Op =
  | {
    kind: "connect";
    receiver: number;
    sender?: number | undefined;
    once?: boolean | undefined;
    controller?: number | undefined;
  }
  | { kind: "disconnect"; connection: number }
  | {
    kind: "next";
    sender?: number | undefined;
    controller?: number | undefined;
  }
  | {
    kind: "events";
    sender?: number | undefined;
    controller?: number | undefined;
    limit?: number | undefined;
  }
  | { kind: "take"; iterator: number }
  | { kind: "return"; iterator: number }
  | { kind: "mute" }
  | { kind: "unmute"; handle: number }
  | { kind: "abort"; controller: number }
  | {
    kind: "send";
    method: SendMethod;
    sender: number;
    /** Params with a reserved key: a TypeError, muted or not. */
    reserved: boolean;
  }
  | { kind: "disconnectAll"; sender?: number | undefined };

interface ReceiverSpec {
  /** Whether its k-th call throws: `throws[k % length]`. */
  throws: boolean[];
  /** Done before returning, from inside the send, while depth allows. */
  actions: Op[];
}

interface Program {
  receivers: ReceiverSpec[];
  steps: Op[];
}

const senderIndex = fc.nat({ max: SENDER_NAMES.length - 1 });
const controllerIndex = fc.nat({ max: CONTROLLER_COUNT - 1 });
const anyIndex = fc.nat({ max: 30 });

function sometimes<T>(
  arbitrary: fc.Arbitrary<T>,
  present: number,
  absent: number,
): fc.Arbitrary<T | undefined> {
  return fc.oneof(
    { weight: absent, arbitrary: fc.constant(undefined) },
    { weight: present, arbitrary },
  );
}

/** Drops keys whose value is undefined: an option left out, not set to undefined. */
function leaveOut<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== undefined),
  ) as T;
}

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("connect" as const),
      receiver: fc.nat({ max: RECEIVER_COUNT - 1 }),
      sender: sometimes(senderIndex, 1, 1),
      once: sometimes(fc.boolean(), 1, 2),
      controller: sometimes(controllerIndex, 1, 2),
    }).map(leaveOut),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("disconnect" as const),
      connection: anyIndex,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("next" as const),
      sender: sometimes(senderIndex, 1, 1),
      controller: sometimes(controllerIndex, 1, 2),
    }).map(leaveOut),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("events" as const),
      sender: sometimes(senderIndex, 1, 1),
      controller: sometimes(controllerIndex, 1, 2),
      limit: sometimes(fc.integer({ min: 1, max: 3 }), 2, 1),
    }).map(leaveOut),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("take" as const),
      iterator: anyIndex,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("return" as const),
      iterator: anyIndex,
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "mute" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("unmute" as const),
      handle: anyIndex,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("abort" as const),
      controller: controllerIndex,
    }),
  },
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constant("send" as const),
      method: fc.constantFrom<SendMethod>(
        "send",
        "sendRobust",
        "sendAsync",
        "sendAsyncRobust",
      ),
      sender: senderIndex,
      reserved: fc.oneof(
        { weight: 12, arbitrary: fc.constant(false) },
        { weight: 1, arbitrary: fc.constant(true) },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("disconnectAll" as const),
      sender: sometimes(senderIndex, 1, 2),
    }).map(leaveOut),
  },
);

const programArbitrary: fc.Arbitrary<Program> = fc.record({
  receivers: fc.array(
    fc.record({
      throws: fc.array(
        fc.oneof(
          { weight: 6, arbitrary: fc.constant(false) },
          { weight: 1, arbitrary: fc.constant(true) },
        ),
        { minLength: 1, maxLength: 3 },
      ),
      actions: fc.oneof(
        { weight: 2, arbitrary: fc.constant<Op[]>([]) },
        { weight: 1, arbitrary: fc.array(opArbitrary, { maxLength: 2 }) },
      ),
    }),
    { minLength: RECEIVER_COUNT, maxLength: RECEIVER_COUNT },
  ),
  steps: fc.array(opArbitrary, { maxLength: 40, size: "max" }),
});

// ---------------------------------------------------------------------------
// Running a program and recording everything observable.

interface World {
  signal: WaitableSignal;
  senders: unknown[];
  receivers: TestReceiver[];
  controllers: AbortController[];
  connections: Connection[];
  iterators: Events[];
  mutes: Disposable[];
  /** How each promise a step returned has settled so far, by its label. */
  promises: Array<{ label: string; state: unknown }>;
  thrown: unknown[];
  argObjects: object[];
  calls: number[];
  depth: number;
  sends: number;
  trace: unknown[];
}

function nameOfSender(world: World, value: unknown): string {
  const index = world.senders.indexOf(value);
  return index === -1
    ? `unknown sender ${String(value)}`
    : SENDER_NAMES[index]!;
}

function nameOfReceiver(world: World, receiver: unknown): string {
  const index = world.receivers.indexOf(receiver as TestReceiver);
  return index === -1 ? "unknown receiver" : `r${index}`;
}

function nameOfReason(world: World, reason: unknown): string {
  const controller = world.controllers.findIndex((controller) =>
    controller.signal.aborted && controller.signal.reason === reason
  );
  if (controller !== -1) return `abort of c${controller}`;
  if (reason instanceof TypeError) return "TypeError";
  if (reason instanceof RangeError) {
    const limit = /fell behind by more than its limit of (\d+)/.exec(
      reason.message,
    );
    return limit === null
      ? `RangeError ${reason.message}`
      : `fell behind, limit ${limit[1]}`;
  }
  const thrown = world.thrown.indexOf(reason);
  return thrown === -1 ? `foreign ${String(reason)}` : `thrown #${thrown}`;
}

/** A send's receiver argument, told apart by its `n`, one per send. */
function nameOfArgs(world: World, args: Args): unknown {
  return {
    n: args.n,
    sender: nameOfSender(world, args.sender),
    signalIsSelf: args.signal === world.signal,
    keys: Object.keys(args).sort().join(),
    // Which receiver argument it is, if a receiver got one: the very object.
    argObject: world.argObjects.indexOf(args),
  };
}

function nameOfOutcome(
  world: World,
  outcome: PromiseSettledResult<unknown>,
): unknown {
  return outcome.status === "fulfilled"
    ? { fulfilled: outcome.value }
    : { rejected: nameOfReason(world, outcome.reason) };
}

/** Records how `promise` settles, named as soon as it does. */
function track<T>(
  world: World,
  label: string,
  promise: Promise<T>,
  name: (value: T) => unknown,
): void {
  const record: { label: string; state: unknown } = { label, state: "pending" };
  world.promises.push(record);
  promise.then(
    (value) => record.state = { fulfilled: name(value) },
    (reason) => record.state = { rejected: nameOfReason(world, reason) },
  );
}

function makeReceiver(
  world: World,
  index: number,
  spec: ReceiverSpec,
): TestReceiver {
  return (args) => {
    const call = world.calls[index]!++;
    if (!world.argObjects.includes(args)) world.argObjects.push(args);
    world.trace.push({ called: `r${index}`, depth: world.depth, n: args.n });
    if (world.depth < MAX_DEPTH) {
      world.depth++;
      try {
        for (const action of spec.actions) runOp(world, action);
      } finally {
        world.depth--;
      }
    }
    const label = `r${index} call ${call}`;
    if (spec.throws[call % spec.throws.length]) {
      const error = new Error(label);
      world.thrown.push(error);
      throw error;
    }
    return label;
  };
}

/** `sender` and `signal` options as the op says; absent keys stay absent. */
function waitOptions(
  world: World,
  op: { sender?: number | undefined; controller?: number | undefined },
): NextOptions<unknown> {
  return {
    ...(op.sender === undefined ? {} : { sender: world.senders[op.sender] }),
    ...(op.controller === undefined
      ? {}
      : { signal: world.controllers[op.controller]!.signal }),
  };
}

function pick<T>(items: T[], index: number): T | undefined {
  return items.length === 0 ? undefined : items[index % items.length];
}

function runOp(world: World, op: Op): void {
  const { signal, trace, depth } = world;
  switch (op.kind) {
    case "connect": {
      const options: ConnectOptions<unknown> = {
        ...waitOptions(world, op),
        ...(op.once === undefined ? {} : { once: op.once }),
      };
      const connection = signal.connect(world.receivers[op.receiver]!, options);
      world.connections.push(connection);
      trace.push({ depth, op, connected: connection.connected });
      return;
    }
    case "disconnect": {
      const connection = pick(world.connections, op.connection);
      trace.push({ depth, op, result: connection?.disconnect() });
      return;
    }
    case "next": {
      const label = `next #${world.promises.length}`;
      track(
        world,
        label,
        signal.next(waitOptions(world, op)),
        (args) => nameOfArgs(world, args),
      );
      trace.push({ depth, op, label });
      return;
    }
    case "events": {
      const options: EventsOptions<unknown> = {
        ...waitOptions(world, op),
        ...(op.limit === undefined ? {} : { limit: op.limit }),
      };
      world.iterators.push(signal.events(options));
      trace.push({ depth, op, iterator: world.iterators.length - 1 });
      return;
    }
    case "take":
    case "return": {
      const iterator = pick(world.iterators, op.iterator);
      if (iterator === undefined) {
        trace.push({ depth, op, skipped: "no iterator yet" });
        return;
      }
      const label = `${op.kind} of i${
        world.iterators.indexOf(iterator)
      } #${world.promises.length}`;
      track(
        world,
        label,
        op.kind === "take" ? iterator.next() : iterator.return(),
        (result) => result.done ? "done" : nameOfArgs(world, result.value),
      );
      trace.push({ depth, op, label });
      return;
    }
    case "mute":
      world.mutes.push(signal.mute());
      trace.push({ depth, op, muted: signal.muted });
      return;
    case "unmute": {
      // Indices past the end pick handles again: disposed twice, harmlessly.
      const handle = pick(world.mutes, op.handle);
      handle?.[Symbol.dispose]();
      trace.push({ depth, op, muted: signal.muted });
      return;
    }
    case "abort":
      world.controllers[op.controller]!.abort();
      trace.push({ depth, op });
      return;
    case "disconnectAll":
      trace.push({
        depth,
        op,
        removed: op.sender === undefined
          ? signal.disconnectAll()
          : signal.disconnectAll(world.senders[op.sender]),
      });
      return;
    case "send":
      return runSend(world, op);
  }
}

function runSend(world: World, op: Extract<Op, { kind: "send" }>): void {
  const { signal, trace, depth } = world;
  const sender = world.senders[op.sender];
  const n = world.sends++;
  const entry: Record<string, unknown> = { depth, op, n };
  trace.push(entry);
  const label = `${op.method} n=${n}`;
  const params = op.reserved ? { n, sender: "forged" } as Params : { n };
  switch (op.method) {
    case "send":
      try {
        entry.result = signal.send(sender, params).map((
          [receiver, response],
        ) => [nameOfReceiver(world, receiver), response]);
      } catch (error) {
        entry.threw = nameOfReason(world, error);
      }
      return;
    case "sendRobust":
      try {
        entry.result = signal.sendRobust(sender, params).map(([r, outcome]) => [
          nameOfReceiver(world, r),
          nameOfOutcome(world, outcome),
        ]);
      } catch (error) {
        entry.threw = nameOfReason(world, error);
      }
      return;
    case "sendAsync":
      track(
        world,
        label,
        signal.sendAsync(sender, params),
        (results) =>
          results.map(([r, response]) => [nameOfReceiver(world, r), response]),
      );
      entry.label = label;
      return;
    case "sendAsyncRobust":
      track(
        world,
        label,
        signal.sendAsyncRobust(sender, params),
        (results) =>
          results.map(([r, outcome]) => [
            nameOfReceiver(world, r),
            nameOfOutcome(world, outcome),
          ]),
      );
      entry.label = label;
      return;
  }
}

function recordState(world: World): unknown {
  const { signal } = world;
  return {
    receivers: world.senders.map((sender) =>
      signal.receivers(sender).map((r) => nameOfReceiver(world, r)).join()
    ),
    receiversOfNoSender: signal.receivers().map((r) => nameOfReceiver(world, r))
      .join(),
    hasReceivers: world.senders.map((sender) => signal.hasReceivers(sender)),
    hasReceiversOfNoSender: signal.hasReceivers(),
    muted: signal.muted,
    connected: world.connections.map((connection) => connection.connected),
  };
}

/** Lets every settled promise run its reactions; enough for the deepest chain here. */
async function settle(): Promise<void> {
  for (let i = 0; i < 12; i++) await Promise.resolve();
}

/**
 * The next macrotask, by a message to itself: a `setTimeout(0)` chained from
 * timer to timer is clamped to 4 ms, which would make waiting most of the run.
 */
const TASKS = new MessageChannel();
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    TASKS.port1.onmessage = () => resolve();
    TASKS.port2.postMessage(null);
  });
}

function recordPromises(world: World): unknown {
  return world.promises.map(({ label, state }) => ({ label, state }));
}

async function runProgram(
  program: Program,
  signal: WaitableSignal,
): Promise<unknown[]> {
  const world: World = {
    signal,
    senders: [{}, "db", undefined],
    receivers: [],
    controllers: Array.from(
      { length: CONTROLLER_COUNT },
      () => new AbortController(),
    ),
    connections: [],
    iterators: [],
    mutes: [],
    promises: [],
    thrown: [],
    argObjects: [],
    calls: program.receivers.map(() => 0),
    depth: 0,
    sends: 0,
    trace: [],
  };
  world.receivers = program.receivers.map((spec, i) =>
    makeReceiver(world, i, spec)
  );
  for (const [step, op] of program.steps.entries()) {
    runOp(world, op);
    world.trace.push({ step, state: recordState(world) });
    await settle();
    world.trace.push({ step, promises: recordPromises(world) });
  }
  // A macrotask too, in case some reaction needs more than the microtasks above.
  await nextTask();
  world.trace.push({ end: true, promises: recordPromises(world) });
  // Stop whatever still listens, so nothing of this run outlives it.
  for (const iterator of world.iterators) iterator.return();
  return world.trace;
}

// ---------------------------------------------------------------------------
// Configuration from the environment, shared with signal_property_test.ts.

/**
 * A program here awaits after every step, so it costs about five of the
 * other property test's: this file runs a fifth of `SIGNALRY_FC_RUNS`.
 */
const RUNS_DIVISOR = 5;
const DEFAULT_RUNS = 1000;

function fcParameters(): fc.Parameters<[Program]> {
  return fcSettings(DEFAULT_RUNS, RUNS_DIVISOR);
}

const parameters = fcParameters();

Deno.test(`Signal waits like the reference model for any program of next(), events(), mute(), aborts and re-entrant sends (${parameters.numRuns} runs)`, async () => {
  await fc.assert(
    fc.asyncProperty(programArbitrary, async (program) => {
      const actual = await runProgram(
        program,
        new Signal<Params, unknown, unknown>() as unknown as WaitableSignal,
      );
      const expected = await runProgram(program, new ReferenceSignal());
      assertSameTrace(actual, expected);
    }),
    parameters,
  ).finally(() => TASKS.port1.close());
});
