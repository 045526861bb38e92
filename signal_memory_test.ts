/**
 * Lifetime and memory: what signalry keeps alive, and for how long. After a
 * million connects and disconnects the heap is back where it started; a
 * sender's bookkeeping goes with its last registration; senders dropped with
 * receivers still connected are collected and leave nothing behind; and no
 * handle (a connection, an iterator, a settled `once`) keeps more than it
 * needs. Needs `--v8-flags=--expose-gc` (`deno task test` passes it).
 */

import {
  assert,
  assertEquals,
  assertFalse,
  assertLess,
  assertRejects,
  assertStrictEquals,
} from "@std/assert";
import { type Connection, Signal } from "./mod.ts";
import { countedAbortSignal, envNumber, gc } from "./_test_helpers.ts";

/** Connects plus removals in the churn test; `test:deep` runs more. */
const CHURN_OPS = envNumber("SIGNALRY_CHURN_OPS") ?? 1_000_000;
const SENDER_COUNT = 10_000;
/**
 * How much the heap may grow over a test. A leak of one small object per
 * sender per round exceeds it many times over; V8's own noise stays far
 * below it.
 */
const HEAP_BOUND = 1024 * 1024;

function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Collects until `done()` holds. Finalizers run and WeakRefs clear in later
 * tasks, and a `deref()` keeps its target alive to the end of its task, so
 * each collection gets a task of its own.
 */
async function collectUntil(done: () => boolean = () => false): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await tick();
    gc!();
    await tick();
    if (i >= 3 && done()) return;
  }
}

async function settledHeapUsed(): Promise<number> {
  await collectUntil();
  return Deno.memoryUsage().heapUsed;
}

function kib(bytes: number): string {
  return `${Math.round(bytes / 1024)} KiB`;
}

type Churned = Signal<Record<never, never>, unknown>;

/**
 * How many long-lived AbortSignals the churn's registrations share, some 80
 * at a time on each: signalry keeps one listener on each while any of them
 * is connected (one AbortWatch, shared by every Signal), and the test checks
 * that none is left.
 */
const ABORT_POOL = 64;

/**
 * One round: connects one or two registrations for each sender, in one of
 * eight ways, then removes them the matching way, or, every fifth round, all
 * at once with `disconnectAll()`. Returns the operations done: each connect
 * and each removal counts one.
 */
function churnRound(
  signal: Churned,
  senders: readonly unknown[],
  round: number,
  longLived: readonly AbortSignal[],
): number {
  const receiver = () => {};
  const other = () => {};
  const aborted = Array.from(
    { length: ABORT_POOL },
    () => new AbortController(),
  );
  const connections: Connection[] = [];
  let ops = 0;
  for (const [i, sender] of senders.entries()) {
    const abortSignal = longLived[i % ABORT_POOL]!;
    switch ((i + round) % 8) {
      case 0:
      case 1:
        connections.push(signal.connect(receiver, { sender }));
        break;
      case 2:
        signal.connect(receiver, { sender, uniqueId: i });
        break;
      case 3:
        connections.push(
          signal.connect(receiver, { sender, signal: abortSignal }),
        );
        break;
      case 4:
        signal.connect(receiver, {
          sender,
          signal: aborted[i % ABORT_POOL]!.signal,
        });
        break;
      case 5:
        signal.connect(receiver, { sender, once: true, signal: abortSignal });
        break;
      case 6:
        signal.connect(receiver, { sender });
        signal.connect(other, { sender, signal: abortSignal });
        ops++;
        break;
      case 7:
        signal.connect(receiver, { sender, signal: abortSignal });
        break;
    }
    ops++;
  }
  // One that hears every sender, churned too.
  const anySender = signal.connect(other, { uniqueId: round });
  ops++;
  if (round % 5 === 0) {
    ops += signal.disconnectAll();
    for (const controller of aborted) controller.abort();
    return ops;
  }
  let handle = 0;
  for (const [i, sender] of senders.entries()) {
    switch ((i + round) % 8) {
      case 0:
        connections[handle++]!.disconnect();
        break;
      case 1:
      case 3: {
        using _ = connections[handle++]!;
        break;
      }
      case 2:
        signal.disconnect({ sender, uniqueId: i });
        break;
      case 4:
        break; // aborted below
      case 5:
        signal.send(sender); // the once registration goes before its call
        break;
      case 6:
        ops += signal.disconnectAll(sender) - 1;
        break;
      case 7:
        signal.disconnect(receiver, { sender });
        break;
    }
    ops++;
  }
  for (const controller of aborted) controller.abort();
  anySender.disconnect();
  return ops + 1;
}

