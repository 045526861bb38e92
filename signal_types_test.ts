/**
 * Type tests: what the compiler accepts and refuses, one positive and one
 * negative case per rule. Each `// @ts-expect-error` line fails `deno check`
 * (and so `deno test`) when the error it expects goes away; the lines next to
 * them must compile. The runtime assertions check that what compiles also
 * does what its type says.
 */

import { assert, assertEquals, assertFalse, assertThrows } from "@std/assert";
import {
  type AnySignal,
  type ConnectedReceiver,
  type ConnectOptions,
  type ReceiverArgs,
  type Responses,
  Signal,
  type SignalParams,
  type SomeReceiver,
} from "./mod.ts";

class Server {
  constructor(readonly name = "server") {}
}
class Model {
  static table = "models";
}
class User extends Model {
  static override table = "users";
  static admin = true;
}

/** Compiles only when `Actual` and `Expected` are the same type. */
function assertType<Expected>() {
  return <Actual>(
    _value: Actual,
    ..._same: [Actual] extends [Expected]
      ? [Expected] extends [Actual] ? [] : ["not the expected type"]
      : ["not the expected type"]
  ): void => {};
}

// 1. Sound variance, and a common type

Deno.test("Signal is invariant in its params, sender and response types", () => {
  const stopped = new Signal<{ a: number }, Server, string>();
  const same: Signal<{ a: number }, Server, string> = stopped;
  // @ts-expect-error through a wider sender and response, anyone could send it
  const wide: Signal<{ a: number }, unknown, unknown> = stopped;
  // @ts-expect-error a narrower sender is no better: receivers of any Server are there
  const narrow: Signal<{ a: number }, never, string> = stopped;
  // @ts-expect-error nor are params with fewer keys
  const fewer: Signal<Record<never, never>, Server, string> = stopped;
  assert(same === stopped && wide && narrow && fewer);
});

Deno.test("AnySignal holds signals of any type, and does only what is safe with each", () => {
  const stopped = new Signal<{ id: number }, Server, string>();
  const ticked = new Signal<Record<never, never>, "clock", void>();
  const untyped = new Signal();
  const signals: AnySignal[] = [stopped, ticked, untyped];
  const byName = new Map<string, AnySignal>([["stopped", stopped]]);
  const server = new Server();
  const log = () => "logged";
  const tick = () => {};
  stopped.connect(log, { sender: server });
  ticked.connect(tick, { uniqueId: "tick" });

  const heard: SomeReceiver[] = signals.flatMap((signal) =>
    signal.receivers(server)
  );
  assertEquals(heard, [log, tick]);
  assert(byName.get("stopped")?.hasReceivers(server));
  assert(signals[1]?.disconnect({ uniqueId: "tick" }));
  assertEquals(signals.map((signal) => signal.disconnectAll()), [1, 0, 0]);
  const named: AnySignal = new Signal<{ id: number }>({ name: "saved" });
  assertEquals(named.name, "saved");
  using _quiet = named.mute();
  assert(named.muted);
  const anySignal: AnySignal = new Signal<{ id: number }, Server, string>();
  // @ts-expect-error an AnySignal cannot send: its params are unknown
  anySignal.send(server, { id: 1 });
  // @ts-expect-error nor connect: its receivers' response type is unknown
  anySignal.connect(() => 42);
  // @ts-expect-error a SomeReceiver cannot be called: what it takes is unknown
  assertEquals(heard[0]?.({}), "logged");
});

// 2. `undefined` where the runtime takes it

Deno.test("Signal options accept undefined for each option, meaning left out", () => {
  const saved = new Signal<Record<never, never>, Server, string>();
  function listen(sender?: Server, uniqueId?: string) {
    return saved.connect(() => "heard", {
      sender,
      uniqueId,
      once: undefined,
      signal: undefined,
    });
  }
  const connection = listen();

  assertEquals(saved.send(new Server()).length, 1);
  assertFalse(saved.disconnect(() => "", { sender: undefined }));
  assert(connection.connected);
  assertEquals(saved.send(new Server(), undefined).length, 1);
  // @ts-expect-error null is not undefined: it is a wrong uniqueId
  assertThrows(() => saved.connect(() => "", { uniqueId: null }), TypeError);
  // @ts-expect-error a wrong type is still refused
  assertThrows(() => saved.connect(() => "", { once: "yes" }), TypeError);
});

// 3. `this: void` receivers

