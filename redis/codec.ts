/**
 * The codec a Redis channel encodes sends with: text both ways, so that any
 * runtime (Deno, Node, Bun) reads what any other wrote.
 *
 * @module
 */

import { parse, stringify } from "devalue";

/**
 * Turns a value into the text published on Redis, and back.
 *
 * `encode` throws a `TypeError` for a value it cannot carry; `decode` throws
 * for text it cannot read (the relay reports that as a `decode` error and
 * drops the message).
 *
 * @example A codec of your own (here JSON, which carries less than the default)
 * ```ts
 * import type { RedisCodec } from "@signalry/redis";
 * import { assertEquals } from "@std/assert";
 *
 * const json: RedisCodec = { encode: JSON.stringify, decode: JSON.parse };
 * assertEquals(json.decode(json.encode({ id: 1 })), { id: 1 });
 * ```
 */
export interface RedisCodec {
  /**
   * Encodes `value` as text.
   *
   * @throws {TypeError} If the value holds something the codec cannot carry.
   */
  encode(value: unknown): string;
  /**
   * Decodes text that `encode` made.
   *
   * @throws {Error} If the text is not something `encode` could have made.
   */
  decode(text: string): unknown;
}

/** Tags the codec adds to devalue's format. */
const PROTO_KEY = "ProtoKey";

/**
 * devalue refuses a `__proto__` own key both ways. It is plain data all the
 * same (JSON.parse makes it, and BroadcastChannel carries it), so a plain
 * object with one crosses as its entries, and is rebuilt with the key
 * defined as an own property: never a prototype change.
 */
const REDUCERS = {
  [PROTO_KEY]: (value: unknown) =>
    typeof value === "object" && value !== null &&
    Object.hasOwn(value, "__proto__") &&
    Object.getPrototypeOf(value) === Object.prototype &&
    Object.entries(value),
};

const REVIVERS = {
  [PROTO_KEY]: (entries: unknown) => {
    if (!Array.isArray(entries)) throw new Error("Invalid input");
    const object: Record<string, unknown> = {};
    for (const entry of entries) {
      if (
        !Array.isArray(entry) || entry.length !== 2 ||
        typeof entry[0] !== "string"
      ) {
        throw new Error("Invalid input");
      }
      Object.defineProperty(object, entry[0], {
        value: entry[1],
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    return object;
  },
};

/**
 * The default codec, devalue's `stringify` and `parse`: it carries Date, Map,
 * Set, BigInt, undefined, NaN, ±Infinity, -0, typed arrays, ArrayBuffer,
 * repeated and cyclic references, and nested plain objects and arrays, as
 * JSON text.
 *
 * It refuses functions, symbols and class instances with a `TypeError`. An
 * own `__proto__` key crosses as an own key: decoding untrusted text defines
 * it as a property and never changes a prototype (devalue itself refuses the
 * key both ways; this codec carries such objects under a tag of its own).
 * devalue also carries RegExp, URL and boxed primitives, which the relay's
 * own plain-data check refuses at send.
 *
 * @example Round trip
 * ```ts
 * import { devalueCodec } from "@signalry/redis";
 * import { assertEquals, assertThrows } from "@std/assert";
 *
 * const value = { at: new Date(0), ids: new Set([1n]), gone: undefined };
 * assertEquals(devalueCodec.decode(devalueCodec.encode(value)), value);
 * assertThrows(() => devalueCodec.encode({ f() {} }), TypeError);
 * ```
 */
export const devalueCodec: RedisCodec = Object.freeze({
  encode(value: unknown): string {
    try {
      return stringify(value, REDUCERS);
    } catch (error) {
      // devalue throws its own DevalueError; a refusal is a TypeError here.
      const reason = error instanceof Error ? error.message : String(error);
      throw new TypeError(`Cannot encode value: ${reason}`, { cause: error });
    }
  },
  decode(text: string): unknown {
    if (typeof text !== "string") {
      throw new TypeError("Cannot decode message: value is not a string");
    }
    return parse(text, REVIVERS);
  },
});
