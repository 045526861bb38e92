/**
 * Property-based fuzzing of what a relay reads from its channel (issue 20):
 * random bytes, random text, random JSON, random structures, wire-shaped
 * messages with poisoned keys, and truncated, bit-flipped and replayed real
 * messages are fed straight into a relay's channel listener. Then:
 *
 * - nothing throws out of the listener, and no promise rejection goes
 *   unhandled;
 * - a relay with a key dispatches nothing that a relay with its key did not
 *   sign, and refuses (`auth`) every message that is not one exactly as
 *   signed; each send of a real message is dispatched or counted as a
 *   duplicate;
 * - every drop is counted: each `decode` or `auth` report has its count;
 * - no prototype changes, and receivers get plain data.
 *
 * `SIGNALRY_FUZZ_RUNS` sets the number of runs (200 by default) of each
 * property; `SIGNALRY_FC_SEED` and `SIGNALRY_FC_PATH` replay a failure. Each
 * property stops after `TIME_LIMIT_MS` however many runs remain.
 *
 * @module
 */

import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { Signal } from "./mod.ts";
import { type Relay, relay, type RelayError } from "./relay.ts";
import { envNumber, fcSettings, unhandledRejections } from "./_test_helpers.ts";
import { HubChannel, settle, until } from "./testing/relay_fake_channel.ts";

// Deno 2.9.6: once every BroadcastChannel of a thread is closed, the next
// ones created throw "expected i32" from postMessage after a tick. One
// channel kept open for the whole file keeps that from happening here.
const KEEP_ALIVE = new BroadcastChannel("signalry-keep-alive");
// Node and Bun would wait for it at exit.
(KEEP_ALIVE as { unref?: () => void }).unref?.();
const KEY = "fuzz: a shared secret of 32+ characters";
const RUNS = envNumber("SIGNALRY_FUZZ_RUNS") ?? 200;
const TIME_LIMIT_MS = 120_000;

class User {}

/** The params every real send carries: an id, and keys that poison careless decoders. */
function poisoned(id: number): Record<string, unknown> {
  return {
    id,
    ["__proto__"]: { polluted: true },
    constructor: { prototype: { polluted: true } },
    prototype: { polluted: true },
    nested: [
      { ["__proto__"]: { polluted: true } },
      new Map([["__proto__", 1]]),
    ],
  };
}

interface Real {
  /** Real messages, as a keyed relay posted them. */
  readonly signed: string[];
  /** The same sends, posted by a relay without a key. */
  readonly unsigned: string[];
  /** How many sends each message carries, by its text. */
  readonly sends: Map<string, number>;
}

/** Posts real messages of one to three sends each, signed and not. */
async function realMessages(): Promise<Real> {
  const sends = new Map<string, number>();
  const texts = async (key: string | undefined) => {
    const channel = new HubChannel();
    const saved = new Signal({ name: "saved" });
    const other = new Signal({ name: "other" });
    const source = relay(channel, {
      signals: [saved, other],
      senders: { User },
      ...(key === undefined ? {} : { key }),
    });
    const senders = ["db", 1, null, true, User, undefined];
    let id = 0;
    for (let message = 0; message < 12; message++) {
      for (let i = 0; i <= message % 3; i++) {
        (i === 2 ? other : saved).send(
          senders[id % senders.length],
          poisoned(id++),
        );
      }
      await source.flush();
    }
    await source.close();
    for (const text of channel.posted) {
      sends.set(text, (JSON.parse(text)[4] as unknown[]).length);
    }
    return channel.posted;
  };
  return { signed: await texts(KEY), unsigned: await texts(undefined), sends };
}

/** One thing fed to the channel, and whether it is a real message as posted. */
type Input = { readonly data: unknown; readonly real: boolean };

const POISON_KEYS = ["__proto__", "constructor", "prototype", "id", "a"];
const CODEC_TAGS = ["a", "u", "n", "b", "d", "m", "s", "r", "v", "t", "x"];

