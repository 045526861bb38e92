/**
 * Connecting and sending: one test per documented behaviour, section by
 * section. The other topics have files of their own (see TESTING.md):
 * AbortSignals, waiting, types, bad input, lifetime, costs, and the
 * model-based property tests.
 */

import {
  assert,
  assertEquals,
  assertFalse,
  assertInstanceOf,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { assertSpyCall, assertSpyCalls, spy } from "@std/testing/mock";
import { runInNewContext } from "node:vm";
import {
  type Connection as SignalConnection,
  type Receiver,
  type ReceiverArgs,
  Signal,
} from "./mod.ts";
import { isSettled, unhandledRejections } from "./_test_helpers.ts";

class Server {
  constructor(readonly name = "server") {}
}

class Connection {
  constructor(readonly id: number) {}
}

type Stopped = Signal<{ connection: Connection }, Server>;

function stoppedSignal(): Stopped {
  return new Signal<{ connection: Connection }, Server>();
}

/** A receiver that records its name in `calls` and returns it. */
function named(name: string, calls: string[]): () => string {
  return () => {
    calls.push(name);
    return name;
  };
}

// 1. The receiver's argument

Deno.test("Signal.send() calls a receiver with the params, signal and sender", () => {
  const stopped = stoppedSignal();
  const server = new Server();
  const connection = new Connection(1);
  const receiver = spy();
  stopped.connect(receiver);

  stopped.send(server, { connection });

  assertSpyCall(receiver, 0, {
    args: [{ connection, signal: stopped, sender: server }],
  });
  assertSpyCalls(receiver, 1);
});

Deno.test("Signal.send() gives every receiver of one send the same read-only argument", () => {
  const saved = new Signal<{ id: number }, string>();
  const args: ReceiverArgs<{ id: number }, string>[] = [];
  saved.connect((arg) => {
    // @ts-expect-error the argument is read-only
    arg.id = 2;
    args.push(arg);
  });
  saved.connect((arg) => void args.push(arg));

  saved.send("db", { id: 1 });

  assertStrictEquals(args[0], args[1]);
});

Deno.test("Signal.send() does not change the params object it is given", () => {
  const saved = new Signal<{ id: number }, string>();
  saved.connect(() => {});
  const params = { id: 1 };

  saved.send("db", params);

  assertEquals(params, { id: 1 });
});

Deno.test("Signal.send() lets params be left out when no key is required", () => {
  const pinged = new Signal<{ reason?: string }, string>();
  const receiver = spy();
  pinged.connect(receiver);

  pinged.send("db");
  pinged.send("db", { reason: "timer" });

  assertSpyCall(receiver, 0, { args: [{ signal: pinged, sender: "db" }] });
  assertSpyCall(receiver, 1, {
    args: [{ reason: "timer", signal: pinged, sender: "db" }],
  });
});

// 2. Identity

Deno.test("Signal.connect() of the same receiver twice keeps one registration", () => {
  const saved = new Signal();
  const receiver = spy();
  saved.connect(receiver);
  saved.connect(receiver);

  saved.send(null);

  assertSpyCalls(receiver, 1);
});

Deno.test("Signal.connect() of a duplicate keeps the first registration in its place", () => {
  const saved = new Signal();
  const calls: string[] = [];
  const first = named("first", calls);
  saved.connect(first);
  saved.connect(named("second", calls));
  saved.connect(first);

  saved.send(null);

  assertEquals(calls, ["first", "second"]);
});

Deno.test("Signal.connect() with a uniqueId keeps the first receiver for that id", () => {
  const saved = new Signal();
  const first = spy();
  const second = spy();
  saved.connect(first, { uniqueId: "log" });
  saved.connect(second, { uniqueId: "log" });

  assertEquals(saved.send(null), [[first, undefined]]);
  assertSpyCalls(second, 0);
});

Deno.test("Signal.connect() treats the same receiver under two uniqueIds as two registrations", () => {
  const saved = new Signal();
  const receiver = spy();
  saved.connect(receiver, { uniqueId: 1 });
  saved.connect(receiver, { uniqueId: Symbol("two") });

  saved.send(null);

  assertSpyCalls(receiver, 2);
});

Deno.test("Signal.connect() treats the same receiver for two senders as two registrations", () => {
  const saved = new Signal<Record<never, never>, string>();
  const receiver = spy();
  saved.connect(receiver, { sender: "a" });
  saved.connect(receiver, { sender: "b" });
  saved.connect(receiver);

  saved.send("a");

  assertSpyCalls(receiver, 2);
});

Deno.test("Signal.disconnect() with a uniqueId ignores which receiver is passed", () => {
  const saved = new Signal();
  const receiver = spy();
  saved.connect(receiver, { uniqueId: "log" });

  assert(saved.disconnect(() => {}, { uniqueId: "log" }));

  assertEquals(saved.send(null), []);
});

Deno.test("Signal.disconnect() by receiver does not remove a registration made under a uniqueId", () => {
  const saved = new Signal();
  const receiver = spy();
  saved.connect(receiver, { uniqueId: "log" });

  assertFalse(saved.disconnect(receiver));

  saved.send(null);
  assertSpyCalls(receiver, 1);
});

Deno.test("Signal.disconnect() by uniqueId alone removes that registration", () => {
  const saved = new Signal<Record<never, never>, string>();
  const receiver = spy();
  saved.connect(receiver, { uniqueId: "log", sender: "db" });

  assertFalse(saved.disconnect({ uniqueId: "log" }));
  assert(saved.disconnect({ uniqueId: "log", sender: "db" }));
  assertFalse(saved.disconnect({ uniqueId: "log", sender: "db" }));

  assertEquals(saved.send("db"), []);
});

Deno.test("Signal.disconnect() returns whether a registration was removed", () => {
  const saved = new Signal();
  const receiver = spy();

  assertFalse(saved.disconnect(receiver));
  saved.connect(receiver);
  assert(saved.disconnect(receiver));
  assertFalse(saved.disconnect(receiver));
});

Deno.test("Signal.connect() after a disconnect puts the receiver last", () => {
  const saved = new Signal();
  const calls: string[] = [];
  const first = named("first", calls);
  saved.connect(first);
  saved.connect(named("second", calls));
  saved.disconnect(first);
  saved.connect(first);

  saved.send(null);

  assertEquals(calls, ["second", "first"]);
});

// 3. Senders

Deno.test("Signal.connect() without a sender hears every sender", () => {
  const stopped = stoppedSignal();
  const receiver = spy();
  stopped.connect(receiver);
  const connection = new Connection(1);

  stopped.send(new Server("a"), { connection });
  stopped.send(new Server("b"), { connection });

  assertSpyCalls(receiver, 2);
});

Deno.test("Signal.send() skips receivers connected for another sender", () => {
  const saved = new Signal<{ id: number }, object>();
  const receiver = spy();
  saved.connect(receiver, { sender: {} });

  assertEquals(saved.send({}, { id: 1 }), []);
  assertSpyCalls(receiver, 0);
});

Deno.test("Signal.send() without a sender reaches only receivers connected without one", () => {
  const saved = new Signal<Record<never, never>, string | undefined>();
  const anySender = spy();
  const forDb = spy();
  saved.connect(anySender);
  saved.connect(forDb, { sender: "db" });

  saved.send(undefined);

  assertSpyCalls(anySender, 1);
  assertSpyCalls(forDb, 0);
});

Deno.test("Signal.send() matches object senders by identity", () => {
  const stopped = stoppedSignal();
  const server = new Server("same name");
  const receiver = spy();
  stopped.connect(receiver, { sender: server });
  const connection = new Connection(1);

  stopped.send(new Server("same name"), { connection });
  assertSpyCalls(receiver, 0);
  stopped.send(server, { connection });
  assertSpyCalls(receiver, 1);
});

Deno.test("Signal.connect() compares uniqueIds by SameValueZero: NaN is NaN, 0 is -0, and neither is 1", () => {
  const saved = new Signal();
  const first = spy();
  const second = spy();
  for (const [uniqueId, same] of [[NaN, NaN], [0, -0]] as const) {
    saved.connect(first, { uniqueId });
    saved.connect(second, { uniqueId: same });
    saved.connect(second, { uniqueId: 1 });
    assertEquals(saved.receivers(), [first, second], `uniqueId ${uniqueId}`);
    assert(saved.disconnect({ uniqueId: same }));
    assert(saved.disconnect({ uniqueId: 1 }));
    assertFalse(saved.hasReceivers());
  }
});

Deno.test("Signal.send() matches primitive senders by value (SameValueZero)", () => {
  const saved = new Signal<Record<never, never>, unknown>();
  const calls: string[] = [];
  saved.connect(named("text", calls), { sender: "db" });
  saved.connect(named("NaN", calls), { sender: NaN });
  saved.connect(named("zero", calls), { sender: 0 });
  saved.connect(named("null", calls), { sender: null });
  saved.connect(named("big", calls), { sender: 10n });
  const symbol = Symbol("s");
  saved.connect(named("symbol", calls), { sender: symbol });

  saved.send(`d${"b"}`);
  saved.send(Number("x"));
  saved.send(-0);
  saved.send(null);
  saved.send(BigInt(10));
  saved.send(symbol);
  saved.send(Symbol("s"));
  saved.send("0");

  assertEquals(calls, ["text", "NaN", "zero", "null", "big", "symbol"]);
});

Deno.test("Signal.disconnect() must name the sender the connect named", () => {
  const saved = new Signal<Record<never, never>, string>();
  const receiver = spy();
  saved.connect(receiver, { sender: "db" });

  assertFalse(saved.disconnect(receiver));
  assertFalse(saved.disconnect(receiver, { sender: "cache" }));
  saved.send("db");
  assertSpyCalls(receiver, 1);

  assert(saved.disconnect(receiver, { sender: "db" }));
  saved.send("db");
  assertSpyCalls(receiver, 1);
});

Deno.test("Signal.disconnect() without a sender leaves sender-specific registrations", () => {
  const saved = new Signal<Record<never, never>, string>();
  const receiver = spy();
  saved.connect(receiver);
  saved.connect(receiver, { sender: "db" });

  assert(saved.disconnect(receiver));

  saved.send("db");
  assertSpyCalls(receiver, 1);
});

// 4. Order and responses

Deno.test("Signal.send() calls receivers in connection order across any-sender and sender-specific ones", () => {
  const saved = new Signal<Record<never, never>, string>();
  const calls: string[] = [];
  saved.connect(named("db 1", calls), { sender: "db" });
  saved.connect(named("any 2", calls));
  saved.connect(named("cache 3", calls), { sender: "cache" });
  saved.connect(named("db 4", calls), { sender: "db" });
  saved.connect(named("any 5", calls));

  const responses = saved.send("db");

  assertEquals(calls, ["db 1", "any 2", "db 4", "any 5"]);
  assertEquals(responses.map(([, response]) => response), calls);
});

Deno.test("Signal.send() returns [receiver, response] pairs in call order", () => {
  const saved = new Signal<{ id: number }, string, number>();
  const double: Receiver<{ id: number }, string, number> = ({ id }) => id * 2;
  const triple: Receiver<{ id: number }, string, number> = ({ id }) => id * 3;
  saved.connect(double);
  saved.connect(triple);

  assertEquals(saved.send("db", { id: 5 }), [[double, 10], [triple, 15]]);
});

Deno.test("Signal.send() returns a fresh empty array when no receiver is connected", () => {
  const saved = new Signal();

  const first = saved.send(null);
  const second = saved.send(null);

  assertEquals(first, []);
  assert(first !== second);
});

Deno.test("Signal.send() sees connects and disconnects made between sends", () => {
  const saved = new Signal<Record<never, never>, string>();
  const calls: string[] = [];
  const a = named("a", calls);
  saved.connect(a, { sender: "db" });
  saved.send("db");
  saved.connect(named("b", calls));
  saved.send("db");
  saved.disconnect(a, { sender: "db" });
  saved.send("db");

  assertEquals(calls, ["a", "a", "b", "b"]);
});

// 5. Snapshot

Deno.test("Signal.send() does not call a receiver connected during that send", () => {
  const saved = new Signal();
  const late = spy();
  saved.connect(() => void saved.connect(late));

  assertEquals(saved.send(null).length, 1);
  assertSpyCalls(late, 0);
  assertEquals(saved.send(null).length, 2);
  assertSpyCalls(late, 1);
});

Deno.test("Signal.send() still calls a receiver disconnected during that send", () => {
  const saved = new Signal<Record<never, never>, string>();
  const later = spy();
  saved.connect(() => void saved.disconnect(later, { sender: "db" }));
  saved.connect(later, { sender: "db" });

  saved.send("db");
  assertSpyCalls(later, 1);
  saved.send("db");
  assertSpyCalls(later, 1);
});

Deno.test("Signal.send() from inside a receiver runs its own snapshot", () => {
  const saved = new Signal<{ depth: number }, string, number>();
  const calls: string[] = [];
  saved.connect(({ depth }) => {
    calls.push(`outer ${depth}`);
    if (depth === 0) {
      saved.connect(({ depth }) => {
        calls.push(`added ${depth}`);
        return depth;
      });
      saved.send("db", { depth: 1 });
    }
    return depth;
  });
  const last = spy(({ depth }: { depth: number }) => {
    calls.push(`last ${depth}`);
    return depth;
  });
  saved.connect(last);

  const responses = saved.send("db", { depth: 0 });

  assertEquals(calls, ["outer 0", "outer 1", "last 1", "added 1", "last 0"]);
  assertEquals(responses.map(([, depth]) => depth), [0, 0]);
});

Deno.test("Signal.send() from inside a receiver sees a receiver disconnected before it", () => {
  const saved = new Signal<{ depth: number }>();
  const later = spy();
  saved.connect(({ depth }) => {
    if (depth === 0) {
      saved.disconnect(later);
      saved.send(null, { depth: 1 });
    }
  });
  saved.connect(later);

  saved.send(null, { depth: 0 });

  // Once by the outer send's snapshot, not by the inner send.
  assertSpyCalls(later, 1);
  assertSpyCall(later, 0, {
    args: [{ depth: 0, signal: saved, sender: null }],
  });
});

// 6. Errors from receivers

Deno.test("Signal.send() propagates a receiver's error and calls no later receiver", () => {
  const saved = new Signal();
  const error = new Error("receiver failed");
  const before = spy();
  const after = spy();
  saved.connect(before);
  saved.connect(() => {
    throw error;
  });
  saved.connect(after);

  const thrown = assertThrows(() => saved.send(null));

  assertStrictEquals(thrown, error);
  assertSpyCalls(before, 1);
  assertSpyCalls(after, 0);
});

Deno.test("Signal.send() works normally after a receiver threw", () => {
  const saved = new Signal<{ fail: boolean }>();
  const after = spy();
  saved.connect(({ fail }) => {
    if (fail) throw new Error("fail");
  });
  saved.connect(after);

  assertThrows(() => saved.send(null, { fail: true }), Error, "fail");
  saved.send(null, { fail: false });

  assertSpyCalls(after, 1);
});

// 7. Connections

Deno.test("Connection.disconnect() returns true the first time and false after", () => {
  const saved = new Signal();
  const receiver = spy();
  const connection = saved.connect(receiver);

  assert(connection.connected);
  assert(connection.disconnect());
  assertFalse(connection.connected);
  assertFalse(connection.disconnect());
  saved.send(null);
  assertSpyCalls(receiver, 0);
});

Deno.test("Connection.disconnect() is false after the receiver was disconnected another way", () => {
  const saved = new Signal();
  const receiver = spy();
  const connection = saved.connect(receiver);

  saved.disconnect(receiver);

  assertFalse(connection.disconnect());
});

Deno.test("Connection.disconnect() does not remove a later registration of the same identity", () => {
  const saved = new Signal();
  const receiver = spy();
  const old = saved.connect(receiver);
  old.disconnect();
  const current = saved.connect(receiver);

  assertFalse(old.disconnect());

  assert(current.connected);
  saved.send(null);
  assertSpyCalls(receiver, 1);
});

Deno.test("Connection[Symbol.dispose]() disconnects, so `using` ends a registration with its block", () => {
  const saved = new Signal();
  const receiver = spy();
  let connection: SignalConnection;
  {
    using bound = saved.connect(receiver);
    connection = bound;
    saved.send(null);
  }
  saved.send(null);

  assertSpyCalls(receiver, 1);
  assertFalse(connection.connected);
  connection[Symbol.dispose]();
});

Deno.test("Signal.connect() of a duplicate returns a connection to the existing registration", () => {
  const saved = new Signal();
  const receiver = spy();
  const first = saved.connect(receiver);
  const duplicate = saved.connect(receiver);

  assert(duplicate.disconnect());

  assertFalse(first.connected);
  assertFalse(first.disconnect());
  assertEquals(saved.send(null), []);
});

Deno.test("Connection exposes connected, disconnect() and [Symbol.dispose]() and nothing else", () => {
  // Regression: the connection was the internal registration, with `end()`,
  // `claimOnlyCall()`, `bucket` and `key` on it; `end()` left a receiver
  // that was still called and could no longer be disconnected.
  const saved = new Signal();
  const connection = saved.connect(() => {});
  const prototype = Object.getPrototypeOf(connection);

  assertEquals(Reflect.ownKeys(connection), []);
  assertEquals(
    Reflect.ownKeys(prototype).filter((key) => typeof key === "string").sort(),
    ["connected", "constructor", "disconnect"],
  );
  assert(Reflect.ownKeys(prototype).includes(Symbol.dispose));
  assertEquals(Object.getPrototypeOf(prototype), Object.prototype);
});

Deno.test("Connection prints as its connected state alone", () => {
  const saved = new Signal();
  const connection = saved.connect(() => {});

  assertEquals(Deno.inspect(connection), "Connection { connected: true }");
  connection.disconnect();
  assertEquals(Deno.inspect(connection), "Connection { connected: false }");
  // What Node's util.inspect calls, wherever the test runs.
  const nodeInspect = (connection as unknown as Record<symbol, () => string>)[
    Symbol.for("nodejs.util.inspect.custom")
  ];
  assertEquals(
    nodeInspect?.call(connection),
    "Connection { connected: false }",
  );
});

// 8. Params: a plain object without own reserved keys (each wrong type is in
// signal_errors_test.ts)

Deno.test("Signal.send() accepts plain params that inherit a reserved key from Object.prototype", () => {
  const saved = new Signal<{ id: number }, string>();
  const receiver = spy();
  saved.connect(receiver);
  Object.defineProperty(Object.prototype, "sender", {
    value: "inherited",
    configurable: true,
  });
  try {
    saved.send("db", { id: 1 });
  } finally {
    delete (Object.prototype as { sender?: unknown }).sender;
  }

  assertSpyCall(receiver, 0, {
    args: [{ id: 1, signal: saved, sender: "db" }],
  });
});

Deno.test("Signal.send() rejects params that inherit from another object and calls no receiver", () => {
  // Until issue 12 these were accepted, and the receiver's argument, a copy
  // of the own keys, silently lacked what they inherited.
  const saved = new Signal<{ id: number }, string>();
  const receiver = spy();
  saved.connect(receiver);
  const params = Object.assign(Object.create({ sender: "inherited" }), {
    id: 1,
  });

  assertThrows(
    () => saved.send("db", params),
    TypeError,
    "Cannot send signal: params is not a plain object: its prototype is neither Object.prototype nor null",
  );
  assertSpyCalls(receiver, 0);
});

Deno.test("Signal sends reject params whose prototype only looks like a plain object's, and call no receiver", async () => {
  // The prototype of a `class extends null` ends the chain and has its own
  // constructor, as another realm's Object.prototype does; so has a
  // null-prototype object given a `constructor` of its own.
  class Bare extends null {}
  const saved = new Signal<Record<string, unknown>, string>();
  const receiver = spy();
  saved.connect(receiver);
  const prototypes: object[] = [
    Bare.prototype,
    Object.assign(Object.create(null), { constructor: Object }),
    Object.create(null, { constructor: { value: Object } }),
    Object.assign(Object.create(null), { constructor: Bare }),
  ];
  const message = "Cannot send signal: params is not a plain object";

  for (const prototype of prototypes) {
    const params = Object.assign(Object.create(prototype), { id: 1 });
    assertThrows(() => saved.send("db", params), TypeError, message);
    assertThrows(() => saved.sendRobust("db", params), TypeError, message);
    await assertRejects(
      () => saved.sendAsync("db", params),
      TypeError,
      message,
    );
    await assertRejects(
      () => saved.sendAsyncRobust("db", params),
      TypeError,
      message,
    );
  }
  assertSpyCalls(receiver, 0);
  saved.send("db", { id: 1 });
  assertSpyCalls(receiver, 1);
});

Deno.test("Signal.send() says an unnamed class's instance is not a plain object, without a name", () => {
  const saved = new Signal<Record<string, unknown>, string>();
  const receiver = spy();
  saved.connect(receiver);
  const Unnamed = (() => class {})();
  class Numbered {
    static table = "numbers";
  }
  Object.defineProperty(Numbered, "name", { value: 5 });

  for (const params of [new Unnamed(), new Numbered()]) {
    assertThrows(
      () => saved.send("db", params as Record<string, unknown>),
      TypeError,
      "Cannot send signal: params is not a plain object: its prototype is neither Object.prototype nor null",
    );
  }
  assertSpyCalls(receiver, 0);
});

Deno.test("Signal sends reject a class instance, Date, Map or array as params and call no receiver", async () => {
  class Saved {
    constructor(readonly id: number) {}
    get double(): number {
      return this.id * 2;
    }
  }
  const saved = new Signal<Record<string, unknown>, string>();
  const receiver = spy();
  saved.connect(receiver);
  const cases: ReadonlyArray<readonly [object, string]> = [
    [new Saved(1), "params is not a plain object but an instance of Saved"],
    [new Date(0), "params is not a plain object but an instance of Date"],
    [
      new Map([["id", 1]]),
      "params is not a plain object but an instance of Map",
    ],
    [[1], "params is an array, not an object"],
  ];

  for (const [params, message] of cases) {
    const bad = params as Record<string, unknown>;
    assertThrows(() => saved.send("db", bad), TypeError, message);
    assertThrows(() => saved.sendRobust("db", bad), TypeError, message);
    await assertRejects(() => saved.sendAsync("db", bad), TypeError, message);
    await assertRejects(
      () => saved.sendAsyncRobust("db", bad),
      TypeError,
      message,
    );
  }
  assertSpyCalls(receiver, 0);
  saved.send("db", { id: 1 });
  assertSpyCalls(receiver, 1);
});

Deno.test("Signal.send() accepts plain objects with a null prototype or from another realm", () => {
  const saved = new Signal<Record<string, unknown>, string>();
  const receiver = spy();
  saved.connect(receiver);
  const nullPrototype = Object.assign(Object.create(null), { id: 1 });
  const otherRealm = runInNewContext("({ id: 2 })");
  assert(Object.getPrototypeOf(otherRealm) !== Object.prototype);

  saved.send("db", nullPrototype);
  saved.send("db", otherRealm);

  assertSpyCall(receiver, 0, {
    args: [{ id: 1, signal: saved, sender: "db" }],
  });
  assertSpyCall(receiver, 1, {
    args: [{ id: 2, signal: saved, sender: "db" }],
  });
  assertThrows(
    () => saved.send("db", runInNewContext("new Date(0)")),
    TypeError,
    "params is not a plain object but an instance of Date",
  );
  assertThrows(
    () => saved.send("db", runInNewContext("Object.create({ id: 3 })")),
    TypeError,
    "params is not a plain object: its prototype is neither",
  );
  assertSpyCalls(receiver, 2);
});

Deno.test("Signal.send() refuses a reserved key that params hide from the `in` operator", () => {
  // Regression: a Proxy whose `has` trap hid `sender` got past the check,
  // and receivers got the forged sender.
  const saved = new Signal<{ id: number }, string>();
  const receiver = spy();
  saved.connect(receiver);
  const forged = new Proxy({ id: 1, sender: "forged" }, {
    has: (target, key) => key !== "sender" && key in target,
  });

  for (const send of [saved.send, saved.sendRobust] as const) {
    assertThrows(
      // @ts-expect-error a reserved key is refused in a variable too
      () => send.call(saved, "db", forged),
      TypeError,
      `Cannot send signal: params has the key "sender"`,
    );
  }
  assertSpyCalls(receiver, 0);
});

Deno.test("Signal.send() refuses a reserved key that params add from a getter while being read", () => {
  const saved = new Signal<{ id: number }, string>();
  const receiver = spy();
  saved.connect(receiver);
  const params = new Proxy({ id: 1 } as Record<string, unknown>, {
    has: () => false,
    ownKeys: () => ["id", "signal"],
    getOwnPropertyDescriptor: (_, key) => ({
      value: key === "signal" ? "forged" : 1,
      enumerable: true,
      configurable: true,
    }),
  });

  assertThrows(
    () => saved.send("db", params as { id: number }),
    TypeError,
    `params has the key "signal"`,
  );
  assertSpyCalls(receiver, 0);
});

Deno.test("Signal.send() turns an error thrown while reading params into a TypeError naming them", () => {
  const saved = new Signal<{ id: number }, string>();
  const receiver = spy();
  saved.connect(receiver);
  const failure = new Error("getter failed");
  const params = {
    get id(): number {
      throw failure;
    },
  };

  const error = assertThrows(
    () => saved.send("db", params),
    TypeError,
    "Cannot send signal: params could not be read",
  );

  assertStrictEquals(error.cause, failure);
  assertSpyCalls(receiver, 0);
});

// 9. sendRobust()

Deno.test("Signal.sendRobust() calls every receiver even when some throw", () => {
  const saved = new Signal<Record<never, never>, string, string>();
  const error = new Error("disk full");
  const failing = spy((): string => {
    throw error;
  });
  const working = spy(() => "indexed");
  saved.connect(failing);
  saved.connect(working);

  const outcomes = saved.sendRobust("db");

  assertEquals(outcomes, [
    [failing, { status: "rejected", reason: error }],
    [working, { status: "fulfilled", value: "indexed" }],
  ]);
  assertStrictEquals(
    (outcomes[0]![1] as PromiseRejectedResult).reason,
    error,
  );
});

Deno.test("Signal.sendRobust() reports non-Error throw values against their receiver", () => {
  const saved = new Signal();
  const throwsString = () => {
    throw "text";
  };
  const throwsUndefined = () => {
    throw undefined;
  };
  saved.connect(throwsString);
  saved.connect(throwsUndefined);

  assertEquals(saved.sendRobust(null), [
    [throwsString, { status: "rejected", reason: "text" }],
    [throwsUndefined, { status: "rejected", reason: undefined }],
  ]);
});

// 10. sendAsync() and sendAsyncRobust()

Deno.test("Signal.sendAsync() awaits sync and async receivers and keeps connection order", async () => {
  const fetched = new Signal<{ n: number }, null, number | Promise<number>>();
  const calls: string[] = [];
  const slow = async ({ n }: { n: number }) => {
    calls.push("slow called");
    await new Promise((resolve) => setTimeout(resolve, 5));
    calls.push("slow done");
    return n + 1;
  };
  const fast = ({ n }: { n: number }) => {
    calls.push("fast called");
    return n + 2;
  };
  fetched.connect(slow);
  fetched.connect(fast);

  const responses = await fetched.sendAsync(null, { n: 1 });

  assertEquals(responses, [[slow, 2], [fast, 3]]);
  assertEquals(calls, ["slow called", "fast called", "slow done"]);
});

Deno.test("Signal.sendAsync() rejects with the first failure", async () => {
  const saved = new Signal<Record<never, never>, null, Promise<void>>();
  const error = new Error("rejected");
  saved.connect(async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
  });
  saved.connect(() => Promise.reject(error));

  const thrown = await assertRejects(() => saved.sendAsync(null));

  assertStrictEquals(thrown, error);
});