function makeSenders(): unknown[] {
  // Mostly objects (WeakMap), some primitives (Map): both kinds of bucket.
  return Array.from(
    { length: SENDER_COUNT },
    (_, i) => i % 4 === 3 ? (i % 8 === 3 ? `sender ${i}` : i) : { i },
  );
}

Deno.test({
  // A fixed name, so that the npm suite can skip it by name; SIGNALRY_CHURN_OPS
  // sets how many operations (1,000,000 by default).
  name:
    "Signal returns the heap to where it started after a million connects and disconnects across 10,000 senders (needs --v8-flags=--expose-gc; skipped without it)",
  ignore: gc === undefined,
  async fn() {
    const signal: Churned = new Signal();
    const senders = makeSenders();
    const counted = Array.from({ length: ABORT_POOL }, countedAbortSignal);
    const longLived = counted.map(({ signal }) => signal);
    // Warm up both ways of ending a round: compiled code is not a leak.
    churnRound(signal, senders, 1, longLived);
    churnRound(signal, senders, 0, longLived);
    const before = await settledHeapUsed();

    let ops = 0;
    for (let round = 1; ops < CHURN_OPS; round++) {
      ops += churnRound(signal, senders, round, longLived);
    }
    const after = await settledHeapUsed();

    const listeners = counted.reduce(
      (sum, { listeners }) => sum + listeners(),
      0,
    );
    assertEquals(listeners, 0, "abort listeners left on live AbortSignals");
    assertEquals(signal.disconnectAll(), 0);
    assert(senders.every((sender) => !signal.hasReceivers(sender)));
    assertLess(
      after - before,
      HEAP_BOUND,
      `heap grew by ${kib(after - before)} over ${ops} operations`,
    );
  },
});

/** Senders for the fresh-sender churn: objects (WeakMap) and strings (Map). */
function freshSenders(count: number): unknown[] {
  return Array.from(
    { length: count },
    (_, i) => i % 2 === 0 ? { i } : `fresh sender ${i}`,
  );
}

/**
 * Connects one registration for each of `senders`, never seen before, then
 * removes it, each in one of six ways, so that each sender's bookkeeping is
 * made and emptied once.
 */
function connectAndEmptyEach(
  signal: Signal<Record<never, never>, unknown>,
  senders: readonly unknown[],
): void {
  const receiver = () => {};
  const controller = new AbortController();
  for (const [i, sender] of senders.entries()) {
    switch (i % 6) {
      case 0:
        signal.connect(receiver, { sender }).disconnect();
        break;
      case 1:
        signal.connect(receiver, { sender });
        signal.send(sender); // caches a call list
        signal.disconnect(receiver, { sender });
        break;
      case 2:
        signal.connect(receiver, { sender, uniqueId: i });
        signal.disconnect({ sender, uniqueId: i });
        break;
      case 3:
        signal.connect(receiver, { sender });
        signal.disconnectAll(sender);
        break;
      case 4:
        signal.connect(receiver, { sender, once: true });
        signal.send(sender);
        break;
      case 5:
        signal.connect(receiver, { sender, signal: controller.signal });
        break;
    }
  }
  controller.abort();
}

