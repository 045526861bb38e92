/**
 * AbortSignals: a registration, a `next()` or an `events()` made with one
 * ends when it aborts; signalry puts one listener on each AbortSignal,
 * however many registrations of however many Signals share it, and removes
 * it with the last of them; an AbortSignal that misbehaves (a look-alike, a
 * listener that throws or aborts) leaves nothing half done; a promise that
 * `next()` or `events()` handed out settles when its AbortSignal aborts,
 * whatever else was collected; and once an AbortSignal has aborted, nothing
 * registered with it hears a send, even one made by an earlier abort
 * listener. What an AbortSignal keeps alive is in `signal_memory_test.ts`.
 *
 * The collection cases need `--v8-flags=--expose-gc` (Node: `--expose-gc`;
 * Bun: `Bun.gc`); without it they still run, and test the same promise
 * without a forced collection.
 *
 * @module
 */

import {
  assert,
  assertEquals,
  assertFalse,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { assertSpyCalls, spy } from "@std/testing/mock";
import { type Connection, Signal } from "./mod.ts";
import { countedAbortSignal, gc } from "./_test_helpers.ts";

class Server {
  constructor(readonly name = "server") {}
}
class Conn {
  constructor(readonly id: number) {}
}

function stoppedSignal() {
  return new Signal<{ connection: Conn }, Server, string>();
}

// Registrations

Deno.test("Signal.connect() with an AbortSignal disconnects when it aborts", () => {
  const saved = new Signal();
  const receiver = spy();
  const controller = new AbortController();
  const connection = saved.connect(receiver, { signal: controller.signal });

  saved.send(null);
  controller.abort();
  saved.send(null);

  assertSpyCalls(receiver, 1);
  assertFalse(connection.connected);
  assertFalse(connection.disconnect());
});

Deno.test("Signal.connect() with an already aborted AbortSignal connects nothing", () => {
  const saved = new Signal();
  const receiver = spy();

  const connection = saved.connect(receiver, { signal: AbortSignal.abort() });

  assertFalse(connection.connected);
  assertFalse(connection.disconnect());
  assertEquals(saved.send(null), []);
  assertSpyCalls(receiver, 0);
});

Deno.test("Signal.connect() with an aborted AbortSignal leaves an existing registration alone", () => {
  const saved = new Signal();
  const receiver = spy();
  const existing = saved.connect(receiver);

  saved.connect(receiver, { signal: AbortSignal.abort() });

  assert(existing.connected);
  assertEquals(saved.send(null).length, 1);
});

Deno.test("Signal.connect() with an AbortSignal aborted during a send still lets that send finish", () => {
  const saved = new Signal();
  const controller = new AbortController();
  const later = spy();
  saved.connect(() => controller.abort());
  saved.connect(later, { signal: controller.signal });

  saved.send(null);
  saved.send(null);

  assertSpyCalls(later, 1);
});

Deno.test("Signal aborts with the AbortSignal's real reason, whatever reason it has of its own", async () => {
  // Regression: an own `reason` getter that threw kept every registration.
  const saved = new Signal();
  const controller = new AbortController();
  Object.defineProperty(controller.signal, "reason", {
    get() {
      throw new Error("reason getter");
    },
  });
  const connection = saved.connect(() => {}, { signal: controller.signal });
  const next = saved.next({ signal: controller.signal });
  const reason = new Error("real reason");

  controller.abort(reason);

  assertFalse(connection.connected);
  assertStrictEquals(await assertRejects(() => next), reason);
});

Deno.test("Signal ends nothing on an abort event dispatched to an AbortSignal that did not abort", async () => {
  // Regression: the listener believed any "abort" event.
  const saved = new Signal();
  const controller = new AbortController();
  const connection = saved.connect(() => {}, { signal: controller.signal });
  const next = saved.next({ signal: controller.signal });

  controller.signal.dispatchEvent(new Event("abort"));

  assert(connection.connected);
  saved.send(null);
  await next;
});

Deno.test("Signal lets an AbortSignal abort after a manual disconnect harmlessly", () => {
  const saved = new Signal();
  const receiver = spy();
  const controller = new AbortController();
  const connection = saved.connect(receiver, { signal: controller.signal });
  connection.disconnect();
  const again = saved.connect(receiver);

  controller.abort();

  assert(again.connected);
  assertEquals(saved.send(null).length, 1);
});

Deno.test("Signal releases its AbortSignal listener however the registration goes", () => {
  const saved = new Signal<Record<never, never>, string>();
  const receiver = () => {};
  const ways: Array<[string, (connection: Connection) => void]> = [
    ["handle", (connection) => connection.disconnect()],
    ["dispose", (connection) => connection[Symbol.dispose]()],
    ["receiver", () => saved.disconnect(receiver, { sender: "db" })],
    ["disconnectAll(sender)", () => saved.disconnectAll("db")],
    ["disconnectAll()", () => saved.disconnectAll()],
    ["once", () => saved.send("db")],
  ];
  for (const [way, end] of ways) {
    const { signal, listeners } = countedAbortSignal();
    const connection = saved.connect(receiver, {
      sender: "db",
      signal,
      once: way === "once",
    });
    assertEquals(listeners(), 1, way);
    end(connection);
    assertEquals(listeners(), 0, way);
    assertFalse(connection.connected, way);
  }
});

// Waiting: next() and events()

Deno.test("Signal.next() with an AbortSignal rejects with its reason when it aborts, and stops listening", async () => {
  const stopped = stoppedSignal();
  const server = new Server();
  const controller = new AbortController();
  const next = stopped.next({ sender: server, signal: controller.signal });
  const reason = new Error("gave up");

  controller.abort(reason);

  assertStrictEquals(await assertRejects(() => next), reason);
  assertFalse(stopped.hasReceivers(server));
});

Deno.test("Signal.next() with an already aborted AbortSignal rejects at once and listens to nothing", async () => {
  const stopped = stoppedSignal();
  const server = new Server();
  const reason = new Error("too late");

  const next = stopped.next({
    sender: server,
    signal: AbortSignal.abort(reason),
  });

  assertFalse(stopped.hasReceivers(server));
  assertStrictEquals(await assertRejects(() => next), reason);
});

Deno.test("Signal.events() with an AbortSignal rejects its pending and later next() calls with the reason", async () => {
  const stopped = stoppedSignal();
  const server = new Server();
  const controller = new AbortController();
  const events = stopped.events({ signal: controller.signal });
  stopped.send(server, { connection: new Conn(1) });
  assertEquals((await events.next()).value?.connection.id, 1);
  const pending = events.next();
  const reason = new Error("shutting down");

  controller.abort(reason);

  assertStrictEquals(await assertRejects(() => pending), reason);
  assertStrictEquals(await assertRejects(() => events.next()), reason);
  assertFalse(stopped.hasReceivers(server));

  const late = stopped.events({ signal: controller.signal });
  assertFalse(stopped.hasReceivers(server));
  assertStrictEquals(await assertRejects(() => late.next()), reason);
});

Deno.test("Signal waiters share the one abort listener of their Signal on an AbortSignal", async () => {
  const stopped = stoppedSignal();
  const { signal, listeners } = countedAbortSignal();
  const pending = [stopped.next({ signal }), stopped.next({ signal })];
  using _events = stopped.events({ signal });
  stopped.connect(() => "closed", { signal });
  assertEquals(listeners(), 1);

  stopped.send(new Server(), { connection: new Conn(1) });
  await Promise.all(pending);
  stopped.disconnectAll();
  assertEquals(listeners(), 1); // the iterator still listens
  _events[Symbol.dispose]();
  assertEquals(listeners(), 0);
});

// One listener per AbortSignal

Deno.test("Signal adds one abort listener per AbortSignal, however many registrations share it", () => {
  // Regression: every registration added a listener of its own, so
  // connecting with one shared AbortSignal was quadratic, and Node warned of
  // a leak after the 11th.
  const saved = new Signal<Record<never, never>, string>();
  const { signal, listeners } = countedAbortSignal();
  const connections = Array.from(
    { length: 100 },
    (_, i) =>
      saved.connect(() => i, { signal, ...(i % 2 ? { sender: "db" } : {}) }),
  );
  assertEquals(listeners(), 1);

  for (const connection of connections.slice(0, 99)) connection.disconnect();
  assertEquals(listeners(), 1);
  connections[99]!.disconnect();
  assertEquals(listeners(), 0);
});

Deno.test("Signal puts one abort listener on an AbortSignal shared by many Signals", () => {
  // Regression: each Signal added its own, so 16,000 Signals on one
  // AbortSignal were quadratic again, and Node warned after the 11th.
  const { signal, listeners } = countedAbortSignal();
  const signals = Array.from({ length: 20 }, () => new Signal());
  const connections = signals.map((saved) =>
    saved.connect(() => {}, { signal })
  );
  assertEquals(listeners(), 1);

  for (const connection of connections) connection.disconnect();
  assertEquals(listeners(), 0);
});

Deno.test("Signal.connect() with an AbortSignal shared by two Signals ends the registrations of both on abort, and no others", () => {
  const first = new Signal();
  const second = new Signal();
  const { signal, listeners } = countedAbortSignal();
  const shared = new AbortController();
  for (let i = 0; i < 3; i++) {
    first.connect(() => i, { signal: shared.signal, uniqueId: i });
    second.connect(() => i, { signal: shared.signal, uniqueId: i });
    first.connect(() => i, { signal, uniqueId: `counted ${i}` });
  }
  assertEquals(listeners(), 1);

  shared.abort();

  assertEquals(first.send(null).length, 3);
  assertEquals(second.send(null), []);
  assertFalse(second.hasReceivers());
});

// AbortSignals that misbehave

Deno.test("Signal.connect() rejects an AbortSignal look-alike with an aborted property of its own", () => {
  // Regression: `instanceof` and a boolean `aborted` let it pass.
  const saved = new Signal();
  const lookAlike = Object.create(AbortSignal.prototype, {
    aborted: { value: false },
    addEventListener: { value: () => {} },
  });

  assertThrows(
    () => saved.connect(() => {}, { signal: lookAlike }),
    TypeError,
    "Cannot connect receiver: options.signal is not an AbortSignal",
  );
  assertEquals(saved.send(null), []);
});

Deno.test("Signal.connect() leaves nothing registered when adding the abort listener throws", () => {
  const saved = new Signal();
  const receiver = spy();
  const { signal } = new AbortController();
  const failure = new Error("no listeners today");
  signal.addEventListener = () => {
    throw failure;
  };

  const error = assertThrows(() => saved.connect(receiver, { signal }));

  assertStrictEquals(error, failure);
  assertFalse(saved.hasReceivers());
  assertEquals(saved.send(null), []);
  assertSpyCalls(receiver, 0);
});

Deno.test("Signal.connect() connects nothing when adding the abort listener aborts the AbortSignal", () => {
  const saved = new Signal();
  const controller = new AbortController();
  const { signal } = controller;
  const add = signal.addEventListener.bind(signal);
  signal.addEventListener = (...args: Parameters<typeof add>) => {
    controller.abort();
    add(...args);
  };

  const connection = saved.connect(() => {}, { signal });

  assertFalse(connection.connected);
  assertFalse(saved.hasReceivers());
});

Deno.test("Signal.connect() looks for an existing registration after adding the abort listener, which may change the Signal", () => {
  // Regression: an addEventListener that disconnected another registration
  // left a Connection that said it was connected to nothing.
  const saved = new Signal<Record<never, never>, string>();
  const receiver = spy();
  const other = saved.connect(() => {}, { sender: "db" });
  const { signal } = new AbortController();
  const add = signal.addEventListener.bind(signal);
  signal.addEventListener = (...args: Parameters<typeof add>) => {
    other.disconnect();
    saved.connect(receiver, { sender: "db" });
    add(...args);
  };

  const connection = saved.connect(receiver, { sender: "db", signal });

  assert(connection.connected);
  assertEquals(saved.receivers("db"), [receiver]);
  saved.send("db");
  assertSpyCalls(receiver, 1);
});

Deno.test("Signal.disconnectAll() finishes when an AbortSignal's removeEventListener throws", () => {
  const saved = new Signal<Record<never, never>, string>();
  const { signal } = new AbortController();
  signal.removeEventListener = () => {
    throw new Error("cannot remove");
  };
  saved.connect(() => {}, { signal, uniqueId: 1 });
  saved.connect(() => {}, { signal, uniqueId: 2, sender: "db" });
  saved.connect(() => {});

  assertEquals(saved.disconnectAll(), 3);
  assertFalse(saved.hasReceivers("db"));
});

// Aborts after a collection, and sends from abort listeners

class Host {
  readonly stopped = new Signal<{ id: number }, Host>({ name: "stopped" });
}

function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Collects garbage a few times, letting finalizers and tasks run between. */
async function collect(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await tick();
    gc?.();
    await tick();
  }
}

