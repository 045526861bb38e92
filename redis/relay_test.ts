import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { LIBRARIES } from "./testing/clients.ts";
import { noUnhandledRejections } from "../testing/events.ts";
import { startRelay, until, within } from "./testing/relays.ts";
import { startRedis } from "./testing/server.ts";

const codes = (errors: readonly { code: string }[]) =>
  errors.map((error) => error.code);

for (const library of LIBRARIES) {
  Deno.test(`relay() over redisChannel() with ${library} delivers to the other relay, not back to itself`, async () => {
    await using _hook = noUnhandledRejections();
    await using server = await startRedis();
    await using a = await startRelay(library, server.url, "app");
    await using b = await startRelay(library, server.url, "app");
    for (let i = 0; i < 100; i++) a.saved.send("db", { i });
    await within(a.relay.flush(), "a's posts");
    await b.until(() => b.received.length === 100);
    assertEquals(b.received.map(({ params }) => params.i), [
      ...Array(100).keys(),
    ]);
    assertEquals(b.received[0]!.sender, "db");
    // Only the local receivers heard a's sends in a: no echo from Redis.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assertEquals(a.received.length, 100);
    assertEquals(a.relay.stats.received, 0);
    assertEquals([...a.errors, ...b.errors], []);
  });

  Deno.test(`relay() over redisChannel() with ${library} refuses what the codec cannot carry with a TypeError at send`, async () => {
    await using _hook = noUnhandledRejections();
    await using server = await startRedis();
    await using a = await startRelay(library, server.url, "app");
    class User {}
    for (
      const params of [{ f: () => {} }, { s: Symbol("s") }, { u: new User() }]
    ) {
      assertThrows(() => a.saved.send("db", params), TypeError);
    }
    assertEquals(a.received, []);
    assertEquals(a.relay.stats.posted, 0);
  });

  Deno.test(`relay() over redisChannel() with ${library}: while the server is down each send fails at once and is reported, and delivery resumes with the gap reported after a restart`, async () => {
    await using _hook = noUnhandledRejections();
    await using server = await startRedis();
    await using a = await startRelay(library, server.url, "app");
    await using b = await startRelay(library, server.url, "app");
    a.saved.send("db", { i: -1 });
    await b.until(() => b.received.length === 1);

    await server.kill();
    await b.until(() => codes(b.errors).includes("disconnected"));
    await a.until(() => !isReady(a.clients.publisher));
    const started = performance.now();
    for (let i = 0; i < 100; i++) a.saved.send("db", { i });
    // Every post settles at once: flush() rejects without waiting for Redis.
    const failure = await assertRejects(
      () => within(a.relay.flush(), "a's failed posts"),
      AggregateError,
    );
    assert(
      performance.now() - started < 2_000,
      "flush() waited for the broker",
    );
    assert(failure.errors.length > 0);
    assertEquals(a.relay.stats.failed, 100);
    assertEquals(a.received.length, 101, "local receivers ran");
    // a's own subscriber reports the outage too; every post failure says why.
    const postErrors = codes(a.errors).filter((code) =>
      code !== "disconnected"
    );
    assert(postErrors.length > 0);
    assert(
      postErrors.every((code) => code === "unavailable"),
      String(postErrors),
    );

    await server.restart();
    await within(b.channel.ready, "b to resubscribe");
    await a.until(() => isReady(a.clients.publisher));
    a.saved.send("db", { i: 100 });
    await within(a.relay.flush(), "a's posts");
    await b.until(() => b.received.length === 2);
    assertEquals(b.received[1]!.params, { i: 100 });
    assertEquals(codes(b.errors).filter((code) => code === "gap").length, 1);
    assertEquals(b.relay.stats.gaps, 1);
  });

  Deno.test(`relay() over redisChannel() with ${library} reports CLIENT KILL TYPE pubsub and recovers`, async () => {
    await using _hook = noUnhandledRejections();
    await using server = await startRedis();
    await using a = await startRelay(library, server.url, "app");
    await using b = await startRelay(library, server.url, "app");
    await server.cli("CLIENT", "KILL", "TYPE", "pubsub");
    await b.until(() => codes(b.errors).includes("disconnected"));
    await within(b.channel.ready, "b to resubscribe");
    await within(a.channel.ready, "a to resubscribe");
    a.saved.send("db", { after: true });
    await within(a.relay.flush(), "a's posts");
    await b.until(() => b.received.length === 1);
    assertEquals(b.received[0]!.params, { after: true });
  });

  Deno.test(`relay() over redisChannel() with ${library} reports garbage, wrong shapes and unknown versions, and the next good message arrives`, async () => {
    await using _hook = noUnhandledRejections();
    await using server = await startRedis();
    await using a = await startRelay(library, server.url, "app");
    await using b = await startRelay(library, server.url, "app");
    const bad: (string | Uint8Array<ArrayBuffer>)[] = [
      new Uint8Array([0, 0xff, 0xfe, 0x7b, 0x80]),
      "\u0000 garbage {",
      '{"valid": "json", "wrong": "shape"}',
      "[1]",
      '[999, "someone", 1, 0, [["saved", 0, "db", null]]]',
      '[1, "x", 1, 0, [["saved", 0, "db", "not devalue text"]]]',
    ];
    for (const message of bad) {
      await server.publish("app", message);
    }
    a.saved.send("db", { good: 1 });
    await within(a.relay.flush(), "a's posts");
    await b.until(() => b.received.length === 1);
    assertEquals(b.received[0]!.params, { good: 1 });
    assertEquals(codes(b.errors), bad.map(() => "decode"));
    assertEquals(b.relay.stats.dropped, bad.length);
  });
}

function isReady(client: unknown): boolean {
  const c = client as { isReady?: boolean; status?: string };
  return c.isReady ?? c.status === "ready";
}

Deno.test("startRedis() waits for the server and until() gives up after its time limit", async () => {
  await using server = await startRedis();
  assertEquals((await server.cli("PING")).trim(), "PONG");
  await assertRejects(
    () => until(() => false, "nothing", 30),
    Error,
    "Timed out",
  );
});