Deno.test("Signal.sendAsync() turns a synchronous throw into a rejection and calls no later receiver", async () => {
  const saved = new Signal();
  const error = new Error("sync");
  const after = spy();
  saved.connect(() => {
    throw error;
  });
  saved.connect(after);

  const sent = saved.sendAsync(null);
  assertSpyCalls(after, 0);
  const thrown = await assertRejects(() => sent);

  assertStrictEquals(thrown, error);
  assertSpyCalls(after, 0);
});

/**
 * Asserts that `saved.sendAsync(null)` rejects with `thrown` itself, and
 * leaves no rejection of its receivers' promises unhandled.
 */
async function assertSendAsyncRejectsCleanly(
  saved: Signal,
  thrown: Error,
): Promise<void> {
  let error: unknown;
  const unhandled = await unhandledRejections(async () => {
    error = await assertRejects(() => saved.sendAsync(null));
  });
  assertStrictEquals(error, thrown);
  assertEquals(unhandled, []);
}

Deno.test("Signal.sendAsync() leaves no unhandled rejection when a receiver throws after another returned a rejected promise", async () => {
  // Regression: the earlier receiver's promise was dropped unhandled, which
  // ends a Deno or Node process even though the caller awaited the send.
  const saved = new Signal();
  const thrown = new Error("thrown second");
  saved.connect(() => Promise.reject(new Error("rejected first")));
  saved.connect(() => {
    throw thrown;
  });

  await assertSendAsyncRejectsCleanly(saved, thrown);
});

