/**
 * Carries the sends of Signals across workers, processes and machines: a
 * {@linkcode relay} posts every send of the Signals it carries onto a
 * channel, and dispatches the sends other relays post there to the local
 * receivers. Any BroadcastChannel-shaped object is a channel: a
 * `BroadcastChannel` between workers, or a broker's adapter such as
 * `@signalry/redis` between processes.
 *
 * Guarantees: at most once, in order per sending relay, no echo, and every
 * loss the relay can see (a gap in the sequence, a failed post, a bad
 * message) is reported. Not offered: exactly-once or at-least-once
 * delivery, remote responses, a total order across processes, delivery to a
 * process that was not listening at the time.
 *
 * @example Two relays over BroadcastChannel
 * ```ts
 * import { Signal } from "@signalry/signalry";
 * import { relay } from "@signalry/signalry/relay";
 * import { assertEquals } from "@std/assert";
 *
 * // Two "processes": each has its own Signal, relay and channel object.
 * const savedHere = new Signal<{ id: number }>({ name: "saved" });
 * const savedThere = new Signal<{ id: number }>({ name: "saved" });
 * const heard = Promise.withResolvers<number>();
 * savedThere.connect(({ id }) => heard.resolve(id));
 *
 * await using here = relay(new BroadcastChannel("doc-module"), { signals: [savedHere] });
 * await using there = relay(new BroadcastChannel("doc-module"), { signals: [savedThere] });
 * await Promise.all([here.ready, there.ready]);
 *
 * savedHere.send("db", { id: 7 });
 * assertEquals(await heard.promise, 7);
 * ```
 *
 * @module
 */

import {
  checkPlainData,
  decodeTree,
  encode,
  encodeTree,
} from "./_relay_codec.ts";
import { DEFAULT_MAX_ORIGINS, Origins } from "./_relay_sequence.ts";
import { DefaultReporter } from "./_relay_reporter.ts";
import {
  exceedsBytes,
  readKeys,
  Signer,
  TAG_ADDS,
  TAG_OVERHEAD,
} from "./_relay_auth.ts";
import { dispatchRemote, plugOutlet } from "./_relay_port.ts";
import {
  messageText,
  parseMessage,
  parseSend,
  sendText,
  WIRE_VERSION,
} from "./_relay_wire.ts";
import { Signal } from "./signal.ts";
import type { AnySignal } from "./types.ts";

/**
 * What went wrong, as {@linkcode RelayError.code} says it:
 *
 * - `"unavailable"`: the channel was not ready, and nothing was posted;
 * - `"publish"`: a post handed to the channel then failed;
 * - `"disconnected"`: the channel lost its connection;
 * - `"decode"`: a message from the channel was not one this relay can read;
 * - `"receiver"`: a receiver threw or rejected on a remote send;
 * - `"gap"`: sends from another relay were lost on the way;
 * - `"closed"`: a post was still pending when `close()` gave up on it;
 * - `"auth"`: a relay with a key refused a message from the channel:
 *   unsigned, signed with another key, altered, or older than `maxAge`.
 */
export type RelayErrorCode =
  | "unavailable"
  | "publish"
  | "disconnected"
  | "decode"
  | "receiver"
  | "gap"
  | "closed"
  | "auth";

const CODES: ReadonlySet<string> = new Set<RelayErrorCode>([
  "unavailable",
  "publish",
  "disconnected",
  "decode",
  "receiver",
  "gap",
  "closed",
  "auth",
]);

/**
 * What a relay reports to `onError`, and what channel adapters raise. Match
 * on `code`, not with `instanceof`: two packages may each hold a copy of this
 * class. A relay passes every error it gets through as a `RelayError` of its
 * own, the original as `cause`.
 *
 * @example Tell errors apart by code
 * ```ts
 * import { RelayError } from "@signalry/signalry/relay";
 * import { assertEquals } from "@std/assert";
 *
 * const error = new RelayError("gap", "Lost 3 sends");
 * assertEquals([error.name, error.code, error.message], ["RelayError", "gap", "Lost 3 sends"]);
 * ```
 */
export class RelayError extends Error {
  /** What went wrong; see {@linkcode RelayErrorCode}. */
  readonly code: RelayErrorCode;
  /** Always `"RelayError"`. */
  override name = "RelayError";

  /**
   * Makes an error with a code.
   *
   * @param code What went wrong.
   * @param message What happened, as a sentence.
   * @param options `cause`: the error behind it.
   * @throws {TypeError} If `code` is not a {@linkcode RelayErrorCode}.
   *
   * @example Wrap a client's error
   * ```ts
   * import { RelayError } from "@signalry/signalry/relay";
   * import { assertEquals } from "@std/assert";
   *
   * const cause = new Error("ECONNREFUSED");
   * const error = new RelayError("unavailable", "Cannot post: not connected", { cause });
   * assertEquals(error.cause, cause);
   * ```
   */
  constructor(
    code: RelayErrorCode,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    if (!CODES.has(code)) {
      throw new TypeError(
        `Cannot create RelayError: code ${String(code)} is not one of ${
          [...CODES].join(", ")
        }`,
      );
    }
    super(message, options);
    this.code = code;
  }
}

/** The code of `error` if it has one a relay knows, matched by value. */
function codeOf(error: unknown): RelayErrorCode | undefined {
  const code = typeof error === "object" && error !== null
    ? (error as { code?: unknown }).code
    : undefined;
  return typeof code === "string" && CODES.has(code)
    ? code as RelayErrorCode
    : undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return "an error that cannot be printed";
  }
}

/**
 * How a channel turns one send's params into text and back, for channels
 * whose peers agree on another format than the relay's own (the Redis
 * channel uses devalue). The relay still checks, before `encode`, that the
 * params are plain data, and after `decode`, that what came out is.
 *
 * @example A JSON codec (plain objects of strings and numbers only)
 * ```ts
 * import type { RelayCodec } from "@signalry/signalry/relay";
 * import { assertEquals } from "@std/assert";
 *
 * const json: RelayCodec = { encode: JSON.stringify, decode: JSON.parse };
 * assertEquals(json.decode(json.encode({ id: 1 })), { id: 1 });
 * ```
 */
