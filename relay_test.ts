import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { stub } from "@std/testing/mock";
import { Signal } from "./mod.ts";
import {
  relay,
  type RelayChannel,
  type RelayChannelEvent,
  type RelayCodec,
  RelayError,
} from "./relay.ts";
import { relayConformance } from "./testing/relay_conformance.ts";
import { unhandledRejections } from "./_test_helpers.ts";

relayConformance("BroadcastChannel", (name) => {
  const channel = new BroadcastChannel(name);
  return { channel, close: () => channel.close() };
});

type Listener = (event: RelayChannelEvent) => void;

/**
 * A channel for the fault hooks a BroadcastChannel cannot give: `post`
 * decides what each postMessage does; by default it records the message and
 * delivers it to the other channels of its hub in a later task.
 */
class FakeChannel implements RelayChannel {
  readonly posted: string[] = [];
  readonly listeners = new Map<string, Set<Listener>>();
  post: (message: string) => void | PromiseLike<unknown>;
  ready?: PromiseLike<unknown>;
  codec?: RelayCodec;

  /**
   * @param hub The channels a post reaches.
   * @param echo Whether a post reaches its own channel too, as a shared
   * Redis channel object does.
   */
  constructor(readonly hub: FakeChannel[] = [], echo = false) {
    hub.push(this);
    this.post = (message) => {
      this.posted.push(message);
      setTimeout(() => {
        for (const other of this.hub) {
          if (echo || other !== this) {
            other.emit({ type: "message", data: message });
          }
        }
      }, 0);
    };
  }

  postMessage(message: string): void | PromiseLike<unknown> {
    return this.post(message);
  }

