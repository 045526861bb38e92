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
import { nextEvent, noUnhandledRejections } from "../testing/events.ts";

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
  Deno.test(`RedisChannel.close() with ${library} leaves the clients connected and their error listeners as they were`, async () => {
    await using server = await startRedis();
    await using pair = await connectPair(library, server.url);
    const errorListeners = () =>
      [pair.publisher, pair.subscriber].map((client) =>
        (client as unknown as { listenerCount(event: string): number })
          .listenerCount("error")
      );
    const before = errorListeners();
    const channel = redisChannel({ ...pick(pair), channel: "t" });
    await channel.ready;
    // The channel never listens to "error": the user decides what it does.
    assertEquals(errorListeners(), before);
    await channel.close();
    await channel.close();
    assert(isReady(pair.publisher) && isReady(pair.subscriber));
    await (pair.publisher as unknown as {
      publish(c: string, m: string): Promise<unknown>;
    })
      .publish("t", "still connected");
  });
}

Deno.test("RedisChannel.ready rejects, and an error event says why, when SUBSCRIBE fails", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startRedis();
  // A user that may subscribe to "other" only: SUBSCRIBE t fails with NOPERM.
  await server.cli(
    "ACL",
    "SETUSER",
    "limited",
    "on",
    "nopass",
    "~*",
    "&other",
    "+@all",
  );
  for (const library of LIBRARIES) {
    const url = server.url.replace("redis://", "redis://limited@");
    await using pair = await connectPair(library, url);
    const channel = redisChannel({ ...pick(pair), channel: "t" });
    const event = nextEvent(channel, "error");
    const error = await assertRejects(() => channel.ready, RedisChannelError);
    assertEquals(error.code, "subscribe", library);
    assertEquals(
      ((await event) as unknown as { error: RedisChannelError }).error,
      error,
    );
    await channel.close();
  }
});

Deno.test("redisChannel() refuses a client that is not connected", async () => {
  await using server = await startRedis();
  await using pair = await connectPair("redis@5", server.url);
  const { createClient } = await import("npm:redis@5.12.1");
  const never = createClient({ url: server.url });
  assertThrows(
    () =>
      redisChannel({
        publisher: pair.publisher,
        subscriber: never as never,
        channel: "t",
      }),
    TypeError,
    "Cannot create Redis channel: subscriber (node-redis) is not connected",
  );
  await using quit = await connectPair("ioredis", server.url);
  await quit.close();
  await waitFor(() =>
    (quit.publisher as unknown as { status: string }).status === "end"
  );
  assertThrows(
    () =>
      redisChannel({
        publisher: quit.publisher,
        subscriber: quit.subscriber,
        channel: "t",
      }),
    TypeError,
    "Cannot create Redis channel: publisher (ioredis) is not connected",
  );
});

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