/** A promise whose own `then` and `catch` throw, as a hostile receiver might return. */
class HostilePromise<T> extends Promise<T> {
  override catch(): never {
    throw new Error("catch threw");
  }
}

Deno.test("Signal.sendAsync() rejects with the synchronous throw that stopped it, whatever earlier receivers returned", async () => {
  // Regression: a Promise subclass whose `catch` throws replaced the error
  // and left a rejection unhandled.
  const saved = new Signal();
  const thrown = new Error("stopped");
  saved.connect(() => HostilePromise.reject(new Error("rejected")));
  saved.connect(() => ({
    then() {
      throw new Error("then threw");
    },
  }));
  saved.connect(() => {
    throw thrown;
  });

  await assertSendAsyncRejectsCleanly(saved, thrown);
});

Deno.test("Signal.sendAsyncRobust() settles every receiver, after a sync throw too", async () => {
  const saved = new Signal<Record<never, never>, null, Promise<string>>();
  const syncError = new Error("sync");
  const asyncError = new Error("async");
  const throwsSync = (): Promise<string> => {
    throw syncError;
  };
  const rejects = async (): Promise<string> => {
    await Promise.resolve();
    throw asyncError;
  };
  const resolves = () => Promise.resolve("ok");
  saved.connect(throwsSync);
  saved.connect(rejects);
  saved.connect(resolves);

  assertEquals(await saved.sendAsyncRobust(null), [
    [throwsSync, { status: "rejected", reason: syncError }],
    [rejects, { status: "rejected", reason: asyncError }],
    [resolves, { status: "fulfilled", value: "ok" }],
  ]);
});

