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
import {
  countedAbortSignal,
  gc,
  isSettled,
  unhandledRejections,
} from "./_test_helpers.ts";

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

Deno.test("Signal.connect() infers the receiver's argument types from the Signal", () => {
  const stopped = stoppedSignal();
  const seen: string[] = [];
  stopped.connect(({ sender, connection, signal }) => {
    const name: string = sender.name;
    const id: number = connection.id;
    const same: Stopped = signal;
    seen.push(`${name} ${id} ${same === stopped}`);
  });

  stopped.send(new Server("main"), { connection: new Connection(3) });

  assertEquals(seen, ["main 3 true"]);
});

Deno.test("Signal type parameters reject receivers and params of the wrong type", () => {
  const stopped = stoppedSignal();
  const wrong: Receiver<{ connection: number }, Server> = () => {};
  // @ts-expect-error a receiver for other params is not a receiver of this signal
  stopped.connect(wrong);
  // @ts-expect-error likewise for disconnect
  stopped.disconnect(wrong);
  // @ts-expect-error the sender must be a Server
  stopped.send("server", { connection: new Connection(1) });
  // @ts-expect-error the params must have a connection
  stopped.send(new Server(), { id: 1 });
  const typed: Signal<{ n: number }, null, number> = new Signal();
  // @ts-expect-error the response must be a number
  typed.connect(() => "not a number");
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

// 7. Optional params

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

Deno.test("Signal.send() requires params when a key is required", () => {
  const stopped = stoppedSignal();
  const receiver = spy();
  stopped.connect(receiver);

  // @ts-expect-error `connection` is required
  stopped.send(new Server());

  assertSpyCalls(receiver, 1);
});

// 8. Connections

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

// 9. Bad input

const NOT_FUNCTIONS: unknown[] = [undefined, null, 1, "f", Symbol("f"), {}, []];

Deno.test("Signal.connect() rejects a receiver that is not a function", () => {
  const saved = new Signal();
  for (const receiver of NOT_FUNCTIONS) {
    assertThrows(
      () => saved.connect(receiver as () => void),
      TypeError,
      "Cannot connect receiver: receiver is not a function",
    );
  }
  assertEquals(saved.send(null), []);
});

Deno.test("Signal.connect() rejects a uniqueId that is not a string, number or symbol", () => {
  const saved = new Signal();
  const receiver = spy();
  for (const uniqueId of [null, {}, true, 1n, () => {}]) {
    assertThrows(
      () => saved.connect(receiver, { uniqueId: uniqueId as string }),
      TypeError,
      "Cannot connect receiver: options.uniqueId is not a string, number or symbol",
    );
  }
  assertEquals(saved.send(null), []);
  assertSpyCalls(receiver, 0);
});

Deno.test("Signal.connect() rejects options that are not an object", () => {
  const saved = new Signal();
  for (const options of [null, 1, "sender", () => {}]) {
    assertThrows(
      () => saved.connect(() => {}, options as unknown as { uniqueId: string }),
      TypeError,
      "Cannot connect receiver: options is not an object",
    );
  }
  assertEquals(saved.send(null), []);
});

Deno.test("Signal.connect() rejects options it cannot read, such as a revoked Proxy", () => {
  const saved = new Signal();
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();

  assertThrows(
    () => saved.connect(() => {}, proxy),
    TypeError,
    "Cannot connect receiver: options could not be read",
  );
  assertEquals(saved.send(null), []);
});

Deno.test("Signal.connect() and disconnect() reject options that are an array", () => {
  // Regression: an array passed for options, where params of the same kind
  // are rejected, was read as empty options.
  const saved = new Signal();
  const receiver = spy();
  saved.connect(receiver);

  assertThrows(
    () => saved.connect(() => {}, [] as { uniqueId?: string }),
    TypeError,
    "Cannot connect receiver: options is an array, not an object",
  );
  assertThrows(
    () => saved.disconnect(receiver, [] as { uniqueId?: string }),
    TypeError,
    "Cannot disconnect receiver: options is an array, not an object",
  );

  assertEquals(saved.receivers(), [receiver]);
  saved.send(null);
  assertSpyCalls(receiver, 1);
});

Deno.test("Signal.disconnect() rejects a first argument that is neither a function nor options", () => {
  const saved = new Signal();
  const receiver = spy();
  saved.connect(receiver);
  for (const value of [undefined, null, 1, "f", Symbol("f")]) {
    assertThrows(
      () => saved.disconnect(value as unknown as () => void),
      TypeError,
      "Cannot disconnect receiver: receiver is not a function or an options object",
    );
  }
  saved.send(null);
  assertSpyCalls(receiver, 1);
});

Deno.test("Signal.disconnect() by options requires a valid uniqueId", () => {
  const saved = new Signal();
  const receiver = spy();
  saved.connect(receiver, { uniqueId: "log" });

  assertThrows(
    // @ts-expect-error a uniqueId is required when no receiver is given
    () => saved.disconnect({}),
    TypeError,
    "Cannot disconnect receiver: options.uniqueId is required when no receiver is given",
  );
  assertThrows(
    () => saved.disconnect({ uniqueId: {} as string }),
    TypeError,
    "Cannot disconnect receiver: options.uniqueId is not a string, number or symbol",
  );
  assertThrows(
    () => saved.disconnect(receiver, null as unknown as { uniqueId: string }),
    TypeError,
    "Cannot disconnect receiver: options is not an object",
  );
  saved.send(null);
  assertSpyCalls(receiver, 1);
});

Deno.test("Signal.send() rejects params with a reserved key and calls no receiver", () => {
  const saved = new Signal<{ id: number }, string>();
  const receiver = spy();
  saved.connect(receiver);

  for (const key of ["signal", "sender"]) {
    assertThrows(
      () => saved.send("db", { id: 1, [key]: "x" }),
      TypeError,
      `Cannot send signal: params has the key "${key}"`,
    );
  }
  assertSpyCalls(receiver, 0);
});

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

Deno.test("Signal.send() rejects params that are not an object and calls no receiver", () => {
  const saved = new Signal<{ id?: number }, string>();
  const receiver = spy();
  saved.connect(receiver);

  for (const params of [null, 1, "id", true, Symbol("id"), () => {}]) {
    assertThrows(
      () => saved.send("db", params as unknown as { id: number }),
      TypeError,
      "Cannot send signal: params is not an object",
    );
  }
  assertThrows(
    () => saved.send("db", [] as { id?: number }),
    TypeError,
    "Cannot send signal: params is an array",
  );
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  assertThrows(
    () => saved.send("db", proxy),
    TypeError,
    "Cannot send signal: params could not be read",
  );
  assertSpyCalls(receiver, 0);
});

Deno.test("Signal rejects reserved keys in its params type at compile time", () => {
  // @ts-expect-error `signal` is reserved
  const withSignal = new Signal<{ signal: string }>();
  // @ts-expect-error `sender` is reserved
  const withSender = new Signal<{ sender?: number }>();
  // @ts-expect-error params must be an object type
  const withString = new Signal<string>();
  assert(withSignal && withSender && withString);

  const saved = new Signal<{ id: number }, string>();
  // @ts-expect-error `sender` is reserved
  assertThrows(() => saved.send("db", { id: 1, sender: "x" }), TypeError);
});

// Robust and async sends

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

Deno.test("Signal.sendRobust() rejects bad params with a TypeError before calling receivers", () => {
  const saved = new Signal<{ id: number }, string>();
  const receiver = spy();
  saved.connect(receiver);

  assertThrows(
    // @ts-expect-error `signal` is reserved
    () => saved.sendRobust("db", { id: 1, signal: 2 }),
    TypeError,
    `Cannot send signal: params has the key "signal"`,
  );
  assertThrows(
    () => saved.sendRobust("db", null as unknown as { id: number }),
    TypeError,
    "Cannot send signal: params is not an object",
  );
  assertSpyCalls(receiver, 0);
});

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

Deno.test("Signal.sendAsync() leaves no unhandled rejection when a receiver throws after another returned a rejected promise", async () => {
  // Regression: the earlier receiver's promise was dropped unhandled, which
  // ends a Deno or Node process even though the caller awaited the send.
  const saved = new Signal();
  const thrown = new Error("thrown second");
  saved.connect(() => Promise.reject(new Error("rejected first")));
  saved.connect(() => {
    throw thrown;
  });
  let error: unknown;

  const unhandled = await unhandledRejections(async () => {
    error = await assertRejects(() => saved.sendAsync(null));
  });

  assertStrictEquals(error, thrown);
  assertEquals(unhandled, []);
});

Deno.test("Signal.sendAsync() rejects bad params with a TypeError, never a synchronous throw", async () => {
  const saved = new Signal<{ id: number }, string>();
  const receiver = spy();
  saved.connect(receiver);

  // @ts-expect-error `sender` is reserved
  const sent = saved.sendAsync("db", { id: 1, sender: "x" });
  await assertRejects(() => sent, TypeError, `params has the key "sender"`);
  const robust = saved.sendAsyncRobust("db", 5 as unknown as { id: number });
  await assertRejects(() => robust, TypeError, "params is not an object");
  assertSpyCalls(receiver, 0);
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

// once

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

Deno.test("Signal.connect() rejects a once that is not a boolean", () => {
  const saved = new Signal();
  for (const once of [1, "yes", null, {}]) {
    assertThrows(
      () => saved.connect(() => {}, { once: once as boolean }),
      TypeError,
      "Cannot connect receiver: options.once is not a boolean",
    );
  }
  assertEquals(saved.send(null), []);
});

// AbortSignal

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

Deno.test("Signal releases its AbortSignal listener however the registration goes", () => {
  const saved = new Signal<Record<never, never>, string>();
  const receiver = () => {};
  const ways: Array<[string, (connection: SignalConnection) => void]> = [
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

Deno.test("Signal.connect() rejects a signal option that is not an AbortSignal", () => {
  const saved = new Signal();
  for (const signal of [true, {}, "abort", new EventTarget()]) {
    assertThrows(
      () => saved.connect(() => {}, { signal: signal as AbortSignal }),
      TypeError,
      "Cannot connect receiver: options.signal is not an AbortSignal",
    );
  }
  assertEquals(saved.send(null), []);
});

Deno.test("Signal.connect() rejects a revoked Proxy or a look-alike as the signal option", () => {
  // Regression: both threw the TypeError of the failed `instanceof` or
  // `aborted`, which did not name the option.
  const saved = new Signal();
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  for (const signal of [proxy, Object.create(AbortSignal.prototype)]) {
    assertThrows(
      () => saved.connect(() => {}, { signal }),
      TypeError,
      "Cannot connect receiver: options.signal is not an AbortSignal",
    );
  }
  assertEquals(saved.send(null), []);
});

// Introspection and disconnectAll

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

// Sender lifetime

async function collectGarbage(): Promise<void> {
  // Finalizers run in tasks after a collection: collect, then yield, a few times.
  for (let i = 0; i < 3; i++) {
    gc!();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

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

    await collectGarbage();

    assertEquals(senderRef.deref(), undefined);
    // The held connection did not keep the sender alive, and went with it.
    assertFalse(connection.connected);
    assertFalse(connection.disconnect());
    assertEquals(saved.disconnectAll(), 0);
  },
});

async function heapUsedAfterGc(): Promise<number> {
  await collectGarbage();
  return Deno.memoryUsage().heapUsed;
}

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
    const before = await heapUsedAfterGc();

    for (let i = 0; i < 50; i++) connectAndDisconnectAll(saved, senders);

    const grown = (await heapUsedAfterGc()) - before;
    assert(grown < 1024 * 1024, `heap grew by ${grown} bytes`);
  },
});

/** Connects a receiver for a new sender that nothing else refers to. */
function connectForNewSender(
  saved: Signal<Record<never, never>, object>,
  signal: AbortSignal,
): SignalConnection {
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

    await collectGarbage();

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

    await collectGarbage();

    assertEquals(senderRef.deref(), undefined);
    assertEquals(listeners(), 0);
    assertEquals(saved.disconnectAll(), 0);
  },
});

// Shared AbortSignals

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

// What a Connection shows

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
});

// Reserved keys, however params are made

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

// sendAsync's error path

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
  let error: unknown;

  const unhandled = await unhandledRejections(async () => {
    error = await assertRejects(() => saved.sendAsync(null));
  });

  assertStrictEquals(error, thrown);
  assertEquals(unhandled, []);
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