/** Trees shaped like the relay codec's, with poisoned keys and tags. */
const codecTree = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.jsonValue({ maxDepth: 1 }),
    fc.dictionary(fc.constantFrom(...POISON_KEYS), tie("tree"), {
      maxKeys: 3,
    }),
    fc.tuple(
      fc.constantFrom(...CODEC_TAGS),
      fc.array(tie("tree"), {
        maxLength: 3,
      }),
    ).map(([tag, rest]) => [tag, ...rest]),
  ),
})).tree;

/** Messages of the wire's shape, right or nearly, each part random. */
const wireShaped = fc.tuple(
  fc.oneof(fc.constant(1), fc.jsonValue({ maxDepth: 0 })),
  fc.oneof(fc.constantFrom("o1", "o2"), fc.jsonValue({ maxDepth: 0 })),
  fc.oneof(fc.nat(6), fc.double()),
  fc.oneof(fc.constant(Date.now()), fc.double()),
  fc.array(
    fc.tuple(
      fc.constantFrom("saved", "other", "unknown", "__proto__"),
      fc.constantFrom(0, 1, 2),
      fc.oneof(fc.constant("User"), fc.constant("db"), codecTree),
      fc.oneof(
        fc.dictionary(fc.constantFrom(...POISON_KEYS), codecTree, {
          maxKeys: 4,
        }),
        codecTree,
      ),
    ),
    { maxLength: 3 },
  ),
  fc.option(fc.string({ minLength: 40, maxLength: 48 }), { nil: undefined }),
).map(([version, origin, sequence, timestamp, sends, tag]) =>
  JSON.stringify(
    tag === undefined
      ? [version, origin, sequence, timestamp, sends]
      : [version, origin, sequence, timestamp, sends, tag],
  )
);

function inputs(real: readonly string[]): fc.Arbitrary<Input[]> {
  const pick = fc.constantFrom(...real);
  const junk = (data: fc.Arbitrary<unknown>) =>
    data.map((value): Input => ({ data: value, real: false }));
  const input = fc.oneof(
    junk(fc.uint8Array({ maxLength: 64 })),
    junk(
      fc.uint8Array({ maxLength: 256 }).map((bytes) =>
        String.fromCharCode(...bytes)
      ),
    ),
    junk(fc.string({ unit: "binary", maxLength: 80 })),
    junk(fc.json({ maxDepth: 4 })),
    junk(fc.anything({ maxDepth: 3 })),
    junk(wireShaped),
    // Truncated real messages.
    fc.tuple(pick, fc.nat()).map(([text, at]): Input => ({
      data: text.slice(0, at % text.length),
      real: false,
    })),
    // Real messages with one bit of one character flipped.
    fc.tuple(pick, fc.nat(), fc.nat(15)).map(([text, at, bit]): Input => {
      const i = at % text.length;
      const flipped = String.fromCharCode(text.charCodeAt(i) ^ (1 << bit));
      return {
        data: text.slice(0, i) + flipped + text.slice(i + 1),
        real: false,
      };
    }),
    // Real messages, as posted: the first time news, then replays.
    pick.map((text): Input => ({ data: text, real: true })),
  );
  return fc.array(input, { minLength: 1, maxLength: 30 });
}

/** What a receiver got, checked to be plain data all the way down. */
function assertPlain(value: unknown, path = "args", depth = 0): void {
  if (depth > 200) throw new Error(`${path} nests too deep`);
  if (typeof value !== "object" || value === null) {
    assert(typeof value !== "function", `${path} is a function`);
    return;
  }
  const prototype = Object.getPrototypeOf(value);
  if (value instanceof Map) {
    assert(prototype === Map.prototype, `${path} is a Map subclass`);
    for (const [k, v] of value) {
      assertPlain(k, `${path}.key`, depth + 1);
      assertPlain(v, `${path}.value`, depth + 1);
    }
    return;
  }
  if (value instanceof Set) {
    assert(prototype === Set.prototype, `${path} is a Set subclass`);
    for (const v of value) assertPlain(v, `${path}.item`, depth + 1);
    return;
  }
  if (
    value instanceof Date || value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value)
  ) {
    return;
  }
  assert(
    prototype === Object.prototype || prototype === Array.prototype ||
      prototype === null,
    `${path} has a foreign prototype`,
  );
  for (const key of Object.keys(value)) {
    assertPlain(
      (value as Record<string, unknown>)[key],
      `${path}.${key}`,
      depth + 1,
    );
  }
}

const PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype];
const BEFORE = PROTOTYPES.map((prototype) =>
  Reflect.ownKeys(prototype).map(String).sort()
);

function assertNoPollution(): void {
  assertEquals(
    PROTOTYPES.map((prototype) =>
      Reflect.ownKeys(prototype).map(String).sort()
    ),
    BEFORE,
  );
  assertEquals(({} as { polluted?: unknown }).polluted, undefined);
  assertEquals(Object.getPrototypeOf({}), Object.prototype);
}

interface Victim {
  readonly relay: Relay;
  readonly channel: HubChannel;
  readonly errors: RelayError[];
  /** The ids of the sends dispatched, in order. */
  readonly heard: number[];
  readonly close: () => Promise<void>;
}

function victim(key: string | undefined): Victim {
  const channel = new HubChannel();
  const errors: RelayError[] = [];
  const heard: number[] = [];
  const saved = new Signal<Record<string, unknown>, unknown>({ name: "saved" });
  const other = new Signal<Record<string, unknown>, unknown>({ name: "other" });
  for (const signal of [saved, other]) {
    signal.connect(({ signal: _signal, sender: _sender, ...params }) => {
      // A throw here is a "receiver" report, which the properties rule out.
      assertPlain(params, "params");
      heard.push(params.id as number);
    });
  }
  const carried = relay(channel, {
    signals: [saved, other],
    senders: { User },
    onError: (error) => void errors.push(error),
    ...(key === undefined ? {} : { key }),
  });
  return {
    relay: carried,
    channel,
    errors,
    heard,
    close: () => carried.close(),
  };
}

/** Feeds every input; a throw out of the listener fails the run. */
function feed(target: Victim, fed: readonly Input[]): void {
  for (const { data } of fed) {
    try {
      target.channel.feed(data);
    } catch (error) {
      throw new Error(`The relay's listener threw on ${String(data)}`, {
        cause: error,
      });
    }
  }
}

function count(errors: RelayError[], code: string): number {
  return errors.filter((error) => error.code === code).length;
}

const real = await realMessages();
/** The ids of the real sends: the only ones a keyed relay may dispatch. */
const SIGNED_IDS = new Set(
  real.signed.flatMap((text) =>
    (JSON.parse(text)[4] as [string, number, unknown, { id: number }][]).map((
      [, , , params],
    ) => params.id)
  ),
);

Deno.test("relay() with a key, fed random and mutated messages, dispatches only what its key signed and counts every refusal", async () => {
  const unhandled = await unhandledRejections(async () => {
    await fc.assert(
      fc.asyncProperty(inputs(real.signed), async (fed) => {
        const target = victim(KEY);
        try {
          await target.relay.ready;
          feed(target, fed);
          const refused = fed.filter((input) => !input.real).length;
          const sends = fed.filter((input) => input.real)
            .reduce(
              (sum, { data }) => sum + real.sends.get(data as string)!,
              0,
            );
          await until(
            () =>
              target.relay.stats.rejected === refused &&
              target.relay.stats.received + target.relay.stats.duplicates ===
                sends,
            "every input accounted for",
            5_000,
          );
          await settle(2);
          const { stats } = target.relay;
          assertEquals(stats.rejected, refused);
          assertEquals(stats.received + stats.duplicates, sends);
          assertEquals(stats.dropped, 0);
          assertEquals(count(target.errors, "auth"), refused);
          assertEquals(count(target.errors, "decode"), 0);
          assertEquals(count(target.errors, "receiver"), 0);
          assertEquals(target.heard.length, stats.received);
          for (const id of target.heard) assert(SIGNED_IDS.has(id), `id ${id}`);
          assertNoPollution();
        } finally {
          await target.close();
        }
      }),
      {
        ...fcSettings(RUNS),
        numRuns: RUNS,
        interruptAfterTimeLimit: TIME_LIMIT_MS,
      },
    );
  });
  assertEquals(unhandled, []);
});