Deno.test("Signal.connect() refuses a method that declares `this`", () => {
  class Counter {
    count = 0;
    increment(this: Counter): void {
      this.count++;
    }
  }
  const counter = new Counter();
  const ticked = new Signal<Record<never, never>, null, void>();
  // @ts-expect-error `increment` needs its `this`, which a send does not give
  ticked.connect(counter.increment);
  ticked.connect(() => counter.increment());
  ticked.connect(counter.increment.bind(counter));

  assertThrows(() => ticked.send(null), TypeError);
  assertEquals(counter.count, 0);
  // @ts-expect-error likewise for disconnect
  ticked.disconnect(counter.increment);
  ticked.send(null);
  assertEquals(counter.count, 2);
});

// 4. Per-sender narrowing

Deno.test("Signal.connect() gives a receiver for one sender that sender's type", () => {
  const created = new Signal<{ id: number }, typeof Model, string>();
  created.connect(({ sender }) => `${sender.table} admin: ${sender.admin}`, {
    sender: User,
  });
  const other = new Signal<{ id: number }, typeof Model, string>();
  // @ts-expect-error without a sender it may hear Model, which has no `admin`
  other.connect(({ sender }) => `${sender.admin}`);
  const ticked = new Signal<Record<never, never>, string, string>();
  ticked.connect(({ sender }) => {
    assertType<"clock">()(sender);
    return sender;
  }, { sender: "clock" });

  assertEquals(created.send(User, { id: 1 }).map(([, said]) => said), [
    "users admin: true",
  ]);
  assertEquals(created.send(Model, { id: 2 }), []);
  assertEquals(ticked.send("clock").map(([, said]) => said), ["clock"]);
});

Deno.test("Signal.connect() narrows only when the sender is surely given", () => {
  const created = new Signal<Record<never, never>, typeof Model, string>();
  function listen(sender?: typeof User) {
    // @ts-expect-error an undefined sender hears every Model
    created.connect(({ sender }) => `${sender.admin}`, { sender });
    return created.connect(({ sender }) => sender.table, { sender });
  }
  const untyped = new Signal();
  const options: ConnectOptions<Server> = {};
  // @ts-expect-error options typed with an optional sender may have none
  untyped.connect(({ sender }) => sender.name, options);
  untyped.connect(({ sender }) => String(sender), options);

  listen();
  // The refused receiver would have read `admin` of Model.
  assertEquals(created.send(Model).map(([, said]) => said), [
    "undefined",
    "models",
  ]);
});

Deno.test("Signal.receivers() and disconnect() accept what connect() accepted", () => {
  type Created = ReceiverArgs<
    Record<never, never>,
    typeof Model,
    string,
    typeof User
  >;
  const created = new Signal<Record<never, never>, typeof Model, string>();
  const forUsers = ({ sender }: Created) => `${sender.admin}`;
  created.connect(forUsers, { sender: User });
  const other = new Signal<Record<never, never>, typeof Model, string>();
  // @ts-expect-error a receiver for users cannot hear every Model
  other.connect(forUsers);
  // @ts-expect-error nor Model itself
  other.connect(forUsers, { sender: Model });

  assert(created.receivers(User).includes(forUsers));
  const responses: Responses<Record<never, never>, typeof Model, string> =
    created.send(User);
  assertEquals(responses, [[forUsers, "true"]]);
  // @ts-expect-error it was connected for User, so disconnect names User
  assertFalse(created.disconnect(forUsers));
  for (const receiver of created.receivers(User)) {
    assert(created.disconnect(receiver, { sender: User }));
  }
  assertEquals(created.send(User), []);
});

Deno.test("Signal.next() and events() give one sender's type, as connect() does", async () => {
  const created = new Signal<{ id: number }, typeof Model, string>();
  const next = created.next({ sender: User });
  using events = created.events({ sender: User });
  const other = new Signal<{ id: number }, typeof Model, string>();
  using anyModel = other.events();
  // @ts-expect-error without a sender it may be any Model
  const admin = anyModel.next().then(({ value }) => value?.sender.admin);

  created.send(Model, { id: 1 });
  created.send(User, { id: 2 });
  const { sender, id } = await next;
  assertEquals([sender.admin, id], [true, 2]);
  const heard = await events.next();
  assertEquals(heard.done ? undefined : heard.value.sender.admin, true);
  other.send(Model, { id: 3 });
  assertEquals(await admin, undefined);
});

