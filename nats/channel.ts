/**
 * `natsChannel()`: a BroadcastChannel-shaped channel over one core NATS
 * subject, for `relay()` from `@signalry/signalry/relay`.
 *
 * @module
 */

/**
 * What a channel needs of a NATS connection: the shape of the
 * `NatsConnection` that `connect()` from `@nats-io/transport-node` (or
 * `@nats-io/transport-deno`) resolves with. The package never imports a
 * client: it takes the connection you made.
 *
 * @example A connection from @nats-io/transport-node fits
 * ```ts
 * import type { NatsConnectionLike } from "@signalry/nats";
 * import type { NatsConnection } from "npm:@nats-io/transport-node@3.4.0";
 * import { assert } from "@std/assert";
 *
 * function fits(connection: NatsConnection): NatsConnectionLike {
 *   return connection;
 * }
 * assert(typeof fits === "function");
 * ```
 */
export interface NatsConnectionLike {
  /** Publishes `payload` on `subject` (queued in the client, sent soon). */
  publish(subject: string, payload?: string | Uint8Array): void;
  /** Subscribes to `subject`; each message is handed to `options.callback`. */
  subscribe(
    subject: string,
    options?: {
      callback?: (error: Error | null, message: NatsMessageLike) => void;
    },
  ): { unsubscribe(max?: number): void };
  /** Connection events: `disconnect`, `reconnect`, `close`, ... */
  status(): AsyncIterable<{ readonly type: string }>;
  /** The server's INFO; `max_payload` is the largest message it takes. */
  readonly info?: { readonly max_payload: number } | undefined;
  /** Whether the connection was closed (it never comes back then). */
  isClosed(): boolean;
  /** Resolves once the server answered everything sent so far. */
  flush(): Promise<void>;
}

/**
 * What a channel reads of a received NATS message.
 *
 * @example Only the bytes are read
 * ```ts
 * import type { NatsMessageLike } from "@signalry/nats";
 * import { assertEquals } from "@std/assert";
 *
 * const message: NatsMessageLike = { data: new TextEncoder().encode("hi") };
 * assertEquals(new TextDecoder().decode(message.data), "hi");
 * ```
 */
export interface NatsMessageLike {
  /** The payload. */
  readonly data: Uint8Array;
}

/**
 * Encodes each send's params as text, and back; the same shape as the
 * relay's `RelayCodec`. Every process on a subject must use the same one.
 *
 * @example JSON, which carries less than the relay's own encoding
 * ```ts
 * import type { NatsCodec } from "@signalry/nats";
 * import { assertEquals } from "@std/assert";
 *
 * const json: NatsCodec = { encode: JSON.stringify, decode: JSON.parse };
 * assertEquals(json.decode(json.encode({ id: 1 })), { id: 1 });
 * ```
 */
export interface NatsCodec {
  /** Encodes `value` as text; throws for what it refuses. */
  encode(value: unknown): string;
  /** Decodes text that `encode` made; throws for anything else. */
  decode(text: string): unknown;
}

/**
 * Options of {@linkcode natsChannel}.
 *
 * @example Options are checked before anything is subscribed
 * ```ts
 * import { natsChannel, type NatsChannelOptions } from "@signalry/nats";
 * import { assertThrows } from "@std/assert";
 *
 * const options: NatsChannelOptions = { connection: {} as never, subject: "app" };
 * assertThrows(() => natsChannel(options), TypeError, "not a NATS connection");
 * ```
 */
export interface NatsChannelOptions {
  /**
   * A connected NATS connection (`await connect({ servers })`). It both
   * publishes and subscribes; the channel never closes or drains it.
   */
  connection: NatsConnectionLike;
  /** The subject every process that should hear each other uses; no wildcards. */
  subject: string;
  /** Encodes each send's params; by default the relay's own encoding. */
  codec?: NatsCodec | undefined;
}

/** The codes a {@linkcode NatsChannelError} carries. */
export type NatsChannelErrorCode =
  | "unavailable"
  | "publish"
  | "disconnected"
  | "subscribe";

/**
 * What a channel's `error` events carry, and its posts fail with: an error
 * with a `code` the relay knows. Match on `code`, not on the class: two
 * copies of this package may be loaded.
 *
 * @example Match on the code
 * ```ts
 * import { NatsChannelError } from "@signalry/nats";
 * import { assertEquals } from "@std/assert";
 *
 * const error: unknown = new NatsChannelError("unavailable", "NATS is down");
 * assertEquals((error as { code?: unknown }).code, "unavailable");
 * ```
 */
