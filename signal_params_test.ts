/**
 * Params: the same params get the same answer whoever listens. A params
 * Proxy that hides a reserved key from `in` but shows it to a copy is
 * refused by every send, whether a receiver, only another sender's
 * receivers, or nobody is connected.
 */

import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { assertSpyCalls, spy } from "@std/testing/mock";
import { Signal } from "./mod.ts";

type Params = { id: number };

/**
 * Params that say they have no `key` to `in`, but list it among their own
 * enumerable keys, so that a copy (`{ ...params }`) gets it.
 */
function hiding(key: "signal" | "sender"): Params {
  return new Proxy({ id: 1 } as Record<string, unknown>, {
    has: () => false,
    ownKeys: () => ["id", key],
    getOwnPropertyDescriptor: (_, name) =>
      name === "id" || name === key
        ? {
          value: name === key ? "forged" : 1,
          enumerable: true,
          configurable: true,
        }
        : undefined,
  }) as unknown as Params;
}

/** Params behind a Proxy that hides nothing: every send takes them. */
function honest(): Params {
  return new Proxy({ id: 1 }, {});
}

function makeSpy() {
  return spy((_args: unknown) => {});
}

/** A signal with nobody connected, or with only another sender's receiver. */
function signalWith(
  listeners: "nobody" | "another sender",
): [Signal<Params, object, unknown>, ReturnType<typeof makeSpy>] {
  const saved = new Signal<Params, object, unknown>();
  const receiver = makeSpy();
  if (listeners === "another sender") {
    saved.connect(receiver, { sender: {} });
  }
  return [saved, receiver];
}

const LISTENERS = ["nobody", "another sender"] as const;
const KEYS = ["sender", "signal"] as const;

for (const listeners of LISTENERS) {
  const connected = listeners === "nobody"
    ? "nobody connected"
    : "only another sender's receivers connected";

  Deno.test(`Signal.send() refuses params that hide a reserved key from \`in\` with ${connected}`, () => {
    const [saved, receiver] = signalWith(listeners);
    for (const key of KEYS) {
      assertThrows(
        () => saved.send({}, hiding(key)),
        TypeError,
        `Cannot send signal: params has the key "${key}", which is reserved`,
      );
    }
    assertSpyCalls(receiver, 0);
  });

  Deno.test(`Signal.sendRobust() refuses params that hide a reserved key from \`in\` with ${connected}`, () => {
    const [saved, receiver] = signalWith(listeners);
    for (const key of KEYS) {
      assertThrows(
        () => saved.sendRobust({}, hiding(key)),
        TypeError,
        `Cannot send signal: params has the key "${key}", which is reserved`,
      );
    }
    assertSpyCalls(receiver, 0);
  });

  Deno.test(`Signal.sendAsync() refuses params that hide a reserved key from \`in\` with ${connected}`, async () => {
    const [saved, receiver] = signalWith(listeners);
    for (const key of KEYS) {
      await assertRejects(
        () => saved.sendAsync({}, hiding(key)),
        TypeError,
        `Cannot send signal: params has the key "${key}", which is reserved`,
      );
    }
    assertSpyCalls(receiver, 0);
  });

  Deno.test(`Signal.sendAsyncRobust() refuses params that hide a reserved key from \`in\` with ${connected}`, async () => {
    const [saved, receiver] = signalWith(listeners);
    for (const key of KEYS) {
      await assertRejects(
        () => saved.sendAsyncRobust({}, hiding(key)),
        TypeError,
        `Cannot send signal: params has the key "${key}", which is reserved`,
      );
    }
    assertSpyCalls(receiver, 0);
  });

  Deno.test(`Signal.send() and its variants take a Proxy that hides nothing with ${connected}`, async () => {
    const [saved, receiver] = signalWith(listeners);
    assertEquals(saved.send({}, honest()), []);
    assertEquals(saved.sendRobust({}, honest()), []);
    assertEquals(await saved.sendAsync({}, honest()), []);
    assertEquals(await saved.sendAsyncRobust({}, honest()), []);
    assertSpyCalls(receiver, 0);
  });
}

Deno.test("Signal.send() gives params that hide a reserved key the same answer whoever listens", async () => {
  const saved = new Signal<Params, object, unknown>();
  const sender = {};
  const answers: string[] = [];
  const answer = async (send: () => unknown): Promise<void> => {
    try {
      await send();
      answers.push("accepted");
    } catch (error) {
      answers.push(error instanceof TypeError ? error.message : "other");
    }
  };
  await answer(() => saved.send(sender, hiding("sender")));
  saved.connect(() => {}, { sender: {} });
  await answer(() => saved.send(sender, hiding("sender")));
  const connection = saved.connect(() => {}, { sender });
  await answer(() => saved.send(sender, hiding("sender")));
  connection.disconnect();
  {
    using _muted = saved.mute();
    await answer(() => saved.send(sender, hiding("sender")));
  }
  await answer(() => saved.send(sender, hiding("sender")));

  assertEquals(answers.length, 5);
  assertEquals(new Set(answers).size, 1);
  assertEquals(
    answers[0],
    'Cannot send signal: params has the key "sender", which is reserved for the receiver\'s argument',
  );
});