  addEventListener(type: string, listener: Listener): void {
    let listeners = this.listeners.get(type);
    if (listeners === undefined) {
      this.listeners.set(type, listeners = new Set());
    }
    listeners.add(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.listeners.get(type)?.delete(listener);
    if (this.listeners.get(type)?.size === 0) this.listeners.delete(type);
  }

  emit(event: RelayChannelEvent): void {
    for (const listener of this.listeners.get(event.type) ?? []) {
      listener(event);
    }
  }
}

function tasks(count = 3): Promise<void> {
  let chain = Promise.resolve();
  for (let i = 0; i < count; i++) {
    chain = chain.then(() => new Promise((resolve) => setTimeout(resolve, 0)));
  }
  return chain;
}

Deno.test("relay() refuses a bad channel or bad options with a TypeError, and carries nothing then", async () => {
  const saved = new Signal({ name: "saved" });
  const channel = new FakeChannel();
  const cases: [string, () => unknown, string][] = [
    [
      "no channel",
      () => relay(null as unknown as RelayChannel, { signals: [saved] }),
      "channel is not an object",
    ],
    [
      "no postMessage",
      () =>
        relay(
          {
            addEventListener() {},
            removeEventListener() {},
          } as unknown as RelayChannel,
          { signals: [saved] },
        ),
      "no postMessage()",
    ],
    [
      "bad codec",
      () => {
        const coded = new FakeChannel();
        coded.codec = { encode: JSON.stringify } as unknown as RelayCodec;
        return relay(coded, { signals: [saved] });
      },
      "channel.codec",
    ],
    [
      "no options",
      () => relay(channel, undefined as unknown as { signals: [] }),
      "options is not an object",
    ],
    [
      "signals not iterable",
      () => relay(channel, { signals: 1 as unknown as [] }),
      "options.signals is not an iterable",
    ],
    [
      "not a Signal",
      () => relay(channel, { signals: [{ name: "x", muted: false }] }),
      "not a Signal",
    ],
    [
      "unnamed",
      () => relay(channel, { signals: [saved, new Signal()] }),
      "unnamed Signal",
    ],
    [
      "two names alike",
      () => relay(channel, { signals: [saved, new Signal({ name: "saved" })] }),
      'two Signals named "saved"',
    ],
    [
      "a primitive sender",
      () =>
        relay(channel, {
          signals: [saved],
          senders: { db: "db" as unknown as object },
        }),
      "options.senders.db is not an object",
    ],
    [
      "one sender, two names",
      () => {
        const User = class {};
        return relay(channel, {
          signals: [saved],
          senders: { User, Member: User },
        });
      },
      "second name",
    ],
    [
      "a name given twice",
      () =>
        relay(channel, {
          signals: [saved],
          senders: [["User", class {}], ["User", class {}]],
        }),
      'names "User" twice',
    ],
    [
      "onError",
      () =>
        relay(channel, {
          signals: [saved],
          onError: "log" as unknown as () => void,
        }),
      "options.onError",
    ],
    [
      "signal",
      () =>
        relay(channel, {
          signals: [saved],
          signal: {} as AbortSignal,
        }),
      "options.signal",
    ],
    [
      "maxOrigins",
      () => relay(channel, { signals: [saved], maxOrigins: 0 }),
      "options.maxOrigins",
    ],
    [
      "closeTimeout",
      () => relay(channel, { signals: [saved], closeTimeout: -1 }),
      "options.closeTimeout",
    ],
  ];
  for (const [what, call, message] of cases) {
    assertThrows(call, TypeError, message, what);
  }
  assertEquals(saved.hasReceivers("other"), false);
  const local: unknown[] = [];
  saved.connect(({ sender }) => void local.push(sender));
  saved.send("db");
  await tasks();
  assertEquals(channel.posted, []);
  assertEquals(channel.listeners.size, 0);
  assertEquals(local, ["db"]);
});

Deno.test("RelayError refuses a code that is not a RelayErrorCode", () => {
  assertThrows(
    () => new RelayError("oops" as "gap", "message"),
    TypeError,
    "code oops is not one of",
  );
});

Deno.test("relay() posts the sends of one tick as one message, and counts sends", async () => {
  const channel = new FakeChannel();
  const saved = new Signal<{ n: number }>({ name: "saved" });
  await using carried = relay(channel, { signals: [saved] });
  for (let n = 0; n < 5; n++) saved.send("db", { n });
  await carried.flush();
  for (let n = 0; n < 2; n++) saved.send("db", { n });
  await tasks(1);
  assertEquals(channel.posted.length, 2);
  const [version, origin, sequence, , sends] = JSON.parse(channel.posted[1]!);
  assertEquals([version, origin, sequence, sends.length], [
    1,
    carried.origin,
    5,
    2,
  ]);
  assertEquals(carried.stats.posted, 7);
});

Deno.test("Signal.hasReceivers() is true for every sender while relayed, and receivers() does not list the relay", async () => {
  const saved = new Signal({ name: "saved" });
  assertEquals(saved.hasReceivers({}), false);
  const carried = relay(new FakeChannel(), { signals: [saved] });
  assertEquals(saved.hasReceivers({}), true);
  assertEquals(saved.hasReceivers(), true);
  assertEquals(saved.receivers(), []);
  await carried.close();
  assertEquals(saved.hasReceivers({}), false);
});

Deno.test("relay() drops its own posts when its channel hears them (no echo)", async () => {
  const channel = new FakeChannel([], true);
  const saved = new Signal({ name: "saved" });
  const heard: unknown[] = [];
  saved.connect(({ sender }) => void heard.push(sender));
  const errors: RelayError[] = [];
  await using carried = relay(channel, {
    signals: [saved],
    onError: (error) => errors.push(error),
  });
  saved.send("db");
  await carried.flush();
  await tasks();
  assertEquals(heard, ["db"]);
  assertEquals(carried.stats.received, 0);
  assertEquals(errors, []);
});

Deno.test("A send whose local receiver throws has still been relayed", async () => {
  const channel = new FakeChannel();
  const saved = new Signal({ name: "saved" });
  saved.connect(() => {
    throw new Error("local failure");
  });
  await using carried = relay(channel, { signals: [saved] });
  assertThrows(() => saved.send("db"), Error, "local failure");
  await carried.flush();
  assertEquals(carried.stats.posted, 1);
});

Deno.test("sendRobust(), sendAsync() and sendAsyncRobust() relay as send() does", async () => {
  const channel = new FakeChannel();
  const saved = new Signal({ name: "saved" });
  await using carried = relay(channel, { signals: [saved] });
  saved.sendRobust("robust");
  await saved.sendAsync("async");
  await saved.sendAsyncRobust("asyncRobust");
  await assertRejects(() => saved.sendAsync(Symbol("s")), TypeError, "symbol");
  await carried.flush();
  const senders = channel.posted.flatMap((message) =>
    JSON.parse(message)[4].map((send: unknown[]) => send[2])
  );
  assertEquals(senders, ["robust", "async", "asyncRobust"]);
});

Deno.test("relay() never waits for the channel, and flush() rejects with an AggregateError of the posts that failed since the last flush()", async () => {
  const channel = new FakeChannel();
  const saved = new Signal({ name: "saved" });
  const local: unknown[] = [];
  saved.connect(({ sender }) => void local.push(sender));
  const errors: RelayError[] = [];
  await using carried = relay(channel, {
    signals: [saved],
    onError: (error) => errors.push(error),
  });
  const unhandled = await unhandledRejections(async () => {
    channel.post = () => Promise.reject(new Error("broker gone"));
    saved.send("a");
    saved.send("b");
    await tasks(1);
    channel.post = () => {
      throw Object.assign(new Error("not connected"), { code: "unavailable" });
    };
    saved.send("c");
    assertEquals(local, ["a", "b", "c"], "local receivers ran");
    const error = await assertRejects(() => carried.flush(), AggregateError);
    assertEquals(
      (error as AggregateError).errors.map((error) => error.code),
      ["publish", "unavailable"],
    );
    assertInstanceOf((error as AggregateError).errors[0], RelayError);
    assertEquals(errors.map((error) => error.code), ["publish", "unavailable"]);
    assertEquals(carried.stats.failed, 3);
    assertEquals(carried.stats.posted, 2, "the rejected post was handed over");
    await carried.flush();
  });
  assertEquals(unhandled, []);
});

Deno.test("relay.close() waits for pending posts, then gives up on them as closed", async () => {
  const channel = new FakeChannel();
  const saved = new Signal({ name: "saved" });
  const errors: RelayError[] = [];
  const carried = relay(channel, {
    signals: [saved],
    onError: (error) => errors.push(error),
    closeTimeout: 20,
  });
  channel.post = () => new Promise(() => {});
  saved.send("a");
  const start = Date.now();
  await carried.close();
  assert(Date.now() - start >= 15, "close() waited for the pending post");
  assertEquals(errors.map((error) => error.code), ["closed"]);
  assertEquals(carried.stats.failed, 1);
  assertEquals(channel.listeners.size, 0, "close() removed its listeners");
});

Deno.test("relay's default reporter prints one line when an outage starts and one with the count when it ends", async () => {
  const lines: string[] = [];
  using _error = stub(console, "error", (line: unknown) => {
    lines.push(String(line));
  });
  const channel = new FakeChannel();
  const saved = new Signal({ name: "saved" });
  const carried = relay(channel, { signals: [saved] });
  channel.post = () => Promise.reject(new Error("broker gone"));
  for (let i = 0; i < 100; i++) {
    saved.send("db");
    await tasks(1);
  }
  assertEquals(lines.length, 1);
  assert(lines[0]!.includes("broker gone"), lines[0]);
  channel.post = () => Promise.resolve();
  saved.send("db");
  await carried.flush().catch(() => {});
  assertEquals(lines.length, 2);
  assert(lines[1]!.includes("100"), lines[1]);
  assertEquals(carried.stats.failed, 100);
  for (let i = 0; i < 50; i++) channel.emit({ type: "message", data: "junk" });
  assertEquals(lines.length, 3, "one line for the first decode error");
  await carried.close();
  assertEquals(lines.length, 4);
  assert(lines[3]!.includes("49 more decode"), lines[3]);
  assertEquals(carried.stats.dropped, 50);
});

Deno.test("relay.ready rejects when the channel's ready does, and reports it without an unhandled rejection", async () => {
  const channel = new FakeChannel();
  channel.ready = Promise.reject(new Error("SUBSCRIBE failed"));
  const errors: RelayError[] = [];
  const unhandled = await unhandledRejections(async () => {
    const carried = relay(channel, {
      signals: [new Signal({ name: "saved" })],
      onError: (error) => errors.push(error),
    });
    await assertRejects(() => carried.ready, RelayError, "SUBSCRIBE failed");
    relay(new FakeChannel(), { signals: [], onError: () => {} });
    await carried.close();
  });
  assertEquals(unhandled, []);
  assertEquals(errors.map((error) => error.code), ["unavailable"]);
});

Deno.test("relay() reports a channel's error events with their code, and its messageerror events as decode", async () => {
  const channel = new FakeChannel();
  const errors: RelayError[] = [];
  await using carried = relay(channel, {
    signals: [new Signal({ name: "saved" })],
    onError: (error) => errors.push(error),
  });
  const lost = Object.assign(new Error("connection reset"), {
    code: "disconnected",
  });
  channel.emit({ type: "error", error: lost });
  channel.emit({ type: "error", error: new Error("no code") });
  channel.emit({ type: "messageerror" });
  assertEquals(errors.map((error) => error.code), [
    "disconnected",
    "disconnected",
    "decode",
  ]);
  assertStrictEquals(errors[0]!.cause, lost);
  assertEquals(carried.stats.dropped, 1);
});

Deno.test("relay() encodes params with a channel's codec, and still refuses what is not plain data", async () => {
  const hub: FakeChannel[] = [];
  const codec: RelayCodec = {
    encode: (value) => `json:${JSON.stringify(value)}`,
    decode: (text) => JSON.parse(text.slice("json:".length)),
  };
  const here = new FakeChannel(hub);
  const there = new FakeChannel(hub);
  here.codec = there.codec = codec;
  const savedHere = new Signal<{ id: unknown }>({ name: "saved" });
  const savedThere = new Signal<{ id: unknown }>({ name: "saved" });
  const heard: unknown[] = [];
  savedThere.connect(({ id }) => void heard.push(id));
  await using _here = relay(here, { signals: [savedHere] });
  await using _there = relay(there, { signals: [savedThere] });
  class Model {}
  assertThrows(
    () => savedHere.send("db", { id: new Model() }),
    TypeError,
    "Model",
  );
  savedHere.send("db", { id: [1, "two"] });
  await tasks();
  assertEquals(heard, [[1, "two"]]);
  assert(here.posted[0]!.includes(JSON.stringify('json:{"id":[1,"two"]}')));
});

Deno.test("relay() drops what a channel's codec decodes into other than plain data", async () => {
  class Evil {}
  const channel = new FakeChannel();
  channel.codec = {
    encode: () => "",
    decode: (text) => text === "class" ? { evil: new Evil() } : [1],
  };
  const saved = new Signal({ name: "saved" });
  const heard: unknown[] = [];
  saved.connect((args) => void heard.push(args));
  const errors: RelayError[] = [];
  await using carried = relay(channel, {
    signals: [saved],
    onError: (error) => errors.push(error),
  });
  for (const [sequence, params] of ["class", "array"].entries()) {
    channel.emit({
      type: "message",
      data: JSON.stringify([1, "other", sequence, 0, [[
        "saved",
        0,
        "x",
        params,
      ]]]),
    });
  }
  assertEquals(heard, []);
  assertEquals(errors.map((error) => error.code), ["decode", "decode"]);
  assert(errors[0]!.message.includes("Evil"), errors[0]!.message);
  assertEquals(carried.stats.dropped, 2);
});

Deno.test("relay() drops a message nested past the limit, without a stack overflow", async () => {
  const channel = new FakeChannel();
  const saved = new Signal({ name: "saved" });
  const errors: RelayError[] = [];
  await using carried = relay(channel, {
    signals: [saved],
    onError: (error) => errors.push(error),
  });
  const deep = "[".repeat(5_000) + "]".repeat(5_000);
  channel.emit({
    type: "message",
    data: `[1,"other",0,0,[["saved",0,"x",{"deep":${deep}}]]]`,
  });
  const nested = `{"a":`.repeat(150) + "1" + "}".repeat(150);
  channel.emit({
    type: "message",
    data: `[1,"other",1,0,[["saved",0,"x",${nested}]]]`,
  });
  assertEquals(errors.map((error) => error.code), ["decode", "decode"]);
  assert(errors[1]!.message.includes("nested deeper"), errors[1]!.message);
  assertEquals(carried.stats.dropped, 2);
  assertThrows(
    () => saved.send("db", JSON.parse(nested)),
    TypeError,
    "nested deeper than 100 levels",
  );
});

Deno.test("relay() remembers at most maxOrigins origins, and a forgotten one starts again without a gap", async () => {
  const channel = new FakeChannel();
  const errors: RelayError[] = [];
  const saved = new Signal({ name: "saved" });
  await using carried = relay(channel, {
    signals: [saved],
    maxOrigins: 2,
    onError: (error) => errors.push(error),
  });
  const message = (origin: string, sequence: number) =>
    JSON.stringify([1, origin, sequence, 0, [["saved", 0, "x", null]]]);
  for (const origin of ["a", "b", "c"]) {
    channel.emit({ type: "message", data: message(origin, 0) });
  }
  channel.emit({ type: "message", data: message("a", 50) });
  channel.emit({ type: "message", data: message("c", 9) });
  assertEquals(errors.map((error) => error.message), [
    "Lost 8 sends from relay c (sequence 1 to 8)",
  ]);
  assertEquals(carried.stats.received, 5);
});

// --- Workers: real BroadcastChannels between threads ---

interface WorkerReport {
  ns: number;
  inOrder: boolean;
  senders: string[];
  stats: { received: number; gaps: number; missed: number; posted: number };
  codes: string[];
}

/** A worker running `testing/relay_worker.ts`, and a way to ask it things. */
async function startWorker(channel: string) {
  const worker = new Worker(
    new URL("./testing/relay_worker.ts", import.meta.url),
    { type: "module" },
  );
  const ask = <T>(command: object): Promise<T> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`worker did not answer ${JSON.stringify(command)}`)),
        30_000,
      );
      worker.onmessage = (event) => {
        clearTimeout(timer);
        resolve(event.data);
      };
      worker.postMessage(command);
    });
  await ask({ op: "start", channel });
  return {
    ask,
    async stop() {
      await ask({ op: "close" });
      worker.terminate();
    },
  };
}