Deno.test({
  name:
    "Signal keeps nothing for a sender once its last registration went, however it went (needs --v8-flags=--expose-gc; skipped without it)",
  ignore: gc === undefined,
  async fn() {
    // The churn test reuses its senders, so it cannot see bookkeeping left
    // for each sender: here every round has new ones. Those senders stay
    // alive to the end, so a bucket left in the WeakMap counts too.
    const ROUNDS = 4;
    const PER_ROUND = 12_500;
    const signal = new Signal<Record<never, never>, unknown>();
    const heard = signal.connect(() => {}); // one for every sender stays
    const senders = freshSenders((ROUNDS + 1) * PER_ROUND);
    connectAndEmptyEach(signal, senders.slice(0, PER_ROUND)); // warm up
    const before = await settledHeapUsed();

    for (let round = 1; round <= ROUNDS; round++) {
      const start = round * PER_ROUND;
      connectAndEmptyEach(signal, senders.slice(start, start + PER_ROUND));
    }
    const after = await settledHeapUsed();

    assert(heard.connected);
    assert(senders.every((sender) => signal.receivers(sender).length === 1));
    assertEquals(signal.disconnectAll(), 1);
    assertLess(
      after - before,
      HEAP_BOUND,
      `heap grew by ${kib(after - before)} over ${
        ROUNDS * PER_ROUND
      } new senders`,
    );
  },
});

/** Connects `once` for `sender` with a new AbortSignal; returns a WeakRef to it. */
function connectOnceWithNewAbortSignal(
  signal: Signal<Record<never, never>, unknown>,
  sender: unknown,
): WeakRef<AbortSignal> {
  const abortSignal = new AbortController().signal;
  signal.connect(() => {}, { sender, once: true, signal: abortSignal });
  return new WeakRef(abortSignal);
}

Deno.test({
  name:
    "Signal lets go of a once registration's AbortSignal as soon as the registration ran (needs --v8-flags=--expose-gc; skipped without it)",
  ignore: gc === undefined,
  async fn() {
    // Not at that sender's next send, which may never come.
    const signal = new Signal<Record<never, never>, unknown>();
    const sender = {};
    const refs = [
      connectOnceWithNewAbortSignal(signal, sender),
      connectOnceWithNewAbortSignal(signal, "db"),
      connectOnceWithNewAbortSignal(signal, undefined), // any sender
    ];
    signal.connect(() => {}, { sender }); // the sender's bookkeeping stays
    assertEquals(signal.send(sender).length, 3);
    assertEquals(signal.send("db").length, 1);

    await collectUntil(() => refs.every((ref) => !ref.deref()));

    assertEquals(refs.map((ref) => ref.deref()), [
      undefined,
      undefined,
      undefined,
    ]);
    assertEquals(signal.receivers(sender).length, 1);
  },
});

/**
 * Connects receivers for `count` new senders in three ways, and with
 * `referToSender` a fourth whose receiver refers to its sender, and sends
 * from a few of them; returns WeakRefs to the senders, and the connections
 * of the first three. A function of its own, so that no variable of the test
 * keeps a sender.
 */
function connectForNewSenders(
  signal: Signal<Record<never, never>, object>,
  count: number,
  abortSignals: readonly AbortSignal[],
  referToSender: boolean,
): { senderRefs: WeakRef<object>[]; connections: Connection[] } {
  const senders = Array.from({ length: count }, () => ({}));
  const connections = senders.flatMap((sender, i) => [
    signal.connect(() => {}, { sender }),
    signal.connect(() => {}, { sender, uniqueId: i, once: true }),
    signal.connect(() => {}, {
      sender,
      signal: abortSignals[i % abortSignals.length]!,
    }),
  ]);
  // Only when no connection is held: one would reach this receiver through
  // the sender's registrations, and the receiver reaches the sender, which
  // the README leaves to the user.
  for (const [i, sender] of referToSender ? senders.entries() : []) {
    signal.connect(() => void sender, {
      sender,
      uniqueId: "refers to its sender",
      signal: abortSignals[(i + 1) % abortSignals.length]!,
    });
  }
  // Caches their call lists.
  for (const sender of senders.slice(0, 10)) signal.send(sender);
  return {
    senderRefs: senders.map((sender) => new WeakRef(sender)),
    connections,
  };
}

Deno.test({
  name:
    "Signal lets a sender be collected while receivers are still connected for it (needs --v8-flags=--expose-gc; skipped without it)",
  ignore: gc === undefined,
  async fn() {
    const signal = new Signal<Record<never, never>, object>();
    const anySender = signal.connect(() => {});
    const controller = new AbortController();
    const { senderRefs, connections } = connectForNewSenders(
      signal,
      1000,
      [controller.signal],
      false,
    );

    await collectUntil(() => senderRefs.every((ref) => !ref.deref()));

    assert(senderRefs.every((ref) => ref.deref() === undefined));
    // The connections we hold did not keep their senders alive, and went
    // with them.
    assert(connections.every((connection) => !connection.connected));
    assert(connections.every((connection) => !connection.disconnect()));
    assert(anySender.connected);
    // Their registrations no longer count: only the one for every sender does.
    assertEquals(signal.disconnectAll(), 1);
  },
});

