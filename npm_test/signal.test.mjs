// The built npm package, imported by name as a Node or Bun user imports it,
// checked against every rule of the public API (README, "The rules").
// scripts/test_npm.sh installs the packed package beside this file and runs
// it with `node --test` and `bun test`, so it uses only what both provide.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Signal } from "signalry";

class Server {
  constructor(name = "server") {
    this.name = name;
  }
}

/** A receiver that records each argument it gets and returns `response`. */
function recorder(response) {
  const receiver = (args) => {
    receiver.calls.push(args);
    return response;
  };
  receiver.calls = [];
  return receiver;
}

/** A receiver that pushes `name` to `calls` and returns it. */
function named(name, calls) {
  return () => {
    calls.push(name);
    return name;
  };
}

/** Whether `error` is a TypeError whose message starts with `message`. */
function isTypeError(error, message) {
  assert.ok(error instanceof TypeError, `not a TypeError: ${error}`);
  assert.ok(
    error.message.startsWith(message),
    `"${error.message}" does not start with "${message}"`,
  );
  return true;
}

/** Asserts that `fn` throws a TypeError whose message starts with `message`. */
function assertTypeError(fn, message) {
  assert.throws(fn, (error) => isTypeError(error, message));
}

/** Resolves after the current task, so that timers and finalizers can run. */
function nextTask() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

test("the package resolves to the ES module build for import", () => {
  assert.match(import.meta.resolve("signalry"), /\/signalry\/esm\/mod\.js$/);
  assert.equal(typeof Signal, "function");
});

// 1. The receiver's argument

test("Signal.send() calls a receiver with the params, signal and sender", () => {
  const stopped = new Signal();
  const server = new Server();
  const connection = { id: 1 };
  const receiver = recorder();
  stopped.connect(receiver);

  stopped.send(server, { connection });

  assert.equal(receiver.calls.length, 1);
  assert.deepEqual(receiver.calls[0], {
    connection,
    signal: stopped,
    sender: server,
  });
  assert.equal(receiver.calls[0].signal, stopped);
  assert.equal(receiver.calls[0].sender, server);
});

test("Signal.send() gives every receiver of one send the same argument and leaves the params alone", () => {
  const saved = new Signal();
  const first = recorder();
  const second = recorder();
  saved.connect(first);
  saved.connect(second);
  const params = { id: 1 };

  saved.send("db", params);

  assert.equal(first.calls[0], second.calls[0]);
  assert.deepEqual(params, { id: 1 });
});

// 2. Identity

test("Signal.connect() of the same receiver twice keeps one registration, in its place", () => {
  const saved = new Signal();
  const calls = [];
  const first = named("first", calls);
  const connection = saved.connect(first);
  saved.connect(named("second", calls));

  const duplicate = saved.connect(first);
  saved.send(null);

  assert.deepEqual(calls, ["first", "second"]);
  assert.equal(duplicate.disconnect(), true);
  assert.equal(connection.connected, false);
});

test("Signal.connect() with a uniqueId keeps the first receiver for that id", () => {
  const saved = new Signal();
  const first = recorder("first");
  const second = recorder("second");
  saved.connect(first, { uniqueId: "log" });
  saved.connect(second, { uniqueId: "log" });

  assert.deepEqual(saved.send(null), [[first, "first"]]);
  assert.equal(second.calls.length, 0);
});

test("Signal.connect() treats one receiver under two uniqueIds or for two senders as two registrations", () => {
  const saved = new Signal();
  const receiver = recorder();
  saved.connect(receiver, { uniqueId: 1 });
  saved.connect(receiver, { uniqueId: Symbol("two") });
  saved.connect(receiver, { sender: "a" });
  saved.connect(receiver, { sender: "b" });

  saved.send("a");

  assert.equal(receiver.calls.length, 3);
});

test("Signal.disconnect() with a uniqueId ignores which receiver is passed", () => {
  const saved = new Signal();
  const receiver = recorder();
  saved.connect(receiver, { uniqueId: "log" });

  assert.equal(saved.disconnect(receiver), false);
  assert.equal(saved.disconnect(() => {}, { uniqueId: "log" }), true);

  assert.deepEqual(saved.send(null), []);
});

