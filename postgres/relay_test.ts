import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import type pg from "npm:pg@8.23.1";
import { Signal } from "../mod.ts";
import { relay, type RelayError } from "../relay.ts";
import { noUnhandledRejections } from "../testing/events.ts";
import { PG_MAX_PAYLOAD_BYTES, pgChannel } from "./mod.ts";
import { pgClients } from "./testing/clients.ts";
import { startRelay, until, within } from "./testing/relays.ts";
import { startPostgres } from "./testing/server.ts";

const codes = (errors: readonly { code: string }[]) =>
  errors.map((error) => error.code);

const bytes = (text: string) => new TextEncoder().encode(text).length;

/** Waits `ms` to show that nothing arrives meanwhile. */
const quietFor = (ms: number) =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** A text of exactly `count` UTF-8 bytes, mostly two-byte "é". */
function multiByte(count: number): string {
  return "é".repeat(Math.floor(count / 2)) + (count % 2 === 1 ? "a" : "");
}

Deno.test("relay() over pgChannel() delivers to the other relay, not back to itself", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startPostgres();
  await using a = await startRelay(server.url, "app");
  await using b = await startRelay(server.url, "app");
  for (let i = 0; i < 100; i++) a.saved.send("db", { i });
  await within(a.relay.flush(), "a's posts");
  await b.until(() => b.received.length === 100);
  assertEquals(b.received.map(({ params }) => params.i), [
    ...Array(100).keys(),
  ]);
  // Postgres delivers a NOTIFY to every listener, a's own too: the relay's
  // origin check keeps it from a's receivers.
  await quietFor(100);
  assertEquals(a.received.length, 100);
  assertEquals(a.relay.stats.received, 0);
  assertEquals([...a.errors, ...b.errors], []);
});

Deno.test("relay() over pgChannel() with one client as listener and notifier hears no echo of its own session", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startPostgres();
  await using clients = pgClients(server.url);
  const client = await clients.client();
  const saved = new Signal<{ i: number }>({ name: "saved" });
  let heard = 0;
  saved.connect(() => void heard++);
  const errors: RelayError[] = [];
  const channel = pgChannel({
    listener: client,
    notifier: client,
    channel: "app",
  });
  await using b = await startRelay(server.url, "app");
  {
    await using a = relay(channel, {
      signals: [saved],
      onError: (error) => errors.push(error),
    });
    await a.ready;
    saved.send("db", { i: 1 });
    await within(a.flush(), "the post");
    await b.until(() => b.received.length === 1);
    await quietFor(100);
    assertEquals(heard, 1);
    assertEquals(a.stats.received, 0);
  }
  await channel.close();
  assertEquals(errors, []);
});

Deno.test("relay() over pgChannel() posts a message of exactly 7,999 bytes, and refuses one byte more with a RangeError at send", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startPostgres();
  await using a = await startRelay(server.url, "app");
  await using b = await startRelay(server.url, "app");
  // What reaches the wire, measured by a raw listener on the same channel.
  const wire: string[] = [];
  b.channel.addEventListener("message", (event) => {
    wire.push((event as MessageEvent).data);
  });

  a.saved.send("db", { text: "" });
  await b.until(() => wire.length === 1);
  const envelope = bytes(wire[0]!); // the message with an empty text
  const fits = PG_MAX_PAYLOAD_BYTES - envelope;

  for (const text of ["x".repeat(fits), multiByte(fits)]) {
    a.saved.send("db", { text });
    await within(a.relay.flush(), "a post of 7,999 bytes");
    await b.until(() => b.received.at(-1)?.params.text === text);
    assertEquals(bytes(wire.at(-1)!), 7_999);
  }

  const posted = a.relay.stats.posted;
  const heard = a.received.length;
  for (
    const text of ["x".repeat(fits + 1), multiByte(fits + 1), "é".repeat(4_000)]
  ) {
    assertThrows(
      () => a.saved.send("db", { text }),
      RangeError,
      "over the channel's limit of 7999 bytes",
    );
  }
  assertEquals(a.relay.stats.posted, posted, "nothing posted");
  assertEquals(a.received.length, heard, "no local receiver ran");
  // The relay goes on: a send after the refusals arrives, with no gap.
  a.saved.send("db", { text: "after" });
  await b.until(() => b.received.at(-1)?.params.text === "after");
  assertEquals(b.relay.stats.gaps, 0);
  assertEquals([...a.errors, ...b.errors], []);
});

