/**
 * Errors: every public method and option given a value of each wrong type
 * throws a TypeError naming the argument and leaves the signal as it was;
 * errors thrown by receivers come out unchanged, or, from the robust sends,
 * reported against the receiver that threw them.
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
import { type Connection, type Receiver, Signal } from "./mod.ts";

// ---------------------------------------------------------------------------
// Bad input

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

const REVOKED_PROXY = revokedProxy();

/** One value of each type, and the cases an object is expected but not met. */
const VALUES: ReadonlyArray<readonly [string, unknown]> = [
  ["undefined", undefined],
  ["null", null],
  ["number", 1],
  ["NaN", NaN],
  ["string", "text"],
  ["boolean", true],
  ["bigint", 1n],
  ["symbol", Symbol("value")],
  ["object", {}],
  ["function", () => {}],
  ["array", []],
  ["revoked Proxy", REVOKED_PROXY],
];

/** The values in `VALUES` except the valid ones, named. */
function wrongValues(
  isValid: (value: unknown) => boolean,
): ReadonlyArray<readonly [string, unknown]> {
  return VALUES.filter(([, value]) => !isValid(value));
}

type Fixture = Signal<{ n?: number }, unknown, string>;

/**
 * A signal with registrations of each kind, and a description of everything
 * observable about it: who `receivers()` and a send name for each sender,
 * `hasReceivers()`, and which connections are connected; and the receivers
 * called since, in `calls`. Sends are repeatable: no registration is `once`.
 */
function fixture(): {
  signal: Fixture;
  state: () => unknown;
  calls: readonly string[];
} {
  const signal: Fixture = new Signal();
  const calls: string[] = [];
  const names = new Map<unknown, string>();
  const server = {};
  const named = (name: string): Receiver<{ n?: number }, unknown, string> => {
    const receiver = () => {
      calls.push(name);
      return name;
    };
    names.set(receiver, name);
    return receiver;
  };
  const connections: Connection[] = [
    signal.connect(named("any")),
    signal.connect(named("server"), { sender: server }),
    signal.connect(named("db by id"), { sender: "db", uniqueId: "id" }),
    signal.connect(named("abortable"), {
      signal: new AbortController().signal,
    }),
    signal.connect(named("NaN"), { sender: NaN, uniqueId: Symbol("id") }),
  ];
  const senders = [undefined, server, "db", NaN, {}, null];
  const state = () => ({
    receivers: senders.map((sender) =>
      signal.receivers(sender).map((receiver) => names.get(receiver))
    ),
    hasReceivers: senders.map((sender) => signal.hasReceivers(sender)),
    connected: connections.map((connection) => connection.connected),
    sent: senders.map((sender) => {
      calls.length = 0;
      const responses = signal.send(sender, { n: 1 });
      const called = [...calls];
      calls.length = 0;
      return [called, responses.map(([, response]) => response)];
    }),
  });
  return { signal, state, calls };
}

/** Asserts that `call` throws a TypeError whose message includes `message`, and changes nothing. */
function assertRejected(
  call: (signal: Fixture) => unknown,
  message: string,
  context: string,
): void {
  const { signal, state, calls } = fixture();
  const before = state();
  assertThrows(() => call(signal), TypeError, message, context);
  assertEquals(calls, [], `${context}: a receiver was called`);
  assertEquals(state(), before, `${context}: the signal changed`);
}

/** Asserts that `call` returns a promise that rejects with a TypeError including `message`, and changes nothing. */
async function assertRejectedAsync(
  call: (signal: Fixture) => Promise<unknown>,
  message: string,
  context: string,
): Promise<void> {
  const { signal, state, calls } = fixture();
  const before = state();
  let sent: Promise<unknown> | undefined;
  try {
    sent = call(signal);
  } catch (error) {
    throw new Error(`${context}: threw synchronously instead of rejecting`, {
      cause: error,
    });
  }
  assert(sent instanceof Promise, `${context}: did not return a promise`);
  await assertRejects(() => sent, TypeError, message, context);
  assertEquals(calls, [], `${context}: a receiver was called`);
  assertEquals(state(), before, `${context}: the signal changed`);
}

const isFunction = (value: unknown) => typeof value === "function";
const isUniqueId = (value: unknown) =>
  ["string", "number", "symbol", "undefined"].includes(typeof value);
