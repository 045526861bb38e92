/**
 * What the fuzz tests of a relay's inbound side share (`relay_fuzz_test.ts`,
 * and `redis/auth_test.ts` on a real Redis): real messages, signed and not,
 * the generators of what is fed to a channel, and the checks that receivers
 * got plain data and that no prototype changed. Not part of the package.
 *
 * @module
 */

import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { Signal } from "../mod.ts";
import { relay, type RelayCodec, type RelayError } from "../relay.ts";
import { envNumber } from "../_test_helpers.ts";
import { HubChannel } from "./relay_fake_channel.ts";

export const KEY = "fuzz: a shared secret of 32+ characters";
export const RUNS = envNumber("SIGNALRY_FUZZ_RUNS") ?? 200;
export const TIME_LIMIT_MS = 120_000;

export class User {}

/** The params every real send carries: an id, and keys that poison careless decoders. */
export function poisoned(id: number): Record<string, unknown> {
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

export interface Real {
  /** Real messages, as a keyed relay posted them. */
  readonly signed: string[];
  /** The same sends, posted by a relay without a key. */
  readonly unsigned: string[];
  /** How many sends each message carries, by its text. */
  readonly sends: Map<string, number>;
  /** The ids of the real sends: the only ones a keyed relay may dispatch. */
  readonly ids: Set<number>;
}

/**
 * Posts real messages of one to three sends each, signed and not, with the
 * params in `codec`'s text if given (as over a Redis channel).
 */
export async function realMessages(codec?: RelayCodec): Promise<Real> {
  const sends = new Map<string, number>();
  const ids = new Set<number>();
  const texts = async (key: string | undefined) => {
    const channel = new HubChannel();
    if (codec !== undefined) channel.codec = codec;
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
          poisoned(id),
        );
        ids.add(id++);
      }
      await source.flush();
    }
    await source.close();
    for (const text of channel.posted) {
      sends.set(text, (JSON.parse(text)[4] as unknown[]).length);
    }
    return channel.posted;
  };
  const signed = await texts(KEY);
  return { signed, unsigned: await texts(undefined), sends, ids };
}

/** One thing fed to the channel, and whether it is a real message as posted. */
export type Input = { readonly data: unknown; readonly real: boolean };

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

export function inputs(real: readonly string[]): fc.Arbitrary<Input[]> {
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
export function assertPlain(value: unknown, path = "args", depth = 0): void {
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

export function assertNoPollution(): void {
  assertEquals(
    PROTOTYPES.map((prototype) =>
      Reflect.ownKeys(prototype).map(String).sort()
    ),
    BEFORE,
  );
  assertEquals(({} as { polluted?: unknown }).polluted, undefined);
  assertEquals(Object.getPrototypeOf({}), Object.prototype);
}

/** How many of `errors` have `code`. */
export function count(errors: readonly RelayError[], code: string): number {
  return errors.filter((error) => error.code === code).length;
}