test("Signal.disconnect() by uniqueId alone removes that registration for its sender", () => {
  const saved = new Signal();
  saved.connect(recorder(), { uniqueId: "log", sender: "db" });

  assert.equal(saved.disconnect({ uniqueId: "log" }), false);
  assert.equal(saved.disconnect({ uniqueId: "log", sender: "db" }), true);
  assert.equal(saved.disconnect({ uniqueId: "log", sender: "db" }), false);

  assert.deepEqual(saved.send("db"), []);
});

test("Signal.disconnect() returns whether a registration was removed", () => {
  const saved = new Signal();
  const receiver = recorder();

  assert.equal(saved.disconnect(receiver), false);
  saved.connect(receiver);
  assert.equal(saved.disconnect(receiver), true);
  assert.equal(saved.disconnect(receiver), false);
});

// 3. Senders

test("Signal.connect() without a sender hears every sender, with one only that sender", () => {
  const saved = new Signal();
  const anySender = recorder();
  const forApi = recorder();
  const api = new Server("api");
  saved.connect(anySender);
  saved.connect(forApi, { sender: api });

  saved.send(api);
  saved.send(new Server("api"));
  saved.send(undefined);

  assert.equal(anySender.calls.length, 3);
  assert.deepEqual(forApi.calls.map(({ sender }) => sender), [api]);
});

test("Signal.send() matches primitive senders by value (SameValueZero)", () => {
  const saved = new Signal();
  const calls = [];
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

  assert.deepEqual(calls, ["text", "NaN", "zero", "null", "big", "symbol"]);
});

test("Signal.disconnect() must name the sender the connect named", () => {
  const saved = new Signal();
  const receiver = recorder();
  saved.connect(receiver, { sender: "db" });

  assert.equal(saved.disconnect(receiver), false);
  assert.equal(saved.disconnect(receiver, { sender: "cache" }), false);
  saved.send("db");
  assert.equal(saved.disconnect(receiver, { sender: "db" }), true);
  saved.send("db");

  assert.equal(receiver.calls.length, 1);
});

// 4. Order and responses

test("Signal.send() calls receivers in connection order across any-sender and sender-specific ones", () => {
  const saved = new Signal();
  const calls = [];
  saved.connect(named("db 1", calls), { sender: "db" });
  saved.connect(named("any 2", calls));
  saved.connect(named("cache 3", calls), { sender: "cache" });
  saved.connect(named("db 4", calls), { sender: "db" });
  saved.connect(named("any 5", calls));

  const responses = saved.send("db");

  assert.deepEqual(calls, ["db 1", "any 2", "db 4", "any 5"]);
  assert.deepEqual(responses.map(([, response]) => response), calls);
});

test("Signal.send() returns [receiver, response] pairs in call order", () => {
  const saved = new Signal();
  const double = ({ id }) => id * 2;
  const triple = ({ id }) => id * 3;
  saved.connect(double);
  saved.connect(triple);

  assert.deepEqual(saved.send("db", { id: 5 }), [[double, 10], [triple, 15]]);
});

test("Signal.connect() after a disconnect puts the receiver last", () => {
  const saved = new Signal();
  const calls = [];
  const first = named("first", calls);
  saved.connect(first);
  saved.connect(named("second", calls));
  saved.disconnect(first);
  saved.connect(first);

  saved.send(null);

  assert.deepEqual(calls, ["second", "first"]);
});

// 5. Snapshot

test("Signal.send() does not call a receiver connected during that send", () => {
  const saved = new Signal();
  const late = recorder();
  saved.connect(() => void saved.connect(late));

  assert.equal(saved.send(null).length, 1);
  assert.equal(late.calls.length, 0);
  assert.equal(saved.send(null).length, 2);
  assert.equal(late.calls.length, 1);
});

test("Signal.send() still calls a receiver disconnected during that send", () => {
  const saved = new Signal();
  const later = recorder();
  saved.connect(() => void saved.disconnect(later, { sender: "db" }));
  saved.connect(later, { sender: "db" });

  saved.send("db");
  saved.send("db");

  assert.equal(later.calls.length, 1);
});

test("Signal.send() from inside a receiver runs its own snapshot", () => {
  const saved = new Signal();
  const calls = [];
  saved.connect(({ depth }) => {
    calls.push(`outer ${depth}`);
    if (depth === 0) {
      saved.connect(({ depth }) => void calls.push(`added ${depth}`));
      saved.send("db", { depth: 1 });
    }
  });
  saved.connect(({ depth }) => void calls.push(`last ${depth}`));

  saved.send("db", { depth: 0 });

  assert.deepEqual(calls, [
    "outer 0",
    "outer 1",
    "last 1",
    "added 1",
    "last 0",
  ]);
});