/** What the options and params arguments accept: left out, or a plain object. */
const isOptions = (value: unknown) =>
  value === undefined ||
  (typeof value === "object" && value !== null && value !== REVOKED_PROXY &&
    !Array.isArray(value));

/**
 * What an options or params argument (`what`) of a wrong type is told: that
 * it could not be read (a revoked Proxy), is an array, or is not an object.
 */
function notAnObject(what: string, value: unknown): string {
  if (value === REVOKED_PROXY) return `${what} could not be read`;
  if (Array.isArray(value)) return `${what} is an array, not an object`;
  return `${what} is not an object`;
}

// deno-lint-ignore no-explicit-any -- bad input on purpose
type Any = any;

Deno.test("Signal.connect() rejects a receiver of each wrong type and changes nothing", () => {
  for (const [type, receiver] of wrongValues(isFunction)) {
    assertRejected(
      (signal) => signal.connect(receiver as Any),
      "Cannot connect receiver: receiver is not a function",
      `receiver: ${type}`,
    );
  }
});

Deno.test("Signal.connect() rejects options of each wrong type and changes nothing", () => {
  // Regression: an array, refused as params, was read as empty options.
  for (const [type, options] of wrongValues(isOptions)) {
    assertRejected(
      (signal) => signal.connect(() => "new", options as Any),
      `Cannot connect receiver: ${notAnObject("options", options)}`,
      `options: ${type}`,
    );
  }
});

Deno.test("Signal.connect() rejects options.uniqueId of each wrong type and changes nothing", () => {
  for (const [type, uniqueId] of wrongValues(isUniqueId)) {
    assertRejected(
      (signal) => signal.connect(() => "new", { uniqueId: uniqueId as Any }),
      "Cannot connect receiver: options.uniqueId is not a string, number or symbol",
      `options.uniqueId: ${type}`,
    );
  }
});

Deno.test("Signal.connect() rejects options.once and options.local of each wrong type and changes nothing", () => {
  const isValid = (value: unknown) =>
    value === undefined || typeof value === "boolean";
  for (const key of ["once", "local"]) {
    for (const [type, value] of wrongValues(isValid)) {
      assertRejected(
        (signal) => signal.connect(() => "new", { [key]: value as Any }),
        `Cannot connect receiver: options.${key} is not a boolean`,
        `options.${key}: ${type}`,
      );
    }
  }
});

Deno.test("Signal.connect() says what an unknown options key most likely meant, or which keys it takes", () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ["uid", '; did you mean "uniqueId"?'],
    ["timeout", "; use signal: AbortSignal.timeout(ms)"],
    // Three edits from `once`: too far to guess.
    ["oncexyz", "; it takes sender, uniqueId, once, signal, local and replace"],
  ];
  for (const [key, meant] of cases) {
    assertRejected(
      (signal) => signal.connect(() => "new", { [key]: 1 } as Any),
      `Cannot connect receiver: options has no key "${key}"${meant}`,
      `options.${key}`,
    );
  }
});

Deno.test("Signal keeps what went wrong as the cause when it cannot read options or params", () => {
  const saved = new Signal();
  const unreadable = [
    () => saved.connect(() => {}, REVOKED_PROXY as Any),
    () => saved.send(null, REVOKED_PROXY as Any),
    // `in` works; reading the own keys throws.
    () =>
      saved.send(
        null,
        new Proxy({ sender: 1 }, {
          getOwnPropertyDescriptor() {
            throw new Error("no descriptors");
          },
        }) as Any,
      ),
  ];
  for (const call of unreadable) {
    const error = assertThrows(call, TypeError, "could not be read");
    assert(error.cause instanceof Error, `no cause: ${error.message}`);
  }
});

Deno.test("Signal.connect() rejects options.signal of each wrong type and changes nothing", () => {
  // Regression: a revoked Proxy and a look-alike threw the TypeError of the
  // failed `instanceof` or `aborted`, which did not name the option.
  const wrong = [
    ...wrongValues((value) => value === undefined),
    ["EventTarget", new EventTarget()] as const,
    ["object posing as an AbortSignal", Object.create(AbortSignal.prototype)],
  ];
  for (const [type, abortSignal] of wrong) {
    assertRejected(
      (signal) => signal.connect(() => "new", { signal: abortSignal as Any }),
      "Cannot connect receiver: options.signal is not an AbortSignal",
      `options.signal: ${type}`,
    );
  }
});