/** Whether `promise` settles within `ms`, by rejecting as it should: its reason, or "hung". */
async function rejectionWithin(
  promise: Promise<unknown>,
  ms: number,
): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<"hung">((resolve) => {
    timer = setTimeout(() => resolve("hung"), ms);
  });
  try {
    return await Promise.race([
      promise.then(() => "resolved", (reason) => reason),
      hung,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

// A promise handed out settles on abort, whatever was collected

/** A pending next() of a Signal that only a dropped Host holds. */
function nextOfDroppedServer(abortSignal: AbortSignal): {
  pending: Promise<unknown>;
  signalRef: WeakRef<object>;
} {
  const server = new Host();
  return {
    pending: server.stopped.next({ signal: abortSignal }),
    signalRef: new WeakRef(server.stopped),
  };
}

Deno.test("Signal.next() rejects on abort after its Signal was collected", async () => {
  // Regression: the abort reached the waiter only weakly, through the
  // Signal's bucket, so the promise never settled once the Signal went.
  const controller = new AbortController();
  const { pending, signalRef } = nextOfDroppedServer(controller.signal);
  await collect();
  if (gc) assertEquals(signalRef.deref(), undefined);
  const reason = new Error("shutdown");
  controller.abort(reason);
  assertStrictEquals(await rejectionWithin(pending, 2_000), reason);
});

/** A pending events().next() for a sender, neither the sender nor the iterator kept. */
function nextEventOfDroppedSender(
  signal: Signal<{ id: number }, Host>,
  abortSignal: AbortSignal,
): { pending: Promise<unknown>; senderRef: WeakRef<object> } {
  const server = new Host();
  return {
    pending: signal.events({ sender: server, signal: abortSignal }).next(),
    senderRef: new WeakRef(server),
  };
}

Deno.test("Signal.events() rejects a pending next() on abort after its sender and iterator were collected", async () => {
  const stopped = new Signal<{ id: number }, Host>();
  const controller = new AbortController();
  const { pending, senderRef } = nextEventOfDroppedSender(
    stopped,
    controller.signal,
  );
  await collect();
  if (gc) assertEquals(senderRef.deref(), undefined);
  const reason = new Error("shutdown");
  controller.abort(reason);
  assertStrictEquals(await rejectionWithin(pending, 2_000), reason);
  assertFalse(stopped.hasReceivers());
});

/** A pending next() for a sender that is not kept. */
function nextOfDroppedSender(
  signal: Signal<{ id: number }, Host>,
  abortSignal: AbortSignal,
): { pending: Promise<unknown>; senderRef: WeakRef<object> } {
  const server = new Host();
  return {
    pending: signal.next({ sender: server, signal: abortSignal }),
    senderRef: new WeakRef(server),
  };
}

Deno.test("Signal.next() rejects on abort after its sender was collected", async () => {
  const stopped = new Signal<{ id: number }, Host>();
  const controller = new AbortController();
  const { pending, senderRef } = nextOfDroppedSender(
    stopped,
    controller.signal,
  );
  await collect();
  if (gc) assertEquals(senderRef.deref(), undefined);
  const reason = new Error("shutdown");
  controller.abort(reason);
  assertStrictEquals(await rejectionWithin(pending, 2_000), reason);
});

Deno.test("Signal.next() lets its Signal be collected while it waits on an AbortSignal", async () => {
  const controller = new AbortController();
  const { pending, signalRef } = nextOfDroppedServer(controller.signal);
  await collect();
  if (gc) assertEquals(signalRef.deref(), undefined);
  controller.abort();
  await assertRejects(() => pending);
});

// Once aborted, nothing registered with it hears a send

Deno.test("Signal.send() from an earlier abort listener reaches no receiver connected with that AbortSignal", () => {
  const saved = new Signal<Record<never, never>, null, string>();
  const controller = new AbortController();
  const heard: string[] = [];
  controller.signal.addEventListener("abort", () => {
    heard.push(...saved.send(null).map(([, said]) => said));
  });
  const aborted = spy(() => "aborted receiver");
  saved.connect(aborted, { signal: controller.signal });
  saved.connect(aborted, {
    signal: controller.signal,
    uniqueId: "once",
    once: true,
  });
  saved.connect(() => "plain");

  controller.abort();
  assertEquals(heard, ["plain"]);
  assertSpyCalls(aborted, 0);
  assertEquals(saved.send(null).map(([, said]) => said), ["plain"]);
});

Deno.test("Signal.next() is not resolved by a send from an earlier abort listener", async () => {
  const saved = new Signal<{ id: number }, null>();
  const controller = new AbortController();
  controller.signal.addEventListener("abort", () => {
    saved.send(null, { id: 1 });
  });
  const reason = new Error("cancelled");
  const pending = saved.next({ signal: controller.signal });
  const events = saved.events({ signal: controller.signal });
  const event = events.next();

  controller.abort(reason);
  assertStrictEquals(await assertRejects(() => pending), reason);
  assertStrictEquals(await assertRejects(() => event), reason);
  assert(!saved.hasReceivers());
});
