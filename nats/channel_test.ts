import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertRejects,
  assertThrows,
} from "@std/assert";
import {
  nextEvent,
  noUnhandledRejections,
  settlesAtOnce,
  until,
  within,
} from "../testing/events.ts";
import {
  type NatsChannel,
  natsChannel,
  NatsChannelError,
  type NatsConnectionLike,
} from "./mod.ts";
import { connect } from "@nats-io/transport-node";
import { connectNats } from "./testing/relays.ts";
import { startNats } from "./testing/server.ts";

function heard(channel: NatsChannel): string[] {
  const texts: string[] = [];
  channel.addEventListener("message", (event) => {
    texts.push((event as MessageEvent).data);
  });
  return texts;
}

/** A connection that records what is asked of it, for argument checks. */
function standIn(): NatsConnectionLike & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    publish: () => void calls.push("publish"),
    subscribe: () => {
      calls.push("subscribe");
      return { unsubscribe: () => void calls.push("unsubscribe") };
    },
    status: () => ({ async *[Symbol.asyncIterator]() {} }),
    info: { max_payload: 1024 },
    isClosed: () => false,
    flush: () => Promise.resolve(),
  };
}

Deno.test("natsChannel() publishes to every channel on the subject, itself included unless noEcho", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startNats();
  const echoing = await connectNats(server.url);
  const quiet = await connectNats(server.url, { noEcho: true });
  try {
    const a = natsChannel({ connection: echoing, subject: "app" });
    const b = natsChannel({ connection: quiet, subject: "app" });
    const [heardA, heardB] = [heard(a), heard(b)];
    await within(Promise.all([a.ready, b.ready]), "both subscriptions");
    a.postMessage("from a");
    b.postMessage("from b");
    await until(() => heardA.length === 2 && heardB.length === 1, "delivery");
    assertEquals(heardA.sort(), ["from a", "from b"]);
    // noEcho: the connection never hears its own publish.
    assertEquals(heardB, ["from a"]);
    await a.close();
    await b.close();
  } finally {
    await echoing.close();
    await quiet.close();
  }
});

Deno.test("NatsChannel.postMessage() takes max_payload bytes of multi-byte text and refuses one more with a RangeError, publishing nothing", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startNats({ maxPayload: 1024 });
  const connection = await connectNats(server.url);
  try {
    const channel = natsChannel({ connection, subject: "big" });
    const texts = heard(channel);
    await channel.ready;
    assertEquals(channel.maxBytes, 1024);
    const fits = "é".repeat(512); // 1,024 bytes in 512 characters
    const over = fits + "a"; // 1,025 bytes
    assertThrows(
      () => channel.postMessage(over),
      RangeError,
      "1025 bytes, over the server's max_payload of 1024 bytes",
    );
    assertThrows(
      () => channel.postMessage("é".repeat(513)),
      RangeError,
      "1026 bytes",
    );
    channel.postMessage(fits);
    channel.postMessage("next");
    await until(() => texts.length === 2, "the messages that fit");
    assertEquals(texts, [fits, "next"]);
    await channel.close();
  } finally {
    await connection.close();
  }
});