// 5. Reserved keys, for every params type

Deno.test("Signal refuses reserved keys whatever its params type", () => {
  const counts = new Signal<Record<string, number>>();
  const anything = new Signal<object>();
  const unknowns = new Signal<Record<string, unknown>>();
  const mixed = new Signal<{ id: number; [key: string]: number }>();
  counts.connect(({ sender, signal, hits }) => {
    assertType<unknown>()(sender);
    assertType<Signal<Record<string, number>>>()(signal);
    assertType<number | undefined>()(hits);
  });

  counts.send(null, { hits: 1 });
  anything.send(null, { any: "thing" });
  unknowns.send(null, { any: "thing" });
  mixed.send(null, { id: 1, more: 2 });
  for (
    const send of [
      // @ts-expect-error `sender` is reserved, though any key is a number
      () => counts.send(null, { hits: 1, sender: 2 }),
      // @ts-expect-error `signal` is reserved in any object
      () => anything.send(null, { signal: "x" }),
      // @ts-expect-error `sender` is reserved, though any key is unknown
      () => unknowns.send(null, { sender: "x" }),
      // @ts-expect-error `signal` is reserved beside declared keys too
      () => mixed.sendRobust(null, { id: 1, signal: 2 }),
    ]
  ) {
    assertThrows(send, TypeError, "params has the key");
  }
});

Deno.test("Signal refuses a params type with a reserved key", () => {
  // @ts-expect-error `signal` is reserved
  const withSignal = new Signal<{ signal: string }>();
  // @ts-expect-error `sender` is reserved, optional or not
  const withSender = new Signal<{ id: number; sender?: string }>();
  // @ts-expect-error params are named values, not a string
  const withString = new Signal<string>();
  const fine = new Signal<{ id: number; senderName: string }>();
  assert(withSignal && withSender && withString && fine);
});

// 6. The untyped Signal

Deno.test("Signal without type arguments takes any named values, read as unknown", () => {
  const saved = new Signal();
  const seen: unknown[] = [];
  saved.connect(({ sender, id, anything }) => {
    assertType<unknown>()(id);
    seen.push(sender, id, anything);
    // @ts-expect-error unknown: a receiver must check before using it
    return id + 1;
  });

  saved.send("db", { id: 1 });
  saved.send("db");
  assertEquals(seen, ["db", 1, undefined, "db", undefined, undefined]);
  // @ts-expect-error reserved keys stay refused
  assertThrows(() => saved.send("db", { sender: "x" }), TypeError);
});

Deno.test("Signal with declared params refuses unknown keys in an object literal", () => {
  const saved = new Signal<{ id: number }, string>();
  saved.connect(({ id }) => id);

  assertEquals(saved.send("db", { id: 1 }).length, 1);
  // @ts-expect-error `junk` is not a param of this signal
  assertEquals(saved.send("db", { id: 2, junk: true }).length, 1);
});

// 7. Generic code, receivers handed back, and signals without params

/** What a library author writes: a send over any Signal's params and sender. */
function announce<P extends SignalParams, S>(
  signal: Signal<P, S>,
  sender: S,
  params: P,
) {
  return [
    signal.send(sender, params),
    signal.sendRobust(sender, params),
  ] as const;
}

/** The same, with the async sends. */
function announceAsync<P extends SignalParams, S>(
  signal: Signal<P, S>,
  sender: S,
  params: P,
) {
  return Promise.all([
    signal.sendAsync(sender, params),
    signal.sendAsyncRobust(sender, params),
  ]);
}

Deno.test("Signal's sends compile in code generic over its params and sender", async () => {
  const saved = new Signal<{ id: number }, string>();
  const heard: number[] = [];
  saved.connect(({ id }) => heard.push(id));

  const [sent, robust] = announce(saved, "db", { id: 1 });
  const [sentAsync, robustAsync] = await announceAsync(saved, "db", { id: 2 });
  assertEquals(heard, [1, 1, 2, 2]);
  assertEquals(
    [sent.length, robust.length, sentAsync.length, robustAsync.length],
    [1, 1, 1, 1],
  );
  // @ts-expect-error the params are still checked where the types are known
  announce(saved, "db", { id: "3" });
});