Deno.test("Signal.sendAsync() settles a Promise subclass by its real outcome, and a throwing thenable as a rejection", async () => {
  const saved = new Signal<Record<never, never>, null, unknown>();
  const thenThrew = new Error("then threw");
  class LyingPromise<T> extends Promise<T> {
    override then(): never {
      throw new Error("then should not be called");
    }
  }
  const lying = saved.connect(() => LyingPromise.resolve(7));
  const unhandled = await unhandledRejections(async () => {
    assertEquals((await saved.sendAsync(null)).map(([, value]) => value), [7]);
    lying.disconnect();
    saved.connect(() => ({
      then() {
        throw thenThrew;
      },
    }));
    assertStrictEquals(
      await assertRejects(() => saved.sendAsync(null)),
      thenThrew,
    );
    const [[, outcome] = []] = await saved.sendAsyncRobust(null);
    assertEquals(outcome, { status: "rejected", reason: thenThrew });
  });

  assertEquals(unhandled, []);
});

Deno.test("Signal.sendAsync() rejects, and sendAsyncRobust() reports rejected, when reading a response's then throws", async () => {
  // A then getter that throws, and a revoked Proxy, which throws on any
  // read: were the error of that read lost, neither send would settle.
  const saved = new Signal<Record<never, never>, null, unknown>();
  const getterError = new Error("then getter threw");
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  const responses: ReadonlyArray<readonly [object, unknown]> = [
    [{
      get then(): never {
        throw getterError;
      },
    }, getterError],
    [revoked, TypeError],
  ];

  for (const [response, expected] of responses) {
    const receiver = () => response;
    using _connection = saved.connect(receiver);
    const unhandled = await unhandledRejections(async () => {
      const sent = saved.sendAsync(null);
      const robust = saved.sendAsyncRobust(null);
      assert(await isSettled(sent), "sendAsync() did not settle");
      assert(await isSettled(robust), "sendAsyncRobust() did not settle");

      const error = await assertRejects(() => sent);
      const [[heard, outcome] = []] = await robust;
      assertStrictEquals(heard, receiver);
      assertEquals(outcome?.status, "rejected");
      const reason = (outcome as PromiseRejectedResult).reason;
      if (expected === TypeError) {
        assertInstanceOf(error, TypeError);
        assertInstanceOf(reason, TypeError);
      } else {
        assertStrictEquals(error, expected);
        assertStrictEquals(reason, expected);
      }
    });
    assertEquals(unhandled, []);
  }
});

