// A channel's maxBytes (Postgres NOTIFY: 7,999; NATS: max_payload), over a
// fake channel that records what it is given: the relay's side of the limit.
// postgres/relay_test.ts shows the same against a real Postgres.
import { assert, assertEquals, assertThrows } from "@std/assert";
import { Signal } from "./mod.ts";
import { relay, type RelayChannel } from "./relay.ts";

const bytes = (text: string) => new TextEncoder().encode(text).length;

function recordingChannel(maxBytes: number | undefined) {
  const posted: string[] = [];
  const channel: RelayChannel & { maxBytes: number | undefined } = {
    maxBytes,
    postMessage: (message) => void posted.push(message),
    addEventListener: () => {},
    removeEventListener: () => {},
  };
  return { channel, posted };
}

const KEY = "a shared secret of 32+ characters!";

/** The message a lone send with `text` makes: measured once, then exact. */
async function envelopeBytes(maxBytes: number, key?: string): Promise<number> {
  const { channel, posted } = recordingChannel(maxBytes);
  const saved = new Signal<{ text: string }>({ name: "saved" });
  await using carrier = relay(channel, {
    signals: [saved],
    ...(key === undefined ? {} : { key }),
  });
  saved.send("db", { text: "" });
  await carrier.flush();
  return bytes(posted[0]!);
}

Deno.test("relay() posts a lone send whose message is exactly the channel's maxBytes, and refuses one byte more with a RangeError at send", async () => {
  const maxBytes = 1_000;
  const fits = maxBytes - await envelopeBytes(maxBytes);
  const { channel, posted } = recordingChannel(maxBytes);
  const saved = new Signal<{ text: string }>({ name: "saved" });
  let heard = 0;
  saved.connect(() => void heard++);
  await using carrier = relay(channel, { signals: [saved] });

  saved.send("db", { text: "" }); // sequence 0: same digits as the next ones
  await carrier.flush();
  saved.send("db", { text: "é".repeat(fits / 2) + (fits % 2 ? "a" : "") });
  await carrier.flush();
  assertEquals(bytes(posted[1]!), maxBytes);

  for (
    const text of ["x".repeat(fits + 1), "é".repeat(Math.ceil((fits + 1) / 2))]
  ) {
    assertThrows(
      () => saved.send("db", { text }),
      RangeError,
      `over the channel's limit of ${maxBytes} bytes`,
    );
  }
  assertEquals(heard, 2, "no local receiver ran for a refused send");
  assertEquals(carrier.stats.posted, 2);
  // A refused send takes no sequence number: the next one is 2.
  saved.send("db", { text: "next" });
  await carrier.flush();
  assertEquals(JSON.parse(posted[2]!)[2], 2);
});

Deno.test("relay() with a key counts the tag in the channel's maxBytes: a signed message of exactly maxBytes is posted, one byte more is a RangeError", async () => {
  const maxBytes = 1_000;
  const envelope = await envelopeBytes(maxBytes, KEY);
  // Signing adds `,"` + 44 base64 characters + `"` before the final `]`.
  assertEquals(envelope - await envelopeBytes(maxBytes), 47);
  const fits = maxBytes - envelope;
  const { channel, posted } = recordingChannel(maxBytes);
  const saved = new Signal<{ text: string }>({ name: "saved" });
  await using carrier = relay(channel, { signals: [saved], key: KEY });

  saved.send("db", { text: "" }); // sequence 0: same digits as the next ones
  await carrier.flush();
  saved.send("db", { text: "é".repeat(fits / 2) + (fits % 2 ? "a" : "") });
  await carrier.flush();
  assertEquals(bytes(posted[1]!), maxBytes);
  assertThrows(
    () => saved.send("db", { text: "x".repeat(fits + 1) }),
    RangeError,
    `the message would be ${maxBytes + 1} bytes, over the channel's limit`,
  );
  assertEquals(carrier.stats.posted, 2);
});

Deno.test("relay() splits one tick's sends into messages within the channel's maxBytes", async () => {
  const { channel, posted } = recordingChannel(1_000);
  const saved = new Signal<{ i: number; text: string }>({ name: "saved" });
  await using carrier = relay(channel, { signals: [saved] });
  for (let i = 0; i < 50; i++) saved.send("db", { i, text: "é".repeat(100) });
  await carrier.flush();
  assert(posted.length > 1 && posted.length < 50, String(posted.length));
  assert(posted.every((message) => bytes(message) <= 1_000));
  const sends = posted.flatMap((message) => JSON.parse(message)[4]);
  assertEquals(sends.length, 50);
  // Each message's first sequence number follows the last one's sends.
  let next = 0;
  for (const message of posted) {
    const [, , first, , batch] = JSON.parse(message);
    assertEquals(first, next);
    next += batch.length;
  }
});

Deno.test("relay() follows a channel's maxBytes as it changes, and has no limit while it is undefined", async () => {
  const { channel, posted } = recordingChannel(undefined);
  const saved = new Signal<{ text: string }>({ name: "saved" });
  await using carrier = relay(channel, { signals: [saved] });
  saved.send("db", { text: "x".repeat(2_000) });
  await carrier.flush();
  channel.maxBytes = 1_000;
  // Queued while unlimited, then limited in the same tick: still split.
  channel.maxBytes = undefined;
  saved.send("db", { text: "x".repeat(600) });
  channel.maxBytes = 1_000;
  saved.send("db", { text: "x".repeat(600) });
  assertThrows(() => saved.send("db", { text: "x".repeat(2_000) }), RangeError);
  await carrier.flush();
  assertEquals(posted.length, 3);
  assert(posted.slice(1).every((message) => bytes(message) <= 1_000));
});

Deno.test("relay() refuses a channel whose maxBytes is not an integer of at least 256", () => {
  for (const maxBytes of [0, 255, 1.5, NaN, "1000"]) {
    const { channel } = recordingChannel(maxBytes as number);
    assertThrows(
      () => relay(channel, { signals: [] }),
      TypeError,
      "channel.maxBytes is not an integer of at least 256",
    );
  }
});