Deno.test("relay() without a key, fed random and mutated messages, never throws, counts every drop, and keeps prototypes unchanged", async () => {
  const unhandled = await unhandledRejections(async () => {
    await fc.assert(
      fc.asyncProperty(inputs(real.unsigned), async (fed) => {
        const target = victim(undefined);
        try {
          feed(target, fed);
          await settle(1);
          const { stats } = target.relay;
          assertEquals(count(target.errors, "decode"), stats.dropped);
          assertEquals(count(target.errors, "auth"), 0);
          assertEquals(count(target.errors, "receiver"), 0);
          assertEquals(count(target.errors, "gap"), stats.gaps);
          assertEquals(target.heard.length, stats.received);
          // Every real message, as posted, is dispatched or a duplicate.
          const realSends = fed.filter((input) => input.real)
            .reduce(
              (sum, { data }) => sum + real.sends.get(data as string)!,
              0,
            );
          assert(stats.received + stats.duplicates >= realSends);
          assertNoPollution();
        } finally {
          await target.close();
        }
      }),
      {
        ...fcSettings(RUNS),
        numRuns: RUNS,
        interruptAfterTimeLimit: TIME_LIMIT_MS,
      },
    );
  });
  assertEquals(unhandled, []);
});

Deno.test("relay() with a key, fed random and mutated messages over a real BroadcastChannel, dispatches only what its key signed", async () => {
  const runs = Math.max(1, Math.round(RUNS / 10));
  const unhandled = await unhandledRejections(async () => {
    await fc.assert(
      fc.asyncProperty(inputs(real.signed), async (fed) => {
        const name = `fuzz-${crypto.randomUUID()}`;
        const channel = new BroadcastChannel(name);
        const rogue = new BroadcastChannel(name);
        const errors: RelayError[] = [];
        const heard: number[] = [];
        const saved = new Signal<Record<string, unknown>, unknown>({
          name: "saved",
        });
        const other = new Signal<Record<string, unknown>, unknown>({
          name: "other",
        });
        for (const signal of [saved, other]) {
          signal.connect((args) => void heard.push(args.id as number));
        }
        const carried = relay(channel, {
          signals: [saved, other],
          senders: { User },
          key: KEY,
          onError: (error) => void errors.push(error),
        });
        try {
          await carried.ready;
          let refused = 0;
          let sends = 0;
          for (const { data, real: isReal } of fed) {
            try {
              rogue.postMessage(data);
            } catch {
              continue; // not structured-cloneable: never reaches the relay
            }
            if (isReal) sends += real.sends.get(data as string)!;
            else refused++;
          }
          await until(
            () =>
              carried.stats.rejected === refused &&
              carried.stats.received + carried.stats.duplicates === sends,
            "every input accounted for",
            5_000,
          );
          assertEquals(carried.stats.dropped, 0);
          assertEquals(count(errors, "auth"), refused);
          for (const id of heard) assert(SIGNED_IDS.has(id), `id ${id}`);
          assertNoPollution();
        } finally {
          await carried.close();
          channel.close();
          rogue.close();
        }
      }),
      {
        ...fcSettings(runs),
        numRuns: runs,
        interruptAfterTimeLimit: TIME_LIMIT_MS,
      },
    );
  });
  assertEquals(unhandled, []);
});
