/**
 * `redisChannel()`: a BroadcastChannel-shaped channel over Redis pub/sub, for
 * `relay()` from `@signalry/signalry/relay`.
 *
 * @module
 */

import { type ClientPort, clientPort, type RedisClient } from "./_client.ts";
import { devalueCodec, type RedisCodec } from "./codec.ts";

export type { RedisClient } from "./_client.ts";

/**
 * Options of {@linkcode redisChannel}.
 *
 * @example One client cannot be both
 * ```ts
 * import { redisChannel, type RedisChannelOptions } from "@signalry/redis";
 * import { Redis } from "npm:ioredis@5.11.1";
 * import { assertThrows } from "@std/assert";
 *
 * const client = new Redis({ lazyConnect: true }); // never connects here
 * const options: RedisChannelOptions = {
 *   publisher: client,
 *   subscriber: client,
 *   channel: "app",
 * };
 * assertThrows(() => redisChannel(options), TypeError, "subscriber mode cannot publish");
 * ```
 */
export interface RedisChannelOptions {
  /**
   * A connected node-redis or ioredis client that publishes. It may be the
   * client the application uses for its other commands.
   */
  publisher: RedisClient;
  /**
   * A second connected client of the same library, which subscribes. A
   * connection in subscriber mode can only subscribe, so it must not be
   * `publisher` (node-redis: `publisher.duplicate()`).
   */
  subscriber: RedisClient;
  /** The Redis pub/sub channel name: every process that should hear each other uses the same one. */
  channel: string;
  /** Replaces the default codec, {@linkcode devalueCodec}; every process on the channel must use the same one. */
  codec?: RedisCodec | undefined;
}

/**
 * What a channel's `error` events carry, and its posts reject with: an error
 * with a `code` the relay knows. Match on `code`, not on the class: two
 * copies of this package may be loaded.
 *
 * @example Match on the code
 * ```ts
 * import { RedisChannelError } from "@signalry/redis";
 * import { assertEquals } from "@std/assert";
 *
 * const error: unknown = new RedisChannelError("unavailable", "Redis is down");
 * const code = (error as { code?: unknown }).code;
 * assertEquals(code, "unavailable");
 * ```
 */
export class RedisChannelError extends Error {
  /**
   * `"unavailable"` (the publisher is not ready: nothing was published),
   * `"publish"` (PUBLISH failed), `"disconnected"` (the subscriber lost its
   * connection: what is published until it resubscribes is lost) or
   * `"subscribe"` (SUBSCRIBE failed).
   */
  readonly code: "unavailable" | "publish" | "disconnected" | "subscribe";
  /** Always `"RedisChannelError"`. */
  override name = "RedisChannelError";

  /**
   * Makes an error with `code`.
   *
   * @param code Which trouble, matched by the relay.
   * @param message What happened, for people.
   * @param options The error that caused it, if any.
   */
  constructor(
    code: RedisChannelError["code"],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
  }
}

/**
 * The event a {@linkcode RedisChannel} dispatches for trouble; `error.code`
 * says which.
 *
 * @example Listen for trouble
 * ```ts
 * import { RedisChannelError, RedisChannelErrorEvent } from "@signalry/redis";
 * import { assertEquals } from "@std/assert";
 *
 * const target = new EventTarget();
 * const codes: string[] = [];
 * target.addEventListener("error", (event) => {
 *   codes.push((event as RedisChannelErrorEvent).error.code);
 * });
 * target.dispatchEvent(
 *   new RedisChannelErrorEvent(new RedisChannelError("disconnected", "lost")),
 * );
 * assertEquals(codes, ["disconnected"]);
 * ```
 */
export class RedisChannelErrorEvent extends Event {
  /** What went wrong. */
  readonly error: RedisChannelError;

  /**
   * Makes an `error` event.
   *
   * @param error What went wrong.
   */
  constructor(error: RedisChannelError) {
    super("error");
    this.error = error;
  }
}

/**
 * A channel over one Redis pub/sub channel, made by {@linkcode redisChannel}.
 * It publishes strings with `publisher` and dispatches each string heard by
 * `subscriber` as a `message` event; trouble is an `error` event whose
 * `error.code` says which.
 *
 * It never connects, quits or reconfigures the clients: they belong to the
 * user. `close()` only unsubscribes its own listener.
 *
 * @example Posts fail at once, and ready rejects, while Redis cannot be reached
 * ```ts
 * import { RedisChannel, RedisChannelError, redisChannel } from "@signalry/redis";
 * import { Redis } from "npm:ioredis@5.11.1";
 * import { assertInstanceOf, assertRejects } from "@std/assert";
 *
 * // Nothing listens on port 1; these clients try once, and queue nothing.
 * const options = { port: 1, lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null };
 * const publisher = new Redis(options).on("error", () => {});
 * const subscriber = new Redis(options).on("error", () => {});
 * const channel = redisChannel({ publisher, subscriber, channel: "app" });
 * assertInstanceOf(channel, RedisChannel);
 * await assertRejects(() => channel.ready, RedisChannelError, "Cannot subscribe");
 * await assertRejects(() => channel.postMessage("hello"), RedisChannelError, "not connected");
 * await channel.close();
 * publisher.disconnect();
 * subscriber.disconnect();
 * ```
 */
