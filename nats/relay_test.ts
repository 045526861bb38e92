import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import type { RelayError } from "../relay.ts";
import { noUnhandledRejections, within } from "../testing/events.ts";
import { connectNats, startRelay } from "./testing/relays.ts";
import { startNats } from "./testing/server.ts";

function codes(errors: readonly RelayError[]): string[] {
  return errors.map((error) => error.code);
}

for (const noEcho of [false, true]) {
  const how = noEcho
    ? "noEcho connections"
    : "connections that hear themselves";
  Deno.test(`relay() over natsChannel() on ${how} delivers to the other relay, never back to itself`, async () => {
    await using _hook = noUnhandledRejections();
    await using server = await startNats();
    await using a = await startRelay(server.url, "app", { noEcho });
    await using b = await startRelay(server.url, "app", { noEcho });
    a.saved.send("db", { id: 1 });
    await within(a.relay.flush(), "a's posts");
    await b.until(() => b.received.length === 1);
    // A message that b saw proves a's own copy (if any) has arrived too.
    b.saved.send("db", { id: 2 });
    await a.until(() => a.received.length === 2);
    assertEquals(a.received.map(({ params }) => params), [{ id: 1 }, {
      id: 2,
    }]);
    assertEquals(b.received.map(({ params }) => params), [{ id: 1 }, {
      id: 2,
    }]);
    assertEquals(a.relay.stats.received, 1, "a dispatched only b's send");
    assertEquals(a.relay.stats.dropped, 0);
    assertEquals([...a.errors, ...b.errors], []);
  });
}

Deno.test("relay() over natsChannel(): while the server is down each send fails at once and is reported, and delivery resumes with the gap reported after a restart", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startNats();
  await using a = await startRelay(server.url, "app");
  await using b = await startRelay(server.url, "app");
  a.saved.send("db", { i: -1 });
  await b.until(() => b.received.length === 1);

  await server.kill();
  await a.until(() => codes(a.errors).includes("disconnected"));
  await b.until(() => codes(b.errors).includes("disconnected"));
  const started = performance.now();
  for (let i = 0; i < 100; i++) a.saved.send("db", { i });
  // Every post settles at once: flush() rejects without waiting for NATS.
  const failure = await assertRejects(
    () => within(a.relay.flush(), "a's failed posts"),
    AggregateError,
  );
  assert(performance.now() - started < 2_000, "flush() waited for NATS");
  assert(failure.errors.length > 0);
  assertEquals(a.relay.stats.failed, 100);
  assertEquals(a.received.length, 101, "local receivers ran");
  const postErrors = codes(a.errors).filter((code) => code !== "disconnected");
  assert(postErrors.length > 0);
  assert(
    postErrors.every((code) => code === "unavailable"),
    String(postErrors),
  );

  await server.restart();
  await within(b.channel.ready, "b to subscribe again");
  await within(a.channel.ready, "a to reconnect");
  a.saved.send("db", { i: 100 });
  await within(a.relay.flush(), "a's posts");
  await b.until(() => b.received.length === 2);
  assertEquals(b.received[1]!.params, { i: 100 });
  assertEquals(codes(b.errors).filter((code) => code === "gap").length, 1);
  assertEquals(b.relay.stats.gaps, 1);
});

Deno.test("relay() over natsChannel() reports a dropped connection, and hears again once the client reconnected", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startNats();
  await using a = await startRelay(server.url, "app");
  await using b = await startRelay(server.url, "app");
  // The client drops its connection, as a network fault would, and redials.
  await b.connection.reconnect();
  await b.until(() => codes(b.errors).includes("disconnected"));
  await within(b.channel.ready, "b to subscribe again");
  a.saved.send("db", { after: true });
  await within(a.relay.flush(), "a's posts");
  await b.until(() => b.received.length === 1);
  assertEquals(b.received[0]!.params, { after: true });
  assertEquals(codes(a.errors), []);
});

Deno.test("relay() over natsChannel() reports bytes that are not UTF-8, garbage, wrong shapes and unknown versions, and the next good message arrives", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startNats();
  await using a = await startRelay(server.url, "app");
  await using b = await startRelay(server.url, "app");
  const bad: (string | Uint8Array)[] = [
    new Uint8Array([0, 0xff, 0xfe, 0x7b, 0x80]),
    "\u0000 garbage {",
    '{"valid": "json", "wrong": "shape"}',
    "[1]",
    '[999, "someone", 1, 0, [["saved", 0, "db", null]]]',
    "",
  ];
  for (const message of bad) await server.publish("app", message);
  a.saved.send("db", { good: 1 });
  await within(a.relay.flush(), "a's posts");
  await b.until(() => b.received.length === 1);
  assertEquals(b.received[0]!.params, { good: 1 });
  assertEquals(codes(b.errors), bad.map(() => "decode"));
  assertEquals(b.relay.stats.dropped, bad.length);
});

Deno.test("relay() over natsChannel() sends a message of exactly max_payload bytes, and refuses one byte more at send with a RangeError, counting multi-byte text in bytes", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startNats({ maxPayload: 1024 });
  await using a = await startRelay(server.url, "app");
  await using b = await startRelay(server.url, "app");
  // A raw subscriber measures each message as the server carried it.
  const watcher = await connectNats(server.url);
  const sizes: number[] = [];
  watcher.subscribe("app", {
    callback: (_error, message) => void sizes.push(message.data.length),
  });
  await watcher.flush();
  try {
    a.saved.send("db", { s: "" });
    await b.until(() => b.received.length === 1 && sizes.length === 1);
    // Each "é" adds two bytes; the sequence number keeps its digit count.
    const room = 1024 - sizes[0]!;
    const exact = "é".repeat(Math.floor(room / 2)) + "a".repeat(room % 2);
    const overByOneByte = exact.endsWith("a")
      ? exact.slice(0, -1) + "é"
      : exact + "a";
    const over = [overByOneByte, exact + "é"];
    for (const s of over) {
      const posted = a.relay.stats.posted;
      const heard = a.received.length;
      const error = assertThrows(
        () => a.saved.send("db", { s }),
        RangeError,
        "over the channel's limit of 1024 bytes",
      );
      assert(error.message.includes(`${1024 + utf8(s) - utf8(exact)} bytes`));
      assertEquals(a.received.length, heard, "no local receiver ran");
      assertEquals(a.relay.stats.posted, posted, "nothing posted");
    }
    a.saved.send("db", { s: exact });
    await within(a.relay.flush(), "a's posts");
    await b.until(() => b.received.length === 2);
    assertEquals(b.received[1]!.params, { s: exact });
    await within(watcher.flush(), "the watcher");
    assertEquals(sizes[1], 1024, "the message was max_payload bytes");
    // Sends that fit alone but not together go out as several messages.
    for (let i = 0; i < 10; i++) a.saved.send("db", { s: "é".repeat(150) });
    await within(a.relay.flush(), "a's posts");
    await b.until(() => b.received.length === 12);
    assert(sizes.length > 3, "the burst took several messages");
    assert(sizes.every((size) => size <= 1024), String(sizes));
    assertEquals([...a.errors, ...b.errors], []);
  } finally {
    await watcher.close();
  }
});

function utf8(text: string): number {
  return new TextEncoder().encode(text).length;
}