Deno.test({
  name:
    "Signal does not keep an object sender alive (needs --v8-flags=--expose-gc; skipped without it)",
  ignore: gc === undefined,
  async fn() {
    const saved = new Signal<Record<never, never>, object>();
    let sender: object | undefined = {};
    const senderRef = new WeakRef(sender);
    const connection = saved.connect(() => {}, { sender });
    saved.connect(() => {}, { sender, uniqueId: "second" });
    saved.send(sender);
    sender = undefined;

    await collectUntil(() => !senderRef.deref());

    assertEquals(senderRef.deref(), undefined);
    // The held connection did not keep the sender alive, and went with it.
    assertFalse(connection.connected);
    assertFalse(connection.disconnect());
    assertEquals(saved.disconnectAll(), 0);
  },
});

/** Connects a receiver for each sender, then ends them all with disconnectAll(). */
function connectAndDisconnectAll(
  saved: Signal<Record<never, never>, object>,
  senders: object[],
): void {
  for (const sender of senders) saved.connect(() => {}, { sender });
  assertEquals(saved.disconnectAll(), senders.length);
}

Deno.test({
  name:
    "Signal.disconnectAll() keeps nothing for the live senders it disconnected (needs --v8-flags=--expose-gc; skipped without it)",
  ignore: gc === undefined,
  async fn() {
    // Regression: each disconnectAll() left a finalizer entry per object
    // sender, held until that sender was collected.
    const saved = new Signal<Record<never, never>, object>();
    const senders = Array.from({ length: 1000 }, () => ({}));
    connectAndDisconnectAll(saved, senders);
    const before = await settledHeapUsed();

    for (let i = 0; i < 50; i++) connectAndDisconnectAll(saved, senders);

    const grown = (await settledHeapUsed()) - before;
    assert(grown < 1024 * 1024, `heap grew by ${grown} bytes`);
  },
});

/** Connects a receiver for a new sender that nothing else refers to. */
function connectForNewSender(
  saved: Signal<Record<never, never>, object>,
  signal: AbortSignal,
): Connection {
  return saved.connect(() => {}, { sender: {}, signal });
}

Deno.test({
  name:
    "Signal releases the AbortSignal listener of a registration whose sender was collected (needs --v8-flags=--expose-gc; skipped without it)",
  ignore: gc === undefined,
  async fn() {
    // Regression: the listener, and the Signal's own list of registrations
    // with an AbortSignal, kept such registrations for good.
    const saved = new Signal<Record<never, never>, object>();
    const { signal, listeners } = countedAbortSignal();
    const connection = connectForNewSender(saved, signal);
    assertEquals(listeners(), 1);

    await collectUntil(() => listeners() === 0);

    assertFalse(connection.connected);
    assertEquals(listeners(), 0);
  },
});

Deno.test({
  name:
    "Signal does not keep alive an object sender that its receiver closes over (needs --v8-flags=--expose-gc; skipped without it)",
  ignore: gc === undefined,
  async fn() {
    const saved = new Signal<Record<never, never>, object>();
    const { signal, listeners } = countedAbortSignal();
    // In a function of its own, so that only the receivers refer to the sender.
    function connectReceiversClosingOver(): WeakRef<object> {
      const sender = { name: "server" };
      saved.connect(() => sender.name, { sender });
      saved.connect(() => sender.name, { sender, signal, uniqueId: 2 });
      return new WeakRef(sender);
    }
    const senderRef = connectReceiversClosingOver();
    assertEquals(listeners(), 1);

    await collectUntil(() => !senderRef.deref() && listeners() === 0);

    assertEquals(senderRef.deref(), undefined);
    assertEquals(listeners(), 0);
    assertEquals(saved.disconnectAll(), 0);
  },
});