export interface RelayCodec {
  /**
   * Turns params into text; throws for what it refuses, which the send
   * throws as a TypeError.
   */
  encode(value: unknown): string;
  /** Turns text back into params; throws for text it cannot read. */
  decode(text: string): unknown;
}

/**
 * An event a channel gives its listeners: `message` (the posted text in
 * `data`), `messageerror` (data it could not deliver), or `error` (an
 * `error` whose `code` is a {@linkcode RelayErrorCode}, e.g.
 * `"disconnected"`). A DOM `MessageEvent` is one.
 *
 * @example The event a channel adapter dispatches
 * ```ts
 * import type { RelayChannelEvent } from "@signalry/signalry/relay";
 * import { assertEquals } from "@std/assert";
 *
 * const event: RelayChannelEvent = new MessageEvent("message", { data: "[1]" });
 * assertEquals(event.data, "[1]");
 * ```
 */
export interface RelayChannelEvent {
  /** `"message"`, `"messageerror"` or `"error"`. */
  readonly type: string;
  /** A message's data. */
  readonly data?: unknown;
  /** An error event's error. */
  readonly error?: unknown;
}

/**
 * Anything BroadcastChannel-shaped that a relay can post to and listen on; a
 * `BroadcastChannel` is one as it is. Use one channel object per relay: a
 * BroadcastChannel never delivers to the object that posted, but a broker
 * adapter's object may.
 *
 * @example A channel that records what it is given
 * ```ts
 * import { Signal } from "@signalry/signalry";
 * import { relay, type RelayChannel } from "@signalry/signalry/relay";
 * import { assertEquals } from "@std/assert";
 *
 * const posted: string[] = [];
 * const channel: RelayChannel = {
 *   postMessage: (message) => void posted.push(message),
 *   addEventListener() {},
 *   removeEventListener() {},
 * };
 * const saved = new Signal({ name: "saved" });
 * const carried = relay(channel, { signals: [saved] });
 * saved.send("db");
 * await carried.flush();
 * assertEquals(posted.length, 1);
 * await carried.close();
 * ```
 */
export interface RelayChannel {
  /**
   * Posts one message (text). A synchronous throw means it was refused; a
   * returned promise that rejects means delivery failed.
   */
  postMessage(message: string): void | PromiseLike<unknown>;
  /** Starts giving `type` events to `listener`. */
  addEventListener(
    type: string,
    listener: (event: RelayChannelEvent) => void,
  ): void;
  /** Stops giving `type` events to `listener`. */
  removeEventListener(
    type: string,
    listener: (event: RelayChannelEvent) => void,
  ): void;
  /** Resolves once the channel hears messages; a channel without one hears at once. */
  readonly ready?: PromiseLike<unknown> | undefined;
  /** How params become text; without one, the relay's own JSON codec. */
  readonly codec?: RelayCodec | undefined;
  /**
   * The most UTF-8 bytes one posted message may have (Postgres NOTIFY:
   * 7,999; NATS: the server's max_payload). The relay then posts no longer
   * message, and a send that would not fit even alone is a `RangeError` at
   * send. Without one, no limit.
   */
  readonly maxBytes?: number | undefined;
}

/**
 * What {@linkcode relay} sees of a Signal it carries: any `Signal` is one
 * (and only a `Signal` is accepted at run time).
 *
 * @example Any Signal is one
 * ```ts
 * import { Signal } from "@signalry/signalry";
 * import type { RelayedSignal } from "@signalry/signalry/relay";
 * import { assertEquals } from "@std/assert";
 *
 * const carried: RelayedSignal[] = [new Signal<{ id: number }, string>({ name: "saved" })];
 * assertEquals(carried[0]?.name, "saved");
 * ```
 */
export interface RelayedSignal {
  /** The wire name: a relay carries only named Signals. */
  readonly name: string | undefined;
  /** A muted Signal neither posts nor dispatches. */
  readonly muted: boolean;
}

/**
 * One key for {@linkcode RelayOptions.key}: a string of at least 32
 * characters (its UTF-8 bytes are the key), or at least 32 bytes.
 *
 * @example A key from the environment, and one of random bytes
 * ```ts
 * import type { RelayKeyMaterial } from "@signalry/signalry/relay";
 * import { assertEquals } from "@std/assert";
 *
 * const fromText: RelayKeyMaterial = "a secret of at least 32 characters!!";
 * const fromBytes: RelayKeyMaterial = crypto.getRandomValues(new Uint8Array(32));
 * assertEquals([fromText.length >= 32, fromBytes.byteLength], [true, 32]);
 * ```
 */
export type RelayKeyMaterial = string | ArrayBuffer | ArrayBufferView;

/**
 * The options of {@linkcode relay}.
 *
 * @example Carry two signals, with a model class as a sender
 * ```ts
 * import { Signal } from "@signalry/signalry";
 * import type { RelayOptions } from "@signalry/signalry/relay";
 * import { assertEquals } from "@std/assert";
 *
 * class User {}
 * const options: RelayOptions = {
 *   signals: [new Signal({ name: "saved" }), new Signal({ name: "deleted" })],
 *   senders: { User },
 *   onError: (error) => console.warn(error.code, error.message),
 * };
 * assertEquals([...options.signals].length, 2);
 * ```
 */