Deno.test("NatsChannel.postMessage() fails at once with unavailable while the server is down, and the channel hears again after a restart", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startNats();
  const connection = await connectNats(server.url);
  const other = await connectNats(server.url);
  try {
    const channel = natsChannel({ connection, subject: "app" });
    const texts = heard(channel);
    await channel.ready;
    const disconnected = nextEvent(channel, "error");
    await server.kill();
    const event = await disconnected;
    assertInstanceOf(event.error, NatsChannelError);
    assertEquals(event.error.code, "disconnected");
    for (let i = 0; i < 100; i++) {
      const post = channel.postMessage(`down ${i}`);
      assert(post !== undefined, "a post while down returns a rejection");
      assert(await settlesAtOnce(post), "a post while down settles at once");
      const error = await assertRejects(
        () => post,
        NatsChannelError,
        "connection is down",
      );
      assertEquals(error.code, "unavailable");
    }
    await server.restart();
    await within(channel.ready, "the resubscription");
    // `other` may still be reconnecting: publish until it is heard (bounded).
    for (let i = 0; texts.length === 0 && i < 200; i++) {
      other.publish("app", `up ${i}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert(texts.length > 0, "a message after the restart arrives");
    assert(texts.every((text) => text.startsWith("up ")), "nothing from down");
    await channel.close();
  } finally {
    await connection.close();
    await other.close();
  }
});

Deno.test("NatsChannel reports a connection that is closed for good, rejects ready and refuses posts as unavailable", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startNats();
  // No reconnects: once the server goes, the client closes the connection.
  const connection = await connect({ servers: server.url, reconnect: false });
  try {
    const channel = natsChannel({ connection, subject: "app" });
    await channel.ready;
    const errors: string[] = [];
    channel.addEventListener("error", (event) => {
      errors.push((event as Event & { error: NatsChannelError }).error.message);
    });
    await server.kill();
    await until(() => connection.isClosed(), "the client to close");
    await assertRejects(() => channel.ready, NatsChannelError, "closed");
    assertEquals(errors.length, 1, "reported once");
    const post = channel.postMessage("late");
    assert(post !== undefined && await settlesAtOnce(post));
    const error = await assertRejects(() => post!, NatsChannelError);
    assertEquals(error.code, "unavailable");
    await channel.close();
  } finally {
    await connection.close();
  }
});

Deno.test("NatsChannel dispatches bytes that are not UTF-8 as messageerror, and the next message arrives", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startNats();
  const connection = await connectNats(server.url);
  try {
    const channel = natsChannel({ connection, subject: "raw" });
    const texts = heard(channel);
    await channel.ready;
    const bad = nextEvent(channel, "messageerror");
    await server.publish("raw", new Uint8Array([0xff, 0xfe, 0x00]));
    await bad;
    await server.publish("raw", "good");
    await until(() => texts.length === 1, "the good message");
    assertEquals(texts, ["good"]);
    await channel.close();
  } finally {
    await connection.close();
  }
});

Deno.test("NatsChannel.close() unsubscribes, is idempotent and leaves the connection open", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startNats();
  const connection = await connectNats(server.url);
  try {
    const channel = natsChannel({ connection, subject: "app" });
    const texts = heard(channel);
    await channel.ready;
    await channel.close();
    await channel.close();
    assert(!connection.isClosed());
    await server.publish("app", "after close");
    await connection.flush();
    assertEquals(texts, []);
    await assertRejects(
      () => channel.postMessage("x") as Promise<never>,
      NatsChannelError,
      "channel is closed",
    );
  } finally {
    await connection.close();
  }
});

Deno.test("natsChannel() refuses what is not an open NATS connection, naming the argument, and subscribes nothing", async () => {
  assertThrows(
    () => natsChannel(undefined as never),
    TypeError,
    "Cannot create NATS channel: options is not an object",
  );
  assertThrows(
    () => natsChannel({ connection: { publish() {} } as never, subject: "a" }),
    TypeError,
    "connection is not a NATS connection",
  );
  const closed = { ...standIn(), isClosed: () => true };
  assertThrows(
    () => natsChannel({ connection: closed, subject: "a" }),
    TypeError,
    "connection is closed",
  );
  assertEquals(closed.calls, []);
  await using server = await startNats();
  const real = await connectNats(server.url);
  await real.close();
  assertThrows(
    () => natsChannel({ connection: real, subject: "a" }),
    TypeError,
    "connection is closed",
  );
});

Deno.test("natsChannel() refuses a subject with wildcards, spaces or empty tokens, and a codec without encode and decode", () => {
  const connection = standIn();
  for (
    const subject of ["", "a b", "app.*", "app.>", ">", "a..b", ".a", "a."]
  ) {
    assertThrows(
      () => natsChannel({ connection, subject }),
      TypeError,
      "subject is not a NATS subject without wildcards",
    );
  }
  assertThrows(
    () => natsChannel({ connection, subject: 5 as never }),
    TypeError,
    "(got number)",
  );
  assertThrows(
    () =>
      natsChannel({
        connection,
        subject: "a",
        codec: { encode() {} } as never,
      }),
    TypeError,
    "codec is not an object with encode and decode functions",
  );
  assertEquals(connection.calls, []);
  const channel = natsChannel({ connection, subject: "app.events_1" });
  assertEquals(connection.calls, ["subscribe"]);
  assertEquals(channel.codec, undefined);
});

Deno.test("NatsChannel.postMessage() refuses a value that is not a string, at once", () => {
  const connection = standIn();
  const channel = natsChannel({ connection, subject: "a" });
  assertThrows(
    () => channel.postMessage(42 as never),
    TypeError,
    "Cannot post message: value is not a string",
  );
  assertEquals(connection.calls, ["subscribe"]);
});
