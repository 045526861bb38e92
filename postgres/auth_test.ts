/**
 * Signed relay messages over a real Postgres (issue 21, as `redis/auth_test.ts`
 * does for Redis): the same key exchanges sends, another key's relay and raw
 * NOTIFYs (unsigned, forged) are refused as `auth`, the fuzz test's inputs
 * NOTIFYed raw are refused and counted, and Postgres's limit of 7,999 bytes
 * counts the whole signed message, tag included.
 *
 * @module
 */

import { assert, assertEquals, assertThrows } from "@std/assert";
import fc from "fast-check";
import { Signal } from "../mod.ts";
import { fcSettings } from "../_test_helpers.ts";
import {
  count,
  inputs,
  KEY,
  realMessages,
  RUNS,
  TIME_LIMIT_MS,
  User,
} from "../testing/relay_fuzz.ts";
import { noUnhandledRejections } from "../testing/events.ts";
import { PG_MAX_PAYLOAD_BYTES } from "./mod.ts";
import { pgClients } from "./testing/clients.ts";
import { hasRuntime, type Peer, startPeer } from "./testing/peers.ts";
import { startRelay, until, within } from "./testing/relays.ts";
import { startPostgres } from "./testing/server.ts";

const OTHER = "another team's secret, 32+ chars!";
const K1 = "k1: the old shared secret, 32+ chars";
const K2 = "k2: the new shared secret, 32+ chars";

const bytes = (text: string) => new TextEncoder().encode(text).length;

/** A text of exactly `count` UTF-8 bytes, mostly two-byte "é". */
function multiByte(count: number): string {
  return "é".repeat(Math.floor(count / 2)) + (count % 2 === 1 ? "a" : "");
}

/** A message of the wire's shape, as a relay without a key would post it. */
function unsigned(i: number): unknown[] {
  return [1, crypto.randomUUID(), 0, Date.now(), [[
    "saved",
    0,
    '"db"',
    `{"i":${i}}`,
  ]]];
}

Deno.test("relay() with a key over pgChannel() exchanges sends with the same key, and refuses another key's and raw NOTIFYs as auth", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startPostgres();
  await using a = await startRelay(server.url, "app", { key: KEY });
  await using b = await startRelay(server.url, "app", { key: KEY });
  await using stranger = await startRelay(server.url, "app", { key: OTHER });
  // Every message Postgres delivered on b's listening connection.
  const wire: string[] = [];
  b.channel.addEventListener("message", (event) => {
    wire.push((event as MessageEvent).data);
  });
  for (let i = 0; i < 50; i++) a.saved.send("db", { i });
  await within(a.relay.flush(), "a's posts");
  await b.until(() => b.received.length === 50);
  assertEquals(b.received.map(({ params }) => params.i), [...Array(50).keys()]);

  // The stranger signs with another key; a raw NOTIFY signs nothing, or
  // carries a tag made up by whoever sent it.
  stranger.saved.send("db", { i: 666 });
  await within(stranger.relay.flush(), "the stranger's post");
  await server.query("SELECT pg_notify('app', $1)", [
    JSON.stringify(unsigned(667)),
  ]);
  await server.query("SELECT pg_notify('app', $1)", [
    JSON.stringify([...unsigned(668), btoa("x".repeat(32))]),
  ]);
  await b.until(() => b.relay.stats.rejected === 3);
  await a.until(() => a.relay.stats.rejected === 3);
  assertEquals(b.received.map(({ params }) => params.i), [...Array(50).keys()]);
  assertEquals(b.errors.map((error) => error.code), ["auth", "auth", "auth"]);
  // a's own posts came back from Postgres: skipped as its own, never refused.
  assertEquals(a.errors.map((error) => error.code), ["auth", "auth", "auth"]);
  assertEquals(a.received.length, 50);
  // The stranger refuses every message but its own: a's, and both raw ones.
  await stranger.until(() => stranger.relay.stats.rejected === wire.length - 1);
  assertEquals(count(stranger.errors, "auth"), wire.length - 1);
  assertEquals(stranger.errors.length, wire.length - 1);
  assertEquals(stranger.received.map(({ params }) => params.i), [666]);
});

Deno.test("relay() rotates keys across a Deno and a Node process over Postgres without losing a send", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startPostgres();
  const runtimes = (["deno", "node"] as const).filter(hasRuntime);
  assertEquals(runtimes, ["deno", "node"]);
  const peers: Peer[] = [];
  const start = async (runtime: "deno" | "node", key: string[]) => {
    const peer = await startPeer(runtime, {
      url: server.url,
      channel: "app",
      name: `${runtime}-${peers.length}`,
      key,
    });
    peers.push(peer);
    return peer;
  };
  // Twenty sends from one peer, all heard by the other (first and last checked).
  const burst = async (from: Peer, to: Peer, first: number) => {
    await from.command({ burst: 20, from: first });
    for (const i of [first, first + 19]) {
      await to.waitFor((message) =>
        message.type === "received" && message.sender === from.name &&
        message.params === `[{"i":1},${i}]`
      );
    }
  };
  const errorsOf = (peer: Peer) =>
    peer.messages.filter((message) => message.type === "error");
  try {
    // During the change: deno signs with k1 and accepts k2; node signs with k2.
    const deno = await start("deno", [K1, K2]);
    const node = await start("node", [K2, K1]);
    await burst(deno, node, 0);
    await burst(node, deno, 100);
    // After: both on k2 alone; a relay left on k1 is refused by both.
    const deno2 = await start("deno", [K2]);
    const node2 = await start("node", [K2]);
    await deno.close();
    await node.close();
    await burst(deno2, node2, 200);
    await burst(node2, deno2, 300);
    await using leftOver = await startRelay(server.url, "app", { key: K1 });
    leftOver.saved.send("old", { i: 400 });
    await within(leftOver.relay.flush(), "the left-over post");
    for (const peer of [deno2, node2]) {
      const refusal = await peer.waitFor((message) => message.type === "error");
      assertEquals(refusal.code, "auth");
      assert(
        !peer.messages.some((message) =>
          message.type === "received" && message.sender === "old"
        ),
      );
      assertEquals(errorsOf(peer).length, 1);
    }
    for (const peer of [deno, node]) assertEquals(errorsOf(peer), []);
  } finally {
    for (const peer of peers) await peer.close();
  }
});