export interface RelayOptions {
  /** The Signals to carry, each named, the names unique: the name is the wire name. */
  readonly signals: Iterable<RelayedSignal>;
  /**
   * Object senders by wire name, e.g. `{ User, Order }`; a send from an
   * object sender crosses only under its name here, and arrives as the
   * object of that name in the other relay's `senders`.
   */
  readonly senders?:
    | Readonly<Record<string, object>>
    | Iterable<readonly [string, object]>
    | undefined;
  /**
   * Hears every error; the default prints through `console.error`, one line
   * when an outage starts and one when it ends.
   */
  readonly onError?: ((error: RelayError) => void) | undefined;
  /** Aborting it closes the relay. */
  readonly signal?: AbortSignal | undefined;
  /** How many other relays' sequence numbers to remember; 1024 by default. */
  readonly maxOrigins?: number | undefined;
  /** How long `close()` waits for pending posts, in milliseconds; 10,000 by default. */
  readonly closeTimeout?: number | undefined;
  /**
   * The shared secret that signs every message this relay posts (HMAC-SHA-256
   * over the whole message) and that every message it hears must be signed
   * with: a string of at least 32 characters, or at least 32 bytes. A list
   * rotates keys: the first signs, any of them verifies. Without a key, a
   * relay signs nothing and ignores the tags of signed messages.
   */
  readonly key?:
    | RelayKeyMaterial
    | Iterable<RelayKeyMaterial>
    | undefined;
  /**
   * With a key: how old a message may be, in milliseconds, by the timestamp
   * its sender wrote, before it is refused as `auth` (a captured message
   * replayed later). It is also the clock skew allowed: a message stamped up
   * to `maxAge` ahead of this clock is accepted. 300,000 (5 minutes) by
   * default.
   */
  readonly maxAge?: number | undefined;
  /**
   * The largest message read from the channel, in UTF-8 bytes, checked
   * before anything is decoded; larger ones are dropped as `decode`. A send
   * too large to fit in one is a TypeError at send. 1 MiB by default.
   */
  readonly maxBytes?: number | undefined;
}

/**
 * A relay's counts, in sends (never in channel messages, which carry every
 * send of one tick).
 *
 * @example Read the counts
 * ```ts
 * import { Signal } from "@signalry/signalry";
 * import { relay } from "@signalry/signalry/relay";
 * import { assertEquals } from "@std/assert";
 *
 * const saved = new Signal({ name: "saved" });
 * await using carried = relay(new BroadcastChannel("doc-stats"), { signals: [saved] });
 * saved.send("db");
 * saved.send("db");
 * await carried.flush();
 * assertEquals(carried.stats.posted, 2);
 * ```
 */
export interface RelayStats {
  /** Sends handed to the channel (one whose delivery then fails counts here and in `failed`). */
  readonly posted: number;
  /** Sends whose post the channel refused, or whose delivery failed, or that `close()` gave up on. */
  readonly failed: number;
  /** Remote sends dispatched here. */
  readonly received: number;
  /** Messages or sends from the channel refused as unreadable (`decode`). */
  readonly dropped: number;
  /** Remote sends dropped as already received. */
  readonly duplicates: number;
  /** Gaps seen in other relays' sequences, each reported once. */
  readonly gaps: number;
  /** Remote sends lost in those gaps. */
  readonly missed: number;
  /**
   * Messages a relay with a key refused (`auth`): unsigned, signed with
   * another key, altered, or older than `maxAge`.
   */
  readonly rejected: number;
}

/**
 * A running relay, as {@linkcode relay} returns it.
 *
 * @example Close with `await using`
 * ```ts
 * import { Signal } from "@signalry/signalry";
 * import { relay, type Relay } from "@signalry/signalry/relay";
 * import { assertEquals } from "@std/assert";
 *
 * const saved = new Signal({ name: "saved" });
 * let kept: Relay;
 * {
 *   await using carried = relay(new BroadcastChannel("doc-relay"), { signals: [saved] });
 *   kept = carried;
 *   assertEquals(carried.closed, false);
 * }
 * assertEquals(kept.closed, true);
 * ```
 */
export interface Relay extends AsyncDisposable {
  /** This relay's random id, in every message it posts. */
  readonly origin: string;
  /** A snapshot of the counts. */
  readonly stats: RelayStats;
  /** Resolves once the relay hears the channel. */
  readonly ready: Promise<void>;
  /** Whether `close()` was called or the abort signal aborted. */
  readonly closed: boolean;
  /**
   * Posts the sends of this tick now, then resolves when every post so far
   * has settled.
   *
   * @throws {AggregateError} If any post failed since the last `flush()`;
   * its `errors` are the {@linkcode RelayError}s.
   */
  flush(): Promise<void>;
  /**
   * Stops carrying: sends stay local from now on, nothing is dispatched
   * from the channel, the sends of this tick are posted, and pending posts
   * are waited for (up to `closeTimeout`). Idempotent; never closes the
   * channel.
   */
  close(): Promise<void>;
}

/** A message grows to about this many characters before a second one starts. */
const BATCH_CHARS = 256 * 1024;
/** The smallest channel maxBytes honoured: room for an envelope and a small send. */
const MIN_CHANNEL_BYTES = 256;
/**
 * Within one burst (posts less than `BURST_MS` apart), the first
 * `BURST_POSTS` messages go out at the end of their microtask, for latency;
 * later ones wait for the next task, so that sends awaited one by one are
 * coalesced too. Deno 2.9.6's BroadcastChannel loses messages past about
 * 256 queued for a thread.
 */
const BURST_POSTS = 32;
const BURST_MS = 2;
const DEFAULT_CLOSE_TIMEOUT = 10_000;
const DEFAULT_MAX_AGE = 5 * 60_000;
const DEFAULT_MAX_BYTES = 1024 * 1024;
/** The fewest `maxBytes` allowed: room for a message's envelope and a send. */
const MIN_MAX_BYTES = 1024;
/** Room for a message's envelope and tag, around its sends, in bytes. */
const ENVELOPE_BYTES = 128 + TAG_OVERHEAD;

interface Carried {
  readonly signal: AnySignal;
  readonly name: string;
  /** The name as JSON text, for the wire. */
  readonly nameText: string;
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === "object" && value !== null &&
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] ===
      "function";
}

