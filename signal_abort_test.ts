/**
 * AbortSignals and what they end: a promise that `next()` or `events()`
 * handed out settles when its AbortSignal aborts, whatever else was
 * collected; and once an AbortSignal has aborted, nothing registered with
 * it hears a send, even one made by an earlier abort listener.
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
} from "@std/assert";
import { assertSpyCalls, spy } from "@std/testing/mock";
import { Signal } from "./mod.ts";
import { gc } from "./_test_helpers.ts";

class Server {
  readonly stopped = new Signal<{ id: number }, Server>({ name: "stopped" });
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

/** A pending next() of a Signal that only a dropped Server holds. */
function nextOfDroppedServer(abortSignal: AbortSignal): {
  pending: Promise<unknown>;
  signalRef: WeakRef<object>;
} {
  const server = new Server();
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
  signal: Signal<{ id: number }, Server>,
  abortSignal: AbortSignal,
): { pending: Promise<unknown>; senderRef: WeakRef<object> } {
  const server = new Server();
  return {
    pending: signal.events({ sender: server, signal: abortSignal }).next(),
    senderRef: new WeakRef(server),
  };
}

Deno.test("Signal.events() rejects a pending next() on abort after its sender and iterator were collected", async () => {
  const stopped = new Signal<{ id: number }, Server>();
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
  signal: Signal<{ id: number }, Server>,
  abortSignal: AbortSignal,
): { pending: Promise<unknown>; senderRef: WeakRef<object> } {
  const server = new Server();
  return {
    pending: signal.next({ sender: server, signal: abortSignal }),
    senderRef: new WeakRef(server),
  };
}

Deno.test("Signal.next() rejects on abort after its sender was collected", async () => {
  const stopped = new Signal<{ id: number }, Server>();
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
