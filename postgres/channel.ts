/**
 * `pgChannel()`: a BroadcastChannel-shaped channel over Postgres
 * LISTEN/NOTIFY, for `relay()` from `@signalry/signalry/relay`, with the
 * node-postgres (`pg`) clients the application already made.
 *
 * @module
 */

/**
 * The most UTF-8 bytes one NOTIFY payload may have: Postgres refuses 8,000
 * bytes and more ("payload string too long").
 */
export const PG_MAX_PAYLOAD_BYTES = 7_999;

/** Postgres truncates identifiers, channel names included, to 63 bytes. */
const MAX_CHANNEL_BYTES = 63;
/** The first wait before asking the listener factory again; it doubles up to the cap. */
const RECONNECT_FIRST_MS = 50;
const RECONNECT_MAX_MS = 2_000;
/** How long close() waits for UNLISTEN. */
const CLOSE_WAIT_MS = 5_000;

/**
 * A node-postgres client (`pg.Client`, or a client checked out of a
 * `pg.Pool`) or a `pg.Pool`, as the user made and connected it. Only its
 * shape is checked, at run time, so `pg` is no dependency of this package.
 *
 * @example A pg.Client and a pg.Pool are both one
 * ```ts
 * import type { PgClient } from "@signalry/postgres";
 * import pg from "npm:pg@8.23.1";
 * import { assertEquals } from "@std/assert";
 *
 * const clients: PgClient[] = [new pg.Client(), new pg.Pool()]; // not connected
 * assertEquals(clients.map((client) => typeof client.query), ["function", "function"]);
 * ```
 */
export interface PgClient {
  /** Runs a query; node-postgres returns a promise when no callback is given. */
  query(...args: never[]): unknown;
  /** Clients and pools are Node event emitters. */
  on(...args: never[]): unknown;
  /** Clients and pools are Node event emitters. */
  removeListener(...args: never[]): unknown;
}

/**
 * Makes a new connected `pg.Client` that the channel LISTENs on; it is
 * called once at the start and again each time the listening connection is
 * lost. The channel never ends what it returns: end `channel.listener` after
 * `channel.close()`.
 */
export type PgListenerFactory = () => PgClient | PromiseLike<PgClient>;

/**
 * Turns the params of each send into text, and back. Without one, the relay
 * uses its own codec, which carries Date, Map, Set, BigInt and the rest of
 * its plain data.
 *
 * @example A codec of your own (here JSON, which carries less than the default)
 * ```ts
 * import type { PgCodec } from "@signalry/postgres";
 * import { assertEquals } from "@std/assert";
 *
 * const json: PgCodec = { encode: JSON.stringify, decode: JSON.parse };
 * assertEquals(json.decode(json.encode({ id: 1 })), { id: 1 });
 * ```
 */
export interface PgCodec {
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

/**
 * Options of {@linkcode pgChannel}.
 *
 * @example The listener must be a client or a function
 * ```ts
 * import { pgChannel, type PgChannelOptions } from "@signalry/postgres";
 * import pg from "npm:pg@8.23.1";
 * import { assertThrows } from "@std/assert";
 *
 * const options: PgChannelOptions = {
 *   listener: "postgres://localhost" as never,
 *   notifier: new pg.Pool(), // never connects here
 *   channel: "app",
 * };
 * assertThrows(() => pgChannel(options), TypeError, "listener is neither");
 * ```
 */
export interface PgChannelOptions {
  /**
   * Where the channel LISTENs: a connected `pg.Client`, or better a function
   * that makes one ({@linkcode PgListenerFactory}). A node-postgres client
   * whose connection was lost can never be used again, so only with a
   * function does the channel listen again after a lost connection; with a
   * client it reports the loss and stays deaf. Give it a client of its own,
   * outside any transaction: a session gets its notifications only between
   * transactions. Not a `pg.Pool`: a LISTEN belongs to one connection.
   */
  listener: PgClient | PgListenerFactory;
  /**
   * What runs `SELECT pg_notify($1, $2)`: a `pg.Pool` (a NOTIFY then
   * commits at once), or a connected `pg.Client` (which may be `listener`
   * itself, or a client in the user's transaction; see the README).
   */
  notifier: PgClient;
  /** The Postgres channel name (at most 63 bytes): every process that should hear each other uses the same one. */
  channel: string;
  /** Replaces the relay's own codec for each send's params; every process on the channel must use the same one. */
  codec?: PgCodec | undefined;
  /**
   * Every this many milliseconds, the channel runs `SELECT 1` on the
   * listening client; a ping that fails or goes unanswered for as long
   * counts as a lost connection (reported, and listened again with a new
   * client when `listener` is a function). This finds a connection that died
   * without a word (a network partition), as pg-listen's "paranoid" check
   * does. Off by default. The abandoned client is left to you to end.
   */
  pingInterval?: number | undefined;
}

/**
 * What a channel's `error` events carry, and its posts reject with: an error
 * with a `code` the relay knows. Match on `code`, not on the class: two
 * copies of this package may be loaded.
 *
 * @example Match on the code
 * ```ts
 * import { PgChannelError } from "@signalry/postgres";
 * import { assertEquals } from "@std/assert";
 *
 * const error: unknown = new PgChannelError("unavailable", "Postgres is down");
 * assertEquals((error as { code?: unknown }).code, "unavailable");
 * ```
 */
export class PgChannelError extends Error {
  /**
   * `"unavailable"` (the notifier cannot reach Postgres: nothing was sent),
   * `"publish"` (the NOTIFY failed), `"disconnected"` (the listening
   * connection was lost: what is sent until it listens again is lost) or
   * `"subscribe"` (LISTEN, or the listener factory, failed).
   */
  readonly code: "unavailable" | "publish" | "disconnected" | "subscribe";
  /** Always `"PgChannelError"`. */
  override name = "PgChannelError";