function readSenders(
  senders: RelayOptions["senders"],
): Map<string, object> {
  const byName = new Map<string, object>();
  if (senders === undefined) return byName;
  if (typeof senders !== "object" || senders === null) {
    throw new TypeError(
      "Cannot relay: options.senders is not an object or an iterable of [name, sender] pairs",
    );
  }
  const entries = isIterable(senders)
    ? [...senders as Iterable<unknown>]
    : Object.entries(senders);
  const objects = new Set<object>();
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 2) {
      throw new TypeError(
        "Cannot relay: options.senders has an entry that is not a [name, sender] pair",
      );
    }
    const [name, sender] = entry as [unknown, unknown];
    if (typeof name !== "string" || name === "") {
      throw new TypeError(
        "Cannot relay: options.senders has a name that is not a non-empty string",
      );
    }
    if (
      sender === null ||
      (typeof sender !== "object" && typeof sender !== "function")
    ) {
      throw new TypeError(
        `Cannot relay: options.senders.${name} is not an object; primitive senders cross as they are`,
      );
    }
    if (byName.has(name)) {
      throw new TypeError(
        `Cannot relay: options.senders names "${name}" twice`,
      );
    }
    if (objects.has(sender)) {
      throw new TypeError(
        `Cannot relay: options.senders gives the sender "${name}" a second name`,
      );
    }
    byName.set(name, sender);
    objects.add(sender);
  }
  return byName;
}

function readSignals(signals: unknown): Map<string, Carried> {
  if (!isIterable(signals)) {
    throw new TypeError("Cannot relay: options.signals is not an iterable");
  }
  const byName = new Map<string, Carried>();
  for (const signal of signals) {
    if (!(signal instanceof Signal)) {
      throw new TypeError(
        "Cannot relay: options.signals has a value that is not a Signal",
      );
    }
    const name = signal.name;
    if (name === undefined || name === "") {
      throw new TypeError(
        "Cannot relay: options.signals has an unnamed Signal; give it a name, its wire name: new Signal({ name })",
      );
    }
    if (byName.has(name)) {
      throw new TypeError(
        `Cannot relay: options.signals has two Signals named "${name}"; names are wire names and must be unique`,
      );
    }
    byName.set(name, {
      signal: signal as AnySignal,
      name,
      nameText: JSON.stringify(name),
    });
  }
  return byName;
}

/** The UTF-8 length of `text`, without encoding it. */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 2; // A surrogate pair: 4 bytes for 2 UTF-16 units.
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/** The channel's limit now (a NATS channel's follows the server), if it gives a valid one. */
function maxBytesOf(channel: RelayChannel): number | undefined {
  const maxBytes = channel.maxBytes;
  return Number.isSafeInteger(maxBytes) && maxBytes! >= MIN_CHANNEL_BYTES
    ? maxBytes
    : undefined;
}

function checkChannel(channel: unknown): RelayCodec | undefined {
  if (typeof channel !== "object" || channel === null) {
    throw new TypeError("Cannot relay: channel is not an object");
  }
  for (
    const method of ["postMessage", "addEventListener", "removeEventListener"]
  ) {
    if (typeof (channel as Record<string, unknown>)[method] !== "function") {
      throw new TypeError(
        `Cannot relay: channel has no ${method}() method; expected something BroadcastChannel-shaped`,
      );
    }
  }
  const codec = (channel as { codec?: unknown }).codec;
  if (codec === undefined) return undefined;
  if (
    typeof codec !== "object" || codec === null ||
    typeof (codec as RelayCodec).encode !== "function" ||
    typeof (codec as RelayCodec).decode !== "function"
  ) {
    throw new TypeError(
      "Cannot relay: channel.codec is not an object with encode() and decode() methods",
    );
  }
  return codec as RelayCodec;
}

function readOptions(options: unknown): RelayOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      "Cannot relay: options is not an object; expected { signals }",
    );
  }
  const {
    signals,
    senders,
    onError,
    signal,
    maxOrigins,
    closeTimeout,
    key,
    maxAge,
    maxBytes,
  } = options as RelayOptions;
  if (onError !== undefined && typeof onError !== "function") {
    throw new TypeError("Cannot relay: options.onError is not a function");
  }
  if (
    signal !== undefined &&
    (typeof signal !== "object" || signal === null ||
      typeof signal.aborted !== "boolean" ||
      typeof signal.addEventListener !== "function")
  ) {
    throw new TypeError("Cannot relay: options.signal is not an AbortSignal");
  }
  if (
    maxOrigins !== undefined &&
    (!Number.isSafeInteger(maxOrigins) || maxOrigins < 1)
  ) {
    throw new TypeError(
      "Cannot relay: options.maxOrigins is not a positive integer",
    );
  }
  if (
    closeTimeout !== undefined &&
    (typeof closeTimeout !== "number" || !(closeTimeout >= 0))
  ) {
    throw new TypeError(
      "Cannot relay: options.closeTimeout is not a number of milliseconds",
    );
  }
  if (maxAge !== undefined && (typeof maxAge !== "number" || !(maxAge > 0))) {
    throw new TypeError(
      "Cannot relay: options.maxAge is not a positive number of milliseconds",
    );
  }
  if (
    maxBytes !== undefined &&
    (!Number.isSafeInteger(maxBytes) || maxBytes < MIN_MAX_BYTES)
  ) {
    throw new TypeError(
      `Cannot relay: options.maxBytes is not an integer of at least ${MIN_MAX_BYTES}`,
    );
  }
  return {
    signals,
    senders,
    onError,
    signal,
    maxOrigins,
    closeTimeout,
    key,
    maxAge,
    maxBytes,
  };
}

const MESSAGE_EVENTS = ["message", "messageerror", "error"] as const;

