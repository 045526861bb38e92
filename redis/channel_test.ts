import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertRejects,
  assertThrows,
} from "@std/assert";
import {
  devalueCodec,
  RedisChannel,
  redisChannel,
  RedisChannelError,
} from "./mod.ts";
import { connectPair, LIBRARIES } from "./testing/clients.ts";
import { startRedis } from "./testing/server.ts";
import { nextEvent, noUnhandledRejections } from "./testing/events.ts";

for (const library of LIBRARIES) {
  Deno.test(`redisChannel() with ${library} publishes to every channel on the Redis channel, itself included`, async () => {
    await using _hook = noUnhandledRejections();
    await using server = await startRedis();
    await using a = await connectPair(library, server.url);
    await using b = await connectPair(library, server.url);
    const one = redisChannel({ ...pick(a), channel: "t" });
    const two = redisChannel({ ...pick(b), channel: "t" });
    try {
      await Promise.all([one.ready, two.ready]);
      const heardByOne = nextEvent(one, "message");
      const heardByTwo = nextEvent(two, "message");
      await one.postMessage("hello");
      assertEquals((await heardByOne).data, "hello");
      assertEquals((await heardByTwo).data, "hello");
    } finally {
      await one.close();
      await two.close();
    }
  });

  Deno.test(`redisChannel() with ${library} refuses one client as both publisher and subscriber`, async () => {
    await using server = await startRedis();
    await using pair = await connectPair(library, server.url);
    assertThrows(
      () =>
        redisChannel({
          publisher: pair.publisher,
          subscriber: pair.publisher,
          channel: "t",
        }),
      TypeError,
      "a Redis connection in subscriber mode cannot publish",
    );
  });

  Deno.test(`redisChannel() with ${library} refuses a publisher that is in subscriber mode`, async () => {
    await using server = await startRedis();
    await using a = await connectPair(library, server.url);
    await using b = await connectPair(library, server.url);
    const first = redisChannel({ ...pick(a), channel: "t" });
    await first.ready;
    try {
      assertThrows(
        () =>
          redisChannel({
            publisher: a.subscriber,
            subscriber: b.subscriber,
            channel: "t",
          }),
        TypeError,
        "publisher is in subscriber mode",
      );
    } finally {
      await first.close();
    }
  });

  Deno.test(`RedisChannel.postMessage() with ${library} fails at once with "unavailable" while the server is down`, async () => {
    await using _hook = noUnhandledRejections();
    await using server = await startRedis();
    await using pair = await connectPair(library, server.url);
    const channel = redisChannel({ ...pick(pair), channel: "t" });
    try {
      await channel.ready;
      const lost = nextEvent(channel, "error");
      await server.kill();
      const event = await lost;
      assertEquals(
        (event as unknown as { error: RedisChannelError }).error.code,
        "disconnected",
      );
      await waitFor(() => !isReady(pair.publisher));
      const started = performance.now();
      const error = await assertRejects(
        () => channel.postMessage("x"),
        RedisChannelError,
      );
      assertEquals(error.code, "unavailable");
      // "At once": not after a reconnect attempt, nor a command timeout.
      assert(performance.now() - started < 1_000);
      await server.restart();
      await channel.ready;
      const heard = nextEvent(channel, "message");
      await waitFor(() => isReady(pair.publisher));
      await channel.postMessage("after");
      assertEquals((await heard).data, "after");
    } finally {
      await channel.close();
    }
  });
}

Deno.test("redisChannel() refuses what is not a client, naming the argument", () => {
  for (const publisher of [undefined, null, 1, {}, { publish() {} }]) {
    assertThrows(
      () =>
        redisChannel({
          publisher: publisher as never,
          subscriber: { publish() {}, subscribe() {}, on() {} },
          channel: "t",
        }),
      TypeError,
      "Cannot create Redis channel: publisher is",
    );
  }
});

Deno.test("redisChannel() refuses a channel name that is not a non-empty string", async () => {
  await using server = await startRedis();
  await using pair = await connectPair("redis@5", server.url);
  for (const channel of ["", 1, undefined]) {
    assertThrows(
      () => redisChannel({ ...pick(pair), channel: channel as string }),
      TypeError,
      "channel is not a non-empty string",
    );
  }
  assertThrows(
    () => redisChannel({ ...pick(pair), channel: "t", codec: {} as never }),
    TypeError,
    "codec is not an object with encode and decode functions",
  );
});

Deno.test("RedisChannel.postMessage() refuses a value that is not a string, at once", async () => {
  await using server = await startRedis();
  await using pair = await connectPair("redis@5", server.url);
  const channel = redisChannel({ ...pick(pair), channel: "t" });
  try {
    assertInstanceOf(channel, RedisChannel);
    assertThrows(
      () => channel.postMessage({} as never),
      TypeError,
      "Cannot post message",
    );
    assertEquals(channel.codec, devalueCodec);
  } finally {
    await channel.close();
  }
});

function pick(pair: { publisher: unknown; subscriber: unknown }) {
  return {
    publisher: pair.publisher as never,
    subscriber: pair.subscriber as never,
  };
}

function isReady(client: unknown): boolean {
  const c = client as { isReady?: boolean; status?: string };
  return c.isReady ?? c.status === "ready";
}

async function waitFor(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("Timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