export class NatsChannelError extends Error {
  /**
   * `"unavailable"` (the connection is down or closed: nothing was
   * published), `"publish"` (the client refused the publish),
   * `"disconnected"` (the connection was lost: what is published until it
   * reconnects is lost) or `"subscribe"` (the subscription failed).
   */
  readonly code: NatsChannelErrorCode;
  /** Always `"NatsChannelError"`. */
  override name = "NatsChannelError";

  /**
   * Makes an error with `code`.
   *
   * @param code Which trouble, matched by the relay.
   * @param message What happened, for people.
   * @param options The error that caused it, if any.
   */
  constructor(
    code: NatsChannelErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
  }
}

/**
 * The event a {@linkcode NatsChannel} dispatches for trouble; `error.code`
 * says which.
 *
 * @example Listen for trouble
 * ```ts
 * import { NatsChannelError, NatsChannelErrorEvent } from "@signalry/nats";
 * import { assertEquals } from "@std/assert";
 *
 * const target = new EventTarget();
 * const codes: string[] = [];
 * target.addEventListener("error", (event) => {
 *   codes.push((event as NatsChannelErrorEvent).error.code);
 * });
 * target.dispatchEvent(
 *   new NatsChannelErrorEvent(new NatsChannelError("disconnected", "lost")),
 * );
 * assertEquals(codes, ["disconnected"]);
 * ```
 */
export class NatsChannelErrorEvent extends Event {
  /** What went wrong. */
  readonly error: NatsChannelError;

