import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import pg from "npm:pg@8.23.1";
import { nextEvent, noUnhandledRejections } from "../testing/events.ts";
import { PG_MAX_PAYLOAD_BYTES, pgChannel } from "./mod.ts";
import { pgClients } from "./testing/clients.ts";
import { startPostgres } from "./testing/server.ts";

Deno.test("pgChannel() refuses bad options with a TypeError naming the option", () => {
  const pool = new pg.Pool(); // never connects here
  const client = new pg.Client();
  const listener = () => client;
  const cases: [Record<string, unknown>, string][] = [
    [{ listener: 1, notifier: pool, channel: "app" }, "listener is neither"],
    [
      { listener: pool, notifier: pool, channel: "app" },
      "listener is a pg.Pool",
    ],
    [{ listener, notifier: {}, channel: "app" }, "notifier is neither"],
    [{ listener, notifier: pool, channel: "" }, "channel is not"],
    [{ listener, notifier: pool, channel: "a\0b" }, "channel is not"],
    [{ listener, notifier: pool, channel: "é".repeat(32) }, "at most 63 bytes"],
    [{ listener, notifier: pool, channel: "app", codec: {} }, "codec is not"],
    [
      { listener, notifier: pool, channel: "app", pingInterval: 0 },
      "pingInterval is not",
    ],
  ];
  for (const [options, message] of cases) {
    assertThrows(() => pgChannel(options as never), TypeError, message);
  }
  assertThrows(() => pgChannel(null as never), TypeError, "options is not");
  // A client never connected would hold the LISTEN or NOTIFY for ever.
  assertThrows(
    () => pgChannel({ listener: client, notifier: pool, channel: "app" }),
    TypeError,
    "listener is a pg.Client that is not connected",
  );
  assertThrows(
    () => pgChannel({ listener, notifier: client, channel: "app" }),
    TypeError,
    "notifier is a pg.Client that is not connected",
  );
});

Deno.test("PgChannel.postMessage() carries 7,999 bytes and refuses more with a RangeError before anything is sent, as Postgres would", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startPostgres();
  await using clients = pgClients(server.url);
  const channel = pgChannel({
    listener: clients.listener,
    notifier: clients.notifier,
    channel: "app",
  });
  await channel.ready;
  const heard: string[] = [];
  channel.addEventListener("message", (event) => {
    heard.push((event as MessageEvent).data);
  });
  const fits = ["x".repeat(7_999), "é".repeat(3_999) + "a"];
  for (const text of fits) await channel.postMessage(text);
  const tooLong = ["x".repeat(8_000), "é".repeat(4_000)];
  for (const text of tooLong) {
    assertThrows(() => channel.postMessage(text), RangeError, "8000 bytes");
    // Postgres itself refuses the same payload.
    await assertRejects(
      () => server.query("SELECT pg_notify('app', $1)", [text]),
      Error,
      "payload string too long",
    );
  }
  assertEquals(PG_MAX_PAYLOAD_BYTES, 7_999);
  await channel.postMessage("last");
  const deadline = Date.now() + 10_000;
  while (heard.length < 3 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assertEquals(heard, [...fits, "last"]);
  await channel.close();
});

Deno.test("PgChannel.close() keeps a LISTEN that another channel object on the same client still needs", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startPostgres();
  await using clients = pgClients(server.url);
  const client = await clients.client();
  const options = {
    listener: client,
    notifier: clients.notifier,
    channel: "app",
  };
  const first = pgChannel(options);
  const second = pgChannel(options);
  await Promise.all([first.ready, second.ready]);
  await first.close();
  await first.close(); // idempotent
  const heard = nextEvent(second, "message");
  await server.query("SELECT pg_notify('app', 'still here')");
  assertEquals((await heard as MessageEvent).data, "still here");
  await second.close();
  const listening = await client.query("SELECT pg_listening_channels() AS c");
  assertEquals(listening.rows, []);
});

Deno.test("PgChannel.postMessage() fails at once with code unavailable once its notifier client is ended", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startPostgres();
  await using clients = pgClients(server.url);
  const notifier = await clients.client();
  const channel = pgChannel({
    listener: clients.listener,
    notifier,
    channel: "app",
  });
  await channel.ready;
  await notifier.end();
  const error = await assertRejects(() => channel.postMessage("x"));
  assertEquals((error as { code?: unknown }).code, "unavailable");
  await channel.close();
});

Deno.test("PgChannel.ready rejects, and an error event says why, when the listener factory returns a client that is not connected", async () => {
  await using _hook = noUnhandledRejections();
  const channel = pgChannel({
    listener: () => new pg.Client(),
    notifier: new pg.Pool(), // never connects here
    channel: "app",
  });
  const event = nextEvent(channel, "error");
  await assertRejects(() => channel.ready, Error, "not connected");
  assertEquals(
    ((await event) as unknown as { error: { code: string } }).error.code,
    "subscribe",
  );
  await channel.close();
});
