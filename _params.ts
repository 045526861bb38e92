/**
 * The params rule, at compile time and at run time: params are a plain
 * object of named values, without the keys `signal` and `sender`, which the
 * receiver's argument reserves for the Signal and the sender. Internal: the
 * types are re-exported from `types.ts`, the checks used by `signal.ts`.
 *
 * @module
 */

import type { Misuse, SignalParams } from "./types.ts";

/**
 * The reserved keys, and why each is refused: the one list the types and
 * the checks below are derived from.
 */
const RESERVED_KEYS = {
  signal: "receivers get the Signal under this key",
  sender: "pass the sender as send()'s first argument",
} as const;

/** A key that every receiver's argument carries besides the params. */
type ReservedKey = keyof typeof RESERVED_KEYS;

/** The reserved keys, to look up: `in` would find Object.prototype's too. */
const IS_RESERVED: ReadonlySet<string> = new Set(Object.keys(RESERVED_KEYS));

/**
 * The reserved keys, each refused: every params type and every params
 * argument must also be this, so that a reserved key is a compile error that
 * says why, even for params types with an index signature.
 *
 * @ignore
 */
export type NoReservedKeys = {
  readonly [Key in ReservedKey]?: Misuse<
    `${Key} is reserved: ${typeof RESERVED_KEYS[Key]}`
  >;
};

/**
 * The reserved keys a params type declares itself, whatever their type:
 * not through an index signature, and not as {@linkcode NoReservedKeys}'
 * refusals.
 */
type DeclaredReservedKeys<Params> = {
  [Key in keyof Params & ReservedKey]: string extends keyof Params ? never
    : [Exclude<Params[Key], undefined>] extends [never] ? Key
    : Exclude<Params[Key], undefined> extends Misuse<string> ? never
    : Key;
}[keyof Params & ReservedKey];

/**
 * A reserved key a params type declares, made required: without
 * `exactOptionalPropertyTypes`, `sender?: undefined` satisfies
 * {@linkcode NoReservedKeys}, but it is optional where this requires it.
 * Written as `Params[Key]`, so that a generic params type satisfies it.
 *
 * @ignore
 */
export type ReservedKeysDeclaredIn<Params> = {
  readonly [Key in Extract<keyof Params, DeclaredReservedKeys<Params>>]:
    Params[Key];
};

/**
 * The arguments of a send after the sender: the params, which may be left
 * out (or `undefined`) when the params type has no required key. A reserved
 * key in them is a compile error, whatever the params type, even with the
 * value `undefined`; for `object`, a type that names no key, any other key
 * may be sent. `Sent`, the type of the object passed, is inferred only to
 * find its keys: without `exactOptionalPropertyTypes`, an optional key
 * accepts `undefined`, so `NoReservedKeys` alone would let
 * `{ sender: undefined }` through. Written out rather than named, so that
 * errors show the params type itself.
 *
 * @ignore
 */
export type SendParams<Params extends SignalParams, Sent = unknown> =
  Record<never, never> extends Params ? [
      params?:
        | (
          & Params
          & NoReservedKeys
          & AnyKeyFor<Params>
          & RefuseReservedKeys<Sent>
        )
        | undefined,
    ]
    : [
      params:
        & Params
        & NoReservedKeys
        & AnyKeyFor<Params>
        & RefuseReservedKeys<Sent>,
    ];

/**
 * The arguments of a send: the sender, then the {@linkcode SendParams}.
 * The sender may be left out too when it may be `undefined` and no param is
 * required, as in `ready.send()`.
 *
 * @ignore
 */
export type SendArgs<Params extends SignalParams, Sender, Sent = unknown> =
  undefined extends Sender ? Record<never, never> extends Params ? [
        sender?: Sender,
        params?:
          | (
            & Params
            & NoReservedKeys
            & AnyKeyFor<Params>
            & RefuseReservedKeys<Sent>
          )
          | undefined,
      ]
    : [
      sender: Sender,
      params:
        & Params
        & NoReservedKeys
        & AnyKeyFor<Params>
        & RefuseReservedKeys<Sent>,
    ]
    : Record<never, never> extends Params ? [
        sender: Sender,
        params?:
          | (
            & Params
            & NoReservedKeys
            & AnyKeyFor<Params>
            & RefuseReservedKeys<Sent>
          )
          | undefined,
      ]
    : [
      sender: Sender,
      params:
        & Params
        & NoReservedKeys
        & AnyKeyFor<Params>
        & RefuseReservedKeys<Sent>,
    ];

/**
 * Each reserved key among `Sent`'s keys, required and refused; nothing when
 * there is none, or when an index signature (a computed key) stands for
 * them, which only the run time can check. The first part, over `keyof Sent`, is what lets the
 * compiler infer `Sent` from the object passed (TypeScript 5.2 too).
 */
type RefuseReservedKeys<Sent> = string extends keyof Sent ? unknown
  : [keyof Sent & ReservedKey] extends [never] ? unknown
  :
    & { readonly [Key in keyof Sent]?: unknown }
    & {
      readonly [Key in keyof Sent & ReservedKey]-?: Misuse<
        `${Key} is reserved: ${typeof RESERVED_KEYS[Key]}`
      >;
    };

/** `object` names no key, so every key would be an excess property: allow any. */
type AnyKeyFor<Params> = [keyof Params] extends [never]
  ? string extends Params ? unknown : Readonly<Record<string, unknown>>
  : unknown;

