/**
 * Waiting for a signal: `next()`, `events()`, `mute()` and named signals.
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
import { assertSpyCalls, spy } from "@std/testing/mock";
import { Signal } from "./mod.ts";
import { isSettled } from "./_test_helpers.ts";

class Server {
  constructor(readonly name = "server") {}
}
class Conn {
  constructor(readonly id: number) {}
}

function stoppedSignal() {
  return new Signal<{ connection: Conn }, Server, string>();
}

// next()

Deno.test("Signal.next() resolves to the very argument the receivers of the next send get", async () => {
  const stopped = stoppedSignal();
  const server = new Server();
  let heard: unknown;
  stopped.connect((args) => {
    heard = args;
    return "closed";
  });

  const next = stopped.next();
  stopped.send(server, { connection: new Conn(1) });
  const args = await next;

  assertStrictEquals(args, heard);
  assertEquals(args.connection.id, 1);
  assertStrictEquals(args.sender, server);
  assertStrictEquals(args.signal, stopped);
});

Deno.test("Signal.next() listens from the call, not from an earlier send", async () => {
  const stopped = stoppedSignal();
  const server = new Server();
  stopped.send(server, { connection: new Conn(1) });

  const next = stopped.next();
  assertFalse(await isSettled(next));
  stopped.send(server, { connection: new Conn(2) });

  assertEquals((await next).connection.id, 2);
});

Deno.test("Signal.next() with a sender waits for that sender only", async () => {
  const stopped = stoppedSignal();
  const server = new Server();

  const next = stopped.next({ sender: server });
  stopped.send(new Server(), { connection: new Conn(1) });
  assertFalse(await isSettled(next));
  stopped.send(server, { connection: new Conn(2) });

  assertEquals((await next).connection.id, 2);
});

Deno.test("Signal.next() started during a send is not resolved by that send", async () => {
  const stopped = stoppedSignal();
  const server = new Server();
  let inner: Promise<unknown> | undefined;
  stopped.connect(() => {
    inner ??= stopped.next();
    return "started";
  });

  stopped.send(server, { connection: new Conn(1) });
  assertFalse(await isSettled(inner!));
  stopped.send(server, { connection: new Conn(2) });

  assertEquals(((await inner!) as { connection: Conn }).connection.id, 2);
});

Deno.test("Signal.next() resolves every pending waiter on the same send, and each stops listening", async () => {
  const stopped = stoppedSignal();
  const server = new Server();
  const first = stopped.next();
  const second = stopped.next({ sender: server });
  assert(stopped.hasReceivers(server));

  stopped.send(server, { connection: new Conn(1) });

  assertStrictEquals(await first, await second);
  assertFalse(stopped.hasReceivers(server));
});

Deno.test("Signal.next() waiters are in no send's results and no receivers() list", async () => {
  const stopped = stoppedSignal();
  const server = new Server();
  const log = () => "logged";
  stopped.connect(log);
  const waiters = [
    stopped.next(),
    stopped.next({ sender: server }),
    stopped.next(),
    stopped.next(),
  ];
  stopped.connect(log, { sender: server });

  assertEquals(stopped.receivers(server), [log, log]);
  assertEquals(stopped.send(server, { connection: new Conn(1) }), [
    [log, "logged"],
    [log, "logged"],
  ]);
  waiters.push(stopped.next());
  const robust = stopped.sendRobust(server, { connection: new Conn(2) });
  assertEquals(robust.map(([, outcome]) => outcome.status), [
    "fulfilled",
    "fulfilled",
  ]);
  await Promise.all(waiters);
});

Deno.test("Signal.next() waiters are resolved by every kind of send", async () => {
  const stopped = stoppedSignal();
  const server = new Server();
  const sends = [
    (n: number) => stopped.send(server, { connection: new Conn(n) }),
    (n: number) => stopped.sendRobust(server, { connection: new Conn(n) }),
    (n: number) => stopped.sendAsync(server, { connection: new Conn(n) }),
    (n: number) => stopped.sendAsyncRobust(server, { connection: new Conn(n) }),
  ];
  for (const [n, send] of sends.entries()) {
    const next = stopped.next();
    assertEquals(await send(n), []);
    assertEquals((await next).connection.id, n);
  }
});

Deno.test("Signal.next() waits its turn: a receiver connected earlier that throws stops the send before it", async () => {
  const stopped = stoppedSignal();
  const server = new Server();
  const failure = new Error("earlier receiver failed");
  stopped.connect(() => {
    throw failure;
  });
  const next = stopped.next();
  const later = spy(() => "later");
  stopped.connect(later);

  assertThrows(() => stopped.send(server, { connection: new Conn(1) }));

  assertFalse(await isSettled(next));
  assertSpyCalls(later, 0);
});

Deno.test("Signal.next() keeps its place: a receiver connected after it that throws does not stop it", async () => {
  const stopped = stoppedSignal();
  const server = new Server();
  const next = stopped.next();
  const failure = new Error("later receiver failed");
  stopped.connect(() => {
    throw failure;
  });

  assertStrictEquals(
    assertThrows(() => stopped.send(server, { connection: new Conn(1) })),
    failure,
  );

  assertEquals((await next).connection.id, 1);
});

Deno.test("Signal.hasReceivers() counts waiters, and disconnectAll() leaves them alone and does not count them", async () => {
  const stopped = stoppedSignal();
  const server = new Server();
  assertFalse(stopped.hasReceivers(server));
  const next = stopped.next({ sender: server });
  stopped.connect(() => "closed", { sender: server });
  using events = stopped.events();

  assert(stopped.hasReceivers(server));
  assertEquals(stopped.disconnectAll(), 1);
  assertEquals(stopped.disconnectAll(server), 0);
  assert(stopped.hasReceivers(server));
  assertEquals(stopped.send(server, { connection: new Conn(1) }), []);

  assertEquals((await next).connection.id, 1);
  assertEquals((await events.next()).value?.connection.id, 1);
});

// events()

Deno.test("Signal.events() yields receiver arguments in send order, buffering sends between awaits", async () => {
  const stopped = stoppedSignal();
  const server = new Server();
  using events = stopped.events();
  let heard: unknown;
  stopped.connect((args) => {
    heard = args;
    return "closed";
  });

  for (let n = 1; n <= 3; n++) {
    stopped.send(server, { connection: new Conn(n) });
  }
  const ids: number[] = [];
  for await (const { connection, sender } of events) {
    assertStrictEquals(sender, server);
    ids.push(connection.id);
    if (connection.id === 3) break;
  }

  assertEquals(ids, [1, 2, 3]);
  stopped.send(server, { connection: new Conn(4) });
  assertEquals(await events.next(), { value: undefined, done: true });
  assert(heard !== undefined);
});

Deno.test("Signal.events() listens from the call, not from its first next(), and filters by sender", async () => {
  const stopped = stoppedSignal();
  const server = new Server();
  using events = stopped.events({ sender: server });

  stopped.send(server, { connection: new Conn(1) });
  stopped.send(new Server(), { connection: new Conn(2) });
  const pending = events.next();
  stopped.send(server, { connection: new Conn(3) });

  assertEquals((await events.next()).value?.connection.id, 3);
  assertEquals((await pending).value?.connection.id, 1);
});

Deno.test("Signal.events() resolves next() calls made ahead of the sends, in order", async () => {
  const stopped = stoppedSignal();
  const server = new Server();
  const events = stopped.events();
  const first = events.next();
  const second = events.next();

  stopped.send(server, { connection: new Conn(1) });
  stopped.send(server, { connection: new Conn(2) });

  assertEquals((await first).value?.connection.id, 1);
  assertEquals((await second).value?.connection.id, 2);
  await events.return();
});

Deno.test("Signal.events() stops listening when disposed, on break and on return()", async () => {
  const stopped = stoppedSignal();
  const server = new Server();
  {
    using _events = stopped.events({ sender: server });
    assert(stopped.hasReceivers(server));
  }
  assertFalse(stopped.hasReceivers(server));

  const events = stopped.events({ sender: server });
  const pending = events.next();
  assertEquals(await events.return(), { value: undefined, done: true });
  assertEquals(await pending, { value: undefined, done: true });
  assertFalse(stopped.hasReceivers(server));

  const iterated = stopped.events({ sender: server });
  stopped.send(server, { connection: new Conn(1) });
  for await (const _ of iterated) break;
  assertFalse(stopped.hasReceivers(server));
});

Deno.test("Signal.events() with a limit stops listening past it, yields what it held, then rejects with a RangeError", async () => {
  const stopped = new Signal<{ n: number }, null>({ name: "ticked" });
  const events = stopped.events({ limit: 2 });
  const receiver = spy(() => "still called");
  stopped.connect(receiver);

  for (let n = 1; n <= 4; n++) {
    assertEquals(stopped.send(null, { n }).length, 1);
  }

  assertSpyCalls(receiver, 4);
  assertEquals((await events.next()).value?.n, 1);
  assertEquals((await events.next()).value?.n, 2);
  const error = await assertRejects(
    () => events.next(),
    RangeError,
    'Cannot iterate over signal "ticked": the events() iterator fell behind by more than its limit of 2',
  );
  assertInstanceOf(error, RangeError);
  await assertRejects(() => events.next(), RangeError);
});

Deno.test("Signal.events() iterators are not receivers", () => {
  const stopped = stoppedSignal();
  const server = new Server();
  using _events = stopped.events();

  assertEquals(stopped.receivers(server), []);
  assertEquals(stopped.send(server, { connection: new Conn(1) }), []);
  assertEquals(stopped.sendRobust(server, { connection: new Conn(2) }), []);
});

// mute()

Deno.test("Signal.mute() makes every send call nobody and resolve no waiter, until disposed", async () => {
  const stopped = stoppedSignal();
  const server = new Server();
  const receiver = spy(() => "closed");
  stopped.connect(receiver);
  const next = stopped.next();

  {
    using _quiet = stopped.mute();
    assert(stopped.muted);
    assertEquals(stopped.send(server, { connection: new Conn(1) }), []);
    assertEquals(stopped.sendRobust(server, { connection: new Conn(2) }), []);
    assertEquals(
      await stopped.sendAsync(server, { connection: new Conn(3) }),
      [],
    );
    assertEquals(
      await stopped.sendAsyncRobust(server, { connection: new Conn(4) }),
      [],
    );
    assertSpyCalls(receiver, 0);
    assertFalse(await isSettled(next));
    assert(stopped.hasReceivers(server)); // registrations stay
  }

  assertFalse(stopped.muted);
  assertEquals(stopped.send(server, { connection: new Conn(5) }).length, 1);
  assertEquals((await next).connection.id, 5);
});

Deno.test("Signal.mute() nests, and disposing one handle twice is harmless", () => {
  const saved = new Signal();
  saved.connect(() => "heard");
  const outer = saved.mute();
  const inner = saved.mute();

  inner[Symbol.dispose]();
  inner[Symbol.dispose]();
  assert(saved.muted);
  assertEquals(saved.send(null), []);

  outer[Symbol.dispose]();
  assertFalse(saved.muted);
  assertEquals(saved.send(null).length, 1);
});

Deno.test("Signal.mute() still rejects bad params with a TypeError", async () => {
  const saved = new Signal<{ id: number }>();
  using _quiet = saved.mute();

  // @ts-expect-error `sender` is reserved
  assertThrows(() => saved.send(null, { id: 1, sender: "x" }), TypeError);
  await assertRejects(
    () => saved.sendAsync(null, 5 as unknown as { id: number }),
    TypeError,
    "params is not an object",
  );
});

Deno.test("Signal.mute() still refuses params that hide a reserved key", () => {
  const saved = new Signal<{ id: number }, string>();
  saved.connect(() => {});
  using _quiet = saved.mute();
  const forged = new Proxy({ id: 1, sender: "forged" }, {
    has: (target, key) => key !== "sender" && key in target,
  });

  assertThrows(
    // @ts-expect-error a reserved key is refused in a variable too
    () => saved.send("db", forged),
    TypeError,
    `params has the key "sender"`,
  );
});

// Named signals

Deno.test("Signal with a name says it in every error it throws", async () => {
  const stopped = new Signal<{ id: number }>({ name: "connectionStopped" });
  assertEquals(stopped.name, "connectionStopped");

  const forged = { id: 1, sender: "forged" } as { id: number };
  assertThrows(
    () => stopped.send(null, forged),
    TypeError,
    'Cannot send signal "connectionStopped": params has the key "sender"',
  );
  assertThrows(
    () => stopped.connect(null as never),
    TypeError,
    'Cannot connect receiver to signal "connectionStopped": receiver is not a function',
  );
  assertThrows(
    () => stopped.disconnect(null as never),
    TypeError,
    'Cannot disconnect receiver from signal "connectionStopped"',
  );
  await assertRejects(
    () => stopped.next(5 as never),
    TypeError,
    'Cannot wait for signal "connectionStopped": options is not an object',
  );
  assertThrows(
    () => stopped.events({ limit: 0 }),
    TypeError,
    'Cannot iterate over signal "connectionStopped": options.limit is not a positive integer',
  );
});

Deno.test("Signal shows its name when inspected", () => {
  const stopped = new Signal({ name: "connectionStopped" });

  assertEquals(Deno.inspect(stopped), 'Signal { name: "connectionStopped" }');
  assertEquals(Deno.inspect(new Signal()), "Signal {}");
  using _quiet = stopped.mute();
  assertEquals(
    Deno.inspect(stopped),
    'Signal { name: "connectionStopped", muted: true }',
  );
  // What Node's util.inspect calls, wherever the test runs.
  const nodeInspect = (stopped as unknown as Record<symbol, () => string>)[
    Symbol.for("nodejs.util.inspect.custom")
  ];
  assertEquals(
    nodeInspect?.call(stopped),
    'Signal { name: "connectionStopped", muted: true }',
  );
});

Deno.test("Signal refuses a name that is not a string, and options that are not an object", () => {
  for (const name of [1, null, Symbol("name"), {}]) {
    assertThrows(
      () => new Signal({ name: name as string }),
      TypeError,
      "Cannot create signal: options.name is not a string",
    );
  }
  assertThrows(
    () => new Signal(5 as never),
    TypeError,
    "Cannot create signal: options is not an object",
  );
  assertEquals(new Signal().name, undefined);
  assertEquals(new Signal({}).name, undefined);
});

// Bad input

Deno.test("Signal.next() rejects bad options with a TypeError naming them, and listens to nothing", async () => {
  const saved = new Signal<Record<never, never>, string>();
  const cases: Array<[unknown, string]> = [
    [5, "options is not an object"],
    [[], "options is an array, not an object"],
    [{ signal: {} }, "options.signal is not an AbortSignal"],
    [
      { signal: Object.create(AbortSignal.prototype) },
      "options.signal is not an AbortSignal",
    ],
  ];
  for (const [options, message] of cases) {
    const next = saved.next(options as never);
    assertFalse(saved.hasReceivers());
    await assertRejects(
      () => next,
      TypeError,
      `Cannot wait for signal: ${message}`,
    );
  }
});

Deno.test("Signal.events() throws a TypeError naming a bad option, and listens to nothing", () => {
  const saved = new Signal<Record<never, never>, string>();
  const cases: Array<[unknown, string]> = [
    [5, "options is not an object"],
    [{ signal: "abort" }, "options.signal is not an AbortSignal"],
    [{ limit: 0 }, "options.limit is not a positive integer"],
    [{ limit: 1.5 }, "options.limit is not a positive integer"],
    [{ limit: "2" }, "options.limit is not a positive integer"],
    [{ limit: -1 }, "options.limit is not a positive integer"],
    [{ limit: NaN }, "options.limit is not a positive integer"],
  ];
  for (const [options, message] of cases) {
    assertThrows(
      () => saved.events(options as never),
      TypeError,
      `Cannot iterate over signal: ${message}`,
    );
    assertFalse(saved.hasReceivers());
  }
});