Deno.test("Signal.sendAsync() with no receivers resolves to an empty array", async () => {
  const saved = new Signal();

  assertEquals(await saved.sendAsync(null), []);
  assertEquals(await saved.sendAsyncRobust(null), []);
});

// 11. once

Deno.test("Signal.connect() with once calls the receiver for the first send only", () => {
  const saved = new Signal();
  const receiver = spy(() => "once");
  const connection = saved.connect(receiver, { once: true });

  assertEquals(saved.send(null), [[receiver, "once"]]);
  assertEquals(saved.send(null), []);
  assertSpyCalls(receiver, 1);
  assertFalse(connection.connected);
  assertFalse(connection.disconnect());
});

Deno.test("Signal.connect() with once is removed before its call, so a re-entrant send skips it", () => {
  const saved = new Signal<{ depth: number }>();
  const depths: number[] = [];
  saved.connect(({ depth }) => {
    depths.push(depth);
    if (depth === 0) saved.send(null, { depth: 1 });
  }, { once: true });

  saved.send(null, { depth: 0 });

  assertEquals(depths, [0]);
  assertFalse(saved.hasReceivers());
});

Deno.test("Signal.send() does not call a once receiver that a re-entrant send already called", () => {
  const saved = new Signal<{ depth: number }>();
  const onlyOnce = spy();
  saved.connect(({ depth }) => {
    if (depth === 0) saved.send(null, { depth: 1 });
  });
  saved.connect(onlyOnce, { once: true });

  saved.send(null, { depth: 0 });

  assertSpyCalls(onlyOnce, 1);
  assertSpyCall(onlyOnce, 0, {
    args: [{ depth: 1, signal: saved, sender: null }],
  });
});

