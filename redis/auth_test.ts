/**
 * Signed relay messages on a real `redis-server` (issue 20): the same key
 * exchanges sends, another key and raw PUBLISHes are refused as `auth`, a
 * rolling key change across a Deno and a Node process loses nothing, the
 * fuzz test's inputs published raw are refused or counted, and a Redis ACL
 * user limited to the relay's channels relays and cannot publish elsewhere.
 *
 * @module
 */

import { assert, assertEquals, assertRejects } from "@std/assert";
import fc from "fast-check";
import { Signal } from "../mod.ts";
import { type Relay, relay, type RelayError } from "../relay.ts";
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
import { devalueCodec, redisChannel } from "./mod.ts";
import {
  type ClientPair,
  connectPair,
  type Library,
} from "./testing/clients.ts";
import { noUnhandledRejections } from "../testing/events.ts";
import { hasRuntime, type Peer, startPeer } from "./testing/peers.ts";
import { until, within } from "./testing/relays.ts";
import { startRedis } from "./testing/server.ts";

const K1 = "k1: the old shared secret, 32+ chars";
const K2 = "k2: the new shared secret, 32+ chars";
const OTHER = "another team's secret, 32+ chars!";

interface KeyedRelay extends AsyncDisposable {
  readonly saved: Signal<Record<string, unknown>, unknown>;
  readonly relay: Relay;
  readonly errors: RelayError[];
  /** What `saved`'s receivers heard from other relays and locally, by `i`. */
  readonly heard: unknown[];
  readonly clients: ClientPair;
}

/** A relay of `saved` (and `other`) over Redis with its own clients and options. */
async function keyedRelay(
  library: Library,
  url: string,
  channel: string,
  options: { key?: string | string[]; maxAge?: number } = {},
): Promise<KeyedRelay> {
  const clients = await connectPair(library, url);
  const saved = new Signal<Record<string, unknown>, unknown>({ name: "saved" });
  const other = new Signal<Record<string, unknown>, unknown>({ name: "other" });
  const heard: unknown[] = [];
  for (const signal of [saved, other]) {
    signal.connect(({ i, id }) => void heard.push(i ?? id));
  }
  const errors: RelayError[] = [];
  const redis = redisChannel({
    publisher: clients.publisher,
    subscriber: clients.subscriber,
    channel,
  });
  const carrier = relay(redis, {
    signals: [saved, other],
    senders: { User },
    onError: (error) => void errors.push(error),
    ...options,
  });
  await within(carrier.ready, "the relay's subscription");
  return {
    saved,
    relay: carrier,
    errors,
    heard,
    clients,
    async [Symbol.asyncDispose]() {
      await carrier.close();
      await redis.close();
      await clients.close();
    },
  };
}

const LIBRARY: Library = "redis@5";

Deno.test("relay() with a key over redisChannel() exchanges sends with the same key, and refuses another key's and raw PUBLISHes as auth", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startRedis();
  await using a = await keyedRelay("ioredis", server.url, "app", { key: K1 });
  await using b = await keyedRelay("redis@4", server.url, "app", { key: K1 });
  await using stranger = await keyedRelay(LIBRARY, server.url, "app", {
    key: OTHER,
  });
  for (let i = 0; i < 50; i++) a.saved.send("db", { i });
  await within(a.relay.flush(), "a's posts");
  await until(() => b.heard.length === 50, "b's sends");
  assertEquals(b.heard, [...Array(50).keys()]);
  // The stranger signs with another key; a raw publisher signs nothing.
  stranger.saved.send("db", { i: 666 });
  await within(stranger.relay.flush(), "the stranger's post");
  await server.publish(
    "app",
    JSON.stringify([1, crypto.randomUUID(), 0, Date.now(), [[
      "saved",
      0,
      "db",
      { i: 667 },
    ]]]),
  );
  await until(() => b.relay.stats.rejected === 2, "b's refusals");
  await until(() => a.relay.stats.rejected === 2, "a's refusals");
  assertEquals(b.heard, [...Array(50).keys()]);
  assertEquals(count(b.errors, "auth"), 2);
  assertEquals(b.errors.length, 2);
  // a's own posts came back from Redis: skipped, never refused.
  assertEquals(a.errors.map((error) => error.code), ["auth", "auth"]);
  await until(
    () => stranger.relay.stats.rejected === 2,
    "the stranger's refusals",
  );
  assertEquals(stranger.heard, [666]);
});