export class RedisChannel extends EventTarget {
  /** The Redis channel name. */
  readonly name: string;
  /** How the relay encodes each send's params; the same in every process. */
  readonly codec: RedisCodec;
  #publisher: ClientPort;
  #subscriber: ClientPort;
  #ready: Promise<void>;
  #subscribed = false;
  #closed = false;
  #unwatch: () => void;
  /** Settles `ready` as the next subscription does, while one is awaited. */
  #resolveWaiting: ((subscribed: Promise<void>) => void) | undefined;
  #listener = (text: string) => {
    if (this.#closed) return;
    this.dispatchEvent(new MessageEvent("message", { data: text }));
  };

  /**
   * Use {@linkcode redisChannel}, which checks its options.
   *
   * @param publisher The publishing client, wrapped.
   * @param subscriber The subscribing client, wrapped.
   * @param name The Redis channel name.
   * @param codec The codec the relay uses.
   */
  constructor(
    publisher: ClientPort,
    subscriber: ClientPort,
    name: string,
    codec: RedisCodec,
  ) {
    super();
    this.name = name;
    this.codec = codec;
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#unwatch = subscriber.watch((state) => this.#onSubscriberState(state));
    this.#ready = this.#subscribe();
  }

  /**
   * Resolves once the subscription is active, and again after each
   * reconnect, once the subscriber has resubscribed. It rejects (and an
   * `error` event says so) when SUBSCRIBE fails.
   */
  get ready(): Promise<void> {
    return this.#ready;
  }

  /**
   * Publishes `message`. The publisher must be ready: while it is
   * disconnected the post fails at once with code `"unavailable"`, rather
   * than waiting in the client's offline queue to be delivered late, or after
   * the subscribers resubscribed, or never.
   *
   * @param message The text to publish.
   * @returns A promise that resolves once Redis has taken the message, and
   * rejects with a {@linkcode RedisChannelError} (code `"unavailable"` or
   * `"publish"`) when it did not.
   * @throws {TypeError} If `message` is not a string.
   */
  postMessage(message: string): Promise<void> {
    if (typeof message !== "string") {
      throw new TypeError(
        "Cannot post message: value is not a string (the relay encodes sends before posting)",
      );
    }
    if (this.#closed) {
      return Promise.reject(
        new RedisChannelError("unavailable", "Cannot publish: channel closed"),
      );
    }
    if (!this.#publisher.isReady()) {
      return Promise.reject(
        new RedisChannelError(
          "unavailable",
          `Cannot publish to Redis channel "${this.name}": the publisher (${this.#publisher.library}) is not connected`,
        ),
      );
    }
    return this.#publisher.publish(this.name, message).then(
      () => {},
      (error) => {
        throw new RedisChannelError(
          "publish",
          `Cannot publish to Redis channel "${this.name}": ${
            error instanceof Error ? error.message : String(error)
          }`,
          { cause: error },
        );
      },
    );
  }

  /**
   * Stops dispatching, unsubscribes this channel's listener and stops
   * watching the subscriber. The clients stay connected. Idempotent.
   *
   * @returns A promise that resolves once UNSUBSCRIBE was answered or failed,
   * or at once while the subscriber is disconnected.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unwatch();
    const unsubscribed = this.#subscriber.unsubscribe(this.name, this.#listener)
      .then(() => {}, () => {});
    // While disconnected, UNSUBSCRIBE waits in the client's offline queue
    // (and the server forgot the subscription anyway): do not wait for it.
    if (this.#subscriber.isReady()) await unsubscribed;
  }

  #subscribe(): Promise<void> {
    const subscribed = this.#subscriber.subscribe(this.name, this.#listener)
      .then(
        () => {
          this.#subscribed = true;
        },
        (cause) => {
          const error = new RedisChannelError(
            "subscribe",
            `Cannot subscribe to Redis channel "${this.name}": ${
              cause instanceof Error ? cause.message : String(cause)
            }`,
            { cause },
          );
          if (!this.#closed) {
            this.dispatchEvent(new RedisChannelErrorEvent(error));
          }
          throw error;
        },
      );
    // Whoever awaits `ready` sees the rejection; nobody else must have to.
    subscribed.catch(() => {});
    return subscribed;
  }

  #onSubscriberState(state: "up" | "down"): void {
    if (this.#closed) return;
    if (state === "down") {
      if (!this.#subscribed) return;
      this.#subscribed = false;
      // `ready` waits for the resubscription from now on.
      this.#ready = new Promise((resolve) => {
        this.#resolveWaiting = resolve;
      });
      this.#ready.catch(() => {});
      this.dispatchEvent(
        new RedisChannelErrorEvent(
          new RedisChannelError(
            "disconnected",
            `Lost the subscriber's connection to Redis channel "${this.name}" (the server went away, or dropped a slow subscriber under client-output-buffer-limit pubsub): messages published until it resubscribes are lost`,
          ),
        ),
      );
      return;
    }
    if (this.#subscribed) return;
    // Subscribing again is harmless (node-redis has already resubscribed by
    // "ready"; ioredis resubscribes after it), and its reply says when the
    // subscription is active again.
    const resolveWaiting = this.#resolveWaiting;
    this.#resolveWaiting = undefined;
    this.#ready = this.#subscribe();
    resolveWaiting?.(this.#ready);
  }
}

/**
 * Makes a channel over the Redis pub/sub channel `options.channel`, for
 * `relay()` from `@signalry/signalry/relay`. Give it the node-redis (`redis`
 * 4 or 5) or ioredis clients you made and connected: one that publishes and
 * one that subscribes. It never creates, connects or quits a client.
 *
 * Use one channel object per relay.
 *
 * @param options The clients, the channel name and, optionally, a codec.
 * @returns A channel that is subscribing; its `ready` resolves once it listens.
 * @throws {TypeError} If a client is not a node-redis or ioredis client, or
 * is closed (never connected, or quit), if one client is passed as both, if `publisher` is in subscriber mode, if
 * `channel` is not a non-empty string, or if `codec` has no `encode` and
 * `decode` functions.
 *
 * @example A client that is not node-redis or ioredis is refused
 * ```ts
 * import { redisChannel } from "@signalry/redis";
 * import { assertThrows } from "@std/assert";
 *
 * assertThrows(
 *   () => redisChannel({ publisher: {} as never, subscriber: {} as never, channel: "app" }),
 *   TypeError,
 *   "publisher is neither a node-redis client",
 * );
 * ```
 *
 * @example Relay a Signal between processes (needs a redis-server)
 * ```ts ignore
 * import { relay } from "@signalry/signalry/relay";
 * import { Signal } from "@signalry/signalry";
 * import { redisChannel } from "@signalry/redis";
 * import { createClient } from "redis";
 *
 * const publisher = await createClient({ url: "redis://127.0.0.1:6379" }).connect();
 * const subscriber = await publisher.duplicate().connect();
 * const saved = new Signal<{ id: number }>({ name: "saved" });
 * const channel = redisChannel({ publisher, subscriber, channel: "app" });
 * await using _relay = relay(channel, { signals: [saved] });
 * await channel.ready;
 * saved.send("db", { id: 1 }); // heard by every process on "app"
 * ```
 */