// 6. Errors from receivers

test("Signal.send() propagates a receiver's error and calls no later receiver", () => {
  const saved = new Signal();
  const error = new Error("receiver failed");
  const before = recorder();
  const after = recorder();
  saved.connect(before);
  saved.connect(() => {
    throw error;
  });
  saved.connect(after);

  assert.throws(() => saved.send(null), (thrown) => thrown === error);

  assert.equal(before.calls.length, 1);
  assert.equal(after.calls.length, 0);
  saved.disconnect(before);
  assert.throws(() => saved.send(null), (thrown) => thrown === error);
});

// 7. Optional params

test("Signal.send() lets params be left out", () => {
  const pinged = new Signal();
  const receiver = recorder();
  pinged.connect(receiver);

  pinged.send("db");
  pinged.send("db", { reason: "timer" });

  assert.deepEqual(receiver.calls, [
    { signal: pinged, sender: "db" },
    { reason: "timer", signal: pinged, sender: "db" },
  ]);
});

// 8. Connections

test("Connection.disconnect() returns true the first time and false after", () => {
  const saved = new Signal();
  const receiver = recorder();
  const connection = saved.connect(receiver);

  assert.equal(connection.connected, true);
  assert.equal(connection.disconnect(), true);
  assert.equal(connection.connected, false);
  assert.equal(connection.disconnect(), false);
  saved.send(null);

  assert.equal(receiver.calls.length, 0);
});

test("Connection.disconnect() does not remove a later registration of the same identity", () => {
  const saved = new Signal();
  const receiver = recorder();
  const old = saved.connect(receiver);
  saved.disconnect(receiver);
  const current = saved.connect(receiver);

  assert.equal(old.disconnect(), false);

  assert.equal(current.connected, true);
  saved.send(null);
  assert.equal(receiver.calls.length, 1);
});

test("Connection[Symbol.dispose]() disconnects", () => {
  assert.equal(typeof Symbol.dispose, "symbol");
  const saved = new Signal();
  const receiver = recorder();
  const connection = saved.connect(receiver);

  connection[Symbol.dispose]();
  connection[Symbol.dispose]();
  saved.send(null);

  assert.equal(connection.connected, false);
  assert.equal(receiver.calls.length, 0);
});

// 9. Bad input: a TypeError naming the argument, and nothing changed

test("Signal.connect() rejects a receiver, options or uniqueId of the wrong kind", () => {
  const saved = new Signal();
  const receiver = recorder();
  for (const notFunction of [undefined, null, 1, "f", {}, []]) {
    assertTypeError(
      () => saved.connect(notFunction),
      "Cannot connect receiver: receiver is not a function",
    );
  }
  for (const options of [null, 1, "sender", () => {}]) {
    assertTypeError(
      () => saved.connect(receiver, options),
      "Cannot connect receiver: options is not an object",
    );
  }
  for (const uniqueId of [null, {}, true, 1n]) {
    assertTypeError(
      () => saved.connect(receiver, { uniqueId }),
      "Cannot connect receiver: options.uniqueId is not a string, number or symbol",
    );
  }
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  assertTypeError(
    () => saved.connect(receiver, proxy),
    "Cannot connect receiver: options could not be read",
  );

  assert.deepEqual(saved.send(null), []);
  assert.equal(receiver.calls.length, 0);
});

test("Signal.disconnect() rejects bad arguments and removes nothing", () => {
  const saved = new Signal();
  const receiver = recorder();
  saved.connect(receiver, { uniqueId: "log" });
  for (const value of [undefined, null, 1, "f"]) {
    assertTypeError(
      () => saved.disconnect(value),
      "Cannot disconnect receiver: receiver is not a function or an options object",
    );
  }
  assertTypeError(
    () => saved.disconnect({}),
    "Cannot disconnect receiver: options.uniqueId is required when no receiver is given",
  );
  assertTypeError(
    () => saved.disconnect({ uniqueId: {} }),
    "Cannot disconnect receiver: options.uniqueId is not a string, number or symbol",
  );
  assertTypeError(
    () => saved.disconnect(receiver, null),
    "Cannot disconnect receiver: options is not an object",
  );

  saved.send(null);
  assert.equal(receiver.calls.length, 1);
});