/** The relay behind {@linkcode relay}; see {@linkcode Relay}. */
class ChannelRelay implements Relay {
  readonly origin: string = crypto.randomUUID();
  readonly ready: Promise<void>;
  readonly #originText = JSON.stringify(this.origin);
  /** How every message this relay posts starts. */
  readonly #echoPrefix = `[${WIRE_VERSION},${this.#originText},`;
  readonly #channel: RelayChannel;
  readonly #codec: RelayCodec | undefined;
  readonly #signals: Map<string, Carried>;
  readonly #senderObjects: Map<string, object>;
  /** Each object sender's wire name as JSON text. */
  readonly #senderTexts = new Map<object, string>();
  readonly #onError: (error: RelayError) => void;
  readonly #reporter: DefaultReporter | undefined;
  readonly #abortSignal: AbortSignal | undefined;
  readonly #closeTimeout: number;
  readonly #origins: Origins;
  readonly #stats = {
    posted: 0,
    failed: 0,
    received: 0,
    dropped: 0,
    duplicates: 0,
    gaps: 0,
    missed: 0,
    rejected: 0,
  };
  /** Signs what is posted and verifies what is heard; none without a key. */
  readonly #signer: Signer | undefined;
  readonly #maxAge: number;
  readonly #maxBytes: number;
  /** A batch is posted before it grows past this many characters. */
  readonly #batchChars: number;
  /** Settles when the latest signed post was handed over: posts keep their order. */
  #handedOver: Promise<unknown> = Promise.resolve();
  /** Settles when the latest verified message was read: dispatch keeps its order. */
  #verified: Promise<unknown> = Promise.resolve();
  readonly #unplug: (() => void)[] = [];
  /** The sends of this tick, each as wire text, not yet posted. */
  #pending: string[] = [];
  #pendingChars = 0;
  /** UTF-8 bytes of the pending sends with their commas; counted only under a channel's maxBytes. */
  #pendingBytes = 0;
  /** How many pending sends #pendingBytes counts. */
  #pendingCounted = 0;
  /** The sequence number the next send takes. */
  #nextSequence = 0;
  #scheduled = false;
  /** The timer of a post deferred to the next task, during a burst. */
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the current burst of posts started, and how many it has had. */
  #burstStart = -Infinity;
  #burstPosts = 0;
  /** Posts not yet settled, with how many sends each carries. */
  readonly #inFlight = new Map<Promise<void>, number>();
  /** Post failures since the last flush(). */
  #failures: RelayError[] = [];
  #closing: Promise<void> | undefined;

  constructor(channel: RelayChannel, options: RelayOptions) {
    const codec = checkChannel(channel);
    const channelMaxBytes = channel.maxBytes;
    if (
      channelMaxBytes !== undefined &&
      (!Number.isSafeInteger(channelMaxBytes) ||
        channelMaxBytes < MIN_CHANNEL_BYTES)
    ) {
      throw new TypeError(
        `Cannot relay: channel.maxBytes is not an integer of at least ${MIN_CHANNEL_BYTES}`,
      );
    }
    const {
      signals,
      senders,
      onError,
      signal,
      maxOrigins,
      closeTimeout,
      key,
      maxAge,
      maxBytes,
    } = readOptions(options);
    const keys = key === undefined ? undefined : readKeys(key);
    this.#signals = readSignals(signals);
    this.#senderObjects = readSenders(senders);
    this.#channel = channel;
    this.#codec = codec;
    this.#closeTimeout = closeTimeout ?? DEFAULT_CLOSE_TIMEOUT;
    this.#origins = new Origins(maxOrigins ?? DEFAULT_MAX_ORIGINS);
    this.#maxAge = maxAge ?? DEFAULT_MAX_AGE;
    this.#maxBytes = maxBytes ?? DEFAULT_MAX_BYTES;
    // Three bytes per character at most: a batch under this never exceeds maxBytes.
    this.#batchChars = Math.min(
      BATCH_CHARS,
      Math.floor((this.#maxBytes - ENVELOPE_BYTES) / 3),
    );
    this.#signer = keys === undefined ? undefined : new Signer(keys);
    for (const [name, sender] of this.#senderObjects) {
      this.#senderTexts.set(sender, JSON.stringify(name));
    }
    if (onError === undefined) {
      const reporter = new DefaultReporter();
      this.#reporter = reporter;
      this.#onError = (error) => reporter.report(error);
    } else {
      this.#onError = onError;
    }
    this.#abortSignal = signal;
    if (signal?.aborted) {
      this.#closing = Promise.resolve();
      this.ready = Promise.resolve();
      return;
    }
    signal?.addEventListener("abort", this.#onAbort, { once: true });
    for (const type of MESSAGE_EVENTS) {
      channel.addEventListener(type, this.#onEvent);
    }
    for (const carried of this.#signals.values()) {
      this.#unplug.push(plugOutlet(carried.signal, {
        send: (sender, params) => this.#queue(carried, sender, params),
      }));
    }
    const listening = Promise.resolve(channel.ready).then(() => {}, (error) => {
      throw new RelayError(
        codeOf(error) ?? "unavailable",
        `Cannot listen on the channel: ${messageOf(error)}`,
        { cause: error },
      );
    });
    const keyed = this.#signer?.ready.catch((error) => {
      throw new RelayError(
        "auth",
        `Cannot import options.key: ${messageOf(error)}`,
        { cause: error },
      );
    });
    this.ready = Promise.all([listening, keyed]).then(() => {}, (failure) => {
      this.#report(failure);
      throw failure;
    });
    // Awaiting ready is optional: a rejection nobody awaits is reported, not unhandled.
    this.ready.catch(() => {});
  }

  get stats(): RelayStats {
    return { ...this.#stats };
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  #report(error: RelayError): void {
    try {
      this.#onError(error);
    } catch (thrown) {
      // onError must not throw into a send or the channel; say so once, loudly.
      console.error("signalry relay: onError threw", thrown);
    }
  }

  /** Checks and encodes one send, and queues it for this tick's message. */
  #queue(carried: Carried, sender: unknown, params: unknown): void {
    const action = `Cannot relay signal "${carried.name}"`;
    let kind: 0 | 1;
    let senderText: string;
    if (
      sender === null || typeof sender === "string" ||
      typeof sender === "number" || typeof sender === "boolean" ||
      sender === undefined
    ) {
      kind = 0;
      senderText = JSON.stringify(encodeTree(sender, "sender"));
    } else if (typeof sender === "object" || typeof sender === "function") {
      const text = this.#senderTexts.get(sender);
      if (text === undefined) {
        throw new TypeError(
          `${action}: the sender is an object with no wire name; give it one in relay()'s senders option`,
        );
      }
      kind = 1;
      senderText = text;
    } else {
      throw new TypeError(
        `${action}: the sender is a ${typeof sender}; primitive senders cross only as string, number, boolean, null or undefined`,
      );
    }
    let paramsText = "null";
    if (params !== undefined) {
      try {
        if (this.#codec === undefined) {
          paramsText = encode(params, "params");
        } else {
          checkPlainData(params, "params");
          paramsText = this.#encodeWithCodec(this.#codec, params);
        }
      } catch (error) {
        throw new TypeError(`${action}: ${messageOf(error)}`, {
          cause: error,
        });
      }
    }
    const text = sendText(carried.nameText, kind, senderText, paramsText);
    if (exceedsBytes(text, this.#maxBytes - ENVELOPE_BYTES)) {
      throw new TypeError(
        `${action}: the send does not fit in one message of maxBytes (${this.#maxBytes} bytes)`,
      );
    }
    // The engine's own limit (a RangeError: Postgres's 7,999 bytes, NATS's
    // max_payload), counted on the whole message as posted, tag included.
    const channelMaxBytes = maxBytesOf(this.#channel);
    if (channelMaxBytes !== undefined) {
      this.#fit(action, text, channelMaxBytes);
    }
    // A message stays under maxBytes: a send that would push it over starts the next.
    if (this.#pendingChars + text.length > this.#batchChars) {
      this.#postPending();
    }
    this.#nextSequence++;
    this.#pending.push(text);
    this.#pendingChars += text.length;
    if (this.#pendingChars >= this.#batchChars) {
      this.#postPending();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      if (this.#burstPosts < BURST_POSTS) queueMicrotask(this.#postScheduled);
      else this.#timer = setTimeout(this.#postScheduled, 0);
    }
  }

  /**
   * Under the channel's maxBytes: refuses a send that would not fit in a
   * message alone (a RangeError, before it takes a sequence number), and
   * posts the pending sends first when this one would push their message
   * past the limit. Counts exactly: the envelope is ASCII, its timestamp 13
   * digits.
   */
  #fit(action: string, text: string, maxBytes: number): void {
    if (this.#pendingCounted !== this.#pending.length) {
      // Sends queued while the channel gave no limit: count them now.
      this.#pendingBytes = this.#pending.reduce(
        (sum, send) => sum + utf8Length(send),
        Math.max(0, this.#pending.length - 1),
      );
    }
    const bytes = utf8Length(text);
    const first = this.#nextSequence - this.#pending.length;
    // A signed message carries its tag too.
    const tag = this.#signer === undefined ? 0 : TAG_ADDS;
    const envelope = (sequence: number) =>
      messageText(this.#originText, sequence, Date.now(), []).length + tag;
    const alone = envelope(this.#nextSequence) + bytes;
    if (alone > maxBytes) {
      throw new RangeError(
        `${action}: the message would be ${alone} bytes, over the channel's limit of ${maxBytes} bytes`,
      );
    }
    if (
      this.#pending.length > 0 &&
      envelope(first) + this.#pendingBytes + 1 + bytes > maxBytes
    ) {
      this.#postPending();
    }
    this.#pendingBytes += (this.#pending.length > 0 ? 1 : 0) + bytes;
    this.#pendingCounted = this.#pending.length + 1;
  }

  #encodeWithCodec(codec: RelayCodec, params: unknown): string {
    let text: unknown;
    try {
      text = codec.encode(params);
    } catch (error) {
      throw new TypeError(
        `the channel's codec refused params: ${messageOf(error)}`,
        { cause: error },
      );
    }
    if (typeof text !== "string") {
      throw new TypeError("the channel's codec did not return text");
    }
    return JSON.stringify(text);
  }

  readonly #postScheduled = (): void => {
    this.#postPending();
  };

  /** Posts the sends queued so far as one message. */
  #postPending(): void {
    this.#scheduled = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const sends = this.#pending;
    const count = sends.length;
    if (count === 0) return;
    const now = performance.now();
    if (now - this.#burstStart > BURST_MS) {
      this.#burstStart = now;
      this.#burstPosts = 0;
    }
    this.#burstPosts++;
    this.#pending = [];
    this.#pendingChars = 0;
    this.#pendingBytes = 0;
    this.#pendingCounted = 0;
    const text = messageText(
      this.#originText,
      this.#nextSequence - count,
      Date.now(),
      sends,
    );
    if (this.#signer === undefined) {
      this.#track(count, this.#handOver(text, count));
      return;
    }
    // Signing is async: each message is signed at once, but handed over
    // only after the one before it, so posts keep their order.
    const handing = Promise.all([this.#signer.sign(text), this.#handedOver])
      .then(([signed]) => ({ delivery: this.#handOver(signed, count) }));
    this.#handedOver = handing.catch(() => {});
    this.#track(count, handing.then(({ delivery }) => delivery));
  }

  /**
   * Posts one message's text: `false` if the channel refused it (reported
   * here), a promise if delivery is still under way, else `true`.
   */
  #handOver(text: string, count: number): boolean | PromiseLike<unknown> {
    let result: unknown;
    try {
      result = this.#channel.postMessage(text);
    } catch (error) {
      this.#postFailed(count, error, "publish");
      return false;
    }
    this.#stats.posted += count;
    if (
      typeof result !== "object" || result === null ||
      typeof (result as PromiseLike<unknown>).then !== "function"
    ) {
      return true;
    }
    return result as PromiseLike<unknown>;
  }

  /** Waits for a post's delivery, counting it in flush() and close(). */
  #track(count: number, delivery: boolean | PromiseLike<unknown>): void {
    if (delivery === false) return;
    if (delivery === true) {
      this.#reporter?.recovered();
      return;
    }
    const settled: Promise<void> = Promise.resolve(delivery).then(
      (outcome) => {
        if (this.#inFlight.delete(settled) && outcome !== false) {
          this.#reporter?.recovered();
        }
      },
      (error) => {
        if (this.#inFlight.delete(settled)) {
          this.#postFailed(count, error, "publish");
        }
      },
    );
    this.#inFlight.set(settled, count);
  }

  #postFailed(count: number, error: unknown, code: RelayErrorCode): void {
    this.#stats.failed += count;
    const failure = new RelayError(
      codeOf(error) ?? code,
      `Cannot post ${count} ${count === 1 ? "send" : "sends"}: ${
        messageOf(error)
      }`,
      { cause: error },
    );
    this.#failures.push(failure);
    this.#report(failure);
  }

  async flush(): Promise<void> {
    this.#postPending();
    await Promise.all(this.#inFlight.keys());
    const failures = this.#failures;
    if (failures.length === 0) return;
    this.#failures = [];
    throw new AggregateError(
      failures,
      `${failures.length} relay ${
        failures.length === 1 ? "post" : "posts"
      } failed since the last flush()`,
    );
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    for (const unplug of this.#unplug) unplug();
    for (const type of MESSAGE_EVENTS) {
      this.#channel.removeEventListener(type, this.#onEvent);
    }
    this.#abortSignal?.removeEventListener("abort", this.#onAbort);
    this.#postPending();
    if (this.#inFlight.size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all(this.#inFlight.keys()),
        new Promise((resolve) => {
          timer = setTimeout(resolve, this.#closeTimeout);
        }),
      ]);
      clearTimeout(timer);
      for (const [post, count] of this.#inFlight) {
        this.#inFlight.delete(post);
        this.#postFailed(
          count,
          new RelayError(
            "closed",
            `still pending after close() waited ${this.#closeTimeout} ms`,
          ),
          "closed",
        );
      }
    }
    this.#reporter?.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  readonly #onAbort = (): void => {
    void this.close();
  };

  /** Every channel event; nothing thrown here may reach the channel. */
  readonly #onEvent = (event: RelayChannelEvent): void => {
    if (this.#closing !== undefined) return;
    try {
      const type = event?.type;
      if (type === "message") this.#receive(event.data);
      else if (type === "messageerror") {
        this.#drop(
          new RelayError(
            "decode",
            "The channel could not deliver a message (messageerror)",
          ),
        );
      } else if (type === "error") this.#channelError(event.error);
    } catch (error) {
      this.#drop(
        new RelayError("decode", `Cannot read message: ${messageOf(error)}`, {
          cause: error,
        }),
      );
    }
  };

  #channelError(error: unknown): void {
    this.#report(
      new RelayError(
        codeOf(error) ?? "disconnected",
        `The channel reported: ${messageOf(error)}`,
        { cause: error },
      ),
    );
  }

  #drop(error: RelayError): void {
    this.#stats.dropped++;
    this.#report(error);
  }

  #receive(data: unknown): void {
    if (typeof data === "string" && exceedsBytes(data, this.#maxBytes)) {
      this.#drop(
        new RelayError(
          "decode",
          `Cannot read relay message: it is longer than maxBytes (${this.#maxBytes} bytes)`,
        ),
      );
      return;
    }
    if (this.#signer === undefined) this.#read(data, false);
    else if (typeof data === "string" && data.startsWith(this.#echoPrefix)) {
      // Our own post, heard back (Redis): not worth an HMAC; a forgery under
      // our origin would be dropped as an echo all the same.
      return;
    } else this.#verify(this.#signer, data);
  }

  /**
   * Checks a message's tag before anything of it is parsed, then reads it,
   * in the order messages arrived, though verifying is async.
   */
  #verify(signer: Signer, data: unknown): void {
    if (typeof data !== "string") {
      this.#reject(
        `it is ${data === null ? "null" : typeof data}, not signed text`,
      );
      return;
    }
    const verifying = signer.verify(data);
    this.#verified = Promise.all([verifying, this.#verified]).then(
      ([text]) => {
        if (this.#closing !== undefined) return;
        if (text === "unsigned") {
          this.#reject(
            "it is not signed (posted by a relay without a key, or not by a relay)",
          );
        } else if (text === "forged") {
          this.#reject(
            "its tag matches none of this relay's keys (another key, or altered)",
          );
        } else this.#read(text, true);
      },
    ).catch((error) => {
      // Nothing may reach the channel, nor go unhandled.
      this.#drop(
        new RelayError("decode", `Cannot read message: ${messageOf(error)}`, {
          cause: error,
        }),
      );
    });
  }

  #reject(why: string): void {
    this.#stats.rejected++;
    this.#report(new RelayError("auth", `Refused a relay message: ${why}`));
  }

  #read(data: unknown, signed: boolean): void {
    let message;
    try {
      message = parseMessage(data);
    } catch (error) {
      this.#drop(new RelayError("decode", messageOf(error), { cause: error }));
      return;
    }
    const { origin, sequence, timestamp, sends } = message;
    if (origin === this.origin) return;
    if (signed) {
      const age = Date.now() - timestamp;
      if (!(Math.abs(age) <= this.#maxAge)) {
        this.#reject(
          age > 0
            ? `it is ${age} ms old, more than maxAge (${this.#maxAge} ms)`
            : `it is stamped ${-age} ms ahead of this clock, more than maxAge (${this.#maxAge} ms) allows`,
        );
        return;
      }
    }
    this.#reporter?.recovered();
    const { duplicates, missing } = this.#origins.accept(
      origin,
      sequence,
      sends.length,
    );
    this.#stats.duplicates += duplicates;
    if (missing > 0) {
      this.#stats.gaps++;
      this.#stats.missed += missing;
      this.#report(
        new RelayError(
          "gap",
          `Lost ${missing} ${
            missing === 1 ? "send" : "sends"
          } from relay ${origin} (sequence ${sequence - missing} to ${
            sequence - 1
          })`,
        ),
      );
    }
    for (let i = duplicates; i < sends.length; i++) {
      this.#receiveSend(sends[i], origin);
    }
  }

  #receiveSend(raw: unknown, origin: string): void {
    let carried: Carried | undefined;
    let sender: unknown;
    let params: Record<string, unknown> | undefined;
    try {
      const send = parseSend(raw);
      carried = this.#signals.get(send.signal);
      // Channels are shared: another relay's signals are not news.
      if (carried === undefined) return;
      sender = this.#decodeSender(send.kind, send.sender);
      params = this.#decodeParams(send.params);
    } catch (error) {
      this.#drop(
        new RelayError(
          "decode",
          `Cannot read a send${
            carried === undefined ? "" : ` of signal "${carried.name}"`
          } from relay ${origin}: ${messageOf(error)}`,
          { cause: error },
        ),
      );
      return;
    }
    this.#stats.received++;
    const { signal, name } = carried;
    dispatchRemote(signal, sender, params, (error) => {
      this.#report(
        new RelayError(
          "receiver",
          `A receiver of signal "${name}" failed on a send from relay ${origin}: ${
            messageOf(error)
          }`,
          { cause: error },
        ),
      );
    });
  }

  #decodeSender(kind: 0 | 1, sender: unknown): unknown {
    if (kind === 1) {
      const object = this.#senderObjects.get(sender as string);
      if (object === undefined) {
        throw new TypeError(
          `no sender is named ${
            JSON.stringify(sender)
          } in this relay's senders option`,
        );
      }
      return object;
    }
    const value = decodeTree(sender, "sender");
    if (
      value !== null && typeof value !== "string" &&
      typeof value !== "number" && typeof value !== "boolean" &&
      value !== undefined
    ) {
      throw new TypeError("the sender is not a primitive");
    }
    return value;
  }

  #decodeParams(wire: unknown): Record<string, unknown> | undefined {
    if (wire === null) return undefined;
    let params: unknown;
    if (this.#codec === undefined) {
      params = decodeTree(wire, "params");
    } else {
      if (typeof wire !== "string") {
        throw new TypeError("params are not the channel codec's text");
      }
      params = this.#codec.decode(wire);
      checkPlainData(params, "params");
    }
    const prototype = typeof params === "object" && params !== null
      ? Object.getPrototypeOf(params)
      : undefined;
    if (prototype !== Object.prototype && prototype !== null) {
      throw new TypeError("params are not a plain object");
    }
    const record = params as Record<string, unknown>;
    if (Object.hasOwn(record, "signal") || Object.hasOwn(record, "sender")) {
      throw new TypeError('params have a reserved key, "signal" or "sender"');
    }
    return record;
  }
}

