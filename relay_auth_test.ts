import {
  assert,
  assertEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { stub } from "@std/testing/mock";
import { Signal } from "./mod.ts";
import { type Relay, relay, type RelayError } from "./relay.ts";
import { unhandledRejections } from "./_test_helpers.ts";
import { HubChannel, settle, until } from "./testing/relay_fake_channel.ts";

// Deno 2.9.6: once every BroadcastChannel of a thread is closed, the next
// ones created throw "expected i32" from postMessage after a tick. One
// channel kept open for the whole file keeps that from happening here.
const KEEP_ALIVE = new BroadcastChannel("signalry-keep-alive");
// Node and Bun would wait for it at exit.
(KEEP_ALIVE as { unref?: () => void }).unref?.();
const KEY = "k1: a shared secret of 32+ chars";
const KEY2 = "k2: the next shared secret, 32+ chars";
const OTHER = "another team's secret, 32 chars!";

interface Peer {
  readonly saved: Signal<{ id: number }>;
  readonly heard: number[];
  readonly errors: RelayError[];
  readonly relay: Relay;
}

/** A "process": its own Signal, relay and channel object, recording what it hears. */
function peer(
  channel: ConstructorParameters<typeof HubChannel>[0] | string,
  options: Partial<Parameters<typeof relay>[1]> = {},
): Peer & { readonly channel: HubChannel | BroadcastChannel } {
  const saved = new Signal<{ id: number }>({ name: "saved" });
  const heard: number[] = [];
  const errors: RelayError[] = [];
  saved.connect(({ id }) => void heard.push(id));
  const made = typeof channel === "string"
    ? new BroadcastChannel(channel)
    : new HubChannel(channel);
  const carried = relay(made, {
    signals: [saved],
    onError: (error) => void errors.push(error),
    ...options,
  });
  return { saved, heard, errors, relay: carried, channel: made };
}

async function closeAll(
  ...peers: { relay: Relay; channel: HubChannel | BroadcastChannel }[]
) {
  for (const { relay, channel } of peers) {
    await relay.close();
    if (channel instanceof BroadcastChannel) channel.close();
  }
}

/**
 * Signs `text` as the wire format says, independently of the relay's code:
 * the tag is base64(HMAC-SHA-256(key, text)), as a sixth element.
 */
async function sign(key: string, text: string): Promise<string> {
  const hmac = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const tag = new Uint8Array(
    await crypto.subtle.sign("HMAC", hmac, new TextEncoder().encode(text)),
  );
  return `${text.slice(0, -1)},"${btoa(String.fromCharCode(...tag))}"]`;
}

function codes(errors: RelayError[]): string[] {
  return errors.map((error) => error.code);
}

Deno.test("relay() with a key exchanges signed sends with a relay holding the same key, over BroadcastChannel", async () => {
  const name = `auth-${crypto.randomUUID()}`;
  const raw = new BroadcastChannel(name);
  const seen: unknown[] = [];
  raw.onmessage = (event) => void seen.push(event.data);
  const a = peer(name, { key: KEY });
  const b = peer(name, { key: KEY });
  try {
    await Promise.all([a.relay.ready, b.relay.ready]);
    a.saved.send("db", { id: 1 });
    a.saved.send("db", { id: 2 });
    b.saved.send("db", { id: 3 });
    // Local receivers run first, at send; remote sends follow.
    await until(() => a.heard.length === 3 && b.heard.length === 3, "sends");
    assertEquals(a.heard, [1, 2, 3]);
    assertEquals(b.heard, [3, 1, 2]);
    assertEquals([a.errors, b.errors], [[], []]);
    assertEquals(b.relay.stats.received, 2);
    assertEquals(b.relay.stats.rejected, 0);
    await until(() => seen.length === 2, "the raw listener");
    // One signed message per tick: the two sends of a share one tag. (a's
    // message is found by origin: a and b sign at once, either may post first.)
    const message = seen.map((text) => JSON.parse(text as string) as unknown[])
      .find((message) => message[1] === a.relay.origin)!;
    assertEquals(message.length, 6);
    assertEquals((message[4] as unknown[]).length, 2);
    assertEquals((message[5] as string).length, 44);
  } finally {
    raw.close();
    await closeAll(a, b);
  }
});

Deno.test("relay() with a key drops, reports as auth and counts messages signed with another key, unsigned, or posted raw", async () => {
  const name = `auth-${crypto.randomUUID()}`;
  const b = peer(name, { key: KEY });
  const other = peer(name, { key: OTHER });
  const keyless = peer(name);
  const rogue = new BroadcastChannel(name);
  try {
    await Promise.all([b.relay.ready, other.relay.ready, keyless.relay.ready]);
    other.saved.send("db", { id: 66 });
    keyless.saved.send("db", { id: 67 });
    const origin = crypto.randomUUID();
    const forged = JSON.stringify([1, origin, 0, Date.now(), [[
      "saved",
      0,
      "db",
      { id: 68 },
    ]]]);
    rogue.postMessage(forged);
    rogue.postMessage(`${forged.slice(0, -1)},"${"A".repeat(43)}="]`);
    rogue.postMessage({ not: "text" });
    await until(() => b.relay.stats.rejected === 5, "five rejections");
    await settle();
    assertEquals(b.heard, []);
    assertEquals(codes(b.errors), ["auth", "auth", "auth", "auth", "auth"]);
    assertEquals(b.relay.stats.rejected, 5);
    assertEquals(b.relay.stats.received, 0);
    assertEquals(b.relay.stats.dropped, 0);
    const messages = b.errors.map((error) => error.message).join("\n");
    assert(messages.includes("matches none of this relay's keys"), messages);
    assert(messages.includes("not signed"), messages);
    // The other key's relay refuses b's messages alike.
    b.saved.send("db", { id: 1 });
    await until(() => other.relay.stats.rejected === 5, "other's rejections");
    assertEquals(other.heard, [66]);
  } finally {
    rogue.close();
    await closeAll(b, other, keyless);
  }
});

Deno.test("relay() without a key reads a signed message and ignores its tag", async () => {
  const name = `auth-${crypto.randomUUID()}`;
  const signed = peer(name, { key: KEY });
  const keyless = peer(name);
  try {
    await Promise.all([signed.relay.ready, keyless.relay.ready]);
    signed.saved.send("db", { id: 5 });
    await until(() => keyless.heard.length === 1, "the send");
    assertEquals(keyless.heard, [5]);
    assertEquals(keyless.errors, []);
    // ...while the keyed relay refuses the keyless one's unsigned message.
    keyless.saved.send("db", { id: 6 });
    await until(() => signed.relay.stats.rejected === 1, "the rejection");
    assertEquals(signed.heard, [5]);
  } finally {
    await closeAll(signed, keyless);
  }
});

Deno.test("relay() rotates keys without losing a send: sign with the first key, accept any in the list", async () => {
  const hub: HubChannel[] = [];
  // Before: both on k1. During: a signs k1 and accepts k2; b already signs k2.
  const oldOnly = peer(hub, { key: [KEY] });
  const a = peer(hub, { key: [KEY, KEY2] });
  const b = peer(hub, { key: [KEY2, KEY] });
  try {
    await Promise.all([a.relay.ready, b.relay.ready, oldOnly.relay.ready]);
    a.saved.send("a", { id: 1 });
    b.saved.send("b", { id: 2 });
    await until(() => a.heard.length === 2 && b.heard.length === 2, "rolling");
    assertEquals([a.heard, b.heard], [[1, 2], [2, 1]]);
    assertEquals([a.errors, b.errors], [[], []]);
    // A relay still on k1 alone hears a (k1) but refuses b (k2).
    await until(() => oldOnly.errors.length === 1, "the old relay");
    assertEquals(oldOnly.heard, [1]);
    assertEquals(codes(oldOnly.errors), ["auth"]);
    await closeAll(a, b, oldOnly);

    // After: both restarted on k2 only; k1 is refused from now on.
    const hub2: HubChannel[] = [];
    const a2 = peer(hub2, { key: KEY2 });
    const b2 = peer(hub2, { key: [KEY2] });
    const leftOver = peer(hub2, { key: KEY });
    try {
      a2.saved.send("a", { id: 3 });
      b2.saved.send("b", { id: 4 });
      leftOver.saved.send("old", { id: 5 });
      await until(
        () => a2.heard.length === 2 && b2.heard.length === 2,
        "after",
      );
      await until(
        () => a2.relay.stats.rejected === 1 && b2.relay.stats.rejected === 1,
        "the refusals",
      );
      assertEquals(a2.heard, [3, 4]);
      assertEquals(b2.heard, [4, 3]);
      assertEquals(leftOver.heard, [5]);
    } finally {
      await closeAll(a2, b2, leftOver);
    }
  } finally {
    await closeAll(a, b, oldOnly);
  }
});

Deno.test("relay() drops a replayed message as a duplicate while its origin is remembered, and as auth once older than maxAge", async () => {
  const hub: HubChannel[] = [];
  const a = peer(hub, { key: KEY });
  const b = peer(hub, { key: KEY, maxAge: 200 });
  try {
    a.saved.send("db", { id: 1 });
    await until(() => b.heard.length === 1, "the send");
    const captured = (a.channel as HubChannel).posted[0]!;
    // Replayed at once: the same origin and sequence, a duplicate.
    (b.channel as HubChannel).feed(captured);
    await settle();
    assertEquals(b.heard, [1]);
    assertEquals(b.relay.stats.duplicates, 1);
    assertEquals(b.errors, []);

    // A relay that never heard the origin takes a fresh replay...
    const fresh = peer([], { key: KEY, maxAge: 200 });
    (fresh.channel as HubChannel).feed(captured);
    await until(() => fresh.heard.length === 1, "the fresh relay");
    // ...but not once the message is older than maxAge.
    const late = peer([], { key: KEY, maxAge: 200 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    (late.channel as HubChannel).feed(captured);
    await until(() => late.relay.stats.rejected === 1, "the late rejection");
    assertEquals(late.heard, []);
    assertEquals(codes(late.errors), ["auth"]);
    assert(late.errors[0]!.message.includes("more than maxAge"));
    await closeAll(fresh, late);
  } finally {
    await closeAll(a, b);
  }
});

Deno.test("relay() with a key refuses a captured message whose tag was altered in base64's padding bits", async () => {
  // Regression: atob ignores the padding bits of a tag's last character, so
  // a tag altered there decoded to the signed bytes and was accepted.
  const hub: HubChannel[] = [];
  const a = peer(hub, { key: KEY });
  const b = peer(hub, { key: KEY });
  const fresh = peer([], { key: KEY });
  try {
    a.saved.send("db", { id: 1 });
    await until(() => b.heard.length === 1, "the send");
    const captured = (a.channel as HubChannel).posted[0] as string;
    const alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    // The tag ends `…X="]`: X carries four bits of the tag and two of padding.
    const at = captured.length - 4;
    const altered = captured.slice(0, at) +
      alphabet[alphabet.indexOf(captured[at]!) + 1] + captured.slice(at + 1);
    assert(altered !== captured);
    (fresh.channel as HubChannel).feed(altered);
    await until(() => fresh.relay.stats.rejected === 1, "the rejection");
    assertEquals(fresh.heard, []);
    assertEquals(codes(fresh.errors), ["auth"]);
  } finally {
    await closeAll(a, b, fresh);
  }
});

Deno.test("relay() with a key allows clock skew up to maxAge either way, and refuses messages stamped further ahead", async () => {
  const b = peer([], { key: KEY, maxAge: 60_000 });
  try {
    const message = (ahead: number, id: number) =>
      sign(
        KEY,
        JSON.stringify([1, crypto.randomUUID(), 0, Date.now() + ahead, [[
          "saved",
          0,
          "db",
          { id },
        ]]]),
      );
    const channel = b.channel as HubChannel;
    channel.feed(await message(30_000, 1));
    channel.feed(await message(-30_000, 2));
    channel.feed(await message(120_000, 3));
    channel.feed(await message(-120_000, 4));
    await until(() => b.heard.length + b.relay.stats.rejected === 4, "all");
    assertEquals(b.heard, [1, 2]);
    assertEquals(codes(b.errors), ["auth", "auth"]);
    assert(b.errors[0]!.message.includes("ahead of this clock"));
  } finally {
    await b.relay.close();
  }
});

Deno.test("relay() keeps send order through async signing, and dispatch order through async verifying", async () => {
  // Each signature resolves later than the one after it.
  const sign = crypto.subtle.sign.bind(crypto.subtle);
  const verify = crypto.subtle.verify.bind(crypto.subtle);
  let delay = 40;
  using _sign = stub(
    crypto.subtle,
    "sign",
    (...args: Parameters<SubtleCrypto["sign"]>) => {
      const wait = delay = Math.max(0, delay - 10);
      return new Promise((resolve) => setTimeout(resolve, wait)).then(() =>
        sign(...args)
      );
    },
  );
  let verifyDelay = 40;
  using _verify = stub(
    crypto.subtle,
    "verify",
    (...args: Parameters<SubtleCrypto["verify"]>) => {
      const wait = verifyDelay = Math.max(0, verifyDelay - 10);
      return new Promise((resolve) => setTimeout(resolve, wait)).then(() =>
        verify(...args)
      );
    },
  );
  const hub: HubChannel[] = [];
  const a = peer(hub, { key: KEY });
  const b = peer(hub, { key: KEY });
  try {
    for (let id = 1; id <= 4; id++) {
      a.saved.send("db", { id });
      await Promise.resolve(); // a new message per send
      await Promise.resolve();
    }
    await a.relay.flush();
    assertEquals((a.channel as HubChannel).posted.length, 4);
    assertEquals(
      (a.channel as HubChannel).posted.map((text) => JSON.parse(text)[2]),
      [0, 1, 2, 3],
    );
    await until(() => b.heard.length === 4, "the sends");
    assertEquals(b.heard, [1, 2, 3, 4]);
    assertEquals([b.errors, b.relay.stats.gaps], [[], 0]);
  } finally {
    await closeAll(a, b);
  }
});

Deno.test("relay.ready waits for the key import", async () => {
  const importKey = crypto.subtle.importKey.bind(crypto.subtle);
  // Not Promise.withResolvers(): Node 20 runs this file too.
  let open = () => {};
  const gate = new Promise<void>((resolve) => open = resolve);
  using _import = stub(
    crypto.subtle,
    "importKey",
    ((...args: Parameters<typeof importKey>) =>
      gate.then(() => importKey(...args))) as typeof importKey,
  );
  const b = peer([], { key: KEY });
  try {
    let ready = false;
    b.relay.ready.then(() => ready = true);
    await settle();
    assertEquals(ready, false);
    open();
    await b.relay.ready;
    assertEquals(ready, true);
  } finally {
    await b.relay.close();
  }
});

Deno.test("relay() refuses a bad key, maxAge or maxBytes with a TypeError, and carries nothing then", () => {
  const saved = new Signal({ name: "saved" });
  const channel = new HubChannel();
  const cases: [unknown, string][] = [
    [{ key: "short" }, "options.key is a string of 5 characters"],
    [{ key: new Uint8Array(31) }, "options.key has 31 bytes"],
    [{ key: [] }, "options.key is an empty list"],
    [{ key: [KEY, 42] }, "options.key[1] is not a string, bytes"],
    [{ key: 42 }, "options.key is not a string, bytes"],
    [{ key: null }, "options.key is not a string, bytes"],
    [{ maxAge: 0 }, "options.maxAge is not a positive number"],
    [{ maxAge: "5m" }, "options.maxAge is not a positive number"],
    [{ maxBytes: 100 }, "options.maxBytes is not an integer of at least 1024"],
    [{ maxBytes: 2048.5 }, "options.maxBytes is not an integer"],
  ];
  for (const [options, message] of cases) {
    assertThrows(
      () =>
        relay(channel, {
          signals: [saved],
          ...options as Record<string, never>,
        }),
      TypeError,
      message,
    );
  }
  assertEquals(channel.listenerCount, 0);
  saved.send("db");
  assertEquals(channel.posted, []);
});

Deno.test("relay() accepts a key as bytes or an ArrayBuffer, and copies it", async () => {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const hub: HubChannel[] = [];
  const a = peer(hub, { key: bytes });
  const b = peer(hub, { key: bytes.slice().buffer });
  bytes.fill(0); // the caller's buffer changes after relay(): the key does not
  try {
    a.saved.send("db", { id: 1 });
    await until(() => b.heard.length === 1, "the send");
    assertEquals(b.errors, []);
  } finally {
    await closeAll(a, b);
  }
});

Deno.test("relay() drops a message longer than maxBytes as decode before reading it, counting UTF-8 bytes", async () => {
  const b = peer([], { maxBytes: 1024 });
  const keyed = peer([], { key: KEY, maxBytes: 1024 });
  try {
    {
      using parse = stub(JSON, "parse", () => {
        throw new Error("parsed");
      });
      for (const target of [b, keyed]) {
        const channel = target.channel as HubChannel;
        channel.feed("x".repeat(1025));
        channel.feed("€".repeat(342)); // 1,026 bytes in 342 characters
      }
      assertEquals(parse.calls.length, 0);
    }
    assertEquals(codes(b.errors), ["decode", "decode"]);
    assert(b.errors[0]!.message.includes("longer than maxBytes (1024 bytes)"));
    assertEquals(b.relay.stats.dropped, 2);
    assertEquals(keyed.relay.stats.dropped, 2);
    assertEquals(keyed.relay.stats.rejected, 0);
    // Just under the limit, the same text is read (and refused as not JSON).
    (b.channel as HubChannel).feed("€".repeat(341));
    assertEquals(b.relay.stats.dropped, 3);
    assert(b.errors[2]!.message.includes("not JSON"), b.errors[2]!.message);
  } finally {
    await closeAll(b, keyed);
  }
});

Deno.test("relay() refuses at send a send too large for maxBytes, and splits batches to fit", async () => {
  const hub: HubChannel[] = [];
  const big = new Signal<{ text: string }>({ name: "big" });
  const receiver = () => {};
  const heardBig: string[] = [];
  big.connect(receiver);
  const bigThere = new Signal<{ text: string }>({ name: "big" });
  bigThere.connect(({ text }) => void heardBig.push(text));
  const there = relay(new HubChannel(hub), {
    signals: [bigThere],
    key: KEY,
    maxBytes: 1024,
  });
  const channel = new HubChannel(hub);
  const here = relay(channel, {
    signals: [big],
    key: KEY,
    maxBytes: 1024,
  });
  try {
    assertThrows(
      () => big.send("db", { text: "é".repeat(500) }),
      TypeError,
      'Cannot relay signal "big": the send does not fit in one message of maxBytes (1024 bytes)',
    );
    await here.flush();
    assertEquals(here.stats.posted, 0);
    // Ten sends of 720 bytes each (240 characters): ten messages within maxBytes.
    const texts = [...Array(10).keys()].map((i) => `${i}${"€".repeat(239)}`);
    for (const text of texts) big.send("db", { text });
    await here.flush();
    await until(() => heardBig.length === 10, "the sends");
    assertEquals(heardBig, texts);
    assertEquals(there.stats.dropped + there.stats.rejected, 0);
    assertEquals(there.stats.gaps, 0);
    assertEquals(here.stats.posted, 10);
    const sizes = channel.posted.map((text) =>
      new TextEncoder().encode(text).byteLength
    );
    assert(sizes.length > 1 && sizes.every((size) => size <= 1024), `${sizes}`);
  } finally {
    await here.close();
    await there.close();
  }
});

Deno.test("relay() with a key lets nothing reach the channel or go unhandled when a message is bad", async () => {
  const b = peer([], { key: KEY });
  const unhandled = await unhandledRejections(async () => {
    const channel = b.channel as HubChannel;
    for (
      const data of [
        "",
        "]",
        '"]',
        `,"${"=".repeat(44)}"]`,
        `[1,"o",0,0,[],"${"@".repeat(44)}"]`,
        null,
        undefined,
        42,
        new Uint8Array(8),
      ]
    ) {
      channel.feed(data);
    }
    await until(() => b.relay.stats.rejected === 9, "the rejections");
  });
  try {
    assertEquals(unhandled, []);
    assertEquals(b.heard, []);
    assertStrictEquals(b.errors.every((error) => error.code === "auth"), true);
  } finally {
    await b.relay.close();
  }
});