  /**
   * Makes an `error` event.
   *
   * @param error What went wrong.
   */
  constructor(error: NatsChannelError) {
    super("error");
    this.error = error;
  }
}

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder("utf-8", { fatal: true });

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A channel over one core NATS subject, made by {@linkcode natsChannel}. It
 * publishes strings on the subject and dispatches each message heard there
 * as a `message` event (bytes that are not UTF-8 as a `messageerror`);
 * trouble is an `error` event whose `error.code` says which.
 *
 * Core NATS is at most once, and its client keeps what is published while
 * disconnected in a buffer that a reconnect may drop (nats.node #320). So a
 * post while the connection is down fails at once with code
 * `"unavailable"`, and the loss is reported rather than hidden in that
 * buffer.
 *
 * It never closes, drains or reconfigures the connection: it belongs to the
 * user. `close()` only unsubscribes.
 *
 * @example A message over the server's max_payload is a RangeError
 * ```ts
 * import { natsChannel, type NatsConnectionLike } from "@signalry/nats";
 * import { assertEquals, assertThrows } from "@std/assert";
 *
 * const published: string[] = [];
 * const connection: NatsConnectionLike = { // a stand-in; use connect() from @nats-io/transport-node
 *   publish: (_subject, payload) => void published.push(new TextDecoder().decode(payload as Uint8Array)),
 *   subscribe: () => ({ unsubscribe() {} }),
 *   status: () => ({ async *[Symbol.asyncIterator]() {} }),
 *   info: { max_payload: 4 },
 *   isClosed: () => false,
 *   flush: () => Promise.resolve(),
 * };
 * const channel = natsChannel({ connection, subject: "app" });
 * assertEquals(channel.maxBytes, 4);
 * channel.postMessage("éé"); // 4 bytes
 * assertThrows(() => channel.postMessage("ééé"), RangeError, "6 bytes");
 * assertEquals(published, ["éé"]);
 * await channel.close();
 * ```
 */
export class NatsChannel extends EventTarget {
  /** The subject. */
  readonly subject: string;
  /** How the relay encodes each send's params; undefined: the relay's own. */
  readonly codec: NatsCodec | undefined;
  #connection: NatsConnectionLike;
  #subscription: { unsubscribe(max?: number): void };
  #statuses: AsyncIterable<{ readonly type: string }>;
  #ready: Promise<void>;
  #connected = true;
  #closed = false;
  /** Settles `ready` once the connection is back (or closed), while one is awaited. */
  #waiting:
    | { resolve: () => void; reject: (error: NatsChannelError) => void }
    | undefined;

  /**
   * Use {@linkcode natsChannel}, which checks its options.
   *
   * @param connection The user's connection.
   * @param subject The subject.
   * @param codec The codec the relay uses, if any.
   */
  constructor(
    connection: NatsConnectionLike,
    subject: string,
    codec: NatsCodec | undefined,
  ) {
    super();
    this.subject = subject;
    this.codec = codec;
    this.#connection = connection;
    this.#statuses = connection.status();
    this.#subscription = connection.subscribe(subject, {
      callback: (error, message) => this.#onMessage(error, message),
    });
    this.#ready = this.#flushed();
    this.#watch();
  }

  /**
   * Resolves once the server has the subscription, and again after each
   * reconnect, once it has it again. Rejects once the connection is closed
   * for good (closed by its owner, or out of reconnect attempts).
   */
  get ready(): Promise<void> {
    return this.#ready;
  }

  /**
   * The largest message the server takes, in UTF-8 bytes (its INFO's
   * `max_payload`), or undefined while disconnected. Read at each post: a
   * reconnect may land on a server with another limit.
   */
  get maxBytes(): number | undefined {
    const max = this.#connection.info?.max_payload;
    return typeof max === "number" ? max : undefined;
  }

  /**
   * Publishes `message` on the subject. The connection must be up: while it
   * is down the post fails at once with code `"unavailable"`, rather than
   * waiting in the client's buffer to be sent late or dropped.
   *
   * @param message The text to publish.
   * @returns Nothing once the client took the message; a promise that
   * rejects with a {@linkcode NatsChannelError} (code `"unavailable"` or
   * `"publish"`) when it did not.
   * @throws {TypeError} If `message` is not a string.
   * @throws {RangeError} If `message` is more UTF-8 bytes than the server's
   * `max_payload`: nothing is published.
   */
  postMessage(message: string): Promise<never> | undefined {
    if (typeof message !== "string") {
      throw new TypeError(
        "Cannot post message: value is not a string (the relay encodes sends before posting)",
      );
    }
    const bytes = ENCODER.encode(message);
    const max = this.maxBytes;
    if (max !== undefined && bytes.length > max) {
      throw new RangeError(
        `Cannot publish to NATS subject "${this.subject}": the message is ${bytes.length} bytes, over the server's max_payload of ${max} bytes`,
      );
    }
    if (this.#closed || !this.#connected || this.#connection.isClosed()) {
      return Promise.reject(
        new NatsChannelError(
          "unavailable",
          `Cannot publish to NATS subject "${this.subject}": ${
            this.#closed ? "the channel is closed" : "the connection is down"
          } (nothing was published)`,
        ),
      );
    }
    try {
      this.#connection.publish(this.subject, bytes);
    } catch (error) {
      return Promise.reject(
        new NatsChannelError(
          "publish",
          `Cannot publish to NATS subject "${this.subject}": ${
            messageOf(error)
          }`,
          { cause: error },
        ),
      );
    }
    return undefined;
  }

  /**
   * Stops dispatching and unsubscribes. The connection stays open.
   * Idempotent.
   *
   * @returns A promise that resolves once the server has the UNSUB, or at
   * once while the connection is down.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    (this.#statuses as { stop?: () => void }).stop?.();
    this.#waiting?.resolve();
    this.#waiting = undefined;
    try {
      this.#subscription.unsubscribe();
    } catch {
      // A closed connection has no subscriptions left.
    }
    if (this.#connected && !this.#connection.isClosed()) {
      await this.#connection.flush().catch(() => {});
    }
  }

  #onMessage(error: Error | null, message: NatsMessageLike): void {
    if (this.#closed) return;
    if (error !== null) {
      this.#report(
        "subscribe",
        `Subscription to NATS subject "${this.subject}" failed: ${error.message}`,
        error,
      );
      return;
    }
    let text: string;
    try {
      text = DECODER.decode(message.data);
    } catch {
      this.dispatchEvent(
        new MessageEvent("messageerror", { data: message.data }),
      );
      return;
    }
    this.dispatchEvent(new MessageEvent("message", { data: text }));
  }

  #report(code: NatsChannelErrorCode, message: string, cause?: unknown): void {
    if (this.#closed) return;
    this.dispatchEvent(
      new NatsChannelErrorEvent(new NatsChannelError(code, message, { cause })),
    );
  }

  #flushed(): Promise<void> {
    const flushed = this.#connection.flush();
    flushed.catch(() => {});
    return flushed;
  }

  async #watch(): Promise<void> {
    try {
      for await (const status of this.#statuses) {
        if (this.#closed) return;
        if (status.type === "disconnect" && this.#connected) {
          this.#connected = false;
          this.#ready = new Promise((resolve, reject) => {
            this.#waiting = { resolve, reject };
          });
          // Whoever awaits `ready` sees a rejection; nobody else must have to.
          this.#ready.catch(() => {});
          this.#report(
            "disconnected",
            `Lost the connection to NATS (subject "${this.subject}"): messages published until it reconnects are lost`,
          );
        } else if (status.type === "reconnect" && !this.#connected) {
          this.#connected = true;
          const waiting = this.#waiting;
          this.#waiting = undefined;
          // The client sends the subscription again on reconnect; a flush
          // says when the server has it.
          this.#ready = this.#flushed();
          this.#ready.then(waiting?.resolve, waiting?.resolve);
        } else if (status.type === "close") {
          const error = new NatsChannelError(
            "disconnected",
            `The NATS connection was closed (subject "${this.subject}"): nothing more is published or heard`,
          );
          const wasConnected = this.#connected;
          this.#connected = false;
          this.#waiting?.reject(error);
          this.#waiting = undefined;
          this.#ready = Promise.reject(error);
          this.#ready.catch(() => {});
          if (wasConnected) {
            this.dispatchEvent(new NatsChannelErrorEvent(error));
          }
          return;
        }
      }
    } catch (error) {
      this.#report(
        "disconnected",
        `Cannot watch the NATS connection: ${messageOf(error)}`,
        error,
      );
    }
  }
}

/** A publish subject: dot-separated tokens, no wildcards, no whitespace. */
const SUBJECT = /^[^\s.*>]+(\.[^\s.*>]+)*$/;