Deno.test("Signal.connect() with once counts the call even when the receiver throws", () => {
  const saved = new Signal();
  const receiver = spy(() => {
    throw new Error("once");
  });
  saved.connect(receiver, { once: true });

  assertThrows(() => saved.send(null), Error, "once");
  saved.send(null);

  assertSpyCalls(receiver, 1);
});

// 12. Introspection and disconnectAll()

Deno.test("Signal.hasReceivers() tells whether a send from the sender would call anyone", () => {
  const saved = new Signal<Record<never, never>, string>();
  assertFalse(saved.hasReceivers());
  assertFalse(saved.hasReceivers("db"));

  const forDb = saved.connect(() => {}, { sender: "db" });
  assert(saved.hasReceivers("db"));
  assertFalse(saved.hasReceivers("cache"));
  assertFalse(saved.hasReceivers());

  saved.connect(() => {});
  assert(saved.hasReceivers("cache"));
  assert(saved.hasReceivers());
  forDb.disconnect();
  saved.disconnectAll();
  assertFalse(saved.hasReceivers("db"));
});

Deno.test("Signal.receivers() lists what a send would call, in call order", () => {
  const saved = new Signal<Record<never, never>, string>();
  const a = () => {};
  const b = () => {};
  const c = () => {};
  saved.connect(a, { sender: "db" });
  saved.connect(b);
  saved.connect(c, { sender: "cache" });

  assertEquals(saved.receivers("db"), [a, b]);
  assertEquals(saved.receivers("cache"), [b, c]);
  assertEquals(saved.receivers(), [b]);
  const listed = saved.receivers("db");
  listed.pop();
  assertEquals(saved.receivers("db"), [a, b]);
});