  /**
   * Makes an error with `code`.
   *
   * @param code Which trouble, matched by the relay.
   * @param message What happened, for people.
   * @param options The error that caused it, if any.
   */
  constructor(
    code: PgChannelError["code"],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
  }
}

/**
 * The event a {@linkcode PgChannel} dispatches for trouble; `error.code`
 * says which.
 *
 * @example Listen for trouble
 * ```ts
 * import { PgChannelError, PgChannelErrorEvent } from "@signalry/postgres";
 * import { assertEquals } from "@std/assert";
 *
 * const target = new EventTarget();
 * const codes: string[] = [];
 * target.addEventListener("error", (event) => {
 *   codes.push((event as PgChannelErrorEvent).error.code);
 * });
 * target.dispatchEvent(new PgChannelErrorEvent(new PgChannelError("disconnected", "lost")));
 * assertEquals(codes, ["disconnected"]);
 * ```
 */
export class PgChannelErrorEvent extends Event {
  /** What went wrong. */
  readonly error: PgChannelError;

  /**
   * Makes an `error` event.
   *
   * @param error What went wrong.
   */
  constructor(error: PgChannelError) {
    super("error");
    this.error = error;
  }
}

interface Notification {
  readonly channel?: unknown;
  readonly payload?: unknown;
}

type Listener = (...args: never[]) => unknown;

const IGNORE: Listener = () => {};

interface EmitterPort {
  on(event: string, listener: Listener): unknown;
  removeListener(event: string, listener: Listener): unknown;
  query(text: string, values?: readonly unknown[]): PromiseLike<unknown>;
}

/** What LISTENs on each client, so that two channels of one name on one client share the LISTEN. */
const LISTENS = new WeakMap<object, Map<string, number>>();

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      // A surrogate pair: 4 bytes for 2 UTF-16 units.
      bytes += 2;
      i++;
    } else bytes += 2;
  }
  return bytes;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether node-postgres would send a query from `client` now, rather than queue or fail it. */
function isDown(client: object): boolean {
  const state = client as {
    ending?: unknown;
    _ending?: unknown;
    _queryable?: unknown;
  };
  // A pg.Pool that is ending, or a pg.Client that was ended or lost its connection.
  return state.ending === true || state._ending === true ||
    state._queryable === false;
}

/** Errors that mean the NOTIFY never reached Postgres. */
function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (
    typeof code === "string" &&
    (/^(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH)$/.test(code) ||
      code === "57P03") // cannot_connect_now: starting up or shutting down
  ) return true;
  return /not queryable|Cannot use a pool after calling end/.test(
    messageOf(error),
  );
}

function looksLikeClient(value: unknown): value is PgClient {
  return typeof value === "object" && value !== null &&
    typeof (value as { query?: unknown }).query === "function" &&
    typeof (value as { on?: unknown }).on === "function" &&
    typeof (value as { removeListener?: unknown }).removeListener ===
      "function";
}

