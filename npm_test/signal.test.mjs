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

/** Asserts that `fn` throws a TypeError whose message starts with `message`. */
function assertTypeError(fn, message) {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof TypeError, `not a TypeError: ${error}`);
    assert.ok(
      error.message.startsWith(message),
      `"${error.message}" does not start with "${message}"`,
    );
    return true;
  });
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

  assert.equal(saved.connect(first), connection);
  saved.send(null);

  assert.deepEqual(calls, ["first", "second"]);
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
