/**
 * The relay conformance suite: the cases every channel must pass, as
 * mqemitter's `abstractTest.js` is for its transports. A channel package
 * calls {@linkcode relayConformance} from one of its test files with a
 * factory of channel objects; each case makes two or more relays, each on a
 * channel object of its own on one shared channel, and raw posters for the
 * bad-message cases. Not published.
 *
 * ```ts ignore
 * import { relayConformance } from "../testing/relay_conformance.ts";
 * relayConformance("BroadcastChannel", (name) => {
 *   const channel = new BroadcastChannel(name);
 *   return { channel, close: () => channel.close() };
 * });
 * ```
 *
 * @module
 */

import {
  assert,
  assertEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { Signal } from "../mod.ts";
import {
  type Relay,
  relay,
  type RelayChannel,
  type RelayError,
  type RelayOptions,
} from "../relay.ts";
import { unhandledRejections } from "../_test_helpers.ts";

/** One channel object a factory made, and how to let it go after the case. */
export interface ConformanceChannel {
  /** A channel object of its own, on the shared channel the name picks. */
  readonly channel: RelayChannel;
  /** Releases what the factory made (a relay never closes its channel). */
  close(): void | Promise<void>;
}

/**
 * Makes a channel object on the shared channel called `name`: objects made
 * with one name reach each other; a new name is a new, empty channel.
 */
export type ChannelFactory = (
  name: string,
) => ConformanceChannel | Promise<ConformanceChannel>;

/** Settings for {@linkcode relayConformance}. */
export interface ConformanceOptions {
  /** How long one case may wait for a delivery, in ms; 10,000 by default. */
  readonly timeout?: number;
}

/** What one case builds on: channels and relays, all closed at its end. */
class Case {
  readonly #make: ChannelFactory;
  readonly #name: string;
  readonly timeout: number;
  readonly #channels: ConformanceChannel[] = [];
  readonly #relays: Relay[] = [];

  constructor(make: ChannelFactory, name: string, timeout: number) {
    this.#make = make;
    this.#name = name;
    this.timeout = timeout;
  }

  async channel(): Promise<RelayChannel> {
    const made = await this.#make(this.#name);
    this.#channels.push(made);
    return made.channel;
  }

  /** A relay on a channel object of its own; its errors are collected. */
  async relay(
    options: RelayOptions,
  ): Promise<{ relay: Relay; errors: RelayError[] }> {
    const errors: RelayError[] = [];
    const carried = relay(await this.channel(), {
      onError: (error) => errors.push(error),
      ...options,
    });
    this.#relays.push(carried);
    await carried.ready;
    return { relay: carried, errors };
  }

  /** Posts raw text onto the channel, as a foreign publisher would. */
  async postRaw(...texts: string[]): Promise<void> {
    const channel = await this.channel();
    for (const text of texts) await channel.postMessage(text);
  }

  /** Waits until `done()` holds, checking every 5 ms up to the time limit. */
  async until(done: () => boolean, what: string): Promise<void> {
    const start = Date.now();
    for (let i = 0; i < 100_000 && !done(); i++) {
      if (Date.now() - start > this.timeout) {
        throw new Error(
          `Timed out after ${this.timeout} ms waiting for ${what}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.#relays.map((carried) => carried.close()));
    await Promise.all(this.#channels.map((made) => made.close()));
  }
}

/** A wire message as another relay would post it, for the raw cases. */
function rawMessage(
  origin: string,
  sequence: number,
  sends: unknown[][],
): string {
  return JSON.stringify([1, origin, sequence, Date.now(), sends]);
}

/**
 * Registers the conformance cases with `Deno.test`, each named
 * `relay over <name>: ...`.
 *
 * @param name The channel's name in the test names.
 * @param make Makes one channel object per call (see {@linkcode ChannelFactory}).
 * @param options The time limit.
 */
export function relayConformance(
  name: string,
  make: ChannelFactory,
  options: ConformanceOptions = {},
): void {
  const timeout = options.timeout ?? 10_000;
  let cases = 0;
  const test = (title: string, fn: (c: Case) => Promise<void>) => {
    const channelName =
      `signalry-conformance-${crypto.randomUUID()}-${cases++}`;
    Deno.test(`relay over ${name}: ${title}`, async () => {
      const c = new Case(make, channelName, timeout);
      const unhandled = await unhandledRejections(async () => {
        try {
          await fn(c);
        } finally {
          await c.close();
        }
      });
      assertEquals(unhandled, [], "no rejection may go unhandled");
    });
  };

  test("delivers a send to the receivers of its sender and of every sender, in connection order", async (c) => {
    const savedA = new Signal<{ id: number }, string>({ name: "saved" });
    const savedB = new Signal<{ id: number }, string>({ name: "saved" });
    const heard: string[] = [];
    savedB.connect(({ id, sender }) => void heard.push(`any ${sender} ${id}`));
    savedB.connect(({ id }) => void heard.push(`db ${id}`), { sender: "db" });
    savedB.connect(({ id }) => void heard.push(`cache ${id}`), {
      sender: "cache",
    });
    savedB.connect(({ id, sender }) => void heard.push(`any2 ${sender} ${id}`));
    const a = await c.relay({ signals: [savedA] });
    const b = await c.relay({ signals: [savedB] });

    const responses = savedA.send("db", { id: 1 });
    assertEquals(responses, [], "a send's results hold local responses only");
    await c.until(() => heard.length === 3, "three receivers");
    assertEquals(heard, ["any db 1", "db 1", "any2 db 1"]);
    assertEquals(b.relay.stats.received, 1);
    await a.relay.flush();
    assertEquals(a.relay.stats.posted, 1);
    assertEquals([...a.errors, ...b.errors], []);
  });

  test("gives receivers the sending relay's params as plain data, the value matrix intact", async (c) => {
    const savedA = new Signal({ name: "values" });
    const savedB = new Signal({ name: "values" });
    const heard: Record<string, unknown>[] = [];
    savedB.connect((args) => void heard.push(args));
    await c.relay({ signals: [savedA] });
    const b = await c.relay({ signals: [savedB] });
    const params = {
      date: new Date(1_700_000_000_000),
      map: new Map<unknown, unknown>([["a", 1], [2, { b: [3n] }]]),
      set: new Set([1, "two", null]),
      big: 12345678901234567890n,
      missing: undefined,
      nan: NaN,
      inf: Infinity,
      negInf: -Infinity,
      negZero: -0,
      bytes: new Uint8Array([0, 1, 255]),
      floats: new Float64Array([1.5, -2]),
      buffer: new Uint8Array([9, 8]).buffer,
      nested: { list: [1, "x", true, null, [undefined]], deep: { e: "é ✓" } },
      ["__proto__"]: { polluted: true },
    };
    savedA.send("db", params);
    await c.until(() => heard.length === 1, "the send");
    const got = heard[0]!;
    assertStrictEquals(got.signal, savedB);
    assertStrictEquals(got.sender, "db");
    assertEquals(got.date, params.date);
    assert(got.date instanceof Date);
    assertEquals(got.map, params.map);
    assertEquals(got.set, params.set);
    assertStrictEquals(got.big, params.big);
    assert(Object.hasOwn(got, "missing") && got.missing === undefined);
    assert(Number.isNaN(got.nan));
    assertStrictEquals(got.inf, Infinity);
    assertStrictEquals(got.negInf, -Infinity);
    assert(Object.is(got.negZero, -0), "-0 survives");
    assertEquals(got.bytes, params.bytes);
    assert(got.bytes instanceof Uint8Array);
    assertEquals(got.floats, params.floats);
    assert(got.buffer instanceof ArrayBuffer);
    assertEquals([...new Uint8Array(got.buffer)], [9, 8]);
    assertEquals(got.nested, params.nested);
    assertStrictEquals(Object.getPrototypeOf(got), Object.prototype);
    assert(Object.hasOwn(got, "__proto__"), "__proto__ stays an own key");
    assertStrictEquals(({} as { polluted?: boolean }).polluted, undefined);
    assertEquals(b.errors, []);
  });

  test("carries object senders by their wire name in senders", async (c) => {
    class UserHere {}
    class UserThere {}
    const savedA = new Signal<{ id: number }, object>({ name: "saved" });
    const savedB = new Signal<{ id: number }, object>({ name: "saved" });
    const heard: [object, number][] = [];
    savedB.connect(({ sender, id }) => void heard.push([sender, id]), {
      sender: UserThere,
    });
    await c.relay({ signals: [savedA], senders: { User: UserHere } });
    await c.relay({ signals: [savedB], senders: [["User", UserThere]] });

    savedA.send(UserHere, { id: 1 });
    await c.until(() => heard.length === 1, "the send from User");
    assertEquals(heard, [[UserThere, 1]]);
  });

  test("refuses at send what cannot cross: a TypeError, nothing posted, no local receiver", async (c) => {
    class Model {}
    const savedA = new Signal({ name: "saved" });
    const savedB = new Signal({ name: "saved" });
    const local: unknown[] = [];
    const remote: unknown[] = [];
    savedA.connect(({ sender }) => void local.push(sender));
    savedB.connect(({ sender }) => void remote.push(sender));
    const a = await c.relay({ signals: [savedA] });
    const b = await c.relay({ signals: [savedB] });

    const refusals: [string, () => unknown, string][] = [
      ["unnamed object sender", () => savedA.send({}), "no wire name"],
      ["symbol sender", () => savedA.send(Symbol("s")), "symbol"],
      ["BigInt sender", () => savedA.send(1n), "bigint"],
      ["function", () => savedA.send("db", { f: () => 1 }), "params.f"],
      ["symbol", () => savedA.send("db", { s: Symbol("s") }), "params.s"],
      ["class instance", () => savedA.send("db", { m: new Model() }), "Model"],
      [
        "deep",
        () => savedA.send("db", { a: [{ b: new Model() }] }),
        "params.a[0].b",
      ],
    ];
    for (const [what, send, detail] of refusals) {
      assertThrows(send, TypeError, detail, what);
    }
    await assertRejectsTypeError(() => savedA.sendAsync({}));
    assertEquals(local, [], "no local receiver ran");
    savedA.send("marker");
    await c.until(() => remote.length === 1, "the marker");
    assertEquals(remote, ["marker"]);
    await a.relay.flush();
    assertEquals(a.relay.stats.posted, 1);
    assertEquals(b.relay.stats.received, 1);
  });

  test("delivers 10,000 sends of one burst in order, counted as sends", async (c) => {
    const tickA = new Signal<{ n: number }>({ name: "tick" });
    const tickB = new Signal<{ n: number }>({ name: "tick" });
    const heard: number[] = [];
    tickB.connect(({ n }) => void heard.push(n));
    const a = await c.relay({ signals: [tickA] });
    const b = await c.relay({ signals: [tickB] });

    for (let n = 0; n < 10_000; n++) tickA.send("db", { n });
    await c.until(() => heard.length >= 10_000, "10,000 sends");
    assertEquals(heard, Array.from({ length: 10_000 }, (_, n) => n));
    await a.relay.flush();
    assertEquals(a.relay.stats.posted, 10_000);
    assertEquals(b.relay.stats.received, 10_000);
    assertEquals(b.relay.stats.gaps, 0);
    assertEquals([...a.errors, ...b.errors], []);
  });

  test("delivers sends spread over many ticks in order", async (c) => {
    const tickA = new Signal<{ n: number }>({ name: "tick" });
    const tickB = new Signal<{ n: number }>({ name: "tick" });
    const heard: number[] = [];
    tickB.connect(({ n }) => void heard.push(n));
    await c.relay({ signals: [tickA] });
    await c.relay({ signals: [tickB] });

    for (let n = 0; n < 500; n++) {
      await tickA.sendAsync("db", { n });
      if (n % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await c.until(() => heard.length >= 500, "500 sends");
    assertEquals(heard, Array.from({ length: 500 }, (_, n) => n));
  });

  test("never dispatches a relay's own posts back to it (no echo)", async (c) => {
    const savedA = new Signal({ name: "saved" });
    const savedB = new Signal({ name: "saved" });
    const here: unknown[] = [];
    const there: unknown[] = [];
    savedA.connect(({ sender }) => void here.push(sender));
    savedB.connect(({ sender }) => void there.push(sender));
    const a = await c.relay({ signals: [savedA] });
    await c.relay({ signals: [savedB] });

    savedA.send("first");
    savedB.send("back");
    await c.until(() => there.length === 2 && here.length === 2, "both sends");
    assertEquals(here, ["first", "back"]);
    assertEquals(there, ["back", "first"]);
    assertEquals(a.relay.stats.received, 1);
  });

  test("posts a send of a Signal carried by two relays to both, and forwards nothing between them", async (c) => {
    const saved = new Signal({ name: "saved" });
    const other = new Signal({ name: "saved" });
    const heard: unknown[] = [];
    other.connect(({ sender }) => void heard.push(sender));
    const first = await c.relay({ signals: [saved] });
    const second = await c.relay({ signals: [saved] });
    const listener = await c.relay({ signals: [other] });

    saved.send("db");
    await c.until(() => heard.length === 2, "the send through both relays");
    other.send("back");
    await c.until(
      () =>
        first.relay.stats.received === 1 && second.relay.stats.received === 1,
      "the send back through each relay",
    );
    await Promise.all([first.relay.flush(), second.relay.flush()]);
    assertEquals(first.relay.stats.posted, 1, "nothing forwarded");
    assertEquals(second.relay.stats.posted, 1, "nothing forwarded");
    assertEquals(listener.relay.stats.received, 2);
  });

  test("never dispatches a remote send to a receiver connected with local: true, nor uses up a local once receiver", async (c) => {
    const savedA = new Signal({ name: "saved" });
    const savedB = new Signal({ name: "saved" });
    const local: unknown[] = [];
    const localOnce: unknown[] = [];
    const everywhere: unknown[] = [];
    savedB.connect(({ sender }) => void local.push(sender), { local: true });
    savedB.connect(({ sender }) => void localOnce.push(sender), {
      local: true,
      once: true,
    });
    savedB.connect(({ sender }) => void everywhere.push(sender));
    await c.relay({ signals: [savedA] });
    await c.relay({ signals: [savedB] });

    savedA.send("remote");
    await c.until(() => everywhere.length === 1, "the remote send");
    assertEquals([local, localOnce], [[], []]);
    savedB.send("here");
    savedB.send("here again");
    assertEquals(local, ["here", "here again"]);
    assertEquals(localOnce, ["here"], "used up by a local send only");
    assertEquals(everywhere, ["remote", "here", "here again"]);
  });

  test("next() and events() hear remote sends, and with local: true only local ones", async (c) => {
    const savedA = new Signal({ name: "saved" });
    const savedB = new Signal({ name: "saved" });
    await c.relay({ signals: [savedA] });
    const b = await c.relay({ signals: [savedB] });
    const next = savedB.next();
    const localNext = savedB.next({ local: true });
    const localEvents = savedB.events({ local: true });
    const events = savedB.events();

    savedA.send("remote");
    assertEquals((await next).sender, "remote");
    assertEquals((await events.next()).value?.sender, "remote");
    await c.until(() => b.relay.stats.received === 1, "the remote send");
    savedB.send("here");
    assertEquals((await localNext).sender, "here");
    assertEquals((await localEvents.next()).value?.sender, "here");
    await localEvents.return();
    await events.return();
  });

  test("neither posts a muted send nor dispatches a send that arrives while muted", async (c) => {
    const savedA = new Signal({ name: "saved" });
    const savedB = new Signal({ name: "saved" });
    const there: unknown[] = [];
    const here: unknown[] = [];
    savedA.connect(({ sender }) => void here.push(sender));
    savedB.connect(({ sender }) => void there.push(sender));
    const a = await c.relay({ signals: [savedA] });
    const b = await c.relay({ signals: [savedB] });

    {
      using _muted = savedA.mute();
      savedA.send("muted here");
    }
    await a.relay.flush();
    assertEquals(a.relay.stats.posted, 0);
    {
      using _muted = savedB.mute();
      savedA.send("muted there");
      await c.until(() => b.relay.stats.received === 1, "the muted send");
    }
    savedA.send("heard");
    await c.until(() => there.length === 1, "the send after the mutes");
    assertEquals(there, ["heard"]);
    assertEquals(here, ["muted there", "heard"]);
  });

  test("close() is idempotent; afterwards sends stay local and nothing is dispatched", async (c) => {
    const savedA = new Signal({ name: "saved" });
    const savedB = new Signal({ name: "saved" });
    const watcher = new Signal({ name: "saved" });
    const here: unknown[] = [];
    const there: unknown[] = [];
    const watched: unknown[] = [];
    savedA.connect(({ sender }) => void here.push(sender));
    savedB.connect(({ sender }) => void there.push(sender));
    watcher.connect(({ sender }) => void watched.push(sender));
    const a = await c.relay({ signals: [savedA] });
    const b = await c.relay({ signals: [savedB] });
    await c.relay({ signals: [watcher] });

    savedA.send("before");
    // Sent in the tick of close(): posted at close, and heard by the others.
    savedB.send("closing");
    await Promise.all([b.relay.close(), b.relay.close()]);
    assert(b.relay.closed);
    // Both listeners: on Redis each relay's subscriber hears it in its own time.
    await c.until(
      () => watched.length === 2 && here.length === 2,
      "the sends before close",
    );
    const closing = a.relay.close();
    assertStrictEquals(a.relay.close(), closing);
    await closing;
    savedA.send("after");
    assertEquals(here, ["before", "closing", "after"], "sends stay local");
    assertEquals(there, ["closing"]);
    assertEquals(a.relay.stats.posted, 1);
    assertEquals(b.relay.stats.received, 0);
  });

  test("closes when its abort signal aborts", async (c) => {
    const savedA = new Signal({ name: "saved" });
    const savedB = new Signal({ name: "saved" });
    const savedC = new Signal({ name: "saved" });
    const there: unknown[] = [];
    savedB.connect(({ sender }) => void there.push(sender));
    const controller = new AbortController();
    const a = await c.relay({ signals: [savedA], signal: controller.signal });
    await c.relay({ signals: [savedB] });
    await c.relay({ signals: [savedC] });
    controller.abort();
    assert(a.relay.closed);
    savedA.send("after abort");
    savedC.send("marker");
    await c.until(() => there.length === 1, "the marker");
    assertEquals(there, ["marker"]);
    await a.relay.flush();
    assertEquals(a.relay.stats.posted, 0);
    assertEquals(a.relay.stats.received, 0);
  });

  test("reports bad messages as decode, counts them, never dispatches them, and reads on", async (c) => {
    const savedA = new Signal({ name: "saved" });
    const savedB = new Signal({ name: "saved" });
    const there: unknown[] = [];
    savedB.connect(({ sender }) => void there.push(sender));
    const a = await c.relay({ signals: [savedA] });
    const b = await c.relay({ signals: [savedB] });
    const origin = crypto.randomUUID();

    await c.postRaw(
      "not json {",
      '{"valid":"json","wrong":"shape"}',
      JSON.stringify([99, origin, 0, Date.now(), [["saved", 0, "x", null]]]),
      rawMessage(origin, 0, [["saved", 1, "NoSuchModel", null]]),
      rawMessage(origin, 1, [["saved", 0, "x", { sender: "forged" }]]),
      rawMessage(origin, 2, [["saved", 0, ["t", "NoArray", "AA=="], null]]),
      rawMessage(origin, 3, [["not carried here", 0, "x", null]]),
    );
    savedA.send("good");
    await c.until(() => there.length === 1, "the good send");
    assertEquals(there, ["good"]);
    assertEquals(b.errors.map((error) => error.code), [
      "decode",
      "decode",
      "decode",
      "decode",
      "decode",
      "decode",
    ]);
    assert(b.errors[2]!.message.includes("version"), b.errors[2]!.message);
    assert(b.errors[3]!.message.includes("NoSuchModel"), b.errors[3]!.message);
    assertEquals(b.relay.stats.dropped, 6);
    assertEquals(b.relay.stats.received, 1);
    assertEquals(
      a.relay.stats.dropped,
      6,
      "every relay on the channel drops them",
    );
  });

  test("reports a gap once and counts it, and drops duplicates without a report", async (c) => {
    const saved = new Signal({ name: "saved" });
    const heard: unknown[] = [];
    saved.connect(({ sender }) => void heard.push(sender));
    const b = await c.relay({ signals: [saved] });
    const origin = crypto.randomUUID();
    const send = (sender: string) => ["saved", 0, sender, null];

    await c.postRaw(
      rawMessage(origin, 10, [send("first")]),
      rawMessage(origin, 13, [send("after a gap"), send("next")]),
      rawMessage(origin, 13, [send("after a gap"), send("next")]),
      rawMessage(origin, 14, [send("next"), send("last")]),
    );
    await c.until(() => heard.length === 4, "four sends");
    assertEquals(heard, ["first", "after a gap", "next", "last"]);
    assertEquals(b.errors.map((error) => error.code), ["gap"]);
    assertEquals(b.relay.stats.gaps, 1);
    assertEquals(b.relay.stats.missed, 2);
    assertEquals(b.relay.stats.duplicates, 3);
    assertEquals(b.relay.stats.dropped, 0);
  });

  test("reports receivers that throw or reject on a remote send as receiver errors", async (c) => {
    const savedA = new Signal({ name: "saved" });
    const savedB = new Signal({ name: "saved" });
    const heard: unknown[] = [];
    savedB.connect(() => {
      throw new Error("sync failure");
    });
    savedB.connect(() => Promise.reject(new Error("async failure")));
    savedB.connect(({ sender }) => void heard.push(sender));
    await c.relay({ signals: [savedA] });
    const b = await c.relay({ signals: [savedB] });

    savedA.send("db");
    await c.until(() => b.errors.length === 2, "both receiver errors");
    assertEquals(heard, ["db"]);
    assertEquals(b.errors.map((error) => error.code), ["receiver", "receiver"]);
    assertEquals(
      b.errors.map((error) => (error.cause as Error).message).sort(),
      ["async failure", "sync failure"],
    );
  });
}

async function assertRejectsTypeError(
  fn: () => Promise<unknown>,
): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  assert(caught instanceof TypeError, `expected a TypeError, got ${caught}`);
}