/**
 * Carries every Signal in `options.signals` over `channel`: each send of
 * one of them is posted (the sends of one tick as one message) before its
 * local receivers run, and each send another relay posts there is
 * dispatched to the local receivers of its sender and of every sender,
 * except those connected with `{ local: true }`.
 *
 * A send that cannot cross throws a TypeError, and then nothing is posted
 * and no local receiver runs: an object sender not named in
 * `options.senders`, a symbol or BigInt sender, or params that are not plain
 * data (functions, symbols, class instances, cycles). A send whose local
 * receivers throw has still been posted. The send never waits for the
 * channel: failures go to `onError` and `stats.failed`.
 *
 * @param channel Where to post and listen; one channel object per relay.
 * With `options.key`, every message is signed, and a message from the
 * channel that is not signed with the key (or is older than `maxAge`) is
 * dropped before it is decoded, and reported as `auth`.
 *
 * @param options `signals` to carry, and optionally `senders`, `onError`,
 * `signal`, `maxOrigins`, `closeTimeout`, `key`, `maxAge`, `maxBytes`.
 * @returns The running relay.
 * @throws {TypeError} If `channel` is not BroadcastChannel-shaped, a signal is
 * unnamed or two share a name, or another option has the wrong type. Nothing
 * is carried then.
 *
 * @example Model classes as senders
 * ```ts
 * import { Signal } from "@signalry/signalry";
 * import { relay } from "@signalry/signalry/relay";
 * import { assertEquals, assertThrows } from "@std/assert";
 *
 * class User {}
 * const savedHere = new Signal<{ id: number }, object>({ name: "saved" });
 * const savedThere = new Signal<{ id: number }, object>({ name: "saved" });
 * const heard = Promise.withResolvers<object>();
 * savedThere.connect(({ sender }) => heard.resolve(sender), { sender: User });
 *
 * await using here = relay(new BroadcastChannel("doc-senders"), {
 *   signals: [savedHere],
 *   senders: { User },
 * });
 * await using there = relay(new BroadcastChannel("doc-senders"), {
 *   signals: [savedThere],
 *   senders: { User },
 * });
 * await Promise.all([here.ready, there.ready]);
 *
 * savedHere.send(User, { id: 1 });
 * assertEquals(await heard.promise, User);
 * assertThrows(() => savedHere.send({}, { id: 2 }), TypeError, "no wire name");
 * ```
 *
 * @example Signed messages: a relay with another key is not heard
 * ```ts
 * import { Signal } from "@signalry/signalry";
 * import { relay } from "@signalry/signalry/relay";
 * import { assertEquals } from "@std/assert";
 *
 * const key = "a shared secret of at least 32 characters";
 * const here = new Signal<{ id: number }>({ name: "saved" });
 * const there = new Signal<{ id: number }>({ name: "saved" });
 * const forger = new Signal<{ id: number }>({ name: "saved" });
 * const heard = Promise.withResolvers<number>();
 * there.connect(({ id }) => heard.resolve(id));
 * const refused = Promise.withResolvers<string>();
 *
 * await using a = relay(new BroadcastChannel("doc-key"), { signals: [here], key });
 * await using b = relay(new BroadcastChannel("doc-key"), {
 *   signals: [there],
 *   key: [key], // a list rotates keys: the first signs, any verifies
 *   onError: (error) => refused.resolve(error.code),
 * });
 * await using c = relay(new BroadcastChannel("doc-key"), {
 *   signals: [forger],
 *   key: "not the key, though just as long!!",
 *   onError: () => {},
 * });
 * await Promise.all([a.ready, b.ready, c.ready]);
 *
 * forger.send("db", { id: 666 });
 * assertEquals(await refused.promise, "auth");
 * here.send("db", { id: 7 });
 * assertEquals(await heard.promise, 7);
 * ```
 */
export function relay(channel: RelayChannel, options: RelayOptions): Relay {
  return new ChannelRelay(channel, options);
}