Deno.test("relay() over pgChannel() splits one tick's sends into messages under 8,000 bytes", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startPostgres();
  await using a = await startRelay(server.url, "app");
  await using b = await startRelay(server.url, "app");
  const sizes: number[] = [];
  b.channel.addEventListener("message", (event) => {
    sizes.push(bytes((event as MessageEvent).data));
  });
  for (let i = 0; i < 100; i++) {
    a.saved.send("db", { i, text: multiByte(3_000) });
  }
  await within(a.relay.flush(), "a's posts");
  await b.until(() => b.received.length === 100);
  assertEquals(b.received.map(({ params }) => params.i), [
    ...Array(100).keys(),
  ]);
  assert(sizes.every((size) => size <= PG_MAX_PAYLOAD_BYTES), String(sizes));
  assert(sizes.length < 100, "sends were coalesced two to a message");
  assertEquals([...a.errors, ...b.errors], []);
});

Deno.test("relay() over pgChannel() reports garbage NOTIFYed on the channel, and reads on", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startPostgres();
  await using b = await startRelay(server.url, "app");
  for (
    const garbage of ["not json", '{"a":1}', '[99,"x",0,0,[]]', "", "[1,"]
  ) {
    await server.query("SELECT pg_notify('app', $1)", [garbage]);
  }
  await using a = await startRelay(server.url, "app");
  a.saved.send("db", { i: 1 });
  await b.until(() => b.received.length === 1);
  assertEquals(codes(b.errors), Array(5).fill("decode"));
  assertEquals(b.relay.stats.dropped, 5);
});

Deno.test("relay() over pgChannel(): a NOTIFY in the notifier's transaction is delivered at commit, and never after a rollback", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startPostgres();
  await using clients = pgClients(server.url);
  await using b = await startRelay(server.url, "app");
  // The relay's notifier is the user's transaction client.
  const transaction = await clients.client();
  const saved = new Signal<{ i: number }>({ name: "saved" });
  const channel = pgChannel({
    listener: clients.listener,
    notifier: transaction,
    channel: "app",
  });
  const errors: RelayError[] = [];
  {
    await using a = relay(channel, {
      signals: [saved],
      onError: (error) => errors.push(error),
    });
    await a.ready;

    // Outside a transaction, a NOTIFY commits at once.
    saved.send("db", { i: 0 });
    await b.until(() => b.received.length === 1);

    await transaction.query("BEGIN");
    saved.send("db", { i: 1 });
    // The NOTIFY joins the transaction only if it runs before ROLLBACK.
    await within(a.flush(), "the NOTIFY");
    await transaction.query("ROLLBACK");
    await quietFor(200);
    assertEquals(
      b.received.length,
      1,
      "a rolled-back NOTIFY is never delivered",
    );

    await transaction.query("BEGIN");
    saved.send("db", { i: 2 });
    await within(a.flush(), "the NOTIFY");
    await quietFor(200);
    assertEquals(b.received.length, 1, "nothing is delivered before COMMIT");
    await transaction.query("COMMIT");
    await b.until(() => b.received.length === 2);
    assertEquals(b.received.map(({ params }) => params.i), [0, 2]);
  }
  await channel.close();
  // The rolled-back send took a sequence number: the peer saw it missing.
  assertEquals(codes(b.errors), ["gap"]);
  assertEquals(errors, []);
});

Deno.test("relay() over pgChannel() with a pool as notifier sends at once, outside the user's transaction", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startPostgres();
  await using a = await startRelay(server.url, "app");
  await using b = await startRelay(server.url, "app");
  const user = await a.clients.client();
  await user.query("BEGIN");
  a.saved.send("db", { i: 1 });
  // Delivered before the user's transaction ends, and whatever its outcome.
  await b.until(() => b.received.length === 1);
  await user.query("ROLLBACK");
  assertEquals(b.received[0]!.params, { i: 1 });
});

Deno.test("relay() over pgChannel(): pg_terminate_backend on the listening connection is reported, the channel listens again, and the gap is reported", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startPostgres();
  await using a = await startRelay(server.url, "app");
  await using clients = pgClients(server.url);
  // A listener factory the test can hold back, so that sends are surely missed.
  let gate = Promise.resolve();
  let open = () => {};
  const listener = async () => {
    await gate;
    return await clients.listener();
  };
  const saved = new Signal<{ i: number }>({ name: "saved" });
  const heard: number[] = [];
  saved.connect(({ i }) => void heard.push(i));
  const errors: RelayError[] = [];
  const channel = pgChannel({
    listener,
    notifier: clients.notifier,
    channel: "app",
  });
  {
    await using b = relay(channel, {
      signals: [saved],
      onError: (error) => errors.push(error),
    });
    await b.ready;
    a.saved.send("db", { i: 0 });
    await until(() => heard.length === 1, "the first send");

    gate = new Promise((resolve) => open = resolve);
    const pid = ((await (channel.listener as pg.Client).query(
      "SELECT pg_backend_pid() AS pid",
    )).rows[0] as { pid: number }).pid;
    await server.query("SELECT pg_terminate_backend($1)", [pid]);
    await until(() => codes(errors).includes("disconnected"), "the report");
    for (let i = 1; i <= 5; i++) a.saved.send("db", { i });
    await within(a.relay.flush(), "the missed sends");
    open();
    await within(channel.ready, "listening again");
    a.saved.send("db", { i: 6 });
    await until(() => heard.length === 2, "the send after");
    assertEquals(heard, [0, 6]);
    assertEquals(codes(errors), ["disconnected", "gap"]);
    assertEquals(b.stats.gaps, 1);
  }
  await channel.close();
});