Deno.test({
  name: `Signal returns the heap to where it started after ${
    SENDER_COUNT.toLocaleString("en")
  } senders with receivers connected are dropped (needs --v8-flags=--expose-gc; skipped without it)`,
  ignore: gc === undefined,
  async fn() {
    const signal = new Signal<Record<never, never>, object>();
    signal.connect(() => {});
    const live = {};
    signal.connect(() => {}, { sender: live });

    async function dropSenders(): Promise<void> {
      // Some AbortSignals are aborted once their senders went; the others
      // are simply dropped.
      const aborted = Array.from({ length: 32 }, () => new AbortController());
      const dropped = Array.from({ length: 32 }, () => new AbortController());
      connectForNewSenders(
        signal,
        SENDER_COUNT,
        [...aborted, ...dropped].map(({ signal }) => signal),
        true,
      );
      await collectUntil();
      for (const controller of aborted) controller.abort();
    }

    await dropSenders(); // warm up
    const before = await settledHeapUsed();
    await dropSenders();
    await dropSenders();
    const after = await settledHeapUsed();

    // No disconnectAll() cleaned up, and the signal still works.
    assertEquals(signal.send(live).length, 2);
    assertEquals(signal.receivers({}).length, 1);
    assertLess(
      after - before,
      HEAP_BOUND,
      `heap grew by ${kib(after - before)} after ${
        2 * SENDER_COUNT
      } senders went`,
    );
  },
});

/** A receiver that refers to nothing: closures made beside one that refers to a sender share its scope. */
function referToNothing(): void {}

/**
 * Connects for a new sender a receiver that refers to nothing, then `count`
 * that close over the sender; returns a WeakRef to the sender and the first
 * connection.
 */
function connectClosingOverNewSender(
  signal: Signal<Record<never, never>, object>,
  count: number,
): { senderRef: WeakRef<object>; first: Connection } {
  const sender = { name: "server" };
  const first = signal.connect(referToNothing, { sender });
  for (let i = 0; i < count; i++) {
    signal.connect(() => sender.name, { sender, uniqueId: i });
  }
  signal.send(sender);
  return { senderRef: new WeakRef(sender), first };
}

Deno.test({
  name:
    "Connection does not keep its sender alive through the sender's other receivers (needs --v8-flags=--expose-gc; skipped without it)",
  ignore: gc === undefined,
  async fn() {
    // Regression: a Connection reached its sender's bucket, and through it
    // receivers that close over the sender.
    const signal = new Signal<Record<never, never>, object>();
    const { senderRef, first } = connectClosingOverNewSender(signal, 3);
    const { senderRef: disconnectedRef, first: disconnected } =
      connectClosingOverNewSender(signal, 3);
    disconnected.disconnect();

    await collectUntil(() => !senderRef.deref() && !disconnectedRef.deref());

    assertEquals(senderRef.deref(), undefined);
    assertEquals(disconnectedRef.deref(), undefined);
    assertEquals(first.connected, false);
    assertEquals(signal.disconnectAll(), 0);
  },
});

/** Connects `count` new receivers for any sender; returns WeakRefs to them. */
function connectNewReceivers(
  signal: Signal,
  count: number,
): WeakRef<() => void>[] {
  return Array.from({ length: count }, () => {
    const receiver = () => {};
    signal.connect(receiver);
    return new WeakRef(receiver);
  });
}

Deno.test({
  name:
    "Connection kept across disconnectAll() keeps none of the registrations it removed (needs --v8-flags=--expose-gc; skipped without it)",
  ignore: gc === undefined,
  async fn() {
    // Regression: it pinned the whole replaced registry.
    const signal = new Signal();
    const held = signal.connect(() => {});
    const receiverRefs = connectNewReceivers(signal, 1000);
    signal.send(null);

    assertEquals(signal.disconnectAll(), 1001);
    await collectUntil(() => receiverRefs.every((ref) => !ref.deref()));

    assert(receiverRefs.every((ref) => ref.deref() === undefined));
    assertEquals(held.connected, false);
  },
});