Deno.test("Signal refuses a reserved key sent as undefined", () => {
  const saved = new Signal<{ id: number }, string>();
  const anything = new Signal();
  const params: { id: number; sender?: undefined } = {
    id: 1,
    sender: undefined,
  };
  for (
    const send of [
      // @ts-expect-error `sender` is reserved, even as undefined
      () => saved.send("db", { id: 1, sender: undefined }),
      // @ts-expect-error `signal` is reserved, even as undefined
      () => saved.sendRobust("db", { id: 1, signal: undefined }),
      // @ts-expect-error a value whose type has the key may hold it
      () => saved.send("db", params),
      // @ts-expect-error whatever the params type
      () => anything.send("db", { sender: undefined }),
    ]
  ) {
    assertThrows(send, TypeError, "params has the key");
  }
  // @ts-expect-error a params type may not have it either, even optional and undefined
  const withSender = new Signal<{ id: number; sender?: undefined }>();
  assert(withSender);
});

Deno.test("Signal.receivers() and send results cannot be called as hearing every sender", () => {
  const created = new Signal<Record<never, never>, typeof Model, string>();
  const forUsers = ({ sender }: { sender: typeof User }) =>
    sender.admin.toString();
  const forAll = () => "any model";
  created.connect(forUsers, { sender: User });
  created.connect(forAll);
  const model: typeof Model = User;
  const args = { signal: created, sender: Model };

  const listed = created.receivers(model);
  assertType<ConnectedReceiver<Record<never, never>, typeof Model, string>[]>()(
    listed,
  );
  assert(listed.includes(forUsers) && listed[1] === forAll);
  // @ts-expect-error it may have been connected for User only
  assertThrows(() => listed[0]?.(args), TypeError);
  const [sent] = created.send(model);
  const [robust] = created.sendRobust(model);
  assert(sent !== undefined && robust !== undefined);
  const [sentTo] = sent;
  const [robustTo] = robust;
  // @ts-expect-error likewise for the receiver a send returns
  assertThrows(() => sentTo(args), TypeError);
  // @ts-expect-error and for sendRobust's
  assertThrows(() => robustTo(args), TypeError);
  assert(sentTo === forUsers && robustTo === forUsers);
  assert(created.disconnect(sentTo, { sender: User }));
  assertEquals(created.receivers(), [forAll]);
});

Deno.test("Signal.send() may leave out the sender when it may be undefined and no param is required", async () => {
  const ready = new Signal<Record<never, never>>();
  const heard: unknown[] = [];
  ready.connect(({ sender }) => heard.push(sender));

  assertEquals(ready.send().length, 1);
  assertEquals(ready.sendRobust().length, 1);
  assertEquals((await ready.sendAsync()).length, 1);
  assertEquals((await ready.sendAsyncRobust()).length, 1);
  assertEquals(heard, [undefined, undefined, undefined, undefined]);
  const maybe = new Signal<{ reason?: string }, Server | undefined>();
  assertEquals(maybe.send(), []);
  const withParams = new Signal<{ id: number }>();
  const withSender = new Signal<Record<never, never>, Server>();
  // @ts-expect-error its params are required
  assertEquals(withParams.send(), []);
  // @ts-expect-error and so is its sender
  assertEquals(withSender.send(), []);
  // @ts-expect-error likewise for the other sends
  assertEquals(withSender.sendRobust(), []);
  // @ts-expect-error its params are required here too
  assertEquals(await withParams.sendAsync(), []);
  // @ts-expect-error and its sender
  assertEquals(await withSender.sendAsyncRobust(), []);
});

// 8. Readable errors