/**
 * Makes a channel over the core NATS subject `options.subject`, for `relay()`
 * from `@signalry/signalry/relay`. Give it the connection you made with
 * `connect()` from `@nats-io/transport-node` (or the same API in Deno); it
 * publishes and subscribes with it, and never closes it.
 *
 * Use one channel object per relay. NATS delivers a connection's own
 * publishes back to it unless the connection was made with `noEcho: true`;
 * the relay drops its own messages either way.
 *
 * @param options The connection, the subject and, optionally, a codec.
 * @returns A channel that is subscribing; its `ready` resolves once the
 * server has the subscription.
 * @throws {TypeError} If `connection` is not a NATS connection or is closed,
 * if `subject` is not a subject without wildcards, or if `codec` has no
 * `encode` and `decode` functions.
 *
 * @example Something that is not a NATS connection is refused
 * ```ts
 * import { natsChannel } from "@signalry/nats";
 * import { assertThrows } from "@std/assert";
 *
 * assertThrows(
 *   () => natsChannel({ connection: {} as never, subject: "app" }),
 *   TypeError,
 *   "connection is not a NATS connection",
 * );
 * ```
 *
 * @example Relay a Signal between processes (needs a nats-server)
 * ```ts ignore
 * import { relay } from "@signalry/signalry/relay";
 * import { Signal } from "@signalry/signalry";
 * import { natsChannel } from "@signalry/nats";
 * import { connect } from "@nats-io/transport-node";
 *
 * const connection = await connect({ servers: "127.0.0.1:4222" });
 * const saved = new Signal<{ id: number }>({ name: "saved" });
 * await using carrier = relay(natsChannel({ connection, subject: "app" }), {
 *   signals: [saved],
 * });
 * await carrier.ready;
 * saved.send("db", { id: 1 }); // heard by every process on "app"
 * ```
 */
export function natsChannel(options: NatsChannelOptions): NatsChannel {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      "Cannot create NATS channel: options is not an object with connection and subject",
    );
  }
  const { connection, subject, codec } = options;
  if (
    typeof connection !== "object" || connection === null ||
    !(["publish", "subscribe", "status", "isClosed", "flush"] as const).every(
      (method) => typeof connection[method] === "function",
    )
  ) {
    throw new TypeError(
      "Cannot create NATS channel: connection is not a NATS connection (pass what connect() from @nats-io/transport-node resolves with)",
    );
  }
  if (connection.isClosed()) {
    throw new TypeError(
      "Cannot create NATS channel: connection is closed (the channel never connects; pass an open connection)",
    );
  }
  if (typeof subject !== "string" || !SUBJECT.test(subject)) {
    throw new TypeError(
      `Cannot create NATS channel: subject is not a NATS subject without wildcards (got ${
        typeof subject === "string" ? JSON.stringify(subject) : typeof subject
      })`,
    );
  }
  if (
    codec !== undefined &&
    (typeof codec !== "object" || codec === null ||
      typeof codec.encode !== "function" || typeof codec.decode !== "function")
  ) {
    throw new TypeError(
      "Cannot create NATS channel: codec is not an object with encode and decode functions",
    );
  }
  return new NatsChannel(connection, subject, codec);
}