test("Signal.send() rejects params that are not an object or have a reserved key, and calls no receiver", () => {
  const saved = new Signal();
  const receiver = recorder();
  saved.connect(receiver);
  for (const params of [null, 1, "id", true, () => {}]) {
    assertTypeError(
      () => saved.send("db", params),
      "Cannot send signal: params is not an object",
    );
  }
  assertTypeError(
    () => saved.send("db", []),
    "Cannot send signal: params is an array",
  );
  for (const key of ["signal", "sender"]) {
    assertTypeError(
      () => saved.send("db", { id: 1, [key]: "x" }),
      `Cannot send signal: params has the key "${key}"`,
    );
  }

  assert.equal(receiver.calls.length, 0);
});

// 10. Robust and async sends

test("Signal.sendRobust() calls every receiver even when some throw", () => {
  const saved = new Signal();
  const error = new Error("disk full");
  const failing = () => {
    throw error;
  };
  const throwsText = () => {
    throw "text";
  };
  const working = () => "indexed";
  saved.connect(failing);
  saved.connect(throwsText);
  saved.connect(working);

  const outcomes = saved.sendRobust("db");

  assert.deepEqual(outcomes, [
    [failing, { status: "rejected", reason: error }],
    [throwsText, { status: "rejected", reason: "text" }],
    [working, { status: "fulfilled", value: "indexed" }],
  ]);
  assert.equal(outcomes[0][1].reason, error);
});

test("Signal.sendRobust() throws a TypeError for bad params before calling receivers", () => {
  const saved = new Signal();
  const receiver = recorder();
  saved.connect(receiver);

  assertTypeError(
    () => saved.sendRobust("db", { id: 1, signal: 2 }),
    'Cannot send signal: params has the key "signal"',
  );
  assertTypeError(
    () => saved.sendRobust("db", null),
    "Cannot send signal: params is not an object",
  );
  assert.equal(receiver.calls.length, 0);
});

test("Signal.sendAsync() calls every receiver in connection order, then awaits them all", async () => {
  const fetched = new Signal();
  const calls = [];
  const slow = async ({ n }) => {
    calls.push("slow called");
    await new Promise((resolve) => setTimeout(resolve, 5));
    calls.push("slow done");
    return n + 1;
  };
  const fast = ({ n }) => {
    calls.push("fast called");
    return n + 2;
  };
  fetched.connect(slow);
  fetched.connect(fast);

  const responses = await fetched.sendAsync(null, { n: 1 });

  assert.deepEqual(responses, [[slow, 2], [fast, 3]]);
  assert.deepEqual(calls, ["slow called", "fast called", "slow done"]);
  assert.deepEqual(await new Signal().sendAsync(null), []);
});

test("Signal.sendAsync() rejects with the first failure", async () => {
  const saved = new Signal();
  const error = new Error("rejected");
  saved.connect(() => new Promise((resolve) => setTimeout(resolve, 5)));
  saved.connect(() => Promise.reject(error));

  await assert.rejects(saved.sendAsync(null), (thrown) => thrown === error);
});

test("Signal.sendAsync() turns a synchronous throw into a rejection and calls no later receiver", async () => {
  const saved = new Signal();
  const error = new Error("sync");
  const after = recorder();
  saved.connect(() => {
    throw error;
  });
  saved.connect(after);

  const sent = saved.sendAsync(null);

  await assert.rejects(sent, (thrown) => thrown === error);
  assert.equal(after.calls.length, 0);
});

test("Signal.sendAsyncRobust() settles every receiver, after a synchronous throw too", async () => {
  const saved = new Signal();
  const syncError = new Error("sync");
  const asyncError = new Error("async");
  const throwsSync = () => {
    throw syncError;
  };
  const rejects = async () => {
    await Promise.resolve();
    throw asyncError;
  };
  const resolves = () => Promise.resolve("ok");
  saved.connect(throwsSync);
  saved.connect(rejects);
  saved.connect(resolves);

  assert.deepEqual(await saved.sendAsyncRobust(null), [
    [throwsSync, { status: "rejected", reason: syncError }],
    [rejects, { status: "rejected", reason: asyncError }],
    [resolves, { status: "fulfilled", value: "ok" }],
  ]);
  assert.deepEqual(await new Signal().sendAsyncRobust(null), []);
});