Deno.test({
  name:
    "Connection.disconnect() leaves the connection holding nothing, not even its receiver (needs --v8-flags=--expose-gc; skipped without it)",
  ignore: gc === undefined,
  async fn() {
    const signal = new Signal();
    const [connection, receiverRef] =
      ((): [Connection, WeakRef<() => void>] => {
        const receiver = () => {};
        return [signal.connect(receiver), new WeakRef(receiver)];
      })();

    assert(connection.disconnect());
    await collectUntil(() => !receiverRef.deref());

    assertEquals(receiverRef.deref(), undefined);
    assertEquals(connection.connected, false);
  },
});

/** Connects a receiver for each of `count` new senders that nothing else refers to. */
function connectForDroppedSenders(
  signal: Signal<Record<never, never>, object>,
  count: number,
): WeakRef<object>[] {
  return Array.from({ length: count }, () => {
    const sender = {};
    signal.connect(() => {}, { sender });
    return new WeakRef(sender);
  });
}

Deno.test({
  name:
    "Signal.disconnectAll() does not count senders collected before their finalizers ran (needs --v8-flags=--expose-gc; skipped without it)",
  ignore: gc === undefined,
  async fn() {
    // Regression: it counted registrations whose sender was collected but
    // not yet finalized: 11 when one was left.
    const signal = new Signal<Record<never, never>, object>();
    const live = {};
    signal.connect(() => {}, { sender: live });
    const senderRefs = connectForDroppedSenders(signal, 10);
    await tick(); // a WeakRef keeps its target alive to the end of its task

    gc!(); // finalizers run in later tasks: none has run when it counts
    const dropped = senderRefs.filter((ref) => ref.deref() === undefined);
    const counted = signal.disconnectAll();

    assertEquals(dropped.length, 10);
    assertEquals(counted, 1);
    assertEquals(signal.hasReceivers(live), false);
  },
});

/** Waits for sends from a new sender in both ways; returns WeakRefs to the sender and the pending promise, and the iterator. */
function waitForNewSender(
  signal: Signal<Record<never, never>, object>,
): {
  senderRef: WeakRef<object>;
  pendingRef: WeakRef<Promise<unknown>>;
  events: AsyncIterableIterator<unknown> & Disposable;
} {
  const sender = {};
  // One AbortSignal each: an AbortSignal that can still abort holds the
  // promise it would settle, and the iterator, kept below, holds its own.
  const pending = signal.next({ sender, signal: new AbortController().signal });
  const events = signal.events({
    sender,
    signal: new AbortController().signal,
  });
  return {
    senderRef: new WeakRef(sender),
    pendingRef: new WeakRef(pending),
    events,
  };
}

Deno.test({
  name:
    "Signal.next() and events() do not keep their sender alive, and a pending next() goes with it (needs --v8-flags=--expose-gc; skipped without it)",
  ignore: gc === undefined,
  async fn() {
    const signal = new Signal<Record<never, never>, object>();
    const { senderRef, pendingRef, events } = waitForNewSender(signal);

    await collectUntil(() => !senderRef.deref() && !pendingRef.deref());

    assertEquals(senderRef.deref(), undefined);
    assertEquals(pendingRef.deref(), undefined);
    events[Symbol.dispose]();
  },
});

/** An iterator over sends from a new sender of a new Signal, neither kept. */
function iterateOverDroppedSignal(
  abortSignal: AbortSignal,
): { events: AsyncIterableIterator<unknown>; signalRef: WeakRef<object> } {
  const signal = new Signal<Record<never, never>, object>();
  return {
    events: signal.events({ sender: {}, signal: abortSignal }),
    signalRef: new WeakRef(signal),
  };
}

Deno.test({
  name:
    "Signal.events() still rejects on abort after its Signal and sender were collected (needs --v8-flags=--expose-gc; skipped without it)",
  ignore: gc === undefined,
  async fn() {
    // Regression: the abort listener let go of an iterator's waiter with
    // the sender's bucket, so a `for await` on it never ended.
    const controller = new AbortController();
    const { events, signalRef } = iterateOverDroppedSignal(controller.signal);
    const pending = events.next();

    await collectUntil(() => !signalRef.deref());
    const reason = new Error("teardown");
    controller.abort(reason);

    assertEquals(signalRef.deref(), undefined);
    assertStrictEquals(await assertRejects(() => pending), reason);
  },
});