/**
 * Throws unless `params` is a plain object of named values without reserved
 * keys: the receiver's argument is a copy of its own enumerable keys, so a
 * class instance's methods, getters and private fields would not be there.
 */
export function checkParams(params: unknown, action: string): void {
  if (params === undefined) return;
  if (typeof params !== "object" || params === null) {
    throw new TypeError(`${action}: params is not an object`);
  }
  let needsCloserLook: boolean;
  let prototype: object | null;
  try {
    // The reserved keys spelled out: `in` with a constant key is nearly free
    // where Object.hasOwn is not, and it only over-reports.
    needsCloserLook = "signal" in params || "sender" in params ||
      Array.isArray(params);
    // Only after `in`: V8 then knows params' map and folds this to a
    // constant; before it, it costs about 10 ns a send.
    prototype = Object.getPrototypeOf(params);
  } catch (error) {
    throw new TypeError(`${action}: params could not be read`, {
      cause: error,
    });
  }
  if (
    needsCloserLook || (prototype !== Object.prototype && prototype !== null)
  ) {
    lookCloserAtParams(params, action);
  }
}

/**
 * Throws if `params` is an array, is not a plain object, or has an own
 * reserved key; inherited keys are fine.
 */
function lookCloserAtParams(params: object, action: string): void {
  if (Array.isArray(params)) {
    throw new TypeError(`${action}: params is an array, not an object`);
  }
  let notPlain: string | undefined;
  let reservedKey: string | undefined;
  try {
    notPlain = whyNotPlain(Object.getPrototypeOf(params));
    reservedKey = [...IS_RESERVED].find((key) => Object.hasOwn(params, key));
  } catch (error) {
    throw new TypeError(`${action}: params could not be read`, {
      cause: error,
    });
  }
  if (notPlain !== undefined) {
    throw new TypeError(`${action}: params is not a plain object${notPlain}`);
  }
  if (reservedKey !== undefined) throwReservedKey(reservedKey, action);
}

/**
 * Throws if a copy of `params` would get a reserved key: the check a send
 * to nobody makes, where no receiver's argument is built to catch it. Only a
 * Proxy can hide a key from checkParams()'s `in` and still have the spread
 * copy it; for-in sees what the spread sees (own enumerable keys, through
 * the Proxy's ownKeys and getOwnPropertyDescriptor), and costs a few ns on a
 * plain object, where Object.hasOwn costs about 6 ns per key.
 */
export function checkKeysToCopy(
  params: object | undefined,
  action: string,
): void {
  if (params === undefined) return;
  let found = false;
  try {
    for (const key in params) {
      if (IS_RESERVED.has(key)) found = true;
    }
  } catch (error) {
    throw new TypeError(`${action}: params could not be read`, {
      cause: error,
    });
  }
  // An inherited key is fine: lookCloserAtParams() tells them apart.
  if (found) lookCloserAtParams(params, action);
}

const functionSource = Function.prototype.toString;
/** The source text engines give a native Object function, this realm's or another's. */
const OBJECT_SOURCE = functionSource.call(Object);

/**
 * Why an object with this prototype is not a plain object (undefined if it
 * is one): a plain object's prototype is null or an Object.prototype, this
 * realm's or another's (an iframe's, a `node:vm` context's). Another realm's
 * is the end of its chain, and its own `constructor` is a native `Object`
 * whose `prototype` is it. Nothing here runs a getter.
 */
function whyNotPlain(prototype: object | null): string | undefined {
  if (prototype === Object.prototype || prototype === null) return undefined;
  const constructor = Object.getOwnPropertyDescriptor(prototype, "constructor")
    ?.value;
  if (typeof constructor !== "function") return NOT_OBJECT_PROTOTYPE;
  if (
    Object.getPrototypeOf(prototype) === null &&
    Object.getOwnPropertyDescriptor(constructor, "prototype")?.value ===
      prototype &&
    functionSource.call(constructor) === OBJECT_SOURCE
  ) {
    return undefined;
  }
  const name = Object.getOwnPropertyDescriptor(constructor, "name")?.value;
  return typeof name === "string" && name !== ""
    ? ` but an instance of ${name}`
    : NOT_OBJECT_PROTOTYPE;
}

const NOT_OBJECT_PROTOTYPE =
  ": its prototype is neither Object.prototype nor null";

function throwReservedKey(key: string, action: string): never {
  throw new TypeError(
    `${action}: params has the key "${key}", which is reserved for the receiver's argument`,
  );
}

/** What a receiver's argument holds for the reserved keys until the real values go in. */
const UNSET: unique symbol = Symbol("unset");

/**
 * The one argument object of a send, shared by the receivers it calls:
 * `params`' own enumerable keys plus `signal` and `sender`. `params` passed
 * checkParams(); a reserved key the copy finds anyway (a Proxy that hid it
 * from `in`) is refused here.
 */
export function receiverArgs(
  signal: unknown,
  sender: unknown,
  params: object | undefined,
  action: string,
): object {
  // Keys first, then the spread: V8 makes adding keys to a spread-made
  // object slow. A reserved key the spread copies overwrites UNSET.
  let args: { signal: unknown; sender: unknown };
  try {
    args = { signal: UNSET, sender: UNSET, ...params };
  } catch (error) {
    throw new TypeError(`${action}: params could not be read`, {
      cause: error,
    });
  }
  if (args.signal !== UNSET || args.sender !== UNSET) {
    throwReservedKey(args.signal !== UNSET ? "signal" : "sender", action);
  }
  args.signal = signal;
  args.sender = sender;
  return args;
}