Deno.test("Signal's methods, each called without its Signal, say which and change nothing", async () => {
  const methods = [
    "connect",
    "disconnect",
    "send",
    "sendRobust",
    "hasReceivers",
    "receivers",
    "disconnectAll",
    "events",
    "mute",
  ] as const;
  for (const method of methods) {
    assertRejected(
      (signal) => Reflect.apply(signal[method], {}, [() => "new"]),
      `Signal.${method}() was called without its Signal: bind it (signal.${method}.bind(signal))`,
      `${method} without its Signal`,
    );
  }
  for (const method of ["sendAsync", "sendAsyncRobust", "next"] as const) {
    await assertRejectedAsync(
      (signal) => Reflect.apply(signal[method], undefined, [null]),
      `Signal.${method}() was called without its Signal`,
      `${method} without its Signal`,
    );
  }
});

Deno.test("Signal.connect() takes any value as options.sender", () => {
  for (const [type, sender] of VALUES) {
    const { signal } = fixture();
    const connection = signal.connect(() => "new", { sender });
    assert(connection.connected, type);
    // The new one, those for every sender, and the fixture's one for NaN.
    const expected = 3 + (Number.isNaN(sender) ? 1 : 0);
    assertEquals(signal.receivers(sender).length, expected, type);
    assert(connection.disconnect(), type);
  }
});

Deno.test("Signal.disconnect() rejects a first argument of each wrong type and changes nothing", () => {
  const isValid = (value: unknown) =>
    typeof value === "function" || isOptions(value) && value !== undefined;
  for (const [type, first] of wrongValues(isValid)) {
    assertRejected(
      (signal) => signal.disconnect(first as Any),
      `Cannot disconnect receiver: ${
        first === REVOKED_PROXY || Array.isArray(first)
          ? notAnObject("options", first)
          : "receiver is not a function or an options object"
      }`,
      `first argument: ${type}`,
    );
  }
  assertRejected(
    (signal) => signal.disconnect({} as Any),
    "Cannot disconnect receiver: options.uniqueId is required when no receiver is given",
    "options without uniqueId",
  );
  assertRejected(
    (signal) => signal.disconnect({ uniqueId: "id" } as Any, {}),
    "Cannot disconnect receiver: receiver is not a function or an options object",
    "options and options",
  );
});

Deno.test("Signal.disconnect() rejects options of each wrong type and changes nothing", () => {
  for (const [type, options] of wrongValues(isOptions)) {
    assertRejected(
      (signal) => signal.disconnect(() => "new", options as Any),
      `Cannot disconnect receiver: ${notAnObject("options", options)}`,
      `options: ${type}`,
    );
  }
});

Deno.test("Signal.disconnect() rejects options.uniqueId of each wrong type and changes nothing", () => {
  for (const [type, uniqueId] of wrongValues(isUniqueId)) {
    assertRejected(
      (signal) => signal.disconnect(() => "new", { uniqueId: uniqueId as Any }),
      "Cannot disconnect receiver: options.uniqueId is not a string, number or symbol",
      `options.uniqueId: ${type}`,
    );
    if (uniqueId === undefined) continue;
    assertRejected(
      (signal) => signal.disconnect({ uniqueId: uniqueId as Any }),
      "Cannot disconnect receiver: options.uniqueId is not a string, number or symbol",
      `options.uniqueId alone: ${type}`,
    );
  }
});

Deno.test("Signal.disconnect() takes any value as options.sender", () => {
  for (const [type, sender] of VALUES) {
    const { signal, state } = fixture();
    const before = state();
    assertFalse(signal.disconnect(() => "new", { sender }), type);
    assertFalse(signal.disconnect({ sender, uniqueId: "new" }), type);
    assertEquals(state(), before, type);
  }
});

const SYNC_SENDS = ["send", "sendRobust"] as const;
const ASYNC_SENDS = ["sendAsync", "sendAsyncRobust"] as const;

Deno.test("Signal.send() and sendRobust() reject params of each wrong type and call no receiver", () => {
  for (const method of SYNC_SENDS) {
    for (const [type, params] of wrongValues(isOptions)) {
      assertRejected(
        (signal) => signal[method]("db", params as Any),
        `Cannot send signal: ${notAnObject("params", params)}`,
        `${method} params: ${type}`,
      );
    }
    for (const key of ["signal", "sender"]) {
      assertRejected(
        (signal) => signal[method]("db", { [key]: 1 } as Any),
        `Cannot send signal: params has the key "${key}"`,
        `${method} params with ${key}`,
      );
    }
  }
});