export function redisChannel(options: RedisChannelOptions): RedisChannel {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      "Cannot create Redis channel: options is not an object with publisher, subscriber and channel",
    );
  }
  const { publisher, subscriber, channel, codec = devalueCodec } = options;
  if (publisher === subscriber && publisher !== undefined) {
    throw new TypeError(
      "Cannot create Redis channel: publisher and subscriber are the same client (a Redis connection in subscriber mode cannot publish; pass a second client, e.g. publisher.duplicate())",
    );
  }
  const publisherPort = clientPort(publisher, "publisher");
  const subscriberPort = clientPort(subscriber, "subscriber");
  if (publisherPort.library !== subscriberPort.library) {
    throw new TypeError(
      `Cannot create Redis channel: publisher is a ${publisherPort.library} client and subscriber a ${subscriberPort.library} client (use two clients of one library)`,
    );
  }
  for (
    const [argument, port] of [["publisher", publisherPort], [
      "subscriber",
      subscriberPort,
    ]] as const
  ) {
    if (!port.isOpen()) {
      throw new TypeError(
        `Cannot create Redis channel: ${argument} (${port.library}) is not connected; connect it first (the channel never connects or quits a client)`,
      );
    }
  }
  if (publisherPort.isSubscriber()) {
    throw new TypeError(
      "Cannot create Redis channel: publisher is in subscriber mode (a Redis connection in subscriber mode cannot publish; pass a client that subscribes to nothing)",
    );
  }
  if (typeof channel !== "string" || channel === "") {
    throw new TypeError(
      "Cannot create Redis channel: channel is not a non-empty string",
    );
  }
  if (
    typeof codec !== "object" || codec === null ||
    typeof codec.encode !== "function" || typeof codec.decode !== "function"
  ) {
    throw new TypeError(
      "Cannot create Redis channel: codec is not an object with encode and decode functions",
    );
  }
  return new RedisChannel(publisherPort, subscriberPort, channel, codec);
}