function isPool(value: object): boolean {
  return typeof (value as { totalCount?: unknown }).totalCount === "number";
}

/**
 * A channel over one Postgres LISTEN/NOTIFY channel, made by
 * {@linkcode pgChannel}. It sends each string with `SELECT pg_notify($1, $2)`
 * on `notifier` and dispatches each notification heard on the listening
 * client as a `message` event; trouble is an `error` event whose
 * `error.code` says which.
 *
 * It never connects or ends a client: they belong to the user. `close()`
 * only stops listening (UNLISTEN, unless another channel object on the same
 * client still listens to the same name).
 *
 * @example A message over 7,999 bytes is refused before anything is sent
 * ```ts
 * import { PG_MAX_PAYLOAD_BYTES, pgChannel } from "@signalry/postgres";
 * import pg from "npm:pg@8.23.1";
 * import { assertEquals, assertThrows } from "@std/assert";
 *
 * const notifier = new pg.Pool(); // never connects here
 * const channel = pgChannel({ listener: () => new Promise(() => {}), notifier, channel: "app" });
 * assertEquals(channel.maxBytes, PG_MAX_PAYLOAD_BYTES);
 * assertThrows(() => channel.postMessage("é".repeat(4_000)), RangeError, "8000 bytes");
 * await channel.close();
 * ```
 */
export class PgChannel extends EventTarget {
  /** The Postgres channel name. */
  readonly name: string;
  /** The channel's codec, if one was given (the relay then uses it). */
  readonly codec: PgCodec | undefined;
  /** The most UTF-8 bytes one posted message may have: {@linkcode PG_MAX_PAYLOAD_BYTES}. */
  readonly maxBytes: number = PG_MAX_PAYLOAD_BYTES;
  #notifier: EmitterPort;
  #factory: PgListenerFactory | undefined;
  #listener: EmitterPort | undefined;
  #ready: Promise<void>;
  #resolveWaiting: (() => void) | undefined;
  #listening = false;
  #closed = false;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #pingInterval: number | undefined;
  #pingTimer: ReturnType<typeof setTimeout> | undefined;
  /** Settles when the last NOTIFY handed to the notifier has. */
  #previous: Promise<void> = Promise.resolve();
  /** NOTIFYs handed over and not yet settled. */
  #inFlight = 0;

  #onNotification = (notification: Notification) => {
    if (this.#closed || notification?.channel !== this.name) return;
    this.dispatchEvent(
      new MessageEvent("message", { data: notification.payload ?? "" }),
    );
  };
  #onLost = (error?: unknown) => this.#lost(error);

  /**
   * Use {@linkcode pgChannel}, which checks its options.
   *
   * @param listener The listening client, or a function that makes one.
   * @param notifier The client or pool that runs pg_notify.
   * @param name The Postgres channel name.
   * @param codec The codec the relay uses, if any.
   * @param pingInterval How often to ping the listening client, if at all.
   */
  constructor(
    listener: PgClient | PgListenerFactory,
    notifier: PgClient,
    name: string,
    codec: PgCodec | undefined,
    pingInterval?: number,
  ) {
    super();
    this.#pingInterval = pingInterval;
    this.name = name;
    this.codec = codec;
    this.#notifier = notifier as unknown as EmitterPort;
    if (typeof listener === "function") {
      this.#factory = listener;
      this.#ready = this.#listenWith(undefined);
    } else {
      this.#ready = this.#listenWith(listener as unknown as EmitterPort);
    }
  }

  /**
   * Resolves once LISTEN is active, and again after each lost connection,
   * once the channel listens again. It rejects (and an `error` event says
   * so) when LISTEN or the listener factory fails at the start; with a
   * client rather than a factory, it rejects after the connection is lost.
   */
  get ready(): Promise<void> {
    return this.#ready;
  }

  /**
   * The client listening now (with a factory: the latest it made), or
   * undefined before the factory answered. End it after `close()` if your
   * factory made it.
   */
  get listener(): PgClient | undefined {
    return this.#listener as unknown as PgClient | undefined;
  }