Deno.test("Signal.sendAsync() and sendAsyncRobust() reject params of each wrong type with a rejected promise and call no receiver", async () => {
  for (const method of ASYNC_SENDS) {
    for (const [type, params] of wrongValues(isOptions)) {
      await assertRejectedAsync(
        (signal) => signal[method]("db", params as Any),
        `Cannot send signal: ${notAnObject("params", params)}`,
        `${method} params: ${type}`,
      );
    }
    for (const key of ["signal", "sender"]) {
      await assertRejectedAsync(
        (signal) => signal[method]("db", { [key]: 1 } as Any),
        `Cannot send signal: params has the key "${key}"`,
        `${method} params with ${key}`,
      );
    }
  }
});

Deno.test("Signal sends refuse a reserved key with nobody connected, and while muted", async () => {
  // Neither shortcut may skip the check: a send to nobody returns early,
  // and a muted one calls nobody.
  for (const muted of [false, true]) {
    const saved = new Signal<Record<string, unknown>, string>();
    const receiver = spy();
    if (muted) saved.connect(receiver);
    using _quiet = muted ? saved.mute() : undefined;
    const when = muted ? "while muted" : "with nobody connected";
    for (const key of ["sender", "signal"]) {
      const params: Record<string, unknown> = { [key]: 1 };
      const message = `Cannot send signal: params has the key "${key}"`;
      for (const method of SYNC_SENDS) {
        assertThrows(
          () => saved[method]("db", params),
          TypeError,
          message,
          `${method} ${when}`,
        );
      }
      for (const method of ASYNC_SENDS) {
        let sent: Promise<unknown> | undefined;
        try {
          sent = saved[method]("db", params);
        } catch (error) {
          throw new Error(`${method} ${when} threw instead of rejecting`, {
            cause: error,
          });
        }
        await assertRejects(() => sent!, TypeError, message);
      }
    }
    assertSpyCalls(receiver, 0);
  }
});

Deno.test("Signal sends and introspection take any value as the sender", async () => {
  for (const [type, sender] of VALUES) {
    const { signal } = fixture();
    // Those for every sender, and the fixture's one for NaN.
    const specific = Number.isNaN(sender) ? 1 : 0;
    const expected = 2 + specific;
    assertEquals(signal.send(sender).length, expected, type);
    assertEquals(signal.sendRobust(sender).length, expected, type);
    assertEquals((await signal.sendAsync(sender)).length, expected, type);
    assertEquals((await signal.sendAsyncRobust(sender)).length, expected, type);
    assertEquals(signal.receivers(sender).length, expected, type);
    assert(signal.hasReceivers(sender), type);
    assertEquals(
      signal.disconnectAll(sender),
      sender === undefined ? 5 : specific,
      type,
    );
  }
});

// ---------------------------------------------------------------------------
// Errors thrown by receivers

/** Values a receiver may throw: Errors and anything else. */
const THROWN: ReadonlyArray<readonly [string, unknown]> = [
  ["Error", new Error("failed")],
  ["TypeError", new TypeError("failed")],
  ["string", "failed"],
  ["undefined", undefined],
  ["null", null],
  ["number", 0],
  ["object", { failed: true }],
  ["symbol", Symbol("failed")],
];

function thrownBy(
  call: () => unknown,
): { threw: true; error: unknown } | { threw: false } {
  try {
    call();
  } catch (error) {
    return { threw: true, error };
  }
  return { threw: false };
}

async function rejectionOf(
  promise: Promise<unknown>,
): Promise<{ rejected: true; reason: unknown } | { rejected: false }> {
  try {
    await promise;
  } catch (reason) {
    return { rejected: true, reason };
  }
  return { rejected: false };
}

Deno.test("Signal.send() lets a receiver's error out unchanged, whatever was thrown", () => {
  for (const [type, thrown] of THROWN) {
    const signal = new Signal();
    const later: string[] = [];
    signal.connect(() => {
      throw thrown;
    });
    signal.connect(() => void later.push("called"));

    const outcome = thrownBy(() => signal.send(null));

    assert(outcome.threw, type);
    assertStrictEquals(outcome.error, thrown, type);
    assertEquals(later, [], type);
  }
});