Deno.test("relay() rotates keys across a Deno and a Node process over Redis without losing a send", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startRedis();
  const runtimes = (["deno", "node"] as const).filter(hasRuntime);
  assertEquals(runtimes, ["deno", "node"]);
  const peers: Peer[] = [];
  const start = async (runtime: "deno" | "node", key: string[]) => {
    const peer = await startPeer(runtime, {
      url: server.url,
      library: LIBRARY,
      channel: "app",
      name: `${runtime}-${key.length}-${peers.length}`,
      key,
    });
    peers.push(peer);
    return peer;
  };
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
    // During the change: deno signs k1 and accepts k2; node signs k2 already.
    const deno = await start("deno", [K1, K2]);
    const node = await start("node", [K2, K1]);
    await burst(deno, node, 0);
    await burst(node, deno, 100);
    // After: both restarted on k2 alone; a relay left on k1 is refused.
    const deno2 = await start("deno", [K2]);
    const node2 = await start("node", [K2]);
    await deno.close();
    await node.close();
    await burst(deno2, node2, 200);
    await burst(node2, deno2, 300);
    await using leftOver = await keyedRelay(LIBRARY, server.url, "app", {
      key: K1,
    });
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
    }
    for (const peer of [deno, node]) assertEquals(errorsOf(peer), []);
    // deno2 and node2 each heard the other, and each has exactly one error: the k1 relay.
    assertEquals(errorsOf(deno2).length, 1);
    assertEquals(errorsOf(node2).length, 1);
  } finally {
    for (const peer of peers) await peer.close();
  }
});

Deno.test("relay() with a key over redisChannel(), fed the fuzz test's inputs by raw PUBLISH, dispatches only what its key signed and counts every refusal", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startRedis();
  const real = await realMessages(devalueCodec);
  const signedIds = real.ids;
  const runs = Math.max(1, Math.round(RUNS / 10));
  let run = 0;
  await fc.assert(
    fc.asyncProperty(inputs(real.signed), async (fed) => {
      const channel = `fuzz-${run++}`;
      await using target = await keyedRelay(LIBRARY, server.url, channel, {
        key: KEY,
      });
      let refused = 0;
      let sends = 0;
      for (const { data, real: isReal } of fed) {
        // Redis carries bytes: what is not text or bytes goes as its JSON or String().
        let message: string | Uint8Array<ArrayBuffer>;
        if (typeof data === "string") message = data;
        else if (data instanceof Uint8Array) message = new Uint8Array(data);
        else {
          try {
            message = JSON.stringify(data) ?? String(data);
          } catch {
            message = "not JSON";
          }
        }
        await server.publish(channel, message);
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
      assertEquals(count(target.errors, "decode"), 0);
      for (const id of target.heard) {
        assert(signedIds.has(id as number), `id ${id}`);
      }
    }),
    {
      ...fcSettings(runs),
      numRuns: runs,
      interruptAfterTimeLimit: TIME_LIMIT_MS,
    },
  );
});

Deno.test("A Redis ACL user limited to the relay's channels relays signed sends, and cannot publish or subscribe elsewhere", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startRedis();
  // As the README's "Across processes" shows it.
  await server.cli(
    "ACL",
    "SETUSER",
    "relay",
    "reset",
    "on",
    ">relay-password",
    "resetchannels",
    "&signalry:*",
    "-@all",
    "+publish",
    "+subscribe",
    "+unsubscribe",
    "+ping",
  );
  const url = server.url.replace("redis://", "redis://relay:relay-password@");
  await using a = await keyedRelay(LIBRARY, url, "signalry:app", { key: K1 });
  await using b = await keyedRelay(LIBRARY, url, "signalry:app", { key: K1 });
  for (let i = 0; i < 10; i++) a.saved.send("db", { i });
  await within(a.relay.flush(), "a's posts");
  await until(() => b.heard.length === 10, "b's sends");
  assertEquals(b.heard, [...Array(10).keys()]);
  assertEquals([a.errors, b.errors], [[], []]);

  const publisher = a.clients.publisher as unknown as {
    publish(channel: string, message: string): Promise<number>;
  };
  await assertRejects(
    () => publisher.publish("app", "forged"),
    Error,
    "NOPERM",
  );
  await assertRejects(
    () => publisher.publish("signalry-other", "forged"),
    Error,
    "NOPERM",
  );
  assertEquals(
    (await server.cli("ACL", "DRYRUN", "relay", "PUBLISH", "other", "x"))
      .trim(),
    "This user has no permissions to access the 'other' channel",
  );
  assertEquals(
    (await server.cli("ACL", "DRYRUN", "relay", "SUBSCRIBE", "other")).trim(),
    "This user has no permissions to access the 'other' channel",
  );
  assertEquals(
    (await server.cli("ACL", "DRYRUN", "relay", "GET", "key")).trim(),
    "This user has no permissions to run the 'get' command",
  );
});
