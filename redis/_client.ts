/**
 * The two Redis client libraries behind one small interface. node-redis
 * (`redis` 4 and 5) and ioredis differ in how they subscribe, how they report
 * their connection state and how a message reaches a listener; the channel
 * needs five things from either, listed in {@linkcode ClientPort}.
 *
 * They are told apart by shape, as `@socket.io/redis-adapter` does, so that
 * neither library is a dependency: node-redis clients have a boolean `isReady`
 * and camel-cased pub/sub methods (`sSubscribe`); ioredis clients have a
 * string `status`.
 *
 * @module
 */

/**
 * A client object from node-redis or ioredis, as the user made and connected
 * it. Only its shape is checked, at run time.
 *
 * @example Either library's client is one
 * ```ts
 * import type { RedisClient } from "@signalry/redis";
 * import { Redis } from "npm:ioredis@5.11.1";
 * import { assertEquals } from "@std/assert";
 *
 * const client: RedisClient = new Redis({ lazyConnect: true }); // not connected
 * assertEquals(typeof client.publish, "function");
 * ```
 */
export interface RedisClient {
  /** Both libraries have it; the channel calls it with a channel name and a string. */
  publish(...args: never[]): unknown;
  /** Both libraries have it. */
  subscribe(...args: never[]): unknown;
  /** Both clients are Node event emitters. */
  on(...args: never[]): unknown;
}

/** What the channel needs from a client, whichever library made it. */
export interface ClientPort {
  /** `"node-redis"` or `"ioredis"`, for messages. */
  readonly library: string;
  /** Whether a command sent now goes out at once rather than into the offline queue. */
  isReady(): boolean;
  /** Whether the connection is in subscriber mode, where it cannot publish. */
  isSubscriber(): boolean;
  /**
   * Whether the user has connected it (it may be reconnecting). A node-redis
   * client that was never connected holds commands for ever.
   */
  isOpen(): boolean;
  publish(channel: string, text: string): Promise<unknown>;
  /** Subscribes `listener` to `channel`; resolves once Redis confirmed it. */
  subscribe(
    channel: string,
    listener: (text: string) => void,
  ): Promise<unknown>;
  unsubscribe(
    channel: string,
    listener: (text: string) => void,
  ): Promise<unknown>;
  /** Calls `listener` on each change of connection: `"up"` once ready, `"down"` when lost. */
  watch(listener: (state: "up" | "down") => void): () => void;
}

type Listener = (...args: unknown[]) => void;

/** The methods both libraries' clients share, from Node's EventEmitter. */
interface Emitter {
  on(event: string, listener: Listener): unknown;
  removeListener(event: string, listener: Listener): unknown;
}

interface NodeRedis extends Emitter {
  readonly isReady: boolean;
  readonly isOpen?: boolean;
  readonly isPubSubActive?: boolean;
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(
    channel: string,
    listener: (message: string) => void,
  ): Promise<unknown>;
  unsubscribe(
    channel: string,
    listener: (message: string) => void,
  ): Promise<unknown>;
}

interface IoRedis extends Emitter {
  readonly status: string;
  readonly condition?: { subscriber?: unknown } | null;
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
}

function hasMethods(value: object, names: readonly string[]): boolean {
  const record = value as Record<string, unknown>;
  return names.every((name) => typeof record[name] === "function");
}

function isNodeRedis(client: object): client is NodeRedis {
  return typeof (client as Partial<NodeRedis>).isReady === "boolean" &&
    hasMethods(client, ["publish", "subscribe", "unsubscribe", "on"]);
}

function isIoRedis(client: object): client is IoRedis {
  return typeof (client as Partial<IoRedis>).status === "string" &&
    hasMethods(client, ["publish", "subscribe", "unsubscribe", "on"]);
}

function watchEvents(
  client: Emitter,
  events: Record<string, "up" | "down">,
  listener: (state: "up" | "down") => void,
): () => void {
  const handlers = Object.entries(events).map(([event, state]) => {
    const handler = () => listener(state);
    client.on(event, handler);
    return [event, handler] as const;
  });
  return () => {
    for (const [event, handler] of handlers) {
      client.removeListener(event, handler);
    }
  };
}

function nodeRedisPort(client: NodeRedis): ClientPort {
  // One node-redis listener per channel listener, so unsubscribe finds it.
  return {
    library: "node-redis",
    isReady: () => client.isReady,
    isSubscriber: () => client.isPubSubActive === true,
    isOpen: () => client.isOpen !== false,
    publish: (channel, text) => client.publish(channel, text),
    subscribe: (channel, listener) => client.subscribe(channel, listener),
    unsubscribe: (channel, listener) => client.unsubscribe(channel, listener),
    // node-redis emits "ready" only after it has resubscribed on reconnect.
    // No "error" listener: adding one would hide the client's errors from
    // the user, who decides what an unhandled client error does.
    watch: (listener) =>
      watchEvents(
        client,
        { ready: "up", reconnecting: "down", end: "down" },
        listener,
      ),
  };
}

function ioRedisPort(client: IoRedis): ClientPort {
  const listeners = new Map<string, Set<(text: string) => void>>();
  const onMessage = (channel: unknown, message: unknown) => {
    if (typeof channel !== "string" || typeof message !== "string") return;
    for (const listener of listeners.get(channel) ?? []) listener(message);
  };
  return {
    library: "ioredis",
    isReady: () => client.status === "ready",
    isSubscriber: () => Boolean(client.condition?.subscriber),
    // A lazy client connects on its first command; a quit one rejects it.
    isOpen: () => client.status !== "end",
    publish: (channel, text) => client.publish(channel, text),
    subscribe: (channel, listener) => {
      if (listeners.size === 0) client.on("message", onMessage as Listener);
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
      return client.subscribe(channel);
    },
    unsubscribe: (channel, listener) => {
      const set = listeners.get(channel);
      set?.delete(listener);
      if (set?.size === 0) listeners.delete(channel);
      if (listeners.size === 0) {
        client.removeListener("message", onMessage as Listener);
      }
      // Another listener of this port still needs the subscription.
      return set?.size ? Promise.resolve() : client.unsubscribe(channel);
    },
    // ioredis emits "ready" before it resubscribes (autoResubscribe): the
    // channel subscribes again itself on "up" and waits for that reply.
    watch: (listener) =>
      watchEvents(
        client,
        { ready: "up", close: "down", reconnecting: "down", end: "down" },
        listener,
      ),
  };
}

/**
 * Wraps a node-redis or ioredis client, told apart by its shape.
 *
 * @throws {TypeError} If `client` is neither, naming `argument`.
 */
export function clientPort(client: unknown, argument: string): ClientPort {
  if (typeof client !== "object" || client === null) {
    throw new TypeError(
      `Cannot create Redis channel: ${argument} is not a node-redis or ioredis client object`,
    );
  }
  if (isNodeRedis(client)) return nodeRedisPort(client);
  if (isIoRedis(client)) return ioRedisPort(client);
  throw new TypeError(
    `Cannot create Redis channel: ${argument} is neither a node-redis client (boolean isReady, publish, subscribe) nor an ioredis client (string status, publish, subscribe)`,
  );
}