  /**
   * Sends `message` with `SELECT pg_notify(channel, message)`. While the
   * notifier cannot reach Postgres, the post fails at once with code
   * `"unavailable"`, rather than waiting in a queue.
   *
   * @param message The text to send.
   * @returns A promise that resolves once Postgres ran the NOTIFY (inside a
   * transaction, Postgres delivers it at commit), and rejects with a
   * {@linkcode PgChannelError} (code `"unavailable"` or `"publish"`) when it
   * did not.
   * @throws {TypeError} If `message` is not a string.
   * @throws {RangeError} If `message` has more than {@linkcode PG_MAX_PAYLOAD_BYTES}
   * bytes in UTF-8, which Postgres would refuse.
   */
  postMessage(message: string): Promise<void> {
    if (typeof message !== "string") {
      throw new TypeError(
        "Cannot post message: value is not a string (the relay encodes sends before posting)",
      );
    }
    const bytes = utf8Length(message);
    if (bytes > this.maxBytes) {
      throw new RangeError(
        `Cannot notify Postgres channel "${this.name}": the message is ${bytes} bytes, over the NOTIFY payload limit of ${this.maxBytes} bytes`,
      );
    }
    if (this.#closed) {
      return Promise.reject(
        new PgChannelError("unavailable", "Cannot notify: channel closed"),
      );
    }
    if (isDown(this.#notifier)) {
      return Promise.reject(
        new PgChannelError(
          "unavailable",
          `Cannot notify Postgres channel "${this.name}": the notifier is ended or lost its connection`,
        ),
      );
    }
    // One NOTIFY at a time: a pool would run them on several connections,
    // and Postgres delivers in commit order, not in the order they were sent.
    const notify = () =>
      this.#notifier.query("SELECT pg_notify($1, $2)", [this.name, message]);
    const notified =
      (this.#inFlight === 0
        ? new Promise((resolve) => resolve(notify()))
        : this.#previous.then(notify)).then(
          () => {},
          (error) => {
            throw this.#postError(error);
          },
        );
    this.#inFlight++;
    this.#previous = notified.then(
      () => void this.#inFlight--,
      () => void this.#inFlight--,
    );
    return notified;
  }