Deno.test("Signal.disconnectAll() removes every registration and returns how many", () => {
  const saved = new Signal<Record<never, never>, object | string>();
  const receiver = spy();
  const server = {};
  const connections = [
    saved.connect(receiver),
    saved.connect(receiver, { sender: "db" }),
    saved.connect(receiver, { sender: server }),
    saved.connect(receiver, { sender: server, uniqueId: 2 }),
  ];

  assertEquals(saved.disconnectAll(), 4);

  assertEquals(saved.disconnectAll(), 0);
  saved.send(server);
  saved.send("db");
  assertSpyCalls(receiver, 0);
  for (const connection of connections) {
    assertFalse(connection.connected);
    assertFalse(connection.disconnect());
  }
  saved.connect(receiver, { sender: server });
  assertEquals(saved.send(server).length, 1);
});

Deno.test("Signal.disconnectAll() with a sender removes only that sender's registrations", () => {
  const saved = new Signal<Record<never, never>, object>();
  const server = {};
  const other = {};
  const anySender = saved.connect(() => {});
  saved.connect(() => {}, { sender: server });
  saved.connect(() => {}, { sender: server, uniqueId: "x" });
  const forOther = saved.connect(() => {}, { sender: other });

  assertEquals(saved.disconnectAll(server), 2);

  assertEquals(saved.disconnectAll(server), 0);
  assert(anySender.connected);
  assert(forOther.connected);
  assertEquals(saved.send(server).length, 1);
  assertEquals(saved.send(other).length, 2);
});

Deno.test("Signal.disconnectAll() during a send lets that send finish its snapshot", () => {
  const saved = new Signal();
  const later = spy();
  saved.connect(() => void saved.disconnectAll());
  saved.connect(later);

  saved.send(null);
  saved.send(null);

  assertSpyCalls(later, 1);
});