async function waitFor(
  done: () => Promise<boolean> | boolean,
  what: string,
): Promise<void> {
  const start = Date.now();
  for (let i = 0; i < 1000 && !await done(); i++) {
    if (Date.now() - start > 20_000) {
      throw new Error(`Timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test("relay() carries 10,000 sends of one burst to a worker in order: coalescing keeps Deno's BroadcastChannel from dropping them", async () => {
  const name = `signalry-worker-${crypto.randomUUID()}`;
  const worker = await startWorker(name);
  const channel = new BroadcastChannel(name);
  const tick = new Signal<{ n: number }>({ name: "tick" });
  const errors: RelayError[] = [];
  const carried = relay(channel, {
    signals: [tick],
    onError: (error) => errors.push(error),
  });
  try {
    for (let n = 0; n < 10_000; n++) tick.send("main", { n });
    await carried.flush();
    let report: WorkerReport | undefined;
    await waitFor(async () => {
      report = await worker.ask<WorkerReport>({ op: "report" });
      return report.ns >= 10_000;
    }, "10,000 sends in the worker");
    assertEquals(report!.ns, 10_000);
    assert(report!.inOrder);
    assertEquals(report!.stats.gaps, 0);
    assertEquals(report!.codes, []);
    assert(channel instanceof BroadcastChannel);
    assert(
      report!.stats.received === carried.stats.posted,
      "counted as sends on both sides",
    );
  } finally {
    await carried.close();
    channel.close();
    await worker.stop();
  }
  assertEquals(errors, []);
});

Deno.test("relay() carries a worker's sends to the main thread, an object sender by its wire name, with no echo in the worker", async () => {
  const name = `signalry-worker-${crypto.randomUUID()}`;
  const worker = await startWorker(name);
  const channel = new BroadcastChannel(name);
  class User {}
  const tick = new Signal<{ n: number }, unknown>({ name: "tick" });
  const heard: unknown[] = [];
  tick.connect(({ sender, n }) => void heard.push([sender, n]), {
    sender: User,
  });
  const carried = relay(channel, { signals: [tick], senders: { User } });
  try {
    await worker.ask({ op: "send", count: 3, sender: "User" });
    await waitFor(() => heard.length === 3, "three sends from the worker");
    assertEquals(heard, [[User, 0], [User, 1], [User, 2]]);
    const report = await worker.ask<WorkerReport>({ op: "report" });
    assertEquals(report.ns, 3, "the worker heard its own sends once: no echo");
    assertEquals(report.stats.received, 0);
  } finally {
    await carried.close();
    channel.close();
    await worker.stop();
  }
});

Deno.test("relay() carries 5,000 sends awaited one by one from a worker without a loss", async () => {
  const name = `signalry-worker-${crypto.randomUUID()}`;
  const worker = await startWorker(name);
  const channel = new BroadcastChannel(name);
  const tick = new Signal<{ n: number }>({ name: "tick" });
  const heard: number[] = [];
  tick.connect(({ n }) => void heard.push(n));
  const errors: RelayError[] = [];
  const carried = relay(channel, {
    signals: [tick],
    onError: (error) => errors.push(error),
  });
  try {
    await worker.ask({ op: "sendAwaited", count: 5_000, sender: "worker" });
    await waitFor(() => heard.length >= 5_000, "5,000 sends from the worker");
    assertEquals(heard, Array.from({ length: 5_000 }, (_, n) => n));
    assertEquals(errors, []);
  } finally {
    await carried.close();
    channel.close();
    await worker.stop();
  }
});

Deno.test("relay() in a worker reports bad messages posted raw onto the channel as decode, and reads on", async () => {
  const name = `signalry-worker-${crypto.randomUUID()}`;
  const worker = await startWorker(name);
  const raw = new BroadcastChannel(name);
  const channel = new BroadcastChannel(name);
  const tick = new Signal<{ n: number }>({ name: "tick" });
  const carried = relay(channel, { signals: [tick] });
  try {
    raw.postMessage("not json {");
    raw.postMessage('{"wrong":"shape"}');
    raw.postMessage(
      JSON.stringify([2, "other", 0, 0, [["tick", 0, "x", null]]]),
    );
    raw.postMessage({ not: "text" });
    tick.send("main", { n: 0 });
    let report: WorkerReport | undefined;
    await waitFor(async () => {
      report = await worker.ask<WorkerReport>({ op: "report" });
      return report.ns === 1;
    }, "the good send");
    assertEquals(report!.codes, ["decode", "decode", "decode", "decode"]);
    assertEquals(report!.stats.received, 1);
  } finally {
    await carried.close();
    channel.close();
    raw.close();
    await worker.stop();
  }
});

Deno.test("relay() in a worker dispatches nothing once closed, while the main thread's sends stay local to it", async () => {
  const name = `signalry-worker-${crypto.randomUUID()}`;
  const worker = await startWorker(name);
  const channel = new BroadcastChannel(name);
  const tick = new Signal<{ n: number }>({ name: "tick" });
  const heard: number[] = [];
  tick.connect(({ n }) => void heard.push(n));
  const carried = relay(channel, { signals: [tick] });
  try {
    tick.send("main", { n: 0 });
    await waitFor(
      async () => (await worker.ask<WorkerReport>({ op: "report" })).ns === 1,
      "the first send",
    );
    await worker.ask({ op: "closeRelay" });
    tick.send("main", { n: 1 });
    await carried.flush();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const report = await worker.ask<WorkerReport>({ op: "report" });
    assertEquals([report.ns, report.stats.received], [1, 1]);
    assertEquals(heard, [0, 1], "local receivers still run");
  } finally {
    await carried.close();
    channel.close();
    await worker.stop();
  }
});

Deno.test("relay() reports as a gap the sends that a raw, uncoalesced burst loses between threads", async () => {
  const name = `signalry-worker-${crypto.randomUUID()}`;
  const worker = await startWorker(name);
  const raw = new BroadcastChannel(name);
  const origin = crypto.randomUUID();
  const total = 2_000;
  try {
    const post = (n: number) =>
      raw.postMessage(
        JSON.stringify([1, origin, n, Date.now(), [["tick", 0, "raw", { n }]]]),
      );
    // The first message from an origin sets its base: let it arrive alone.
    post(0);
    await waitFor(
      async () =>
        (await worker.ask<WorkerReport>({ op: "report" })).stats.received === 1,
      "the first message",
    );
    // Then one message per send, as a relay without coalescing would post.
    for (let n = 1; n < total; n++) post(n);
    // A later message shows a loss at the tail as a gap too.
    await new Promise((resolve) => setTimeout(resolve, 500));
    post(total);
    let report: WorkerReport | undefined;
    await waitFor(async () => {
      report = await worker.ask<WorkerReport>({ op: "report" });
      return report.stats.received + report.stats.missed >= total + 1;
    }, "every send received or reported missing");
    const { received, missed, gaps } = report!.stats;
    assertEquals(received + missed, total + 1, "every loss is accounted for");
    assertEquals(report!.codes.length, gaps);
    assertEquals(report!.codes.every((code) => code === "gap"), true);
    if (missed > 0) assert(gaps >= 1);
    const deno = (Deno as { version?: { deno?: string } }).version?.deno;
    if (deno === "2.9.6") {
      // The finding the README states: Deno 2.9.6 drops past ~256 queued.
      assert(
        missed > 0,
        `Deno ${deno} delivered all ${total}: update the README`,
      );
    }
  } finally {
    raw.close();
    await worker.stop();
  }
});