/** Each misuse, the code that makes it, and what its error must say. */
const MISUSES: ReadonlyArray<{
  misuse: string;
  code: string;
  firstLine: string;
  says?: string;
  /** `exactOptionalPropertyTypes`, on unless told (TypeScript's default is off). */
  exact?: boolean;
}> = [
  {
    misuse: "a reserved key in a send",
    code:
      `new Signal<{ id: number }, string>().send("db", { id: 1, sender: "x" });`,
    firstLine:
      `Type 'string' is not assignable to type 'Misuse<"sender is reserved: pass the sender as send()'s first argument">'`,
  },
  {
    misuse: "a reserved key beside an index signature",
    code: `new Signal<Record<string, number>>().send(null, { signal: 1 });`,
    firstLine:
      `Type 'number' is not assignable to type 'Misuse<"signal is reserved: receivers get the Signal under this key">'`,
  },
  {
    misuse: "a reserved key in the params type",
    code: `new Signal<{ sender: string }>();`,
    firstLine:
      "Type '{ sender: string; }' does not satisfy the constraint 'SignalParams<{ sender: string; }>'",
    says: `sender is reserved: pass the sender as send()'s first argument`,
  },
  {
    misuse:
      "a reserved key sent as undefined, without exactOptionalPropertyTypes",
    code:
      `new Signal<{ id: number }, string>().send("db", { id: 1, sender: undefined });`,
    exact: false,
    firstLine:
      `Type 'undefined' is not assignable to type 'Misuse<"sender is reserved: pass the sender as send()'s first argument">'`,
  },
  {
    misuse:
      "an optional reserved key in the params type, without exactOptionalPropertyTypes",
    code: `new Signal<{ id: number; sender?: undefined }>();`,
    exact: false,
    firstLine:
      "Type '{ id: number; sender?: undefined; }' does not satisfy the constraint 'SignalParams<{ id: number; sender?: undefined; }>'",
    says: "Property 'sender' is optional in type",
  },
  {
    misuse: "missing params",
    code: `new Signal<{ id: number }, string>().send("db");`,
    firstLine: "Expected 2 arguments, but got 1",
  },
  {
    misuse: "missing params and sender",
    code: `new Signal<{ id: number }, string>().send();`,
    firstLine: "Expected 2 arguments, but got 0",
    says: "Arguments for the rest parameter 'args' were not provided",
  },
  {
    misuse: "a missing sender",
    code: `new Signal<Record<never, never>, string>().send();`,
    firstLine: "Expected 1-2 arguments, but got 0",
  },
  {
    misuse: "a missing param",
    code: `new Signal<{ id: number }, string>().send("db", {});`,
    firstLine:
      "Argument of type '{}' is not assignable to parameter of type '{ id: number; } & NoReservedKeys'",
    says: "Property 'id' is missing in type '{}'",
  },
  {
    misuse: "a wrong sender",
    code: `class Server {
  name = "server";
}
new Signal<{ id: number }, Server>().send("server", { id: 1 });`,
    firstLine:
      "Argument of type 'string' is not assignable to parameter of type 'Server'",
  },
];

Deno.test({
  name: "Signal's type errors say what went wrong on their first line",
  // The check runs `deno check`: not where these tests run under Node or Bun.
  ignore: typeof Deno.Command !== "function",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "signalry_types_" });
    try {
      const mod = new URL("./mod.ts", import.meta.url).href;
      const check = async (exact: boolean) => {
        const config = `${dir}/deno.${exact ? "exact" : "default"}.json`;
        await Deno.writeTextFile(
          config,
          JSON.stringify({
            compilerOptions: {
              strict: true,
              exactOptionalPropertyTypes: exact,
            },
            lock: false,
          }),
        );
        const files = await Promise.all(
          MISUSES.flatMap((misuse, i) =>
            (misuse.exact ?? true) === exact ? [{ ...misuse, i }] : []
          ).map(async ({ code, i }) => {
            const file = `${dir}/misuse_${i}.ts`;
            await Deno.writeTextFile(
              file,
              `import { Signal } from "${mod}";\n${code}\n`,
            );
            return file;
          }),
        );
        const { stderr } = await new Deno.Command(Deno.execPath(), {
          args: ["check", "--quiet", "--config", config, ...files],
          env: { NO_COLOR: "1" },
          stdout: "null",
          stderr: "piped",
        }).output();
        return new TextDecoder().decode(stderr);
      };
      const stderr = `${await check(true)}\n${await check(false)}`;
      // An error, then the notes about it that point elsewhere (TS6236…).
      const errors = new Map<number, string>();
      let misuse: number | undefined;
      for (
        const part of stderr.split(/\n(?=TS\d+ )/)
      ) {
        const file = part.match(/\/misuse_(\d+)\.ts:/)?.[1];
        if (file !== undefined) misuse = Number(file);
        if (misuse === undefined) continue;
        errors.set(misuse, `${errors.get(misuse) ?? ""}${part}\n`);
      }
      MISUSES.forEach(({ misuse, firstLine, says }, i) => {
        const error = errors.get(i);
        assert(error !== undefined, `${misuse}: no error`);
        const [first] = error.split("\n");
        assert(
          first?.includes(firstLine),
          `${misuse}: the first line is\n${first}`,
        );
        if (says !== undefined) {
          assert(error.includes(says), `${misuse}: the error is\n${error}`);
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
