/**
 * Options as a newcomer writes them: misspelt keys, `replace` for hot
 * reload, `unmute()` without `using`, sends without params, and methods
 * called without their Signal.
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
import { Signal } from "./mod.ts";

class Server {}

// Unknown option keys

Deno.test("Signal.connect() refuses a misspelt option, names it, and says what was meant", () => {
  const stopped = new Signal<Record<never, never>, Server>();
  const server = new Server();
  const receiver = spy();
  assertThrows(
    // @ts-expect-error a misspelt option is a compile error too
    () => stopped.connect(receiver, { sendr: server }),
    TypeError,
    'Cannot connect receiver: options has no key "sendr"; did you mean "sender"?',
  );
  assertEquals(stopped.send(server), []);
  assertSpyCalls(receiver, 0);
});

Deno.test("Signal.connect() refuses Django's and py4j's names for uniqueId", () => {
  const saved = new Signal();
  const receiver = spy();
  for (const key of ["unique_id", "dispatch_uid"]) {
    assertThrows(
      () => saved.connect(receiver, { [key]: "log" } as { uniqueId?: string }),
      TypeError,
      `options has no key "${key}"; did you mean "uniqueId"?`,
    );
  }
  assertEquals(saved.receivers(), []);
});

Deno.test("Signal.connect() refuses `weak` and says receivers are held until disconnected", () => {
  const saved = new Signal();
  assertThrows(
    // @ts-expect-error `weak` is no option
    () => saved.connect(() => {}, { weak: false }),
    TypeError,
    'options has no key "weak": receivers are held until disconnected',
  );
  assertFalse(saved.hasReceivers());
});

Deno.test("Signal.next() refuses `timeout` and points to AbortSignal.timeout()", async () => {
  const saved = new Signal();
  await assertRejects(
    // @ts-expect-error `timeout` is no option
    () => saved.next({ timeout: 100 }),
    TypeError,
    'Cannot wait for signal: options has no key "timeout"; use signal: AbortSignal.timeout(ms)',
  );
  assertFalse(saved.hasReceivers());
});

Deno.test("Signal.events() and Signal.disconnect() refuse unknown option keys", () => {
  const saved = new Signal<Record<never, never>, string>();
  const receiver = () => {};
  saved.connect(receiver, { sender: "db" });
  assertThrows(
    // @ts-expect-error `limt` is no option
    () => saved.events({ limt: 2 }),
    TypeError,
    'Cannot iterate over signal: options has no key "limt"; did you mean "limit"?',
  );
  assertThrows(
    // @ts-expect-error `sendr` is no option
    () => saved.disconnect(receiver, { sendr: "db" }),
    TypeError,
    'Cannot disconnect receiver: options has no key "sendr"; did you mean "sender"?',
  );
  assert(saved.hasReceivers("db"));
});

Deno.test("new Signal() refuses unknown option keys, and a name given as a string", () => {
  assertThrows(
    // @ts-expect-error `nmae` is no option
    () => new Signal({ nmae: "saved" }),
    TypeError,
    'Cannot create signal: options has no key "nmae"; did you mean "name"?',
  );
  assertThrows(
    // @ts-expect-error blinker's habit: the name as the first argument
    () => new Signal("saved"),
    TypeError,
    'Cannot create signal: options is not an object; write new Signal({ name: "saved" })',
  );
});

Deno.test("Signal.connect() accepts a symbol key and inherited keys in options", () => {
  const saved = new Signal();
  const options = Object.create({ inherited: true });
  options[Symbol("tag")] = 1;
  saved.connect(() => "heard", options);
  assertEquals(saved.send(null).length, 1);
});

// mute() without `using`

Deno.test("Signal.mute() handle's unmute() ends that mute only, once", () => {
  const saved = new Signal();
  saved.connect(() => "heard");
  const first = saved.mute();
  const second = saved.mute();

  first.unmute();
  first.unmute();
  assert(saved.muted);
  assertEquals(saved.send(null), []);
  second.unmute();
  assertFalse(saved.muted);
  assertEquals(saved.send(null).length, 1);
});

Deno.test("Signal.mute() handle's unmute() and [Symbol.dispose] are one operation", () => {
  const saved = new Signal();
  const quiet = saved.mute();
  quiet[Symbol.dispose]();
  assertFalse(saved.muted);
  const again = saved.mute();
  again.unmute();
  again[Symbol.dispose]();
  assertFalse(saved.muted);
});

// replace: true

Deno.test("Signal.connect() with replace swaps the receiver in place, keeping its order", () => {
  const saved = new Signal<Record<never, never>, null, string>();
  saved.connect(() => "first", { uniqueId: "a" });
  const old = saved.connect(() => "stale", { uniqueId: "b" });
  saved.connect(() => "last", { uniqueId: "c" });

  const fresh = () => "reloaded";
  const connection = saved.connect(fresh, { uniqueId: "b", replace: true });
  assertEquals(saved.send(null).map(([, said]) => said), [
    "first",
    "reloaded",
    "last",
  ]);
  assertEquals(saved.receivers()[1], fresh);
  assert(old.connected);
  assert(connection.connected);
  assert(old.disconnect());
  assertFalse(connection.connected);
  assertEquals(saved.send(null).map(([, said]) => said), ["first", "last"]);
});

Deno.test("Signal.connect() with replace connects as usual when nothing has that uniqueId", () => {
  const saved = new Signal<Record<never, never>, string, string>();
  saved.connect(() => "other sender", { uniqueId: "log", sender: "cache" });
  saved.connect(() => "db", { uniqueId: "log", sender: "db", replace: true });
  assertEquals(saved.send("db").map(([, said]) => said), ["db"]);
  assertEquals(saved.send("cache").map(([, said]) => said), ["other sender"]);
});

Deno.test("Signal.connect() without replace keeps the stale receiver, as Django does", () => {
  const saved = new Signal<Record<never, never>, null, string>();
  saved.connect(() => "stale", { uniqueId: "log" });
  saved.connect(() => "fresh", { uniqueId: "log" });
  assertEquals(saved.send(null).map(([, said]) => said), ["stale"]);
});

Deno.test("Signal.connect() refuses replace without a uniqueId, and a replace that is not a boolean", () => {
  const saved = new Signal();
  const receiver = spy();
  assertThrows(
    () => saved.connect(receiver, { replace: true }),
    TypeError,
    "Cannot connect receiver: options.replace needs options.uniqueId",
  );
  assertThrows(
    () =>
      saved.connect(receiver, {
        uniqueId: "log",
        replace: "yes" as unknown as boolean,
      }),
    TypeError,
    "Cannot connect receiver: options.replace is not a boolean",
  );
  assertEquals(saved.receivers(), []);
});

// Methods called without their Signal

Deno.test("Signal's methods called without their Signal say to bind them", () => {
  const clicked = new Signal();
  const { send, connect } = clicked;
  assertThrows(
    () => send(null),
    TypeError,
    "Signal.send() was called without its Signal: bind it (signal.send.bind(signal)) or call it from an arrow function",
  );
  assertThrows(
    () => connect(() => {}),
    TypeError,
    "Signal.connect() was called without its Signal",
  );
  assertStrictEquals(clicked.hasReceivers(), false);
});

Deno.test("Signal's async methods called without their Signal reject with the same TypeError", async () => {
  const clicked = new Signal();
  const { sendAsync, next } = clicked;
  await assertRejects(
    () => sendAsync(null),
    TypeError,
    "Signal.sendAsync() was called without its Signal",
  );
  await assertRejects(
    () => next(),
    TypeError,
    "Signal.next() was called without its Signal",
  );
});