test("Signal.sendAsync() and sendAsyncRobust() reject bad params with a TypeError, never a synchronous throw", async () => {
  const saved = new Signal();
  const receiver = recorder();
  saved.connect(receiver);

  const sent = saved.sendAsync("db", { id: 1, sender: "x" });
  const robust = saved.sendAsyncRobust("db", 5);

  await assert.rejects(
    sent,
    (error) =>
      isTypeError(error, 'Cannot send signal: params has the key "sender"'),
  );
  await assert.rejects(
    robust,
    (error) =>
      isTypeError(error, "Cannot send signal: params is not an object"),
  );
  assert.equal(receiver.calls.length, 0);
});

// 11. once

test("Signal.connect() with once calls the receiver for the first send only", () => {
  const saved = new Signal();
  const receiver = recorder("once");
  const connection = saved.connect(receiver, { once: true });

  assert.deepEqual(saved.send(null), [[receiver, "once"]]);
  assert.deepEqual(saved.send(null), []);
  assert.equal(receiver.calls.length, 1);
  assert.equal(connection.connected, false);
  assert.equal(connection.disconnect(), false);
});

test("Signal.connect() with once is removed before its call, so a re-entrant send skips it", () => {
  const saved = new Signal();
  const depths = [];
  saved.connect(({ depth }) => {
    depths.push(depth);
    if (depth === 0) saved.send(null, { depth: 1 });
  }, { once: true });

  saved.send(null, { depth: 0 });

  assert.deepEqual(depths, [0]);
  assert.equal(saved.hasReceivers(), false);
});

test("Signal.connect() with once counts the call even when the receiver throws", () => {
  const saved = new Signal();
  let calls = 0;
  saved.connect(() => {
    calls++;
    throw new Error("once");
  }, { once: true });

  assert.throws(() => saved.send(null), { message: "once" });
  saved.send(null);

  assert.equal(calls, 1);
});

// 12. AbortSignal

test("Signal.connect() with an AbortSignal disconnects when it aborts", () => {
  const saved = new Signal();
  const receiver = recorder();
  const controller = new AbortController();
  const connection = saved.connect(receiver, { signal: controller.signal });

  saved.send(null);
  controller.abort();
  saved.send(null);

  assert.equal(receiver.calls.length, 1);
  assert.equal(connection.connected, false);
  assert.equal(connection.disconnect(), false);
});

test("Signal.connect() with an already aborted AbortSignal connects nothing and leaves an existing registration alone", () => {
  const saved = new Signal();
  const receiver = recorder();

  const connection = saved.connect(receiver, { signal: AbortSignal.abort() });
  assert.equal(connection.connected, false);
  assert.equal(connection.disconnect(), false);
  assert.deepEqual(saved.send(null), []);

  const existing = saved.connect(receiver);
  saved.connect(receiver, { signal: AbortSignal.abort() });
  assert.equal(existing.connected, true);
  assert.equal(saved.send(null).length, 1);
});

test("Signal.connect() with an AbortSignal aborted during a send still lets that send finish", () => {
  const saved = new Signal();
  const controller = new AbortController();
  const later = recorder();
  saved.connect(() => controller.abort());
  saved.connect(later, { signal: controller.signal });

  saved.send(null);
  saved.send(null);

  assert.equal(later.calls.length, 1);
});

test("Signal releases its AbortSignal listener however the registration goes", () => {
  const saved = new Signal();
  const receiver = () => {};
  const ways = [
    ["handle", (connection) => connection.disconnect()],
    ["dispose", (connection) => connection[Symbol.dispose]()],
    ["receiver", () => saved.disconnect(receiver, { sender: "db" })],
    ["disconnectAll(sender)", () => saved.disconnectAll("db")],
    ["disconnectAll()", () => saved.disconnectAll()],
    ["once", () => saved.send("db")],
  ];
  for (const [way, end] of ways) {
    const { signal } = new AbortController();
    let listeners = 0;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = (...args) => {
      listeners++;
      add(...args);
    };
    signal.removeEventListener = (...args) => {
      listeners--;
      remove(...args);
    };
    const connection = saved.connect(receiver, {
      sender: "db",
      signal,
      once: way === "once",
    });
    assert.equal(listeners, 1, way);
    end(connection);
    assert.equal(listeners, 0, way);
    assert.equal(connection.connected, false, way);
  }
});