Deno.test("relay() with a key over pgChannel(), fed the fuzz test's inputs by raw NOTIFY, dispatches only what its key signed and counts every refusal", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startPostgres();
  await using clients = pgClients(server.url);
  const notifier = await clients.client();
  // pgChannel() carries params in the relay's own codec: no channel codec.
  const real = await realMessages();
  const runs = Math.max(1, Math.round(RUNS / 10));
  let run = 0;
  let refusedByPostgres = 0;
  await fc.assert(
    fc.asyncProperty(inputs(real.signed), async (fed) => {
      const channel = `fuzz_${run++}`;
      const other = new Signal<Record<string, unknown>, unknown>({
        name: "other",
      });
      const heard: unknown[] = [];
      other.connect(({ id }) => void heard.push(id));
      await using target = await startRelay(server.url, channel, {
        key: KEY,
        signals: [other],
        senders: { User },
      });
      let refused = 0;
      let sends = 0;
      for (const { data, real: isReal } of fed) {
        // A NOTIFY carries text: bytes go as UTF-8, the rest as JSON or String().
        let message: string;
        if (typeof data === "string") message = data;
        else if (data instanceof Uint8Array) {
          message = new TextDecoder().decode(data);
        } else {
          try {
            message = JSON.stringify(data) ?? String(data);
          } catch {
            message = "not JSON";
          }
        }
        try {
          await notifier.query("SELECT pg_notify($1, $2)", [channel, message]);
        } catch (error) {
          // Postgres takes no NUL in text: nothing was sent, nothing to count.
          assert(!isReal, `a real message was refused: ${error}`);
          refusedByPostgres++;
          continue;
        }
        if (isReal) sends += real.sends.get(data as string)!;
        else refused++;
      }
      await until(
        () =>
          target.relay.stats.rejected === refused &&
          target.relay.stats.received + target.relay.stats.duplicates ===
            sends,
        "every input accounted for",
        5_000,
      );
      assertEquals(target.relay.stats.dropped, 0);
      assertEquals(count(target.errors, "auth"), refused);
      // Real messages picked out of order also report gaps; nothing else.
      assertEquals(
        target.errors.filter(({ code }) => code !== "auth" && code !== "gap"),
        [],
      );
      for (
        const id of [
          ...target.received.map(({ params }) => params.id),
          ...heard,
        ]
      ) {
        assert(real.ids.has(id as number), `id ${id}`);
      }
    }),
    {
      ...fcSettings(runs),
      numRuns: runs,
      interruptAfterTimeLimit: TIME_LIMIT_MS,
    },
  );
  assert(run > 0);
  // Most inputs reached the channel: the test is not all refusals by Postgres.
  assert(refusedByPostgres < run * 30, String(refusedByPostgres));
});

Deno.test("relay() with a key over pgChannel() counts the tag in Postgres's limit: a signed message of 7,999 bytes is delivered, one of 8,000 is a RangeError at send", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startPostgres();
  await using a = await startRelay(server.url, "app", { key: KEY });
  await using b = await startRelay(server.url, "app", { key: KEY });
  await using plain = await startRelay(server.url, "plain");
  const wire: string[] = [];
  b.channel.addEventListener("message", (event) => {
    wire.push((event as MessageEvent).data);
  });
  const plainWire: string[] = [];
  plain.channel.addEventListener("message", (event) => {
    plainWire.push((event as MessageEvent).data);
  });

  a.saved.send("db", { text: "" });
  plain.saved.send("db", { text: "" });
  await b.until(() => wire.length === 1);
  await plain.until(() => plainWire.length === 1);
  const envelope = bytes(wire[0]!); // the signed message with an empty text
  // The tag: `,"` + 44 base64 characters + `"`, inside the message's `]`.
  assertEquals(envelope - bytes(plainWire[0]!), 47);
  const fits = PG_MAX_PAYLOAD_BYTES - envelope;

  for (const text of ["x".repeat(fits), multiByte(fits)]) {
    a.saved.send("db", { text });
    await within(a.relay.flush(), "a signed post of 7,999 bytes");
    await b.until(() => b.received.at(-1)?.params.text === text);
    assertEquals(bytes(wire.at(-1)!), 7_999);
  }

  const posted = a.relay.stats.posted;
  const heard = a.received.length;
  // Each would fit unsigned; signed, the message would be 8,000 bytes.
  for (const text of ["x".repeat(fits + 1), multiByte(fits + 1)]) {
    assertThrows(
      () => a.saved.send("db", { text }),
      RangeError,
      "the message would be 8000 bytes, over the channel's limit of 7999 bytes",
    );
  }
  assertEquals(a.relay.stats.posted, posted, "nothing posted");
  assertEquals(a.received.length, heard, "no local receiver ran");
  // The relay goes on: a send after the refusals arrives, with no gap.
  a.saved.send("db", { text: "after" });
  await b.until(() => b.received.at(-1)?.params.text === "after");
  assertEquals(b.relay.stats.gaps, 0);
  assertEquals([...a.errors, ...b.errors, ...plain.errors], []);
});
