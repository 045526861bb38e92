/**
 * Signed relay messages over a real `nats-server` (issue 20's rules, on
 * NATS): the same key exchanges sends, another key's and raw publishes are
 * refused as `auth`, the fuzz test's inputs published raw are refused or
 * counted, and the server's max_payload counts the whole signed message.
 *
 * @module
 */

import { assert, assertEquals, assertThrows } from "@std/assert";
import fc from "fast-check";
import { Signal } from "../mod.ts";
import { type Relay, relay, type RelayError } from "../relay.ts";
import { fcSettings } from "../_test_helpers.ts";
import { noUnhandledRejections, until, within } from "../testing/events.ts";
import {
  count,
  inputs,
  KEY,
  realMessages,
  RUNS,
  TIME_LIMIT_MS,
  User,
} from "../testing/relay_fuzz.ts";
import { natsChannel } from "./mod.ts";
import { connectNats } from "./testing/relays.ts";
import { startNats } from "./testing/server.ts";

const K1 = "k1: the shared secret, 32+ characters";
const OTHER = "another team's secret, 32+ chars!";
const UTF8 = new TextDecoder("utf-8", { fatal: true });

interface KeyedRelay extends AsyncDisposable {
  readonly saved: Signal<Record<string, unknown>, unknown>;
  readonly relay: Relay;
  readonly errors: RelayError[];
  /** What the receivers heard, by `i` or `id` (or the params when neither). */
  readonly heard: unknown[];
}

/** A relay of `saved` (and `other`) over NATS with its own connection. */
async function keyedRelay(
  url: string,
  subject: string,
  options: { key?: string | string[] } = {},
): Promise<KeyedRelay> {
  const connection = await connectNats(url);
  const saved = new Signal<Record<string, unknown>, unknown>({ name: "saved" });
  const other = new Signal<Record<string, unknown>, unknown>({ name: "other" });
  const heard: unknown[] = [];
  for (const signal of [saved, other]) {
    signal.connect(({ signal: _signal, sender: _sender, ...params }) =>
      void heard.push(params.i ?? params.id ?? params)
    );
  }
  const errors: RelayError[] = [];
  const channel = natsChannel({ connection, subject });
  const carrier = relay(channel, {
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
    async [Symbol.asyncDispose]() {
      await carrier.close();
      await channel.close();
      await connection.close();
    },
  };
}

Deno.test("relay() with a key over natsChannel() exchanges sends with the same key, and refuses another key's and raw publishes as auth", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startNats();
  await using a = await keyedRelay(server.url, "app", { key: K1 });
  await using b = await keyedRelay(server.url, "app", { key: K1 });
  await using stranger = await keyedRelay(server.url, "app", { key: OTHER });
  for (let i = 0; i < 50; i++) a.saved.send("db", { i });
  await within(a.relay.flush(), "a's posts");
  await until(() => b.heard.length === 50, "b's sends");
  assertEquals(b.heard, [...Array(50).keys()]);
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
  // a's own posts came back from NATS (no noEcho): skipped, never refused.
  assertEquals(a.errors.map((error) => error.code), ["auth", "auth"]);
  await until(() => stranger.relay.stats.rejected === 2, "its refusals");
  assertEquals(stranger.heard, [666]);
});

Deno.test("relay() with a key over natsChannel() counts the signature in max_payload: exactly max_payload bytes are sent, one more is a RangeError at send", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startNats({ maxPayload: 1024 });
  await using a = await keyedRelay(server.url, "app", { key: K1 });
  await using b = await keyedRelay(server.url, "app", { key: K1 });
  const watcher = await connectNats(server.url);
  const sizes: number[] = [];
  watcher.subscribe("app", {
    callback: (_error, message) => void sizes.push(message.data.length),
  });
  await watcher.flush();
  try {
    a.saved.send("db", { s: "" });
    await until(() => b.heard.length === 1 && sizes.length === 1, "a probe");
    const room = 1024 - sizes[0]!;
    const exact = "é".repeat(Math.floor(room / 2)) + "a".repeat(room % 2);
    const posted = a.relay.stats.posted;
    assertThrows(
      () => a.saved.send("db", { s: exact + "a" }),
      RangeError,
      "1025 bytes, over the channel's limit of 1024 bytes",
    );
    assertEquals(a.heard.length, 1, "no local receiver ran");
    assertEquals(a.relay.stats.posted, posted, "nothing posted");
    a.saved.send("db", { s: exact });
    await within(a.relay.flush(), "a's posts");
    await until(() => b.heard.length === 2, "the exact send");
    assertEquals(b.heard[1], { s: exact });
    await within(watcher.flush(), "the watcher");
    assertEquals(sizes[1], 1024, "the signed message was max_payload bytes");
    assertEquals([...a.errors, ...b.errors], []);
  } finally {
    await watcher.close();
  }
});

Deno.test("relay() with a key over natsChannel(), fed the fuzz test's inputs by raw publish, dispatches only what its key signed and counts every refusal", async () => {
  await using _hook = noUnhandledRejections();
  await using server = await startNats();
  const real = await realMessages();
  const runs = Math.max(1, Math.round(RUNS / 10));
  let run = 0;
  await fc.assert(
    fc.asyncProperty(inputs(real.signed), async (fed) => {
      const subject = `fuzz.${run++}`;
      await using target = await keyedRelay(server.url, subject, {
        key: KEY,
      });
      let refused = 0;
      let notText = 0;
      let sends = 0;
      for (const { data, real: isReal } of fed) {
        // NATS carries bytes: what is not text or bytes goes as its JSON or String().
        let message: string | Uint8Array;
        if (typeof data === "string") message = data;
        else if (data instanceof Uint8Array) message = new Uint8Array(data);
        else {
          try {
            message = JSON.stringify(data) ?? String(data);
          } catch {
            message = "not JSON";
          }
        }
        await server.publish(subject, message);
        if (isReal) sends += real.sends.get(data as string)!;
        else if (isText(message)) refused++;
        // Bytes that are not UTF-8 never reach the key check: the channel
        // reports them as messageerror, dropped as decode.
        else notText++;
      }
      await until(
        () =>
          target.relay.stats.rejected === refused &&
          target.relay.stats.dropped === notText &&
          target.relay.stats.received + target.relay.stats.duplicates ===
            sends,
        "every input accounted for",
        5_000,
      );
      assertEquals(count(target.errors, "auth"), refused);
      assertEquals(count(target.errors, "decode"), notText);
      for (const id of target.heard) {
        assert(real.ids.has(id as number), `id ${id}`);
      }
    }),
    {
      ...fcSettings(runs),
      numRuns: runs,
      interruptAfterTimeLimit: TIME_LIMIT_MS,
    },
  );
});

function isText(message: string | Uint8Array): boolean {
  if (typeof message === "string") return true;
  try {
    UTF8.decode(message);
    return true;
  } catch {
    return false;
  }
}