  /**
   * Stops dispatching and listening: UNLISTEN (unless another channel object
   * on the same client listens to the same name), and stops watching the
   * client. The clients stay connected. Idempotent.
   *
   * @returns A promise that resolves once UNLISTEN was answered or failed,
   * or after 5 s without an answer.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#pingTimer);
    this.#resolveWaiting?.();
    const listener = this.#listener;
    if (listener === undefined || !this.#listening) {
      if (listener !== undefined) this.#unwatch(listener);
      return;
    }
    this.#listening = false;
    this.#unwatch(listener);
    if (this.#release(listener) && !isDown(listener)) {
      // Bounded: a connection that hangs would never answer.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.resolve(
          listener.query(`UNLISTEN ${quoteIdentifier(this.name)}`),
        ).then(() => {}, () => {}),
        new Promise((resolve) => timer = setTimeout(resolve, CLOSE_WAIT_MS)),
      ]);
      clearTimeout(timer);
    }
  }

  #postError(error: unknown): PgChannelError {
    const unreachable = isUnreachable(error);
    return new PgChannelError(
      unreachable ? "unavailable" : "publish",
      `Cannot notify Postgres channel "${this.name}": ${messageOf(error)}`,
      { cause: error },
    );
  }

  #watch(listener: EmitterPort): void {
    listener.on("notification", this.#onNotification as Listener);
    listener.on("error", this.#onLost as Listener);
    listener.on("end", this.#onLost as Listener);
  }

  #unwatch(listener: EmitterPort): void {
    listener.removeListener("notification", this.#onNotification as Listener);
    listener.removeListener("error", this.#onLost as Listener);
    listener.removeListener("end", this.#onLost as Listener);
  }

  /** Counts one more LISTEN of this name on `listener`; true if it is the first. */
  #retain(listener: object): boolean {
    let names = LISTENS.get(listener);
    if (names === undefined) LISTENS.set(listener, names = new Map());
    const count = names.get(this.name) ?? 0;
    names.set(this.name, count + 1);
    return count === 0;
  }

  /** Counts one LISTEN of this name less on `listener`; true if it was the last. */
  #release(listener: object): boolean {
    const names = LISTENS.get(listener);
    const count = names?.get(this.name) ?? 0;
    if (count <= 1) {
      names?.delete(this.name);
      return true;
    }
    names?.set(this.name, count - 1);
    return false;
  }

  /**
   * Gets a listener (from the factory when `given` is undefined) and LISTENs
   * on it. A failure is reported as an `error` event unless `quiet` (the
   * retries of one outage after the first).
   */
  async #listenWith(
    given: EmitterPort | undefined,
    quiet = false,
  ): Promise<void> {
    let listener = given;
    try {
      if (listener === undefined) {
        const made = await this.#factory!();
        if (!looksLikeClient(made) || isPool(made)) {
          throw new TypeError(
            "the listener factory did not return a pg.Client",
          );
        }
        if ((made as { _connected?: unknown })._connected === false) {
          throw new TypeError(
            "the listener factory returned a pg.Client that is not connected (await client.connect() in it)",
          );
        }
        listener = made as unknown as EmitterPort;
      }
      // Even when closed meanwhile: `listener` tells the user what to end.
      this.#listener = listener;
      if (this.#closed) return;
      this.#watch(listener);
      if (this.#retain(listener)) {
        await listener.query(`LISTEN ${quoteIdentifier(this.name)}`);
      }
      if (this.#closed) return;
      this.#listening = true;
      this.#schedulePing(listener);
    } catch (cause) {
      if (listener !== undefined) {
        this.#unwatch(listener);
        this.#release(listener);
      }
      const error = new PgChannelError(
        "subscribe",
        `Cannot listen to Postgres channel "${this.name}": ${messageOf(cause)}`,
        { cause },
      );
      if (!this.#closed && !quiet) {
        this.dispatchEvent(new PgChannelErrorEvent(error));
      }
      throw error;
    }
  }

  #lost(cause: unknown): void {
    if (this.#closed) return;
    const listener = this.#listener;
    if (listener === undefined) return;
    const wasListening = this.#listening;
    this.#listening = false;
    clearTimeout(this.#pingTimer);
    this.#unwatch(listener);
    // A lost client may still emit "error"; with no listener, Node would throw it.
    listener.on("error", IGNORE);
    LISTENS.delete(listener);
    // pg emits "error" then "end" for one loss: report it once.
    if (!wasListening) return;
    const recovers = this.#factory !== undefined;
    const error = new PgChannelError(
      "disconnected",
      `Lost the listening connection to Postgres channel "${this.name}"${
        cause instanceof Error ? ` (${cause.message})` : ""
      }: ${
        recovers
          ? "notifications sent until it listens again are lost"
          : "a lost pg.Client cannot be used again, so the channel stays deaf (pass listener as a function that makes a new client)"
      }`,
      { cause },
    );
    if (recovers) {
      this.#ready = new Promise((resolve) => {
        this.#resolveWaiting = resolve;
      });
      this.#relisten(RECONNECT_FIRST_MS);
    } else {
      this.#ready = Promise.reject(error);
    }
    this.#ready.catch(() => {});
    this.dispatchEvent(new PgChannelErrorEvent(error));
  }

  /** Pings `listener` after the interval, and again after each answer, while it is the one listening. */
  #schedulePing(listener: EmitterPort): void {
    const interval = this.#pingInterval;
    if (interval === undefined) return;
    clearTimeout(this.#pingTimer);
    this.#pingTimer = setTimeout(() => {
      if (this.#closed || this.#listener !== listener || !this.#listening) {
        return;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `the listening connection did not answer a ping within ${interval} ms`,
              ),
            ),
          interval,
        );
      });
      Promise.race([listener.query("SELECT 1"), timeout]).then(
        () => {
          clearTimeout(timer);
          if (this.#listener === listener) this.#schedulePing(listener);
        },
        (error) => {
          clearTimeout(timer);
          if (this.#listener === listener) this.#lost(error);
        },
      );
    }, interval);
  }

  #relisten(delay: number): void {
    this.#listenWith(undefined, delay > RECONNECT_FIRST_MS).then(
      () => {
        const resolve = this.#resolveWaiting;
        this.#resolveWaiting = undefined;
        resolve?.();
      },
      () => {
        if (this.#closed) return;
        this.#reconnectTimer = setTimeout(
          () => this.#relisten(Math.min(delay * 2, RECONNECT_MAX_MS)),
          delay,
        );
      },
    );
  }
}

