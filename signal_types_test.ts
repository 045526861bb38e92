/**
 * Type tests: what the compiler accepts and refuses, one positive and one
 * negative case per rule. Each `// @ts-expect-error` line fails `deno check`
 * (and so `deno test`) when the error it expects goes away; the lines next to
 * them must compile. The runtime assertions check that what compiles also
 * does what its type says.
 */

import { assert, assertEquals, assertFalse, assertThrows } from "@std/assert";
import { type AnySignal, Signal, type SomeReceiver } from "./mod.ts";

class Server {
  constructor(readonly name = "server") {}
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
