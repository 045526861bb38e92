/**
 * What it costs: work that must grow linearly with its size, timed as the
 * ratio of two sizes in one run (`scalingRatio` in `_test_helpers.ts`), never
 * as an absolute time. Each test is a regression: the cost was quadratic
 * once. Seconds each, so `test:mutation` leaves this file out.
 */

import { assertLess } from "@std/assert";
import { Signal } from "./mod.ts";
import { lowestScalingRatio } from "./_test_helpers.ts";

Deno.test("Signal connects, disconnects and aborts many registrations on one AbortSignal in linear time", () => {
  // Regression: 20,000 connects on one AbortSignal took 0.9 s in Deno and
  // 2 s in Node; aborting took as long again.
  const connectDisconnectAbort = (size: number) => {
    const saved = new Signal();
    const controller = new AbortController();
    const connections = Array.from(
      { length: size },
      (_, i) => saved.connect(() => i, { signal: controller.signal }),
    );
    // Every other one by hand, from the middle out, then abort the rest.
    for (let i = 0; i < size / 2; i += 2) {
      connections[size / 2 + i]!.disconnect();
      connections[size / 2 - i - 1]!.disconnect();
    }
    controller.abort();
  };

  // Linear is 8×; quadratic is 64×.
  const ratio = lowestScalingRatio(connectDisconnectAbort, 2_000, 16_000, 24);

  assertLess(
    ratio,
    24,
    `16,000 registrations took ${ratio.toFixed(1)}× as long as 2,000`,
  );
});

Deno.test("Signal.hasReceivers() takes constant time, however many registrations changed", () => {
  // Regression: it rebuilt the call list after each change, so connect +
  // hasReceivers() in a loop of 20,000 took 2.4 s.
  const connectAndAsk = (size: number) => {
    const saved = new Signal<Record<never, never>, string>();
    for (let i = 0; i < size; i++) {
      saved.connect(() => i, i % 2 ? { sender: "db" } : undefined);
      if (!saved.hasReceivers("db")) throw new Error("no receivers");
    }
  };

  const ratio = lowestScalingRatio(connectAndAsk, 2_000, 16_000, 24);

  assertLess(
    ratio,
    24,
    `16,000 rounds took ${ratio.toFixed(1)}× as long as 2,000`,
  );
});

Deno.test("Signal.events() takes each held send in constant time, however long the backlog", () => {
  // Regression: Array#shift made draining a backlog of 80,000 quadratic.
  const sendThenTake = (size: number) => {
    const ticked = new Signal<{ n: number }>();
    const events = ticked.events();
    for (let n = 0; n < size; n++) ticked.send(null, { n });
    for (let n = 0; n < size; n++) events.next();
    events.return();
  };

  // Linear is 16×; the copying shift made it over 1,000×.
  const ratio = lowestScalingRatio(sendThenTake, 4_000, 64_000, 100);

  assertLess(ratio, 100, `64,000 took ${ratio.toFixed(1)}× as long as 4,000`);
});