/**
 * Makes a channel over the Postgres LISTEN/NOTIFY channel
 * `options.channel`, for `relay()` from `@signalry/signalry/relay`. Give it
 * the node-postgres objects you made: a listener (a function that makes a
 * connected `pg.Client`, so that the channel can listen again after a lost
 * connection, or one connected client) and a notifier (a `pg.Pool` or a
 * connected client). It never connects or ends a client.
 *
 * Use one channel object per relay. A message is at most 7,999 bytes
 * (Postgres's NOTIFY limit): the channel says so in `maxBytes`.
 *
 * @param options The listener, the notifier, the channel name and, optionally, a codec.
 * @returns A channel that is starting to listen; its `ready` resolves once it listens.
 * @throws {TypeError} If `listener` is neither a function nor a client, or
 * is a `pg.Pool`, if `notifier` is not a client or pool, if a client given
 * is not connected, if `channel` is not
 * a non-empty string of at most 63 bytes without NUL, if `codec` has no
 * `encode` and `decode` functions, or if `pingInterval` is not a positive
 * integer.
 *
 * @example A pool cannot listen
 * ```ts
 * import { pgChannel } from "@signalry/postgres";
 * import pg from "npm:pg@8.23.1";
 * import { assertThrows } from "@std/assert";
 *
 * const pool = new pg.Pool(); // never connects here
 * assertThrows(
 *   () => pgChannel({ listener: pool, notifier: pool, channel: "app" }),
 *   TypeError,
 *   "listener is a pg.Pool",
 * );
 * ```
 *
 * @example Relay a Signal between processes (needs a Postgres server)
 * ```ts ignore
 * import { relay } from "@signalry/signalry/relay";
 * import { Signal } from "@signalry/signalry";
 * import { pgChannel } from "@signalry/postgres";
 * import pg from "pg";
 *
 * const url = "postgres://127.0.0.1:5432/app";
 * const pool = new pg.Pool({ connectionString: url });
 * const listener = async () => {
 *   const client = new pg.Client({ connectionString: url });
 *   await client.connect();
 *   return client;
 * };
 * const saved = new Signal<{ id: number }>({ name: "saved" });
 * const channel = pgChannel({ listener, notifier: pool, channel: "app" });
 * await using _relay = relay(channel, { signals: [saved] });
 * await channel.ready;
 * saved.send("db", { id: 1 }); // heard by every process on "app"
 * ```
 */
export function pgChannel(options: PgChannelOptions): PgChannel {
  const action = "Cannot create Postgres channel";
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `${action}: options is not an object with listener, notifier and channel`,
    );
  }
  const { listener, notifier, channel, codec, pingInterval } = options;
  if (typeof listener !== "function") {
    if (!looksLikeClient(listener)) {
      throw new TypeError(
        `${action}: listener is neither a function that makes a pg.Client nor a pg.Client`,
      );
    }
    if (isPool(listener)) {
      throw new TypeError(
        `${action}: listener is a pg.Pool (a LISTEN belongs to one connection; pass a function that makes a pg.Client)`,
      );
    }
  }
  if (!looksLikeClient(notifier)) {
    throw new TypeError(
      `${action}: notifier is neither a pg.Pool nor a pg.Client`,
    );
  }
  for (
    const [argument, client] of [["listener", listener], [
      "notifier",
      notifier,
    ]] as const
  ) {
    // A pg.Client never connected holds its queries until connect(): for ever.
    if (
      typeof client === "object" && !isPool(client) &&
      (client as { _connected?: unknown })._connected === false
    ) {
      throw new TypeError(
        `${action}: ${argument} is a pg.Client that is not connected; await client.connect() first (the channel never connects a client)`,
      );
    }
  }
  if (
    typeof channel !== "string" || channel === "" || channel.includes("\0") ||
    utf8Length(channel) > MAX_CHANNEL_BYTES
  ) {
    throw new TypeError(
      `${action}: channel is not a non-empty string of at most ${MAX_CHANNEL_BYTES} bytes without NUL`,
    );
  }
  if (
    codec !== undefined &&
    (typeof codec !== "object" || codec === null ||
      typeof codec.encode !== "function" || typeof codec.decode !== "function")
  ) {
    throw new TypeError(
      `${action}: codec is not an object with encode and decode functions`,
    );
  }
  if (
    pingInterval !== undefined &&
    (!Number.isSafeInteger(pingInterval) || pingInterval < 1)
  ) {
    throw new TypeError(
      `${action}: pingInterval is not a positive integer of milliseconds`,
    );
  }
  return new PgChannel(listener, notifier, channel, codec, pingInterval);
}