Deno.test("Signal.sendAsync() rejects with a receiver's error unchanged, thrown or rejected", async () => {
  for (const [type, thrown] of THROWN) {
    for (const how of ["throws", "rejects"]) {
      const signal = new Signal();
      signal.connect(() => {
        if (how === "throws") throw thrown;
        return Promise.reject(thrown);
      });

      const outcome = await rejectionOf(signal.sendAsync(null));

      assert(outcome.rejected, `${type} ${how}`);
      assertStrictEquals(outcome.reason, thrown, `${type} ${how}`);
    }
  }
});

Deno.test("Signal.sendRobust() reports each error against the receiver that threw it", () => {
  const signal = new Signal<Record<never, never>, null, string>();
  const receivers = THROWN.map(([, thrown]) => (): string => {
    throw thrown;
  });
  const fine = () => "fine";
  for (const receiver of receivers) {
    signal.connect(receiver);
    signal.connect(fine, { uniqueId: signal.receivers().length });
  }

  const outcomes = signal.sendRobust(null);

  assertEquals(outcomes.length, 2 * THROWN.length);
  for (const [i, [type, thrown]] of THROWN.entries()) {
    const [receiver, outcome] = outcomes[2 * i]!;
    assertStrictEquals(receiver, receivers[i], type);
    assertEquals(outcome.status, "rejected", type);
    assertStrictEquals((outcome as PromiseRejectedResult).reason, thrown, type);
    assertEquals(outcomes[2 * i + 1], [fine, {
      status: "fulfilled",
      value: "fine",
    }]);
  }
});

Deno.test("Signal.sendAsyncRobust() reports each error and rejection against its receiver", async () => {
  const signal = new Signal<Record<never, never>, null, unknown>();
  const throwing = THROWN.map(([, thrown]) => () => {
    throw thrown;
  });
  const rejecting = THROWN.map(([, thrown]) => () => Promise.reject(thrown));
  for (const [i] of THROWN.entries()) {
    signal.connect(throwing[i]!);
    signal.connect(rejecting[i]!);
  }

  const outcomes = await signal.sendAsyncRobust(null);

  assertEquals(outcomes.length, 2 * THROWN.length);
  for (const [i, [type, thrown]] of THROWN.entries()) {
    for (const [j, receiver] of [throwing[i], rejecting[i]].entries()) {
      const [reported, outcome] = outcomes[2 * i + j]!;
      assertStrictEquals(reported, receiver, type);
      assertEquals(outcome.status, "rejected", type);
      assertStrictEquals(
        (outcome as PromiseRejectedResult).reason,
        thrown,
        type,
      );
    }
  }
});

Deno.test("Signal's robust sends report an error from a receiver that disconnected itself first", async () => {
  for (const method of ["sendRobust", "sendAsyncRobust"] as const) {
    const signal = new Signal<Record<never, never>, string, unknown>();
    const error = new Error("after disconnecting");
    const leaving = (): never => {
      signal.disconnect(leaving, { sender: "db" });
      throw error;
    };
    const later = () => "later";
    const connection = signal.connect(leaving, { sender: "db" });
    signal.connect(later);

    const outcomes = await signal[method]("db");

    assertEquals(outcomes, [
      [leaving, { status: "rejected", reason: error }],
      [later, { status: "fulfilled", value: "later" }],
    ], method);
    assertStrictEquals(
      (outcomes[0]![1] as PromiseRejectedResult).reason,
      error,
    );
    assertFalse(connection.connected, method);
    assertEquals(signal.receivers("db"), [later], method);
  }
});

Deno.test("Signal.send() lets an error out unchanged from a receiver that disconnected itself first", () => {
  const signal = new Signal();
  const error = new Error("after disconnecting");
  const connection = signal.connect(() => {
    connection.disconnect();
    throw error;
  });

  const outcome = thrownBy(() => signal.send(null));

  assert(outcome.threw);
  assertStrictEquals(outcome.error, error);
  assertFalse(signal.hasReceivers());
});

Deno.test("Signal.send() lets an error from a nested send out of the outer send unchanged", () => {
  const signal = new Signal<{ depth: number }>();
  const error = new Error("deep");
  signal.connect(({ depth }) => {
    if (depth < 3) signal.send(null, { depth: depth + 1 });
    else throw error;
  });

  const outcome = thrownBy(() => signal.send(null, { depth: 0 }));

  assert(outcome.threw);
  assertStrictEquals(outcome.error, error);
});