test("Signal.connect() rejects a once or signal option of the wrong kind", () => {
  const saved = new Signal();
  for (const once of [1, "yes", null, {}]) {
    assertTypeError(
      () => saved.connect(() => {}, { once }),
      "Cannot connect receiver: options.once is not a boolean",
    );
  }
  for (const signal of [true, {}, "abort", new EventTarget()]) {
    assertTypeError(
      () => saved.connect(() => {}, { signal }),
      "Cannot connect receiver: options.signal is not an AbortSignal",
    );
  }
  assert.deepEqual(saved.send(null), []);
});

// 13. Introspection and disconnectAll

test("Signal.hasReceivers() tells whether a send from the sender would call anyone", () => {
  const saved = new Signal();
  assert.equal(saved.hasReceivers(), false);

  const forDb = saved.connect(() => {}, { sender: "db" });
  assert.equal(saved.hasReceivers("db"), true);
  assert.equal(saved.hasReceivers("cache"), false);
  assert.equal(saved.hasReceivers(), false);

  saved.connect(() => {});
  assert.equal(saved.hasReceivers("cache"), true);
  forDb.disconnect();
  saved.disconnectAll();
  assert.equal(saved.hasReceivers("db"), false);
});

test("Signal.receivers() lists what a send would call, in call order, as a new array", () => {
  const saved = new Signal();
  const a = () => {};
  const b = () => {};
  const c = () => {};
  saved.connect(a, { sender: "db" });
  saved.connect(b);
  saved.connect(c, { sender: "cache" });

  assert.deepEqual(saved.receivers("db"), [a, b]);
  assert.deepEqual(saved.receivers("cache"), [b, c]);
  assert.deepEqual(saved.receivers(), [b]);
  saved.receivers("db").pop();
  assert.deepEqual(saved.receivers("db"), [a, b]);
});

test("Signal.disconnectAll() removes every registration, or one sender's, and returns how many", () => {
  const saved = new Signal();
  const receiver = recorder();
  const server = new Server();
  const anySender = saved.connect(receiver);
  const forServer = [
    saved.connect(receiver, { sender: server }),
    saved.connect(receiver, { sender: server, uniqueId: 2 }),
  ];
  const forDb = saved.connect(receiver, { sender: "db" });

  assert.equal(saved.disconnectAll(server), 2);
  assert.equal(saved.disconnectAll(server), 0);
  assert.equal(anySender.connected, true);
  assert.equal(forDb.connected, true);
  assert.ok(forServer.every((connection) => !connection.connected));

  assert.equal(saved.disconnectAll(), 2);
  assert.equal(saved.disconnectAll(), 0);
  assert.equal(anySender.disconnect(), false);
  saved.send("db");
  assert.equal(receiver.calls.length, 0);
  saved.connect(receiver, { sender: server });
  assert.equal(saved.send(server).length, 1);
});

test("Signal.disconnectAll() during a send lets that send finish its snapshot", () => {
  const saved = new Signal();
  const later = recorder();
  saved.connect(() => void saved.disconnectAll());
  saved.connect(later);

  saved.send(null);
  saved.send(null);

  assert.equal(later.calls.length, 1);
});

// 14. Sender lifetime

// Node needs --expose-gc (scripts/test_npm.sh passes it); Bun has Bun.gc.
const collectGarbage = globalThis.gc ??
  (globalThis.Bun === undefined ? undefined : () => globalThis.Bun.gc(true));

/** Connects two receivers for a new sender that nothing else holds. */
function connectForNewSender(saved) {
  const sender = new Server("short-lived");
  const connection = saved.connect(() => {}, { sender });
  saved.connect(() => {}, { sender, uniqueId: "second" });
  saved.send(sender);
  return { senderRef: new WeakRef(sender), connection };
}

test("Signal does not keep an object sender alive", {
  skip: collectGarbage === undefined && "needs node --expose-gc",
}, async () => {
  const saved = new Signal();
  const { senderRef, connection } = connectForNewSender(saved);

  // A deref() keeps its target alive until the task ends: yield before each collection.
  for (let i = 0; i < 10 && senderRef.deref() !== undefined; i++) {
    await nextTask();
    collectGarbage();
  }
  // Finalizers run in tasks after the collection.
  for (let i = 0; i < 3; i++) await nextTask();

  assert.equal(senderRef.deref(), undefined);
  assert.equal(connection.connected, false);
  assert.equal(connection.disconnect(), false);
  assert.equal(saved.disconnectAll(), 0);
});