Deno.test("relay() over pgChannel(): while Postgres is down each send fails at once and is reported, and delivery resumes with the gap reported after a restart", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startPostgres();
  await using a = await startRelay(server.url, "app");
  await using b = await startRelay(server.url, "app");
  a.saved.send("db", { i: -1 });
  await b.until(() => b.received.length === 1);

  await server.kill();
  await b.until(() => codes(b.errors).includes("disconnected"));
  const started = performance.now();
  for (let i = 0; i < 100; i++) a.saved.send("db", { i });
  const failure = await assertRejects(
    () => within(a.relay.flush(), "a's failed posts"),
    AggregateError,
  );
  assert(performance.now() - started < 2_000, "flush() waited for Postgres");
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
  await within(b.channel.ready, "b to listen again", 20_000);
  a.saved.send("db", { i: 100 });
  await b.until(() => b.received.length === 2);
  assertEquals(b.received[1]!.params, { i: 100 });
  // The loss, any failed first attempt to listen again, then the gap.
  assertEquals(codes(b.errors).at(-1), "gap");
  assertEquals(
    new Set(codes(b.errors).slice(0, -1)),
    new Set(["disconnected"]),
  );
});

Deno.test("pgChannel() with a listener client rather than a factory reports a lost connection and stays deaf", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startPostgres();
  await using clients = pgClients(server.url);
  const client = await clients.client();
  const channel = pgChannel({
    listener: client,
    notifier: clients.notifier,
    channel: "app",
  });
  await channel.ready;
  const errors: { code: string; message: string }[] = [];
  channel.addEventListener("error", (event) => {
    errors.push((event as unknown as { error: RelayError }).error);
  });
  const pid = (await client.query("SELECT pg_backend_pid() AS pid")).rows[0]
    .pid;
  await server.query("SELECT pg_terminate_backend($1)", [pid]);
  await until(() => errors.length === 1, "the report");
  assertEquals(errors[0]!.code, "disconnected");
  assert(errors[0]!.message.includes("pass listener as a function"));
  await assertRejects(() => channel.ready);
  await channel.close();
});

Deno.test("relay() over pgChannel() with pingInterval finds a listening connection that hangs, listens on a new one, and reports the gap", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startPostgres();
  await using a = await startRelay(server.url, "app");
  await using clients = pgClients(server.url);
  const saved = new Signal<{ i: number }>({ name: "saved" });
  const heard: number[] = [];
  saved.connect(({ i }) => void heard.push(i));
  const errors: RelayError[] = [];
  const channel = pgChannel({
    listener: clients.listener,
    notifier: clients.notifier,
    channel: "app",
    pingInterval: 200,
  });
  let stopped: number | undefined;
  try {
    await using b = relay(channel, {
      signals: [saved],
      onError: (error) => errors.push(error),
    });
    await b.ready;
    a.saved.send("db", { i: 0 });
    await until(() => heard.length === 1, "the first send");

    // The backend stops answering, as behind a network partition: no error,
    // no closed socket, nothing but silence.
    stopped = ((await (channel.listener as pg.Client).query(
      "SELECT pg_backend_pid() AS pid",
    )).rows[0] as { pid: number }).pid;
    Deno.kill(stopped, "SIGSTOP");
    a.saved.send("db", { i: 1 }); // never heard: the backend is stopped
    await within(a.relay.flush(), "the missed send");
    await until(() => codes(errors).includes("disconnected"), "the report");
    assert(errors[0]!.message.includes("did not answer a ping"));
    await within(channel.ready, "listening on a new connection");
    a.saved.send("db", { i: 2 });
    await until(() => heard.length === 2, "the send after");
    assertEquals(heard, [0, 2]);
    assertEquals(codes(errors), ["disconnected", "gap"]);
  } finally {
    if (stopped !== undefined) Deno.kill(stopped, "SIGCONT");
    await channel.close();
  }
});
